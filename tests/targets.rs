//! Wrong targets are refused, not applied: unknown versions (exit 4), rollback during a
//! rollout returns to the release that ran before it, a second deploy supersedes the first.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test may fail loudly

mod support;

use wheelhouse::domain::change::{Change, ChangeRequest};
use wheelhouse::domain::{ReleaseState, ServiceKey};
use wheelhouse::platform::PlatformError;
use wheelhouse::platform::demo::DemoPlatform;

fn request(p: &DemoPlatform, key: &ServiceKey, change: Change) -> ChangeRequest {
    ChangeRequest {
        target: key.clone(),
        change,
        expected_revision: p.snapshot().service(key).unwrap().revision.clone(),
        who: "ana".into(),
        why: String::new(),
    }
}

/// Deploys `version` and lets `seconds` of the simulation pass.
fn deploy_then_wait(p: &mut DemoPlatform, key: &ServiceKey, version: &str, seconds: f64) {
    let r = request(
        p,
        key,
        Change::Deploy {
            version: version.into(),
        },
    );
    p.apply(&r).unwrap();
    p.advance(seconds);
}

fn order() -> (DemoPlatform, ServiceKey) {
    let p = DemoPlatform::default_scenario(support::EPOCH).unwrap();
    (p, ServiceKey::new("trade", "prod", "order"))
}

#[test]
fn unknown_versions_are_not_found_for_deploy_and_canary_start() {
    let (mut p, key) = order();
    for change in [
        Change::Deploy {
            version: "9.9.9".into(),
        },
        Change::StartCanary {
            version: "9.9.9".into(),
        },
    ] {
        let r = request(&p, &key, change);
        let err = p.apply(&r).unwrap_err();
        assert!(matches!(err, PlatformError::NotFound { .. }), "{err}");
        assert_eq!(err.exit_code(), 4);
    }
    assert_eq!(p.writes(), 0);
}

#[test]
fn cli_exit_code_4_for_an_unknown_canary_version() {
    let dir = support::temp_dir("targets-cli");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_wheelhouse"))
        .args([
            "--demo",
            "shift",
            "trade/prod/order",
            "--start",
            "9.9.9",
            "--yes",
        ])
        .env("WHEELHOUSE_DATA_DIR", &dir)
        .env("WHEELHOUSE_CONFIG_DIR", dir.join("config"))
        .env_remove("KUBECONFIG")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("9.9.9 not found"));
    assert!(
        !dir.join("audit.jsonl").exists(),
        "refused before any record"
    );
}

#[test]
fn rollback_during_a_rollout_returns_to_the_release_before_it() {
    let (mut p, key) = order();
    let before = p.snapshot().service(&key).unwrap().version.clone();
    deploy_then_wait(&mut p, &key, "4.3.0", 2.5);
    let s = p.snapshot().service(&key).unwrap().clone();
    assert!(s.rollout.is_some(), "still rolling out");
    let r = request(&p, &key, Change::Rollback);
    let preview = p.preview(&r).unwrap();
    assert_eq!(preview[0].before, "4.3.0");
    assert_eq!(
        preview[0].after, before,
        "back to what ran before the rollout"
    );
    p.apply(&r).unwrap();
    p.advance(30.0);
    let s = p.snapshot().service(&key).unwrap().clone();
    assert_eq!(s.version, before);
    assert!(s.rollout.is_none());
    let states: Vec<(&str, &str, ReleaseState)> = s
        .releases
        .iter()
        .rev()
        .take(2)
        .map(|r| (r.from.as_str(), r.to.as_str(), r.state))
        .collect();
    assert_eq!(
        states,
        vec![
            ("4.3.0", before.as_str(), ReleaseState::Complete),
            (before.as_str(), "4.3.0", ReleaseState::RolledBack),
        ]
    );
}

#[test]
fn a_second_deploy_supersedes_the_first_and_history_says_so() {
    let (mut p, key) = order();
    deploy_then_wait(&mut p, &key, "4.2.0", 2.5);
    deploy_then_wait(&mut p, &key, "4.3.0", 30.0);
    let s = p.snapshot().service(&key).unwrap().clone();
    assert_eq!(s.version, "4.3.0");
    let last: Vec<(&str, ReleaseState)> = s
        .releases
        .iter()
        .rev()
        .take(2)
        .map(|r| (r.to.as_str(), r.state))
        .collect();
    assert_eq!(
        last,
        vec![
            ("4.3.0", ReleaseState::Complete),
            ("4.2.0", ReleaseState::Superseded)
        ]
    );
    assert!(!s.releases.iter().any(|r| r.state == ReleaseState::Failed));
}

#[test]
fn after_a_superseded_release_rollback_returns_to_what_really_ran() {
    let (mut p, key) = order();
    let before = p.snapshot().service(&key).unwrap().version.clone();
    deploy_then_wait(&mut p, &key, "4.2.0", 2.5);
    // The version already rolling out cannot be deployed again.
    let again = request(
        &p,
        &key,
        Change::Deploy {
            version: "4.2.0".into(),
        },
    );
    assert!(matches!(
        p.preview(&again),
        Err(PlatformError::Invalid { .. })
    ));
    deploy_then_wait(&mut p, &key, "4.3.0", 30.0);
    let s = p.snapshot().service(&key).unwrap().clone();
    let last = s.releases.last().unwrap();
    assert_eq!(
        (last.from.as_str(), last.to.as_str()),
        (before.as_str(), "4.3.0")
    );
    assert_eq!(
        s.rollback_target(),
        Some(before.as_str()),
        "4.2.0 never ran"
    );
}
