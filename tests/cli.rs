//! The scriptable CLI against the demo platform: text and JSON, exit codes, audit.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test may fail loudly

mod support;

use std::process::{Command, Output};

fn wheelhouse(data: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wheelhouse"))
        .args(args)
        .env("WHEELHOUSE_DATA_DIR", data)
        .env("WHEELHOUSE_CONFIG_DIR", data.join("config"))
        .env_remove("KUBECONFIG")
        .output()
        .unwrap()
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)))
}

fn text(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).to_string()
}

#[test]
fn status_json_lists_lines_environments_services() {
    let dir = support::temp_dir("cli-status");
    let out = wheelhouse(&dir, &["--demo", "status", "-o", "json"]);
    assert!(out.status.success());
    let v = json(&out);
    assert_eq!(v["platform"]["kind"], "demo");
    let lines = v["product_lines"].as_array().unwrap();
    assert!(lines.len() >= 3);
    for l in lines {
        let envs = l["environments"].as_array().unwrap();
        assert!(envs.len() >= 4);
        assert!(envs[0]["services"].as_array().unwrap().len() >= 5);
        assert!(envs[0]["services"][0]["version"].is_string());
    }
    let out = wheelhouse(&dir, &["--demo", "status", "loan-core/gray", "-o", "json"]);
    let v = json(&out);
    assert_eq!(v["product_lines"].as_array().unwrap().len(), 1);
    assert_eq!(
        v["product_lines"][0]["environments"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(v["product_lines"][0]["environments"][0]["name"], "gray");
}

#[test]
fn status_text_and_unknown_target() {
    let dir = support::temp_dir("cli-text");
    let out = wheelhouse(&dir, &["status", "trade"]);
    assert!(out.status.success());
    let t = text(&out);
    assert!(t.contains("platform demo"), "{t}");
    assert!(t.contains("trade") && t.contains("prod"), "{t}");
    let out = wheelhouse(&dir, &["status", "nope"]);
    assert_eq!(out.status.code(), Some(4));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no product line \"nope\""));
}

fn canary_target(dir: &std::path::Path) -> (String, serde_json::Value) {
    let v = json(&wheelhouse(
        dir,
        &["status", "loan-core/gray", "-o", "json"],
    ));
    let services = v["product_lines"][0]["environments"][0]["services"]
        .as_array()
        .unwrap()
        .clone();
    let s = services
        .into_iter()
        .find(|s| !s["canary"].is_null())
        .unwrap();
    (format!("loan-core/gray/{}", s["name"].as_str().unwrap()), s)
}

#[test]
fn shift_needs_yes_then_applies_and_audits() {
    let dir = support::temp_dir("cli-shift");
    let (target, _) = canary_target(&dir);
    let out = wheelhouse(&dir, &["shift", &target, "--weight", "30"]);
    assert_eq!(out.status.code(), Some(3), "refused without --yes");
    assert!(text(&out).contains("→ 70/30"), "{}", text(&out));
    assert!(!dir.join("audit.jsonl").exists());
    let out = wheelhouse(
        &dir,
        &[
            "shift", &target, "--weight", "30", "--yes", "-o", "json", "--why", "drill",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json(&out);
    assert_eq!(v["ok"], true);
    assert_eq!(v["service"]["traffic"]["canary_weight"], 30);
    let audit = std::fs::read_to_string(dir.join("audit.jsonl")).unwrap();
    let lines: Vec<serde_json::Value> = audit
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "an intent and a result");
    assert_eq!(lines[0]["phase"], "intent");
    let line = &lines[1];
    assert_eq!(line["phase"], "result");
    assert_eq!(line["target"], target);
    assert_eq!(line["result"], "ok");
    assert_eq!(line["platform"], "demo: scenario default");
}

#[test]
fn dry_run_and_read_only_change_nothing() {
    let dir = support::temp_dir("cli-dry");
    let (target, _) = canary_target(&dir);
    let out = wheelhouse(&dir, &["shift", &target, "--promote", "--dry-run"]);
    assert!(out.status.success());
    assert!(text(&out).contains("dry run (nothing changed)"));
    let out = wheelhouse(
        &dir,
        &[
            "--read-only",
            "shift",
            &target,
            "--abort",
            "--yes",
            "-o",
            "json",
        ],
    );
    assert_eq!(out.status.code(), Some(3));
    assert!(json(&out)["error"].as_str().unwrap().contains("read-only"));
    assert!(!dir.join("audit.jsonl").exists(), "no write, no audit line");
}

#[test]
fn every_write_subcommand_works() {
    let dir = support::temp_dir("cli-all");
    let (target, s) = canary_target(&dir);
    let versions = s["known_versions"].as_array().unwrap();
    let other = versions
        .iter()
        .map(|v| v.as_str().unwrap())
        .find(|v| *v != s["version"].as_str().unwrap())
        .unwrap();
    let cases: Vec<Vec<&str>> = vec![
        vec!["deploy", &target, other, "--yes", "--wait"],
        vec!["shift", &target, "--step-up", "--yes"],
        vec!["shift", &target, "--add-tag", "qa-team", "--yes"],
        vec!["shift", &target, "--abort", "--yes"],
        vec!["shift", &target, "--promote", "--yes", "--wait"],
        vec!["scale", &target, "9", "--yes"],
        vec!["scale", &target, "--recommended", "--yes"],
        vec!["rollback", &target, "--yes", "--wait"],
    ];
    for args in cases {
        let out = wheelhouse(&dir, &args);
        let code = out.status.code();
        // --recommended may equal the current count (exit 2, "already has"); all else applies.
        if args.contains(&"--recommended") && code == Some(2) {
            assert!(String::from_utf8_lossy(&out.stderr).contains("already has"));
            continue;
        }
        assert_eq!(
            code,
            Some(0),
            "{args:?}: {}{}",
            text(&out),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(text(&out).contains("applied"), "{args:?}");
    }
    let out = wheelhouse(&dir, &["deploy", &target, "0.0.0-missing", "--yes"]);
    assert_eq!(out.status.code(), Some(4), "unknown image is not found");
    let out = wheelhouse(&dir, &["deploy", "bad-target", "1.0", "--yes"]);
    assert_eq!(out.status.code(), Some(2));
    let out = wheelhouse(&dir, &["shift", "trade/dev/nope", "--weight", "5", "--yes"]);
    assert_eq!(out.status.code(), Some(4));
}

#[test]
fn help_says_demo_state_does_not_persist() {
    let dir = support::temp_dir("cli-help");
    let out = wheelhouse(&dir, &["--help"]);
    let t = text(&out);
    assert!(t.contains("fresh simulation"), "{t}");
    assert!(t.contains("Exit codes"), "{t}");
}

/// `wheelhouse attention`: the cockpit's list with an exit code to alert on; watching
/// the traffic finds the failing canary and the services over capacity.
#[test]
fn attention_lists_what_needs_it_with_an_exit_code() {
    let dir = support::temp_dir("cli-attention");
    let now = wheelhouse(&dir, &["attention", "-o", "json"]);
    assert_eq!(now.status.code(), Some(8), "warnings only: {}", text(&now));
    let v = json(&now);
    assert_eq!(v["critical"], 0);
    assert!(v["warning"].as_u64().unwrap() > 0, "{v}");
    let watched = wheelhouse(&dir, &["attention", "--observe", "40", "-o", "json"]);
    assert_eq!(watched.status.code(), Some(9), "{}", text(&watched));
    let v = json(&watched);
    let first = &v["items"][0];
    assert_eq!(first["severity"], "critical");
    assert_eq!(first["kind"], "canary-worse");
    assert_eq!(first["target"], "loan-core/gray/scoring");
    assert_eq!(first["action"], "abort");
    let plain = wheelhouse(&dir, &["attention", "--observe", "40"]);
    let out = text(&plain);
    assert!(
        out.lines()
            .next()
            .unwrap()
            .starts_with("CRITICAL  loan-core/gray/scoring"),
        "{out}"
    );
    let bad = wheelhouse(&dir, &["attention", "--observe", "-3"]);
    assert_eq!(bad.status.code(), Some(2));
}
