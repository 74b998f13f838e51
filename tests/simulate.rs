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

/// The demo's lanes in trade/integration: a lane's requests take its versions where it
/// has them and the baseline elsewhere, hop by hop; each record names the lanes of its
/// ends and carries the tag; the ground truth counts each lane's requests per service.
#[test]
fn simulated_requests_follow_lanes_hop_by_hop() {
    let snap = DemoPlatform::default_scenario(0).unwrap().snapshot();
    let env = snap
        .line("trade")
        .unwrap()
        .environment("integration")
        .unwrap()
        .clone();
    let mut g = Generator::new("trade", &env, Profile::Steady, 300.0, 3);
    let mut records: Vec<CallRecord> = Vec::new();
    for i in 0..20 {
        records.extend(g.second(i, 20, 1_764_000_000 + i as i64));
    }
    let lane_of = |r: &CallRecord| r.dst_lane.as_deref().map(str::to_string);
    for r in &records {
        if let Some(lane) = lane_of(r) {
            let l = env.lanes.iter().find(|l| l.name == lane).unwrap();
            assert_eq!(l.version_of(&r.dst), Some(r.dst_version.as_ref()), "{r:?}");
            assert_eq!(r.tag.as_deref(), Some(lane.as_str()), "tagged: {r:?}");
        }
        // A lane's version calls only with its own tag: into its lane, or the baseline.
        if let (Some(src), Some(dst)) = (r.src_lane.as_deref(), r.dst_lane.as_deref()) {
            assert_eq!(src, dst, "{r:?}");
        }
    }
    // checkout-v2 (order, payment) falls back to the baseline ledger; ledger-v61 (payment,
    // ledger) to the baseline order.
    let fallback = |lane: &str, dst: &str| {
        records
            .iter()
            .filter(|r| r.tag.as_deref() == Some(lane) && r.dst == dst)
            .all(|r| r.dst_lane.is_none())
    };
    assert!(fallback("checkout-v2", "ledger"));
    assert!(fallback("ledger-v61", "order"));
    let into = |dst: &str, lane: &str| {
        records
            .iter()
            .filter(|r| r.dst == dst && r.dst_lane.as_deref() == Some(lane))
            .count() as u64
    };
    for (service, lane) in [
        ("order", "checkout-v2"),
        ("payment", "checkout-v2"),
        ("payment", "ledger-v61"),
        ("ledger", "ledger-v61"),
    ] {
        let n = into(service, lane);
        assert!(n > 0, "{service} in {lane}");
        assert_eq!(g.truth[service].lanes[lane], n, "{service} in {lane}");
    }
    assert!(!g.truth["order"].lanes.contains_key("ledger-v61"));
    // ledger-v61 takes its testers' 5 % and 30 % of the rest of the entry requests.
    let entry: Vec<&CallRecord> = records.iter().filter(|r| r.src == INGRESS).collect();
    let share = entry
        .iter()
        .filter(|r| r.tag.as_deref() == Some("ledger-v61"))
        .count() as f64
        / entry.len() as f64;
    assert!((share - 0.335).abs() < 0.04, "ledger-v61 share {share}");
}
