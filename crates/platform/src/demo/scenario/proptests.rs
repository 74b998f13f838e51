//! Mutated copies of the default scenario: the parser answers Ok or Err, never panics,
//! and each answer comes in bounded time (a guard against pathological blow-up, not a
//! benchmark). An accepted scenario runs.

use super::*;
use proptest::prelude::*;
use proptest::sample::Index;
use std::time::{Duration, Instant};

/// Far more than a 13 kB file needs, even in a debug build on a busy machine.
const BOUND: Duration = Duration::from_secs(2);

#[derive(Debug, Clone)]
enum Mutation {
    /// Delete up to `len` bytes from a position.
    Delete(Index, usize),
    /// Duplicate a line in place.
    Duplicate(Index),
    /// Swap two lines.
    Swap(Index, Index),
    /// Replace a number of the file with other text.
    Number(Index, String),
    /// Insert text at a position.
    Insert(Index, String),
}

fn odd_number() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<i64>().prop_map(|v| v.to_string()),
        any::<f64>().prop_map(|v| format!("{v:e}")),
        (0u32..40).prop_map(|n| format!("1e{}", n * 10)),
        prop::sample::select(vec![
            "nan",
            "-nan",
            "+nan",
            "inf",
            "-inf",
            "+inf",
            "1e308",
            "-1e308",
            "1e309",
            "-0",
            "0",
            "-1",
            "99999999999999999999",
            "0x7fffffff",
            "0o777",
            "0b1",
            "1_000_000",
            "4294967296",
            "256",
            "1001",
            "0.0",
            "-0.0",
            "1.5",
            "\"3\"",
            "true",
            "[]",
            "{}",
        ])
        .prop_map(str::to_string),
    ]
}

fn odd_char() -> impl Strategy<Value = char> {
    prop_oneof![
        any::<char>(),
        (0u32..0x20).prop_map(|c| char::from_u32(c).unwrap()),
        prop::sample::select(vec![
            '\u{1b}', '\u{7f}', '\u{9b}', '\u{202e}', '\u{2066}', '[', ']', '{', '}', '"', '\'',
            '\n', '=', '.', '#', '\\', ',',
        ]),
    ]
}

fn odd_text() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::collection::vec(odd_char(), 1..40).prop_map(|v| v.into_iter().collect()),
        (1usize..5_000).prop_map(|n| "[".repeat(n)),
        (1usize..5_000).prop_map(|n| format!("\na = {}{}\n", "[".repeat(n), "]".repeat(n))),
        (1usize..3_000).prop_map(|n| format!("\nb = {}1{}\n", "{ c = ".repeat(n), " }".repeat(n))),
        (1usize..3_000).prop_map(|n| format!("\n{} = 1\n", vec!["k"; n].join("."))),
        (1usize..3_000).prop_map(|n| format!("\n[{}]\n", vec!["t"; n].join("."))),
        (1usize..3_000).prop_map(|n| format!("\n{}\n", "[[line.service]]\n".repeat(n))),
        prop::sample::select(vec![
            "\n[[line]]\n",
            "\n[[line.service]]\n",
            "\n[line]\n",
            "\"\"\"",
            "'''",
            "\\u001b",
            "\\e",
            "\n[[profile]]\nkind = \"diurnal\"\namplitude = 0.5\n",
        ])
        .prop_map(str::to_string),
    ]
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<Index>(), 1usize..200).prop_map(|(i, n)| Mutation::Delete(i, n)),
        any::<Index>().prop_map(Mutation::Duplicate),
        (any::<Index>(), any::<Index>()).prop_map(|(a, b)| Mutation::Swap(a, b)),
        (any::<Index>(), odd_number()).prop_map(|(i, s)| Mutation::Number(i, s)),
        (any::<Index>(), odd_text()).prop_map(|(i, s)| Mutation::Insert(i, s)),
    ]
}

/// Byte ranges of the numbers in `text` (a digit, then digits, `.`, `_`, `e`, `+`, `-`).
fn numbers(text: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < text.len() {
        let starts = text[i].is_ascii_digit() && (i == 0 || !text[i - 1].is_ascii_alphanumeric());
        if !starts {
            i += 1;
            continue;
        }
        let start = i;
        while i < text.len() && (text[i].is_ascii_digit() || b"._eE+-".contains(&text[i])) {
            i += 1;
        }
        out.push((start, i));
    }
    out
}

fn apply(text: &mut Vec<u8>, m: &Mutation) {
    let len = text.len().max(1);
    match m {
        Mutation::Delete(at, n) => {
            let start = at.index(len).min(text.len());
            let end = (start + n).min(text.len());
            text.drain(start..end);
        }
        Mutation::Duplicate(at) => {
            let mut lines = lines_of(text);
            let i = at.index(lines.len());
            let line = lines[i].clone();
            lines.insert(i, line);
            *text = lines.concat();
        }
        Mutation::Swap(a, b) => {
            let mut lines = lines_of(text);
            let n = lines.len();
            lines.swap(a.index(n), b.index(n));
            *text = lines.concat();
        }
        Mutation::Number(at, with) => {
            let count = numbers(text).len();
            if count > 0 {
                replace_number(text, at.index(count), with);
            }
        }
        Mutation::Insert(at, what) => {
            let i = at.index(len).min(text.len());
            text.splice(i..i, what.bytes());
        }
    }
}

/// Replaces the `k`-th number of `text`.
fn replace_number(text: &mut Vec<u8>, k: usize, with: &str) {
    if let Some(&(start, end)) = numbers(text).get(k) {
        text.splice(start..end, with.bytes());
    }
}

/// The lines of `text`, each with its newline (at least one, maybe empty).
fn lines_of(text: &[u8]) -> Vec<Vec<u8>> {
    let mut lines: Vec<Vec<u8>> = text
        .split_inclusive(|&b| b == b'\n')
        .map(<[u8]>::to_vec)
        .collect();
    if lines.is_empty() {
        lines.push(Vec::new());
    }
    lines
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn mutated_scenarios_are_answered_in_bounded_time(
        mutations in prop::collection::vec(mutation(), 1..4)
    ) {
        let mut bytes = DEFAULT_SCENARIO.as_bytes().to_vec();
        for m in &mutations {
            apply(&mut bytes, m);
        }
        let text = String::from_utf8_lossy(&bytes);
        let started = Instant::now();
        let result = parse("fuzz.toml", &text);
        let took = started.elapsed();
        prop_assert!(took < BOUND, "parse took {took:?}");
        match result {
            Err(e) => {
                prop_assert!(!e.reason.is_empty());
                prop_assert!(e.line <= text.lines().count() + 1, "{e}");
            }
            Ok(scenario) => {
                // What is accepted runs: build the simulation and play a few seconds.
                let started = Instant::now();
                let mut demo = crate::demo::DemoPlatform::new(&scenario, 0);
                demo.advance(3.0);
                prop_assert!(started.elapsed() < BOUND);
            }
        }
    }
}

#[test]
fn the_mutations_do_change_the_file() {
    let mut bytes = DEFAULT_SCENARIO.as_bytes().to_vec();
    assert!(numbers(&bytes).len() > 100);
    let seed_at = DEFAULT_SCENARIO.find("seed = 42").unwrap() + "seed = ".len();
    let k = numbers(&bytes)
        .iter()
        .position(|&(s, _)| s == seed_at)
        .unwrap();
    replace_number(&mut bytes, k, "nan");
    let text = String::from_utf8(bytes).unwrap();
    assert!(text.contains("seed = nan"), "{}", &text[..800]);
    assert!(parse("t.toml", &text).is_err());
}
