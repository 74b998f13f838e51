//! Lanes on the demo (issue "Lanes"): the demo's two lanes in trade/integration, as the
//! cockpit and the CLI show them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test may fail loudly

mod support;

use support::Harness;
use support::cli::demo_run as demo;
use wheelhouse::app::View;

/// A service in two lanes lists both, each with its calls, errors and p99 beside the
/// baseline's; the failing lane's errors show.
#[test]
fn the_service_view_lists_the_lanes_of_its_service_with_their_figures() {
    let mut h = Harness::new("lanes-service");
    h.advance(40);
    h.select(&["trade", "integration", "payment"]);
    h.state.view = View::Service;
    for (w, hh) in [(80u16, 24u16), (200, 60)] {
        let screen = h.render(w, hh);
        let row = |needle: &str| {
            screen
                .lines()
                .find(|l| l.contains(needle))
                .unwrap_or_else(|| panic!("{needle} at {w}x{hh}:\n{screen}"))
                .to_string()
        };
        let v2 = row("⌁checkout-v2 2.2.0");
        assert!(v2.contains("lanes") && v2.contains("/s err "), "{v2}");
        let v61 = row("⌁ledger-v61 2.2.0");
        assert!(v61.contains("/s err "), "{v61}");
        let baseline = row("baseline 2.1.0");
        assert!(baseline.contains("/s err "), "{baseline}");
    }
    // ledger-v61's ledger fails (20 % in the scenario); the baseline's does not.
    h.select(&["trade", "integration", "ledger"]);
    let screen = h.render(200, 60);
    let lane = screen
        .lines()
        .find(|l| l.contains("⌁ledger-v61 6.1.0"))
        .unwrap_or_else(|| panic!("{screen}"));
    let err: f64 = lane
        .split("err ")
        .nth(1)
        .and_then(|r| r.split('%').next())
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("{lane}"));
    assert!(err > 2.0, "the failing lane's errors: {lane}");
}

/// The topology draws each lane's versions as their own nodes.
#[test]
fn the_topology_draws_lane_versions_as_their_own_nodes() {
    let mut h = Harness::new("lanes-topology");
    h.advance(20);
    h.select(&["trade", "integration", "order"]);
    h.state.view = View::Topology;
    let screen = h.render(200, 60);
    for node in ["order@4.4.0⌁", "payment@2.2.0⌁", "ledger@6.1.0⌁"] {
        assert!(screen.contains(node), "{node}:\n{screen}");
    }
}

/// `status` lists an environment's lanes: in words, and in JSON with their services.
#[test]
fn status_lists_the_lanes() {
    let dir = support::temp_dir("lanes-status");
    let out = support::cli::demo(&dir, &["status", "trade/integration"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("lane checkout-v2      order 4.4.0, payment 2.2.0 · 5% of untagged entry requests · by mei.chen"),
        "{text}"
    );
    assert!(text.contains("lane ledger-v61"), "{text}");
    let out = support::cli::demo(&dir, &["status", "trade/integration", "-o", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let lanes = &v["product_lines"][0]["environments"][0]["lanes"];
    assert_eq!(lanes[0]["name"], "checkout-v2", "{lanes}");
    assert_eq!(lanes[0]["services"]["order"], "4.4.0", "{lanes}");
    assert_eq!(lanes[0]["entry_share"], 5, "{lanes}");
    assert_eq!(lanes[1]["name"], "ledger-v61", "{lanes}");
}

/// The tree marks an environment with lanes (how many).
#[test]
fn the_tree_marks_an_environment_with_lanes() {
    let mut h = Harness::new("lanes-tree");
    h.advance(1);
    h.select(&["trade", "integration", "order"]);
    let tree = h.render_part(80, 24, |a| Some(a.tree));
    let row = tree
        .lines()
        .find(|l| l.contains("integration"))
        .unwrap_or_else(|| panic!("{tree}"));
    assert!(row.contains("⌁2"), "{row}");
    let other = tree
        .lines()
        .find(|l| l.contains(" dev"))
        .unwrap_or_else(|| panic!("{tree}"));
    assert!(!other.contains('⌁'), "{other}");
}

fn lanes_of(h: &Harness, line: &str, env: &str) -> Vec<wheelhouse::domain::lane::Lane> {
    h.state
        .snapshot
        .line(line)
        .and_then(|l| l.environment(env))
        .map(|e| e.lanes.clone())
        .unwrap_or_default()
}

/// In the cockpit: `a` puts the selected service's version in a lane (a new one is
/// created), `%` sets a lane's share of entry requests, `u` takes the service out; each
/// through the usual confirmation, each audited.
#[test]
fn the_cockpit_adds_shares_and_removes_a_lane_service() {
    let mut h = Harness::new("lanes-keys");
    h.advance(2);
    h.select(&["trade", "integration", "quote"]);
    h.keys("a");
    let screen = h.render(200, 60);
    assert!(
        screen.contains("Lane and version for trade/integration/quote"),
        "{screen}"
    );
    h.type_text("quick-quote 2.7.0");
    h.keys("enter");
    let screen = h.render(200, 60);
    assert!(
        screen.contains("lane quick-quote") && screen.contains("(no such lane: created)"),
        "the confirmation shows the plan:\n{screen}"
    );
    h.keys("enter");
    let lanes = lanes_of(&h, "trade", "integration");
    let quick = lanes
        .iter()
        .find(|l| l.name == "quick-quote")
        .unwrap_or_else(|| panic!("{lanes:?}"));
    assert_eq!(quick.version_of("quote"), Some("2.7.0"));
    assert_eq!(quick.created_by, "tester");
    // Its share, set on the service requests enter through.
    h.select(&["trade", "integration", "gateway"]);
    h.keys("%");
    h.type_text("quick-quote 7");
    h.keys("enter enter");
    let lanes = lanes_of(&h, "trade", "integration");
    assert_eq!(
        lanes
            .iter()
            .find(|l| l.name == "quick-quote")
            .map(|l| l.entry_share),
        Some(7)
    );
    // Out again: the lane goes with its last service.
    h.select(&["trade", "integration", "quote"]);
    h.keys("u");
    let screen = h.render(80, 24);
    assert!(
        screen.contains("quick-quote"),
        "the lanes to pick from:\n{screen}"
    );
    h.keys("enter enter");
    assert!(
        lanes_of(&h, "trade", "integration")
            .iter()
            .all(|l| l.name != "quick-quote")
    );
    let audit = std::fs::read_to_string(h.dir.join("audit.jsonl")).unwrap();
    for action in ["join-lane", "set-lane-share", "leave-lane"] {
        assert_eq!(
            audit.matches(&format!("\"action\":\"{action}\"")).count(),
            2,
            "{action}: intent and result:\n{audit}"
        );
    }
    // A service in no lane has nothing to take out.
    h.select(&["trade", "integration", "account"]);
    h.keys("u");
    let said = h.said();
    assert!(said.contains("is in no lane"), "{said}");
}

/// `wheelhouse lane …`: each command is its per-service steps, each audited; promote
/// deploys the lane's versions callees first and removes the lane; a step refused
/// stops the rest; dry run and read-only change nothing.
#[test]
fn the_lane_commands_create_promote_and_delete() {
    let dir = support::temp_dir("lanes-cli");
    let (code, out, err) = demo(
        &dir,
        &[
            "lane",
            "create",
            "trade/integration/fast-pay",
            "payment=2.2.0",
            "ledger=6.1.0",
            "--share",
            "3",
            "--yes",
            "-o",
            "json",
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["done"], 3, "two services and the share: {v}");
    let targets: Vec<&str> = v["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["target"]["service"].as_str())
        .collect();
    assert_eq!(targets, ["payment", "ledger", "gateway"], "{v}");
    // Promote: the share back to 0, then payment (which order calls) before order.
    let (code, out, err) = demo(
        &dir,
        &["lane", "promote", "trade/integration/checkout-v2", "--yes"],
    );
    assert_eq!(code, 0, "{out}{err}");
    let order = [
        "trade/integration/gateway: lane share checkout-v2 0%",
        "trade/integration/payment: deploy 2.2.0",
        "trade/integration/payment: leave lane checkout-v2",
        "trade/integration/order: deploy 4.4.0",
        "trade/integration/order: leave lane checkout-v2",
    ];
    let at: Vec<usize> = order
        .iter()
        .map(|s| out.find(s).unwrap_or_else(|| panic!("{s}:\n{out}")))
        .collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "callees first:\n{out}");
    assert!(out.contains("the lane goes with its last service"), "{out}");
    // Dry run and read-only: nothing applied, nothing audited.
    let audited = std::fs::read_to_string(dir.join("audit.jsonl"))
        .unwrap()
        .lines()
        .count();
    let (code, out, _) = demo(
        &dir,
        &[
            "lane",
            "delete",
            "trade/integration/ledger-v61",
            "--dry-run",
        ],
    );
    assert_eq!(code, 0);
    assert_eq!(out.matches("dry run (nothing changed)").count(), 1, "{out}");
    for step in [
        "1. trade/integration/gateway: lane share ledger-v61 0%",
        "2. trade/integration/ledger: leave lane ledger-v61",
        "3. trade/integration/payment: leave lane ledger-v61",
    ] {
        assert!(out.contains(step), "share and two services:\n{out}");
    }
    let (code, _, err) = demo(
        &dir,
        &[
            "--read-only",
            "lane",
            "delete",
            "trade/integration/ledger-v61",
            "--yes",
        ],
    );
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("read-only"), "{err}");
    let now = std::fs::read_to_string(dir.join("audit.jsonl"))
        .unwrap()
        .lines()
        .count();
    assert_eq!(now, audited, "nothing written, nothing audited");
    // Refused: a lane that exists, a baseline version, a lane that does not exist, a
    // bad name.
    let (code, _, err) = demo(
        &dir,
        &[
            "lane",
            "create",
            "trade/integration/checkout-v2",
            "order=4.4.0",
            "--yes",
        ],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("lane checkout-v2 exists"), "{err}");
    let (code, _, err) = demo(
        &dir,
        &[
            "lane",
            "add",
            "trade/integration/checkout-v2",
            "quote",
            "2.8.0",
            "--yes",
        ],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("is the baseline"), "{err}");
    let (code, _, err) = demo(
        &dir,
        &["lane", "share", "trade/integration/nope", "5", "--yes"],
    );
    assert_eq!(code, 4, "{err}");
    let (code, _, err) = demo(
        &dir,
        &["lane", "delete", "trade/integration/Bad_Name", "--yes"],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("is not a lane name"), "{err}");
}

/// Docker has no router between services: a lane change is refused with the reason
/// before anything is sent.
#[test]
fn docker_refuses_lane_changes_with_the_reason() {
    let docker = wheelhouse::domain::Location::Docker {
        engine: "local".into(),
    };
    let e = docker
        .require(wheelhouse::domain::Capability::Lanes)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("changing lanes is not supported on Docker") && e.contains("no router"),
        "{e}"
    );
}

/// The tree lists an environment's lanes after its services; selecting one shows the
/// path of its requests hop by hop, each hop the lane's version (with its figures beside
/// the baseline's) or the baseline it falls back to.
#[test]
fn a_lane_selected_in_the_tree_shows_its_path_hop_by_hop() {
    let mut h = Harness::new("lanes-path");
    h.advance(40);
    h.select(&["trade", "integration", "⌁checkout-v2"]);
    assert!(h.state.selected_service().is_none());
    let tree = h.render_part(80, 24, |a| Some(a.tree));
    let row = tree
        .lines()
        .find(|l| l.contains("⌁checkout-v2"))
        .unwrap_or_else(|| panic!("{tree}"));
    assert!(
        row.contains("5%"),
        "the share is kept in a narrow tree: {row}"
    );
    h.state.view = View::Service;
    for (w, hh) in [(80u16, 24u16), (200, 60)] {
        let screen = h.render_part(w, hh, |a| Some(a.view));
        let hop = |service: &str| {
            screen
                .lines()
                .find(|l| l.starts_with(&format!("{service} ")))
                .unwrap_or_else(|| panic!("{service} at {w}x{hh}:\n{screen}"))
                .to_string()
        };
        if w == 200 {
            let order = hop("order");
            assert!(order.contains("4.4.0 ⌁") && order.contains("ms"), "{order}");
            assert!(order.contains("4.3.0"), "the baseline beside it: {order}");
            assert!(hop("payment").contains("2.2.0 ⌁"));
            assert!(
                hop("ledger").contains("6.0.1 (baseline)"),
                "falls back:\n{screen}"
            );
            assert!(hop("gateway").contains("(baseline)"));
            // Callers before callees.
            let at = |s: &str| screen.find(&format!("\n{s} ")).unwrap();
            assert!(at("gateway") < at("order") && at("order") < at("payment"));
            assert!(at("payment") < at("ledger"));
        } else {
            assert!(hop("order").contains("4.4.0 ⌁"), "{screen}");
        }
    }
}

/// The failing lane of the demo is on the attention list: each of its versions against
/// the service's stable, by the canary rule, with the lane-remove action.
#[test]
fn a_lane_doing_worse_than_stable_needs_attention() {
    let mut h = Harness::new("lanes-attention");
    h.advance(40);
    let items = wheelhouse::app::attention::items(&h.state);
    let lane_items: Vec<_> = items
        .iter()
        .filter(|i| i.why.starts_with("lane "))
        .collect();
    let ledger = lane_items
        .iter()
        .find(|i| i.target == "trade/integration/ledger")
        .unwrap_or_else(|| panic!("{items:?}"));
    assert!(
        ledger
            .why
            .starts_with("lane ledger-v61's 6.1.0 worse than stable: errors "),
        "{}",
        ledger.why
    );
    assert_eq!(
        ledger.action,
        Some(wheelhouse::domain::operation::Op::LaneLeave)
    );
    assert_eq!(
        ledger.severity,
        wheelhouse::app::attention::Severity::Warning,
        "integration is not production"
    );
    // The healthy lane is not listed.
    assert!(
        lane_items.iter().all(|i| !i.why.contains("checkout-v2")),
        "{lane_items:?}"
    );
}

/// The flash-sale drill in a lane: a flash sale at integration's gateway raises the
/// lane's traffic with the rest (its share of the requests holds).
#[test]
fn a_flash_sale_reaches_the_lanes_too() {
    let source = format!(
        "{}\n[[profile]]\nkind = \"flash-sale\"\nline = \"trade\"\nenv = \"integration\"\nservice = \"gateway\"\nstart_s = 30\nduration_s = 60\nfactor = 4.0\n",
        wheelhouse::platform::demo::scenario::DEFAULT_SCENARIO
    );
    let platform = wheelhouse::platform::demo::DemoPlatform::from_source(
        "flash.toml",
        &source,
        support::EPOCH,
    )
    .unwrap();
    let mut h = Harness::with("lanes-flash", platform, false, "default");
    let rate = |h: &Harness, node: &wheelhouse::domain::traffic::NodeId| {
        let key = wheelhouse::domain::EnvKey {
            line: "trade".into(),
            env: "integration".into(),
        };
        h.state.traffic[&key].window().inbound_rps_node(node)
    };
    let lane_order = wheelhouse::domain::traffic::NodeId::in_lane("order", "4.4.0", "checkout-v2");
    let baseline_order = wheelhouse::domain::traffic::NodeId::new("order", "4.3.0", false);
    h.advance(29);
    let (lane_before, base_before) = (rate(&h, &lane_order), rate(&h, &baseline_order));
    h.advance(40);
    let (lane_during, base_during) = (rate(&h, &lane_order), rate(&h, &baseline_order));
    assert!(lane_before > 0.0 && base_before > 0.0);
    let (lane_x, base_x) = (lane_during / lane_before, base_during / base_before);
    assert!(
        lane_x > 2.5,
        "the lane's traffic rises with the sale: ×{lane_x:.2}"
    );
    assert!(
        (lane_x / base_x - 1.0).abs() < 0.25,
        "its share holds: lane ×{lane_x:.2}, baseline ×{base_x:.2}"
    );
}

/// A service's capacity is its baseline's: the calls its lane versions take (on
/// replicas of their own) are not counted against its replicas.
#[test]
fn lane_calls_do_not_count_against_the_baselines_capacity() {
    let mut h = Harness::new("lanes-capacity");
    h.advance(20);
    let key = wheelhouse::domain::ServiceKey::new("trade", "integration", "payment");
    let env = key.env_key();
    let t = &h.state.traffic[&env];
    let all = t.inbound["payment"].recent_mean(10);
    let lanes = t.lane_inbound["payment"].recent_mean(10);
    assert!(lanes > 0.0 && lanes < all, "{lanes} of {all}");
    let c = wheelhouse::app::derived::capacity(&h.state, &key).unwrap();
    assert!(
        (c.observed_rps - (all - lanes)).abs() < 1e-9,
        "{} vs {all} − {lanes}",
        c.observed_rps
    );
}
