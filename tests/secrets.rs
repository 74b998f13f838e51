//! Secret values never leave the process: every output format of every subcommand on the
//! demo, the audit log, the log file (at trace level) and every view of the cockpit are
//! searched for the values the demo scenario declares secret.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test may fail loudly

mod support;

use std::collections::BTreeSet;
use std::process::{Command, Output};
use wheelhouse::app::View;
use wheelhouse::platform::demo::scenario::DEFAULT_SCENARIO;

/// Every value of a key the scenario lists under `secrets`, in any environment.
fn secret_values() -> BTreeSet<String> {
    let doc: toml::Value = toml::from_str(DEFAULT_SCENARIO).unwrap();
    let mut out = BTreeSet::new();
    for line in doc["line"].as_array().unwrap() {
        for svc in line["service"].as_array().unwrap() {
            let Some(secrets) = svc.get("secrets").and_then(|s| s.as_array()) else {
                continue;
            };
            for key in secrets.iter().filter_map(|k| k.as_str()) {
                let mut tables = vec![svc.get("config")];
                if let Some(per_env) = svc.get("config_env").and_then(|c| c.as_table()) {
                    tables.extend(per_env.values().map(Some));
                }
                for t in tables.into_iter().flatten() {
                    if let Some(v) = t.get(key).and_then(|v| v.as_str()) {
                        out.insert(v.to_string());
                    }
                }
            }
        }
    }
    out
}

/// Services (LINE/ENV/SERVICE) whose config has secrets, per the demo's own status.
fn services_with_secrets(dir: &std::path::Path) -> Vec<String> {
    let out = run(dir, &["status", "-o", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut keys = Vec::new();
    for line in v["product_lines"].as_array().unwrap() {
        for env in line["environments"].as_array().unwrap() {
            for s in env["services"].as_array().unwrap() {
                if !s["secret_keys"].as_array().unwrap().is_empty() {
                    keys.push(format!(
                        "{}/{}/{}",
                        line["name"].as_str().unwrap(),
                        env["name"].as_str().unwrap(),
                        s["name"].as_str().unwrap()
                    ));
                }
            }
        }
    }
    keys
}

fn run(dir: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wheelhouse"))
        .args(["--demo"])
        .args(args)
        .env("WHEELHOUSE_DATA_DIR", dir)
        .env("WHEELHOUSE_CONFIG_DIR", dir.join("config"))
        .env("WHEELHOUSE_LOG", "trace")
        .env_remove("KUBECONFIG")
        .output()
        .unwrap()
}

fn assert_clean(what: &str, text: &str, secrets: &BTreeSet<String>) {
    for s in secrets {
        assert!(!text.contains(s.as_str()), "{what} prints the secret {s:?}");
    }
}

#[test]
fn no_output_of_any_subcommand_carries_a_secret_value() {
    let secrets = secret_values();
    assert!(secrets.len() >= 8, "the demo declares secrets: {secrets:?}");
    let dir = support::temp_dir("secrets-cli");
    let targets = services_with_secrets(&dir);
    assert!(targets.len() >= 10, "{targets:?}");
    let mut runs: Vec<Vec<String>> = vec![vec!["--help".into()]];
    let owned = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    for o in ["text", "json"] {
        runs.push(owned(&["status", "-o", o]));
        runs.push(owned(&["images", "-o", o]));
        runs.push(owned(&["status", "nope", "-o", o]));
        for t in &targets {
            let line_env: Vec<&str> = t.split('/').take(2).collect();
            runs.push(owned(&["status", &line_env.join("/"), "-o", o]));
            runs.push(owned(&[
                "logs", t, "--lines", "200", "--wait", "1", "-o", o,
            ]));
        }
        // Every write, on services of each product line that has secrets.
        let mut lines_seen = BTreeSet::new();
        for t in targets
            .iter()
            .filter(|t| lines_seen.insert(t.split('/').next()))
        {
            for write in [
                vec!["deploy", t, "0.0.1"],
                vec!["scale", t, "7"],
                vec!["rollback", t],
                vec!["restart", t],
                vec!["shift", t, "--weight", "30"],
            ] {
                for extra in [&["--dry-run"][..], &["--yes", "--wait"][..]] {
                    let mut args: Vec<String> = owned(&write);
                    args.extend(owned(extra));
                    args.extend(owned(&["-o", o]));
                    runs.push(args);
                }
            }
        }
        runs.push(owned(&["simulate", &targets[0], "-o", o]));
    }
    for args in &runs {
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = run(&dir, &refs);
        let what = format!("wheelhouse {}", args.join(" "));
        assert_clean(&what, &String::from_utf8_lossy(&out.stdout), &secrets);
        assert_clean(&what, &String::from_utf8_lossy(&out.stderr), &secrets);
    }
    let audit = std::fs::read_to_string(dir.join("audit.jsonl")).unwrap();
    assert!(audit.lines().count() >= 10, "writes were made: {audit}");
    assert_clean("the audit log", &audit, &secrets);
    let log = std::fs::read_to_string(dir.join("wheelhouse.log")).unwrap();
    assert_clean("the log file", &log, &secrets);
}

#[test]
fn no_view_of_the_cockpit_shows_a_secret_value() {
    let secrets = secret_values();
    let mut h = support::Harness::new("secrets-tui");
    let snap = h.platform.snapshot();
    let mut checked = 0;
    for line in &snap.product_lines {
        for env in &line.environments {
            for s in env.services.iter().filter(|s| !s.secret_keys.is_empty()) {
                h.select(&[&line.name, &env.name, &s.name]);
                for view in View::ALL {
                    h.state.view = view;
                    h.state.dirty = true;
                    assert_clean(
                        &format!("{view:?} of {}", s.name),
                        &h.render(200, 60),
                        &secrets,
                    );
                    checked += 1;
                }
                // The confirmation of a write shows the dry run.
                h.keys("X");
                assert_clean("the restart confirmation", &h.render(120, 40), &secrets);
                h.keys("esc");
            }
        }
    }
    assert!(checked >= 80, "{checked} screens");
    assert_clean("the model's debug form", &format!("{snap:?}"), &secrets);
}
