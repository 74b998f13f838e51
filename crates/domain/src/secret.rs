//! Secret values never leave the process. Every platform splits a service's raw config
//! with [`split_config`] before anything reaches the model: plain values stay, secret ones
//! are reduced to their key and a fingerprint that only this process can compute (a hash
//! keyed with a random key made at start), so two environments' secrets can still be
//! compared ("changed") without a value, or anything derived from one, being printable.
//! [`shown`] is the one masking function for anything printed as key = value.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::BTreeMap;
use std::hash::{BuildHasher, Hasher};
use std::sync::OnceLock;

/// What is printed in place of a secret value.
pub const MASK: &str = "••••••";

/// Words that make a key secret when they are a whole part of it (`DB_PASS`, `smtp.pwd`).
const SECRET_WORDS: [&str; 7] = ["pass", "pwd", "pw", "passphrase", "jwt", "salt", "bearer"];

/// True for keys whose values must never be shown (passwords, tokens, keys, credentials).
pub fn is_secret_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    let words = || k.split(|c: char| !c.is_ascii_alphanumeric());
    if words().any(|w| SECRET_WORDS.contains(&w)) {
        return true;
    }
    [
        "password",
        "passwd",
        "secret",
        "token",
        "apikey",
        "api_key",
        "api-key",
        "credential",
        "private",
        "auth",
        "dsn",
        "connection_string",
    ]
    .iter()
    .any(|w| k.contains(w))
        || k.ends_with("_key")
        || k.ends_with(".key")
        || k.ends_with("-key")
        || k == "key"
}

/// True for values that are secrets whatever their key: URLs with a password
/// (`postgres://app:pw@db/x`), PEM blocks, bearer tokens.
pub fn is_secret_value(value: &str) -> bool {
    let v = value.trim();
    v.contains("-----BEGIN")
        || v.get(..7)
            .is_some_and(|p| p.eq_ignore_ascii_case("bearer "))
        || url_with_password(v)
}

fn url_with_password(v: &str) -> bool {
    v.match_indices("://").any(|(i, _)| {
        let authority = v[i + 3..].split(['/', '?', '#', ' ']).next().unwrap_or("");
        authority
            .rfind('@')
            .is_some_and(|at| authority[..at].contains(':'))
    })
}

/// The one masking function: the value as it may be printed under `key`.
pub fn shown<'a>(key: &str, value: &'a str) -> &'a str {
    if is_secret_key(key) || is_secret_value(value) {
        MASK
    } else {
        value
    }
}

/// A keyed hash of a secret value: equal values give equal fingerprints within one
/// process; the key is random per process and never leaves it. Never serialized.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Fingerprint(u64);

impl Fingerprint {
    pub fn of(value: &[u8]) -> Fingerprint {
        static KEY: OnceLock<std::collections::hash_map::RandomState> = OnceLock::new();
        let mut h = KEY
            .get_or_init(std::collections::hash_map::RandomState::new)
            .build_hasher();
        h.write(value);
        Fingerprint(h.finish())
    }

    /// For a secret whose value was never seen (only its key is known).
    pub const UNKNOWN: Fingerprint = Fingerprint(0);
}

impl std::fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Fingerprint(…)")
    }
}

/// A service's secret keys, each with the fingerprint of its value. Serialized as the
/// list of key names only.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Secrets(BTreeMap<String, Fingerprint>);

impl Secrets {
    pub fn insert(&mut self, key: &str, value: &[u8]) {
        self.0.insert(key.to_string(), Fingerprint::of(value));
    }

    /// A key whose value is not known here (the platform dropped it before us).
    pub fn insert_key(&mut self, key: &str) {
        self.0
            .entry(key.to_string())
            .or_insert(Fingerprint::UNKNOWN);
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.0.keys().map(String::as_str)
    }

    pub fn get(&self, key: &str) -> Option<Fingerprint> {
        self.0.get(key).copied()
    }

    pub fn contains(&self, key: &str) -> bool {
        self.0.contains_key(key)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn extend(&mut self, other: &Secrets) {
        self.extend_where(other, |_| true);
    }

    /// Adds the keys of `other` that `keep` accepts.
    pub fn extend_where(&mut self, other: &Secrets, keep: impl Fn(&str) -> bool) {
        let kept = other.0.iter().filter(|(k, _)| keep(k));
        self.0.extend(kept.map(|(k, v)| (k.clone(), *v)));
    }
}

impl<'a> FromIterator<&'a str> for Secrets {
    fn from_iter<I: IntoIterator<Item = &'a str>>(iter: I) -> Self {
        let mut s = Secrets::default();
        for k in iter {
            s.insert_key(k);
        }
        s
    }
}

impl Serialize for Secrets {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.keys())
    }
}

impl<'de> Deserialize<'de> for Secrets {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let names = Vec::<String>::deserialize(d)?;
        Ok(names.iter().map(String::as_str).collect())
    }
}

/// Splits a service's raw config into the values that may be shown and its secrets:
/// keys declared secret by the platform, and keys that look secret, lose their values here.
pub fn split_config<'a>(
    raw: impl IntoIterator<Item = (&'a str, &'a str)>,
    declared: &[String],
) -> (BTreeMap<String, String>, Secrets) {
    let mut config = BTreeMap::new();
    let mut secrets = Secrets::default();
    for (k, v) in raw {
        if is_secret_key(k) || is_secret_value(v) || declared.iter().any(|d| d == k) {
            secrets.insert(k, v.as_bytes());
        } else {
            config.insert(k.to_string(), v.to_string());
        }
    }
    for d in declared {
        secrets.insert_key(d);
    }
    (config, secrets)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_key_detection() {
        assert!(is_secret_key("API_TOKEN"));
        assert!(is_secret_key("tls.key"));
        assert!(is_secret_key("DATABASE_DSN"));
        assert!(!is_secret_key("keyspace"));
        assert!(!is_secret_key("pool_size"));
    }

    #[test]
    fn split_keeps_plain_values_and_fingerprints_secrets() {
        let declared = vec!["signing".to_string()];
        let (config, secrets) = split_config(
            [
                ("pool", "10"),
                ("db_password", "hunter2"),
                ("signing", "abc"),
            ],
            &declared,
        );
        assert_eq!(config.len(), 1);
        assert_eq!(
            secrets.names().collect::<Vec<_>>(),
            ["db_password", "signing"]
        );
        let (_, again) = split_config([("db_password", "hunter2")], &[]);
        assert_eq!(secrets.get("db_password"), again.get("db_password"));
        let (_, other) = split_config([("db_password", "swordfish")], &[]);
        assert_ne!(secrets.get("db_password"), other.get("db_password"));
        let printed = format!(
            "{secrets:?} {}",
            serde_json::to_string(&secrets).unwrap_or_default()
        );
        assert!(
            !printed.contains("hunter2") && !printed.contains("abc\""),
            "{printed}"
        );
        assert_eq!(
            serde_json::to_string(&secrets).unwrap_or_default(),
            r#"["db_password","signing"]"#
        );
    }

    #[test]
    fn secrets_by_word_and_by_value() {
        for k in ["DB_PASS", "smtp.pwd", "JWT_SIGNING", "PASSPHRASE", "salt"] {
            assert!(is_secret_key(k), "{k}");
        }
        for k in ["passenger_limit", "keyspace", "bypass_cache"] {
            assert!(!is_secret_key(k), "{k}");
        }
        assert!(is_secret_value("postgres://app:hunter2@db:5432/orders"));
        assert!(is_secret_value("amqp://guest:guest@mq/"));
        assert!(!is_secret_value("https://psp.local/api"));
        assert!(!is_secret_value("redis://cache:6379/0"));
        assert!(is_secret_value("-----BEGIN PRIVATE KEY-----\nabc"));
        assert!(is_secret_value("Bearer eyJhbGciOi"));
        let (config, secrets) = split_config([("DATABASE_URL", "postgres://a:b@h/d")], &[]);
        assert!(config.is_empty() && secrets.contains("DATABASE_URL"));
    }

    #[test]
    fn shown_masks_secret_looking_keys_only() {
        assert_eq!(shown("api_token", "tok"), MASK);
        assert_eq!(shown("pool", "10"), "10");
    }
}
