use super::*;
use crate::demo::scenario::{DEFAULT_SCENARIO, parse};
use crate::domain::ServiceKey;

fn sim() -> Simulation {
    Simulation::new(
        &parse("default.toml", DEFAULT_SCENARIO).unwrap(),
        1_700_000_000,
    )
}

fn first_canary(sim: &Simulation) -> ServiceKey {
    sim.snapshot()
        .product_lines
        .iter()
        .flat_map(|l| l.environments.iter().map(move |e| (l, e)))
        .flat_map(|(l, e)| e.services.iter().map(move |s| (l, e, s)))
        .find(|(_, _, s)| s.canary.is_some())
        .map(|(l, e, s)| ServiceKey::new(&l.name, &e.name, &s.name))
        .unwrap()
}

#[test]
fn same_seed_same_traffic() {
    let (mut a, mut b) = (sim(), sim());
    assert_eq!(a.advance(3.0), b.advance(3.0));
}

#[test]
fn one_frame_per_environment_per_second() {
    let mut s = sim();
    let envs = s.envs.len();
    assert_eq!(s.advance(0.5).len(), 0);
    assert_eq!(s.advance(0.5).len(), envs);
    assert_eq!(s.advance(2.0).len(), envs * 2);
}

#[test]
fn canary_weight_drives_observed_share() {
    let mut s = sim();
    let key = first_canary(&s);
    let svc = s.service_mut(&key).unwrap();
    svc.apply(&Change::SetCanaryWeight { weight: 50 }, "t", "", 0);
    svc.svc.traffic.tag_routes.clear();
    let frames = s.advance(1.0);
    let frame = &frames.iter().find(|(k, _)| k == &key.env_key()).unwrap().1;
    let share = frame.canary_share(&key.service);
    assert!((share - 0.5).abs() < 0.05, "canary share {share}");
}

#[test]
fn rollout_progresses_and_completes() {
    let mut s = sim();
    let key = first_canary(&s);
    let target = s.service_mut(&key).unwrap();
    let desired = target.svc.replicas.desired;
    target.apply(&Change::Promote, "t", "", 0);
    let canary_version = target.svc.rollout.as_ref().unwrap().to_version.clone();
    assert!(target.svc.canary.is_none());
    s.advance(2.0);
    let mid = s.service_mut(&key).unwrap().svc.clone();
    if desired > 1 {
        assert!(mid.rollout.is_some(), "rollout still running after 2 s");
    }
    s.advance(2.0 * desired as f64 + 1.0);
    let done = s.service_mut(&key).unwrap().svc.clone();
    assert!(done.rollout.is_none());
    assert_eq!(done.version, canary_version);
    assert_eq!(done.releases.last().unwrap().state, ReleaseState::Complete);
}

#[test]
fn a_paused_rollout_waits_until_resumed() {
    let mut s = sim();
    let key = first_canary(&s);
    let target = s.service_mut(&key).unwrap();
    target.apply(&Change::Pause, "t", "", 0);
    target.apply(&Change::Promote, "t", "", 0);
    s.advance(60.0);
    let held = s.service_mut(&key).unwrap();
    assert!(held.svc.paused);
    assert_eq!(held.svc.rollout.as_ref().map(|r| r.updated), Some(0));
    held.apply(&Change::Resume, "t", "", 0);
    s.advance(60.0);
    assert!(
        s.service_mut(&key).unwrap().svc.rollout.is_none(),
        "finished"
    );
}

#[test]
fn scaling_changes_ready_replicas_over_seconds() {
    let mut s = sim();
    let key = first_canary(&s);
    let svc = s.service_mut(&key).unwrap();
    let before = svc.svc.replicas.ready;
    svc.apply(
        &Change::Scale {
            replicas: before + 3,
        },
        "t",
        "",
        0,
    );
    s.advance(1.0);
    assert_eq!(s.service_mut(&key).unwrap().svc.replicas.ready, before + 1);
    s.advance(3.0);
    assert_eq!(s.service_mut(&key).unwrap().svc.replicas.ready, before + 3);
}

#[test]
fn flash_sale_pushes_target_over_capacity() {
    let mut s = sim();
    let scenario = parse("default.toml", DEFAULT_SCENARIO).unwrap();
    let Some((key, start, duration)) = scenario.profiles.iter().find_map(|p| match p.get_ref() {
        Profile::FlashSale {
            line,
            env,
            service,
            start_s,
            duration_s,
            ..
        } => Some((ServiceKey::new(line, env, service), *start_s, *duration_s)),
        _ => None,
    }) else {
        panic!("the default scenario has a flash-sale profile");
    };
    let before = s.advance(start - 1.0);
    let util = |frames: &[(EnvKey, TrafficFrame)], s: &mut Simulation| {
        let svc = s.service_mut(&key).unwrap().svc.clone();
        let frame = &frames
            .iter()
            .rev()
            .find(|(k, _)| k == &key.env_key())
            .unwrap()
            .1;
        frame.inbound_rps(&key.service) / (svc.replicas.ready as f64 * svc.capacity_rps)
    };
    let calm = util(&before, &mut s);
    let during = s.advance(duration / 2.0);
    let peak = util(&during, &mut s);
    assert!(calm < 1.0, "calm utilization {calm}");
    assert!(peak > 1.0, "flash-sale utilization {peak}");
}

/// The demo's frames are what the Kafka path makes of the same records: every record,
/// encoded as a Kafka message and decoded again, aggregated by a fresh aggregator, gives
/// frames equal to the ones the demo publishes.
#[test]
fn the_demo_traffic_is_its_records_aggregated_like_kafka_records() {
    use crate::telemetry::aggregate::Aggregator;
    use crate::telemetry::record::{decode, encode};
    let mut s = sim();
    let mut messages: Vec<Vec<u8>> = Vec::new();
    let demo_frames = s.advance_with(5.0, &mut |r| messages.push(encode(r)));
    assert_eq!(messages.len() as u64, s.records);
    assert!(messages.len() > 10_000, "{} records", messages.len());
    let mut kafka = Aggregator::new();
    for m in &messages {
        let record = decode(m).unwrap();
        assert!(kafka.add(&record), "in order, never late");
    }
    let kafka_frames = kafka.flush();
    assert_eq!(kafka_frames.len(), demo_frames.len());
    assert_eq!(kafka_frames, demo_frames);
}

/// The demo's lanes in trade/integration route per hop, as the rule says: a lane's
/// requests take its versions where it has them and the baseline elsewhere; untagged
/// requests never reach a lane; the lanes' records carry their tag and lanes.
#[test]
fn lanes_route_tagged_requests_hop_by_hop() {
    use crate::domain::traffic::NodeId;
    let mut s = sim();
    let env = EnvKey {
        line: "trade".into(),
        env: "integration".into(),
    };
    let mut tagged = std::collections::BTreeMap::<(String, String), String>::new();
    let mut frames = Vec::new();
    for _ in 0..30 {
        frames.extend(s.advance_with(1.0, &mut |r| {
            if r.line == "trade"
                && r.env == "integration"
                && let Some(lane) = &r.dst_lane
            {
                let tag = r.tag.as_deref().unwrap_or("").to_string();
                tagged.insert((r.dst.to_string(), lane.to_string()), tag);
            }
        }));
    }
    let window = TrafficFrame::window(frames.iter().filter(|(k, _)| *k == env).map(|(_, f)| f));
    let rate = |from: &NodeId, to: &NodeId| {
        window
            .edges
            .iter()
            .filter(|e| &e.from == from && &e.to == to)
            .map(|e| e.rps)
            .sum::<f64>()
    };
    let base = |svc: &str, version: &str| NodeId::new(svc, version, false);
    let lane = |svc: &str, version: &str, lane: &str| NodeId::in_lane(svc, version, lane);
    let (gateway, order) = (base("gateway", "5.1.2"), base("order", "4.3.0"));
    let (payment, ledger) = (base("payment", "2.1.0"), base("ledger", "6.0.1"));
    let order_v2 = lane("order", "4.4.0", "checkout-v2");
    let payment_v2 = lane("payment", "2.2.0", "checkout-v2");
    let payment_61 = lane("payment", "2.2.0", "ledger-v61");
    let ledger_61 = lane("ledger", "6.1.0", "ledger-v61");
    // checkout-v2 holds order and payment: its requests go gateway → order 4.4.0 →
    // payment 2.2.0, then back to the baseline ledger (the lane has none).
    assert!(rate(&gateway, &order_v2) > 0.0);
    assert!(rate(&order_v2, &payment_v2) > 0.0);
    assert!(rate(&payment_v2, &ledger) > 0.0);
    // ledger-v61 lacks order: its requests take the baseline order, then its payment
    // and its ledger.
    assert!(rate(&order, &payment_61) > 0.0);
    assert!(rate(&payment_61, &ledger_61) > 0.0);
    // Nothing crosses from one lane into another, and a lane's version is reached only
    // by its own requests.
    for e in &window.edges {
        if let (Some(a), Some(b)) = (&e.from.lane, &e.to.lane) {
            assert_eq!(a, b, "{} → {}", e.from, e.to);
        }
    }
    assert_eq!(
        rate(&order_v2, &payment),
        0.0,
        "checkout-v2 has its own payment"
    );
    assert_eq!(
        rate(&payment, &ledger_61),
        0.0,
        "only ledger-v61's payment calls its ledger"
    );
    // checkout-v2 carries about 4 % testers + 5 % of the rest of order's calls; ledger-v61
    // its testers' 4 %.
    let into_order: f64 = window
        .edges
        .iter()
        .filter(|e| e.to.service == "order")
        .map(|e| e.rps)
        .sum();
    let v2 = rate(&gateway, &order_v2) / into_order;
    assert!(
        (v2 - 0.088).abs() < 0.02,
        "checkout-v2 takes {v2:.3} of order's calls"
    );
    // The records into a lane's version carry the lane's tag.
    for ((service, lane), tag) in &tagged {
        assert_eq!(lane, tag, "{service} in {lane}");
    }
    assert!(tagged.len() >= 4, "{tagged:?}");
}
