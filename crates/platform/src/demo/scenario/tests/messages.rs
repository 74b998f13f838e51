//! Common mistakes read as plain words, at the right line, with no serde jargon.

use super::*;

/// Words of serde and Rust that must not reach the user.
const JARGON: [&str; 12] = [
    "untagged",
    "variant",
    "sequence",
    "serde",
    "invalid type",
    "invalid value",
    "f64",
    "u32",
    "u64",
    "u8",
    "struct",
    "enum",
];

#[track_caller]
fn plain(err: &ScenarioError) {
    for word in JARGON {
        assert!(!err.reason.contains(word), "{word:?} in: {err}");
    }
}

#[test]
fn a_per_environment_value_of_the_wrong_type() {
    let err = edit_rejected(
        "replicas = { default = 1, prod = 2 }",
        "replicas = \"three\"",
        "replicas: expected a whole number of 0 or more, or a table of environment = whole number (with an optional default), found the text \"three\"",
    );
    plain(&err);
    let err = edit_rejected(
        "version = \"2.0\"",
        "version = 3",
        "version: expected text in quotes, or a table of environment = text (with an optional default), found the whole number 3",
    );
    plain(&err);
    let err = edit_rejected(
        "replicas = { default = 1, prod = 2 }",
        "replicas = { default = 1, prod = \"two\" }",
        "replicas.prod: expected a whole number of 0 or more, found the text \"two\"",
    );
    plain(&err);
    let err = edit_rejected("version = \"2.0\"", "version = 2024-01-01", "found a date");
    plain(&err);
}

#[test]
fn a_missing_required_setting_names_its_table() {
    let text = edit(BASE, "capacity = 100.0\nreplicas = 1\n", "replicas = 1\n");
    let err = rejected_at(
        &text,
        "[[line.service]]\nname = \"db\"",
        "[[line.service]] \"db\" is missing `capacity` (required)",
    );
    plain(&err);
    let text = edit(BASE, "kind = \"diurnal\"\n", "");
    let err = rejected_at(
        &text,
        "[[profile]]",
        "[[profile]] is missing `kind` (required)",
    );
    plain(&err);
    let err = parse("t.toml", "").unwrap_err();
    assert!(
        err.reason.contains("the file has no [scenario] table"),
        "{err}"
    );
}

#[test]
fn a_number_of_the_wrong_type() {
    let err = edit_rejected(
        "capacity = 100.0\nreplicas = {",
        "capacity = \"100\"\nreplicas = {",
        "capacity: expected a number, found the text \"100\"",
    );
    plain(&err);
    let err = edit_rejected(
        "calls = { db = 1.0 }",
        "calls = { db = \"x\" }",
        "calls.db: expected a number, found the text \"x\"",
    );
    plain(&err);
    let err = edit_rejected(
        "ago_minutes = 60",
        "ago_minutes = \"an hour\"",
        "ago_minutes: expected a whole number from 0 to 5259600, found the text \"an hour\"",
    );
    plain(&err);
}

#[test]
fn text_and_lists_of_the_wrong_type() {
    let err = edit_rejected(
        "log_level = \"info\"",
        "log_level = 3",
        "config.log_level: expected text in quotes, found the whole number 3",
    );
    plain(&err);
    let err = edit_rejected(
        "versions = [\"2.0\"]",
        "versions = \"2.0\"",
        "versions: expected a list [ ... ], found the text \"2.0\"",
    );
    plain(&err);
}

#[test]
fn an_unknown_key_lists_the_known_ones() {
    let err = edit_rejected(
        "latency_ms = 12.0",
        "latency = 12.0",
        "unknown key `latency` in [[line.service]] \"api\" (known keys: name, capacity,",
    );
    plain(&err);
    let text = edit(BASE, "amplitude = 0.3", "amplitude = 0.3\nperiod = 5");
    let err = rejected_at(
        &text,
        "period = 5",
        "unknown key `period` in [[profile]] (known keys: amplitude)",
    );
    plain(&err);
    let err = edit_rejected("seed = 1", "seeds = 1", "unknown key `seeds` in [scenario]");
    plain(&err);
}

#[test]
fn an_unknown_tier_kind_or_state_lists_the_choices() {
    let err = edit_rejected(
        "tier = \"production\"",
        "tier = \"prod\"",
        "tier: \"prod\" is not one of: production, non-production",
    );
    plain(&err);
    let err = edit_rejected(
        "kind = \"diurnal\"",
        "kind = \"weekly\"",
        "kind: \"weekly\" is not one of: diurnal, flash-sale",
    );
    plain(&err);
    let err = edit_rejected(
        "state = \"complete\"",
        "state = \"done\"",
        "state: \"done\" is not one of: progressing, complete, failed, rolled-back",
    );
    plain(&err);
}

#[test]
fn tables_and_lists_of_tables_mixed_up() {
    let text = "[scenario]\nname = \"t\"\n\n[[line.service]]\nname = \"api\"\n";
    let err = rejected_at(
        text,
        "[[line.service]]",
        "[[line.service]] comes before any [[line]]",
    );
    plain(&err);
    let text = "[scenario]\nname = \"t\"\n\n[line]\nname = \"trade\"\n";
    let err = rejected_at(text, "[line]", "write [[line]] (one per entry), not [line]");
    plain(&err);
    let text = edit(
        BASE,
        "[[line.env]]\nname = \"dev\"",
        "[line.env]\nname = \"dev\"",
    );
    let text = edit(
        &text,
        "[[line.env]]\nname = \"prod\"",
        "[line.envs]\nname = \"prod\"",
    );
    let err = rejected_at(
        &text,
        "[line.env]",
        "env: expected a list, found a table (write [[line.env]] once per entry",
    );
    plain(&err);
}

#[test]
fn syntax_errors_say_toml() {
    let text = edit(BASE, "seed = 1", "seed = 1\nseed = 2");
    let err = rejected_at(&text, "seed = 2", "`seed` is given twice in the same table");
    plain(&err);
    let err = edit_rejected("seed = 1", "seed = ", "not valid TOML");
    plain(&err);
}
