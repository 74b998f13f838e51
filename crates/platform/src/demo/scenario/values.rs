//! Reading values whose mistakes should be told in plain words: per-environment values
//! and whole numbers with a range.

use super::limits::{MAX_AGO_MINUTES, MAX_REPLICAS, MAX_WEIGHT};
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, de::Error as _};
use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

/// A value given once for all environments, or per environment with an optional `default`.
#[derive(Debug, Clone)]
pub enum PerEnv<T> {
    All(T),
    ByEnv(BTreeMap<String, T>),
}

impl<T: Clone> PerEnv<T> {
    pub fn get(&self, env: &str) -> Option<T> {
        match self {
            PerEnv::All(v) => Some(v.clone()),
            PerEnv::ByEnv(m) => m.get(env).or_else(|| m.get("default")).cloned(),
        }
    }

    /// The environments named (not `default`).
    pub fn env_names(&self) -> Vec<&str> {
        match self {
            PerEnv::All(_) => vec![],
            PerEnv::ByEnv(m) => m
                .keys()
                .map(String::as_str)
                .filter(|k| *k != "default")
                .collect(),
        }
    }

    /// The key of the table entry that gives `env` its value (`env` or `default`), if
    /// the value is given per environment.
    pub fn key_for<'a>(&'a self, env: &'a str) -> Option<&'a str> {
        match self {
            PerEnv::All(_) => None,
            PerEnv::ByEnv(m) if m.contains_key(env) => Some(env),
            PerEnv::ByEnv(_) => Some("default"),
        }
    }
}

/// A scalar a per-environment value can hold.
pub trait EnvValue: Sized {
    /// What is expected, in words ("a whole number of 0 or more").
    const EXPECTED: &'static str;
    /// The same as a noun in "a table of environment = …" ("whole number").
    const NOUN: &'static str;
    fn from_integer(v: i64) -> Option<Self>;
    fn from_text(v: &str) -> Option<Self>;
}

impl EnvValue for u32 {
    const EXPECTED: &'static str = "a whole number of 0 or more";
    const NOUN: &'static str = "whole number";
    fn from_integer(v: i64) -> Option<Self> {
        u32::try_from(v).ok()
    }
    fn from_text(_: &str) -> Option<Self> {
        None
    }
}

impl EnvValue for String {
    const EXPECTED: &'static str = "text in quotes";
    const NOUN: &'static str = "text";
    fn from_integer(_: i64) -> Option<Self> {
        None
    }
    fn from_text(v: &str) -> Option<Self> {
        Some(v.to_string())
    }
}

/// What a value of the file is, in words, for "expected …, found …".
enum Found<'a> {
    Integer(i64),
    Float(f64),
    Text(&'a str),
    Bool(bool),
    List,
    Table,
    Date,
}

impl fmt::Display for Found<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Found::Integer(v) => write!(f, "the whole number {v}"),
            Found::Float(v) => write!(f, "the number {v}"),
            Found::Text(v) => write!(f, "the text {v:?}"),
            Found::Bool(v) => write!(f, "{v}"),
            Found::List => write!(f, "a list"),
            Found::Table => write!(f, "a table"),
            Found::Date => write!(f, "a date"),
        }
    }
}

/// How toml hands a date to `visit_map`.
fn is_date_key(key: &str) -> bool {
    key.starts_with("$__toml_private")
}

fn wrong<E: de::Error>(expected: &dyn fmt::Display, found: Found<'_>) -> E {
    E::custom(format!("expected {expected}, found {found}"))
}

/// A scalar `T`, or an error saying what was expected.
struct ScalarVisitor<T>(PhantomData<T>);

impl<'de, T: EnvValue> Visitor<'de> for ScalarVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(T::EXPECTED)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<T, E> {
        T::from_integer(v).ok_or_else(|| wrong(&T::EXPECTED, Found::Integer(v)))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<T, E> {
        let v = i64::try_from(v).map_err(|_| wrong(&T::EXPECTED, Found::Float(v as f64)))?;
        self.visit_i64(v)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<T, E> {
        Err(wrong(&T::EXPECTED, Found::Float(v)))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        T::from_text(v).ok_or_else(|| wrong(&T::EXPECTED, Found::Text(v)))
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<T, E> {
        Err(wrong(&T::EXPECTED, Found::Bool(v)))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<T, A::Error> {
        Err(wrong(&T::EXPECTED, Found::List))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
        let date = map.next_key::<String>()?.is_some_and(|k| is_date_key(&k));
        let found = if date { Found::Date } else { Found::Table };
        Err(wrong(&T::EXPECTED, found))
    }
}

impl<'de, T: EnvValue> DeserializeSeed<'de> for ScalarVisitor<T> {
    type Value = T;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<T, D::Error> {
        d.deserialize_any(self)
    }
}

/// One value, or a table of environment = value.
struct PerEnvVisitor<T>(PhantomData<T>);

impl<T: EnvValue> PerEnvVisitor<T> {
    fn wrong<E: de::Error>(&self, found: Found<'_>) -> E {
        wrong(self, found)
    }
}

impl<T: EnvValue> fmt::Display for PerEnvVisitor<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}, or a table of environment = {} (with an optional default)",
            T::EXPECTED,
            T::NOUN
        )
    }
}

impl<'de, T: EnvValue> Visitor<'de> for PerEnvVisitor<T> {
    type Value = PerEnv<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<PerEnv<T>, E> {
        T::from_integer(v)
            .map(PerEnv::All)
            .ok_or_else(|| self.wrong(Found::Integer(v)))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<PerEnv<T>, E> {
        let v = i64::try_from(v).map_err(|_| self.wrong(Found::Float(v as f64)))?;
        self.visit_i64(v)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<PerEnv<T>, E> {
        Err(self.wrong(Found::Float(v)))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<PerEnv<T>, E> {
        T::from_text(v)
            .map(PerEnv::All)
            .ok_or_else(|| self.wrong(Found::Text(v)))
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<PerEnv<T>, E> {
        Err(self.wrong(Found::Bool(v)))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<PerEnv<T>, A::Error> {
        Err(self.wrong(Found::List))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<PerEnv<T>, A::Error> {
        let mut by_env = BTreeMap::new();
        while let Some(env) = map.next_key::<String>()? {
            if is_date_key(&env) {
                return Err(self.wrong(Found::Date));
            }
            let value = map.next_value_seed(ScalarVisitor::<T>(PhantomData))?;
            by_env.insert(env, value);
        }
        Ok(PerEnv::ByEnv(by_env))
    }
}

impl<'de, T: EnvValue> Deserialize<'de> for PerEnv<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(PerEnvVisitor(PhantomData))
    }
}

/// A whole number from `low` to `high`.
struct Whole {
    low: i64,
    high: i64,
}

impl fmt::Display for Whole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.high == i64::MAX {
            write!(f, "a whole number of {} or more", self.low)
        } else {
            write!(f, "a whole number from {} to {}", self.low, self.high)
        }
    }
}

impl<'de> Visitor<'de> for Whole {
    type Value = i64;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<i64, E> {
        if (self.low..=self.high).contains(&v) {
            Ok(v)
        } else {
            Err(wrong(&self, Found::Integer(v)))
        }
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<i64, E> {
        let v = i64::try_from(v).map_err(|_| wrong(&self, Found::Float(v as f64)))?;
        self.visit_i64(v)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<i64, E> {
        Err(wrong(&self, Found::Float(v)))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<i64, E> {
        Err(wrong(&self, Found::Text(v)))
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<i64, E> {
        Err(wrong(&self, Found::Bool(v)))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<i64, A::Error> {
        Err(wrong(&self, Found::List))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<i64, A::Error> {
        let date = map.next_key::<String>()?.is_some_and(|k| is_date_key(&k));
        Err(wrong(&self, if date { Found::Date } else { Found::Table }))
    }
}

fn whole<'de, D: Deserializer<'de>, N: TryFrom<i64>>(
    d: D,
    low: i64,
    high: i64,
) -> Result<N, D::Error> {
    let v = d.deserialize_any(Whole { low, high })?;
    N::try_from(v).map_err(|_| D::Error::custom(format!("{v} is out of range")))
}

/// The seed: any whole number from 0 (TOML integers stop at 2^63 - 1).
pub(super) fn seed<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    whole(d, 0, i64::MAX)
}

pub(super) fn weight<'de, D: Deserializer<'de>>(d: D) -> Result<u8, D::Error> {
    whole(d, 0, i64::from(MAX_WEIGHT))
}

pub(super) fn canary_replicas<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    whole(d, 0, i64::from(MAX_REPLICAS))
}

pub(super) fn ago_minutes<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    let high = i64::try_from(MAX_AGO_MINUTES).unwrap_or(i64::MAX);
    whole(d, 0, high)
}
