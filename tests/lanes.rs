//! Lanes on the demo (issue "Lanes"): the demo's two lanes in trade/integration, as the
//! cockpit and the CLI show them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test may fail loudly

mod support;

use support::Harness;
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
