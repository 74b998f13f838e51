//! The attention list on the demo platform: what needs attention, most urgent first, why
//! in words and figures, and the operation that acts on it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test may fail loudly

mod support;

use support::Harness;
use wheelhouse::app::attention::{self, Kind, Severity};
use wheelhouse::app::{Mode, View};
use wheelhouse::domain::Change;
use wheelhouse::domain::operation::Op;

#[test]
fn the_demo_s_failing_canary_and_what_else_needs_attention() {
    let mut h = Harness::new("attention");
    h.advance(40);
    let items = attention::items(&h.state);
    let canary = items
        .iter()
        .find(|i| i.kind == Kind::CanaryWorse)
        .expect("the gray canary of scoring is worse than stable");
    assert_eq!(canary.target, "loan-core/gray/scoring");
    // 8 % of errors against 0.2 % in the scenario, as sampled by the simulation.
    assert!(
        canary
            .why
            .starts_with("canary 3.2.0 and tag route beta-testers worse than stable: errors ")
            && canary.why.contains("×) over ")
            && canary.why.ends_with(" calls"),
        "{}",
        canary.why
    );
    assert_eq!(
        canary.severity,
        Severity::Critical,
        "gray is a production tier"
    );
    assert_eq!(canary.action, Some(Op::Abort));
    // Most urgent first.
    let order: Vec<(Severity, Kind)> = items.iter().map(|i| (i.severity, i.kind)).collect();
    let mut sorted = order.clone();
    sorted.sort();
    assert_eq!(order, sorted);
    let json = serde_json::to_value(&items).unwrap();
    assert_eq!(
        json.as_array()
            .unwrap()
            .iter()
            .find(|i| i["kind"] == "canary-worse")
            .unwrap()["action"],
        "abort"
    );
}

#[test]
fn over_capacity_recommends_replicas_and_a_healthy_canary_is_not_listed() {
    let mut h = Harness::new("attention-capacity");
    h.advance(40);
    let items = attention::items(&h.state);
    let over: Vec<_> = items
        .iter()
        .filter(|i| i.kind == Kind::OverCapacity && i.severity == Severity::Critical)
        .collect();
    assert!(!over.is_empty(), "{items:?}");
    for i in &over {
        assert!(i.why.contains("% of capacity; recommended "), "{}", i.why);
        assert_eq!(i.action, Some(Op::ScaleRecommended));
    }
    // The sandbox canary of decision runs as well as stable: no item for it.
    assert!(
        !items
            .iter()
            .any(|i| i.kind == Kind::CanaryWorse && i.target.ends_with("/decision")),
        "{items:?}"
    );
    let (critical, warning, notice) = attention::counts(&items);
    assert_eq!(critical + warning + notice, items.len());
}

#[test]
fn the_cockpit_lands_on_attention_and_enter_and_the_action_key_act_on_an_item() {
    let mut h = Harness::landing("attention-landing");
    h.advance(3);
    assert_eq!(
        h.state.view,
        View::Attention,
        "something needs attention at start"
    );
    assert!(
        h.bells.is_empty(),
        "the landing says it, not a bell per item"
    );
    h.advance(37);
    let at = h
        .state
        .attention
        .iter()
        .position(|i| i.kind == Kind::CanaryWorse)
        .expect("the failing canary is listed");
    // Down to it: the tree follows, so the abort key acts on its service.
    h.keys("home");
    for _ in 0..at {
        h.keys("down");
    }
    assert_eq!(h.state.selected.join("/"), "loan-core/gray/scoring");
    h.keys("enter");
    assert_eq!(h.state.view, View::Service);
    h.keys("A");
    let Mode::Confirm(c) = &h.state.mode else {
        panic!("{:?}", h.state.mode)
    };
    assert_eq!(c.request.change, Change::Abort);
    assert_eq!(c.request.target.to_string(), "loan-core/gray/scoring");
}

#[test]
fn a_new_critical_item_rings_the_bell_with_a_notification() {
    let mut h = Harness::landing("attention-bell");
    h.advance(3);
    let before = h.bells.len();
    // The failing canary shows once enough calls went through it: a new critical item.
    h.advance(20);
    let rung: Vec<_> = h.bells[before..].iter().flatten().collect();
    assert!(
        rung.iter()
            .any(|n| n.starts_with("loan-core/gray/scoring: canary 3.2.0 and tag route")),
        "{:?}\n{:?}",
        h.bells,
        h.state.attention
    );
    let screen = h.render(200, 60);
    assert!(
        screen.contains("● 1 critical"),
        "the status line counts it:\n{screen}"
    );
    // Load rising in trade/prod: warnings that become critical ring again.
    let rang = h.bells.len();
    h.advance(20);
    assert!(
        h.bells[rang..]
            .iter()
            .flatten()
            .any(|n| n.starts_with("trade/prod/") && n.contains("of capacity; recommended")),
        "{:?}",
        h.bells
    );
}

#[test]
fn the_attention_view_at_80x24_and_200x60() {
    let mut h = Harness::new("attention-render");
    h.advance(40);
    h.keys("9");
    for (w, hh) in [(80u16, 24u16), (200, 60)] {
        let view = h.render_part(w, hh, |a| Some(a.view));
        assert!(view.contains("critical ·"), "{view}");
        assert!(view.contains("loan-core/gray/scoring"), "{view}");
        assert!(view.contains("[S scale-recommended]") || w < 100, "{view}");
        insta::assert_snapshot!(format!("attention_{w}x{hh}"), view);
    }
}

/// A canary that takes no untagged calls is judged on what its tag route sends it, and
/// the item names the route.
#[test]
fn a_tag_route_doing_worse_than_stable_is_named() {
    let mut h = Harness::new("attention-tag");
    h.advance(2);
    let key = h.canary_service("loan-core", "gray");
    h.select(&["loan-core", "gray", &key.service]);
    h.keys("w");
    h.type_text("0");
    h.keys("enter");
    h.type_text("gray");
    h.keys("enter");
    // More routes, so that the tagged calls alone reach the verdict's minimum over its
    // window (each route gets 4 % of the simulated calls).
    for tag in ["staff", "qa"] {
        h.keys("t");
        h.type_text(tag);
        h.keys("enter");
        h.type_text("gray");
        h.keys("enter");
    }
    let s = h.state.snapshot.service(&key).unwrap().clone();
    assert_eq!(s.traffic.canary_weight, 0, "the weight went to 0");
    assert_eq!(s.traffic.tag_routes.len(), 3, "{:?}", s.traffic.tag_routes);
    // The window forgets the weighted calls; the tagged ones alone are judged.
    h.advance(90);
    let items = attention::items(&h.state);
    let item = items
        .iter()
        .find(|i| i.kind == Kind::CanaryWorse)
        .unwrap_or_else(|| panic!("the tag route's calls fail as the canary's did: {items:?}"));
    assert!(
        item.why
            .starts_with("tag routes beta-testers, staff, qa → 3.2.0 worse than stable: errors "),
        "{}",
        item.why
    );
}

/// Load that climbs steadily is announced before it reaches capacity: "capacity soon",
/// with the minutes left and the replicas to scale to.
#[test]
fn rising_load_is_forecast_before_it_reaches_capacity() {
    use wheelhouse::app::Event;
    use wheelhouse::domain::EnvKey;
    use wheelhouse::domain::traffic::{EdgeStat, NodeId, TrafficFrame};
    use wheelhouse::platform::PlatformEvent;
    let mut h = Harness::new("attention-forecast");
    let key = EnvKey {
        line: "trade".into(),
        env: "dev".into(),
    };
    let order = h
        .state
        .snapshot
        .service(&wheelhouse::domain::ServiceKey::new(
            "trade", "dev", "order",
        ))
        .unwrap()
        .clone();
    let capacity = order.capacity_rps * f64::from(order.replicas.ready);
    // From 20 % to 60 % of capacity over a minute: still far below it, but at this pace
    // it gets there within minutes.
    for second in 0..60u64 {
        let rps = capacity * (0.2 + 0.4 * second as f64 / 59.0);
        let frame = TrafficFrame {
            second,
            edges: vec![EdgeStat {
                from: NodeId::ingress(),
                to: NodeId::new("order", &order.version, false),
                rps,
                error_ratio: 0.0,
                p50_ms: 5.0,
                p99_ms: 20.0,
            }],
        };
        h.event(Event::from(PlatformEvent::Traffic(vec![(
            key.clone(),
            frame,
        )])));
    }
    let items = attention::items(&h.state);
    let soon = items
        .iter()
        .find(|i| i.kind == Kind::CapacitySoon && i.target == "trade/dev/order")
        .unwrap_or_else(|| panic!("no forecast: {items:?}"));
    assert_eq!(soon.severity, Severity::Warning);
    assert!(
        soon.why.starts_with("load rising +") && soon.why.contains("over capacity in ~"),
        "{}",
        soon.why
    );
    assert_eq!(soon.action, Some(Op::ScaleRecommended));
    // Flat load at the same level is not announced.
    let mut flat = Harness::new("attention-flat");
    for second in 0..60u64 {
        let frame = TrafficFrame {
            second,
            edges: vec![EdgeStat {
                from: NodeId::ingress(),
                to: NodeId::new("order", &order.version, false),
                rps: capacity * 0.6,
                error_ratio: 0.0,
                p50_ms: 5.0,
                p99_ms: 20.0,
            }],
        };
        flat.event(Event::from(PlatformEvent::Traffic(vec![(
            key.clone(),
            frame,
        )])));
    }
    let items = attention::items(&flat.state);
    assert!(
        !items.iter().any(|i| i.kind == Kind::CapacitySoon),
        "{items:?}"
    );
}
