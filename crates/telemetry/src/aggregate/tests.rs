use super::*;
use crate::record::CallRecord;

fn call(
    ts_ms: i64,
    src: &str,
    dst: &str,
    dv: &str,
    canary: bool,
    ms: f64,
    ok: bool,
) -> CallRecord<'static> {
    CallRecord {
        ts_ms,
        line: "trade".into(),
        env: "prod".into(),
        src: src.to_string().into(),
        src_version: "1.0".into(),
        dst: dst.to_string().into(),
        dst_version: dv.to_string().into(),
        dst_canary: canary,
        latency_ms: ms,
        outcome: if ok { Outcome::Ok } else { Outcome::Error },
        status: if ok { 200 } else { 503 },
        tag: None,
        src_lane: None,
        dst_lane: None,
        weight: 1,
    }
}

#[test]
fn one_second_of_calls_becomes_one_frame() {
    let mut a = Aggregator::new();
    let base = 1_764_000_000_000;
    for i in 0..100 {
        a.add(&call(
            base + i * 10,
            "ingress",
            "order",
            "4.2.1",
            false,
            (i + 1) as f64,
            i % 10 != 0,
        ));
    }
    for i in 0..20 {
        a.add(&call(
            base + i * 50,
            "gateway",
            "order",
            "4.3.0",
            true,
            5.0,
            true,
        ));
    }
    assert!(
        a.close(base / 1000 + LATENESS).is_empty(),
        "still open for late records"
    );
    let frames = a.close(base / 1000 + 1 + LATENESS);
    assert_eq!(frames.len(), 1);
    let (env, f) = &frames[0];
    assert_eq!((env.line.as_str(), env.env.as_str()), ("trade", "prod"));
    assert_eq!(f.second, 0);
    let stable = f
        .edges
        .iter()
        .find(|e| e.from.is_ingress())
        .expect("ingress edge");
    assert_eq!(stable.rps, 100.0);
    assert!((stable.error_ratio - 0.1).abs() < 1e-9);
    assert!((stable.p50_ms - 50.0).abs() <= 1.5, "p50 {}", stable.p50_ms);
    assert!((stable.p99_ms - 99.0).abs() <= 2.0, "p99 {}", stable.p99_ms);
    assert!((f.canary_share("order") - 20.0 / 120.0).abs() < 1e-9);
}

#[test]
fn a_sampled_record_counts_as_many_calls() {
    let mut a = Aggregator::new();
    let base = 1_764_000_000_000;
    for i in 0..10 {
        let mut r = call(base + i, "ingress", "order", "4.2.1", false, 10.0, i != 0);
        r.weight = 50;
        a.add(&r);
    }
    let frames = a.flush();
    let edge = &frames[0].1.edges[0];
    assert_eq!(edge.rps, 500.0);
    assert!((edge.error_ratio - 0.1).abs() < 1e-9);
    assert_eq!(a.accepted, 500);
}

#[test]
fn late_records_are_counted_not_lost_silently() {
    let mut a = Aggregator::new();
    a.add(&call(10_000, "a", "b", "1", false, 1.0, true));
    let frames = a.close(10 + 1 + LATENESS);
    assert_eq!(frames.len(), 1);
    assert!(!a.add(&call(10_500, "a", "b", "1", false, 1.0, true)));
    assert_eq!(a.late, 1);
    assert!(
        a.add(&call(12_100, "a", "b", "1", false, 1.0, true)),
        "a still-open second"
    );
    let f = a.flush();
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].1.second, 2, "seconds count from the first one seen");
}

#[test]
fn a_record_after_a_quiet_flush_is_counted_in_a_frame_of_its_own() {
    let mut a = Aggregator::new();
    a.add(&call(20_000, "a", "b", "1", false, 1.0, true));
    a.add(&call(20_300, "a", "b", "1", false, 1.0, true));
    let first = a.flush();
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].1.edges[0].rps, 2.0);
    // The broker came back and the producer's buffer drains: a record of that second.
    assert!(a.add(&call(20_700, "a", "b", "1", false, 1.0, true)));
    assert_eq!(a.late, 0);
    let after = a.flush();
    assert_eq!(after.len(), 1);
    assert_eq!(after[0].1.second, first[0].1.second, "the same second");
    assert_eq!(after[0].1.edges[0].rps, 1.0, "only what came after");
    // A close on the records' clock still makes earlier seconds late.
    a.add(&call(30_000, "a", "b", "1", false, 1.0, true));
    a.close(30 + 1 + LATENESS);
    assert!(!a.add(&call(20_900, "a", "b", "1", false, 1.0, true)));
    assert_eq!(a.late, 1);
}

#[test]
fn environments_get_their_own_frames() {
    let mut a = Aggregator::new();
    let mut r = call(5_000, "a", "b", "1", false, 1.0, true);
    a.add(&r);
    r.env = "gray".into();
    a.add(&r);
    a.add(&r);
    let frames = a.flush();
    let gray = frames.iter().find(|(k, _)| k.env == "gray").expect("gray");
    assert_eq!(gray.1.edges[0].rps, 2.0);
    assert_eq!(frames.len(), 2);
}

#[test]
fn published_edge_seconds_rebuild_the_same_frames() {
    let mut direct = Aggregator::new();
    let mut worker = Aggregator::new();
    for i in 0..300 {
        let r = call(
            7_000 + i * 7,
            "gateway",
            "order",
            if i % 4 == 0 { "2" } else { "1" },
            i % 4 == 0,
            (i % 50) as f64,
            i % 9 != 0,
        );
        direct.add(&r);
        worker.add(&r);
    }
    let expected = direct.flush();
    let published = worker.flush_edges();
    assert!(published.iter().all(|e| e.key().starts_with("trade/prod/")));
    let mut reader = Aggregator::new();
    for e in &published {
        assert!(reader.add_edge(e));
        assert!(
            reader.add_edge(e),
            "a re-delivered edge-second replaces, not adds"
        );
    }
    let rebuilt = reader.flush();
    assert_eq!(rebuilt.len(), expected.len());
    for ((k1, f1), (k2, f2)) in expected.iter().zip(&rebuilt) {
        assert_eq!(k1, k2);
        assert_eq!(f1.edges, f2.edges);
    }
}

#[test]
fn the_watermark_is_the_slowest_partition() {
    let mut w = Watermark::default();
    assert_eq!(w.low(), None);
    w.seen(0, 100);
    w.seen(1, 90);
    w.seen(0, 120);
    assert_eq!(w.low(), Some(90), "partition 1 is still at 90");
    w.seen(1, 130);
    assert_eq!(w.low(), Some(120));
}

#[test]
fn a_hostile_stream_cannot_grow_memory_without_bound() {
    let caps = Caps {
        open_seconds: 20,
        edges_per_second: 30,
        open_edges: 50,
        environments: 4,
    };
    let mut a = Aggregator::with_caps(caps);
    // Each record a second of its own, far apart: only `open_seconds` stay open.
    for i in 0..25 {
        a.add(&call(1_000_000 * (i + 1), "a", "b", "1", false, 1.0, true));
    }
    assert_eq!(a.open.len(), 20);
    assert_eq!(a.dropped, 5);
    // A current second displaces the farthest-future one instead of being dropped.
    assert!(a.add(&call(500, "a", "b", "1", false, 1.0, true)));
    assert_eq!(a.open.len(), 20);
    assert_eq!(a.dropped, 6);
    // Distinct edges in one second.
    let mut b = Aggregator::with_caps(caps);
    for i in 0..40 {
        b.add(&call(
            5_000,
            "a",
            &format!("svc-{i}"),
            "1",
            false,
            1.0,
            true,
        ));
    }
    assert_eq!((b.dropped, b.accepted), (10, 30));
    // Distinct environments over the run.
    let mut c = Aggregator::with_caps(caps);
    for i in 0..9 {
        let mut r = call(5_000, "a", "b", "1", false, 1.0, true);
        r.env = format!("env-{i}").into();
        c.add(&r);
    }
    assert_eq!(c.dropped, 5);
    // Edges across all open seconds.
    let mut d = Aggregator::with_caps(caps);
    for s in 0..3 {
        for i in 0..25 {
            d.add(&call(
                s * 1000,
                "a",
                &format!("svc-{i}"),
                "1",
                false,
                1.0,
                true,
            ));
        }
    }
    assert_eq!(d.open_edges, 50);
    assert_eq!(d.dropped, 25);
    d.flush();
    assert_eq!(d.open_edges, 0);
    assert_eq!(Caps::default().open_edges, 200_000);
}
