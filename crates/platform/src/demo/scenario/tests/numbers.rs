//! Every number: finite and in its range, rejected at its line.

use super::*;

#[test]
fn capacity_must_be_positive_and_finite() {
    edit_rejected(
        "capacity = 100.0\nreplicas = {",
        "capacity = 0.0\nreplicas = {",
        "capacity must be a number above 0",
    );
    edit_rejected(
        "capacity = 100.0\nreplicas = {",
        "capacity = nan\nreplicas = {",
        "found nan (not a number)",
    );
    edit_rejected(
        "capacity = 100.0\nreplicas = {",
        "capacity = 2e6\nreplicas = {",
        "at most 1000000",
    );
}

#[test]
fn entry_rps_error_rate_and_latency_are_bounded() {
    edit_rejected(
        "entry_rps = 50.0",
        "entry_rps = -1.0",
        "entry_rps must be a number from 0 to 1000000, found -1",
    );
    edit_rejected(
        "entry_rps = 50.0",
        "entry_rps = inf",
        "found inf (infinite)",
    );
    edit_rejected(
        "error_rate = 0.01",
        "error_rate = 1.5",
        "error_rate must be a number from 0 to 1",
    );
    edit_rejected(
        "error_rate = 0.05",
        "error_rate = nan",
        "the canary's error_rate",
    );
    edit_rejected(
        "latency_ms = 12.0",
        "latency_ms = -inf",
        "found -inf (infinite)",
    );
    edit_rejected(
        "latency_ms = 12.0",
        "latency_ms = 61000",
        "latency_ms must be a number from 0 to 60000",
    );
}

#[test]
fn calls_per_request_are_bounded() {
    edit_rejected(
        "calls = { db = 1.0 }",
        "calls = { db = 0.0 }",
        "calls to db must be a number above 0",
    );
    edit_rejected(
        "calls = { db = 1.0 }",
        "calls = { db = 1000 }",
        "at most 100",
    );
    edit_rejected("calls = { db = 1.0 }", "calls = { db = nan }", "nan");
}

#[test]
fn replicas_are_whole_and_capped() {
    edit_rejected(
        "replicas = { default = 1, prod = 2 }",
        "replicas = { default = 1, prod = 1001 }",
        "replicas in prod must be a whole number from 0 to 1000, found 1001",
    );
    edit_rejected(
        "replicas = { default = 1, prod = 2 }",
        "replicas = { default = -1, prod = 2 }",
        "replicas.default: expected a whole number of 0 or more",
    );
    edit_rejected(
        "replicas = 1\nerror_rate",
        "replicas = 1001\nerror_rate",
        "replicas: expected a whole number from 0 to 1000, found the whole number 1001",
    );
    edit_rejected(
        "replicas = { default = 1, prod = 2 }",
        "replicas = 2.5",
        "found the number 2.5",
    );
}

#[test]
fn canary_weight_is_a_percentage() {
    edit_rejected(
        "weight = 10",
        "weight = 101",
        "weight: expected a whole number from 0 to 100, found the whole number 101",
    );
    edit_rejected("weight = 10", "weight = -1", "from 0 to 100");
    edit_rejected("weight = 10", "weight = 10.5", "found the number 10.5");
}

#[test]
fn shares_amplitude_and_durations_are_bounded() {
    edit_rejected(
        "traffic_share = 1.0",
        "traffic_share = 1.01",
        "traffic_share must be a number from 0 to 1",
    );
    edit_rejected(
        "amplitude = 0.3",
        "amplitude = 2",
        "diurnal amplitude must be a number from 0 to 1",
    );
    edit_rejected(
        "start_s = 30",
        "start_s = -5",
        "flash-sale start_s must be a number from 0 to 31536000",
    );
    edit_rejected(
        "duration_s = 60",
        "duration_s = 0",
        "flash-sale duration_s must be a number above 0",
    );
    edit_rejected("factor = 2.0", "factor = inf", "flash-sale factor");
    edit_rejected("factor = 2.0", "factor = 1e4", "at most 1000");
    edit_rejected(
        "day_seconds = 600",
        "day_seconds = 0",
        "day_seconds must be a number from 1 to 31536000",
    );
    edit_rejected(
        "rollout_step_seconds = 2",
        "rollout_step_seconds = nan",
        "rollout_step_seconds must be",
    );
    edit_rejected(
        "rollout_step_seconds = 2",
        "rollout_step_seconds = 0.001",
        "from 0.01 to 3600",
    );
}

#[test]
fn release_age_is_at_most_ten_years() {
    edit_rejected(
        "ago_minutes = 60",
        "ago_minutes = 5259601",
        "ago_minutes: expected a whole number from 0 to 5259600",
    );
    edit_rejected("ago_minutes = 60", "ago_minutes = -1", "ago_minutes");
    parse(
        "t.toml",
        &edit(BASE, "ago_minutes = 60", "ago_minutes = 5259600"),
    )
    .unwrap();
}

#[test]
fn the_seed_is_any_whole_number_from_zero() {
    parse(
        "t.toml",
        &edit(BASE, "seed = 1", "seed = 9223372036854775807"),
    )
    .unwrap();
    parse("t.toml", &edit(BASE, "seed = 1", "seed = 0")).unwrap();
    edit_rejected(
        "seed = 1",
        "seed = -1",
        "scenario.seed: expected a whole number of 0 or more",
    );
    edit_rejected("seed = 1", "seed = 1.5", "scenario.seed");
}

#[test]
fn ranges_include_their_ends() {
    for (from, to) in [
        ("error_rate = 0.01", "error_rate = 1.0"),
        ("error_rate = 0.05", "error_rate = 0"),
        ("traffic_share = 1.0", "traffic_share = 0"),
        ("amplitude = 0.3", "amplitude = 1"),
        ("weight = 10", "weight = 100"),
        ("latency_ms = 12.0", "latency_ms = 0"),
        ("start_s = 30", "start_s = 0"),
        ("entry_rps = 50.0", "entry_rps = 0"),
    ] {
        parse("t.toml", &edit(BASE, from, to)).unwrap_or_else(|e| panic!("{to}: {e}"));
    }
}
