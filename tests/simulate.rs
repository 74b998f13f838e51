//! The call-record generator (`wheelhouse simulate`) on the demo platform's routing: it
//! follows dependencies, canary weights and profiles (here, where telemetry and the demo
//! platform meet).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test may fail loudly

use wheelhouse::platform::demo::DemoPlatform;
use wheelhouse::telemetry::aggregate::INGRESS;
use wheelhouse::telemetry::record::{CallRecord, Outcome};
use wheelhouse::telemetry::simulate::{Generator, Profile};

#[test]
fn traffic_follows_dependencies_and_the_canary_weight() {
    let snap = DemoPlatform::default_scenario(0).unwrap().snapshot();
    let line = snap.line("loan-core").unwrap();
    let env = line.environment("gray").unwrap();
    let mut g = Generator::new("loan-core", env, Profile::FailingCanary, 400.0, 7);
    let mut records = Vec::new();
    for i in 0..20 {
        records.extend(g.second(i, 20, 1_764_000_000 + i as i64));
    }
    assert_eq!(records.len() as u64, g.records);
    assert!(
        records
            .iter()
            .all(|r| r.line == "loan-core" && r.env == "gray")
    );
    let scoring = env.service("scoring").unwrap();
    let t = &g.truth["scoring"];
    let share = t.canary as f64 / t.requests as f64;
    let expected = scoring.traffic.canary_weight as f64 / 100.0;
    assert!(t.requests > 1000, "scoring is called: {t:?}");
    assert!(
        (share - expected).abs() < 0.06,
        "canary share {share} vs weight {expected}"
    );
    let canary_errors = records
        .iter()
        .filter(|r| r.dst == "scoring" && r.dst_canary && r.outcome == Outcome::Error)
        .count() as f64;
    let canary_calls = records
        .iter()
        .filter(|r| r.dst == "scoring" && r.dst_canary)
        .count() as f64;
    assert!(
        (canary_errors / canary_calls - 0.08).abs() < 0.04,
        "failing canary"
    );
    assert!(records.iter().any(|r| r.src == INGRESS));
}

#[test]
fn a_flash_sale_triples_the_middle_third() {
    let snap = DemoPlatform::default_scenario(0).unwrap().snapshot();
    let env = snap
        .line("trade")
        .unwrap()
        .environment("prod")
        .unwrap()
        .clone();
    let mut g = Generator::new("trade", &env, Profile::FlashSale, 100.0, 1);
    let ingress = |rs: &[CallRecord<'_>]| rs.iter().filter(|r| r.src == INGRESS).count();
    let before = ingress(&g.second(0, 30, 0));
    let during = ingress(&g.second(15, 30, 15));
    assert_eq!((before, during), (100, 300));
}
