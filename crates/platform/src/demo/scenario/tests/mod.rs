//! Scenario tests: every rule rejects with the right line and plain words.

mod caps;
mod contradictions;
mod input;
mod messages;
mod names;
mod numbers;

use super::*;

/// A small scenario using every kind of setting; the tests break one thing at a time.
pub(super) const BASE: &str = r#"[scenario]
name = "t"
seed = 1
day_seconds = 600
rollout_step_seconds = 2

[[profile]]
kind = "diurnal"
amplitude = 0.3

[[profile]]
kind = "flash-sale"
line = "trade"
env = "prod"
service = "api"
start_s = 30
duration_s = 60
factor = 2.0

[[line]]
name = "trade"
base_image = "base:1"
registry = "reg/trade"

[[line.env]]
name = "dev"
tier = "non-production"
cluster = "c"

[[line.env]]
name = "prod"
tier = "production"
cluster = "c"
traffic_share = 1.0

[[line.service]]
name = "api"
capacity = 100.0
replicas = { default = 1, prod = 2 }
versions = ["1.0", "1.1"]
version = { default = "1.1", prod = "1.0" }
entry_rps = 50.0
calls = { db = 1.0 }
error_rate = 0.01
latency_ms = 12.0
config = { log_level = "info", token = "t" }
config_env.prod = { log_level = "warn" }
secrets = ["token"]

[[line.service.canary]]
env = "prod"
version = "1.1"
weight = 10
replicas = 1
error_rate = 0.05
tag_routes = ["beta"]

[[line.service]]
name = "db"
capacity = 100.0
replicas = 1
versions = ["2.0"]
version = "2.0"

[[line.release]]
service = "api"
env = "prod"
from = "0.9"
to = "1.0"
who = "mei"
why = "fix"
ago_minutes = 60
state = "complete"
"#;

/// `base` with `from` replaced by `to` (once; `from` must be there).
pub(super) fn edit(base: &str, from: &str, to: &str) -> String {
    assert!(base.contains(from), "{from:?} is not in the scenario");
    base.replacen(from, to, 1)
}

/// The 1-based line of the first occurrence of `needle`.
pub(super) fn line_of(text: &str, needle: &str) -> usize {
    let at = text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle:?} is not in the scenario"));
    text[..at].matches('\n').count() + 1
}

/// The scenario is rejected at the line where `marker` is, for a reason containing `words`.
#[track_caller]
pub(super) fn rejected_at(text: &str, marker: &str, words: &str) -> ScenarioError {
    let err = parse("t.toml", text).expect_err("the scenario should be rejected");
    assert_eq!(err.file, "t.toml");
    assert_eq!(err.line, line_of(text, marker), "{err}");
    assert!(err.reason.contains(words), "{err}\n  expected: {words}");
    err
}

/// `BASE` with one edit is rejected at the edited line.
#[track_caller]
pub(super) fn edit_rejected(from: &str, to: &str, words: &str) -> ScenarioError {
    let text = edit(BASE, from, to);
    let marker = to.lines().find(|l| !l.trim().is_empty()).unwrap_or(to);
    rejected_at(&text, marker, words)
}

#[test]
fn base_parses() {
    let s = parse("t.toml", BASE).unwrap();
    assert_eq!(s.lines[0].services.len(), 2);
}

#[test]
fn shipped_scenarios_parse() {
    let s = parse(DEFAULT_SCENARIO_NAME, DEFAULT_SCENARIO).unwrap();
    assert!(s.lines.len() >= 3);
    for line in &s.lines {
        assert!(
            (4..=6).contains(&line.environments.len()),
            "{}",
            line.name.get_ref()
        );
        assert!(
            (5..=15).contains(&line.services.len()),
            "{}",
            line.name.get_ref()
        );
    }
    let large = parse(LARGE_SCENARIO_NAME, LARGE_SCENARIO).unwrap();
    assert!(large.lines.iter().map(|l| l.services.len()).sum::<usize>() >= 50);
}

const MINIMAL: &str = r#"[scenario]
name = "t"

[[line]]
name = "trade"
base_image = "base:1"
registry = "reg/trade"

[[line.env]]
name = "dev"
tier = "non-production"
cluster = "c"

[[line.service]]
name = "api"
capacity = 100.0
replicas = 2
versions = ["1.0"]
version = "1.0"
calls = { db = 1.0 }

[[line.service]]
name = "db"
capacity = 100.0
replicas = 1
versions = ["1.0"]
version = "1.0"
"#;

#[test]
fn minimal_scenario_parses() {
    parse("t.toml", MINIMAL).unwrap();
}

#[test]
fn unknown_dependency_names_file_and_line() {
    let bad = MINIMAL.replace("calls = { db = 1.0 }", "calls = { dbx = 1.0 }");
    let err = parse("t.toml", &bad).unwrap_err();
    assert_eq!(err.file, "t.toml");
    assert_eq!(err.line, 20);
    assert!(err.reason.contains("unknown service \"dbx\""), "{err}");
}

#[test]
fn syntax_error_names_line() {
    let bad = MINIMAL.replace(
        "capacity = 100.0\nreplicas = 2",
        "capacity = 100.0\nreplicas = = 2",
    );
    let err = parse("t.toml", &bad).unwrap_err();
    assert_eq!(err.line, 17, "{err}");
}

#[test]
fn unknown_field_and_environment_are_rejected() {
    let bad = MINIMAL.replace("replicas = 2", "replicas = 2\nreplica = 3");
    let err = parse("t.toml", &bad).unwrap_err();
    assert!(err.reason.contains("unknown key `replica`"), "{err}");
    let bad = MINIMAL.replace("replicas = 2", "replicas = { prod = 2 }");
    let err = parse("t.toml", &bad).unwrap_err();
    assert!(err.reason.contains("unknown environment \"prod\""), "{err}");
}

#[test]
fn call_order_puts_callers_first_in_file_order() {
    let text = edit(
        &edit(BASE, "calls = { db = 1.0 }", ""),
        "name = \"db\"\n",
        "name = \"db\"\ncalls = { api = 1.0 }\n",
    );
    let s = parse("t.toml", &text).unwrap();
    assert_eq!(call_order(&s.lines[0]), vec![1, 0]);
    let s = parse("t.toml", BASE).unwrap();
    assert_eq!(call_order(&s.lines[0]), vec![0, 1]);
}
