//! Whole key sequences through the app against the demo platform: state, screen, audit.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test may fail loudly

mod support;

use support::Harness;
use wheelhouse::app::{Mode, View};
use wheelhouse::domain::{Change, Service, ServiceKey};

fn rows(h: &Harness) -> Vec<Vec<String>> {
    wheelhouse::app::navigation::visible_rows(&h.state)
}

/// Moves the selection with arrow keys until it reaches `path` (fails if it never does).
fn arrow_to(h: &mut Harness, path: &[&str]) {
    let want: Vec<String> = path.iter().map(|s| s.to_string()).collect();
    for depth in 1..=want.len() {
        let target = want[..depth].to_vec();
        for _ in 0..100 {
            if h.state.selected == target {
                break;
            }
            let rows = rows(h);
            let here = rows.iter().position(|r| *r == h.state.selected).unwrap();
            let there = rows
                .iter()
                .position(|r| *r == target)
                .expect("target row visible");
            h.keys(if there > here { "down" } else { "up" });
        }
        assert_eq!(h.state.selected, target);
        if depth < want.len() {
            h.keys("right");
        }
    }
}

#[test]
fn shift_canary_to_30_percent_in_gray_with_typed_confirmation() {
    let mut h = Harness::new("shift30");
    h.advance(3);
    let key = h.canary_service("loan-core", "gray");
    arrow_to(&mut h, &["loan-core", "gray", &key.service]);
    h.keys("enter");
    assert_eq!(h.state.view, View::Service);
    h.keys("w backspace backspace backspace");
    h.type_text("30");
    h.keys("enter");
    let Mode::Confirm(c) = &h.state.mode else {
        panic!("confirmation expected, got {:?}", h.state.mode)
    };
    assert_eq!(c.type_to_confirm.as_deref(), Some("gray"));
    let screen = h.render(100, 30);
    assert!(screen.contains("Confirm canary weight"), "{screen}");
    assert!(screen.contains("/30"), "{screen}");
    assert!(screen.contains("type its name to confirm"), "{screen}");
    // Enter without typing the name does nothing.
    h.keys("enter");
    assert_eq!(h.applies, 0);
    h.type_text("gray");
    h.keys("enter");
    assert_eq!(h.applies, 1);
    assert_eq!(h.state.mode, Mode::Normal);
    let svc = h.state.snapshot.service(&key).unwrap().clone();
    assert_eq!(svc.traffic.canary_weight, 30);
    h.advance(2);
    let screen = h.render(120, 40);
    assert!(
        screen.contains("70%") && screen.contains("30% canary"),
        "{screen}"
    );
    assert!(screen.contains("canary weight 30% applied"), "{screen}");
    let audit = h.audit_results();
    assert_eq!(audit.len(), 1);
    let line = &audit[0];
    assert_eq!(line["target"], key.to_string());
    assert_eq!(line["user"]["name"], "tester");
    assert_eq!(line["result"], "ok");
    assert_eq!(line["action"]["action"], "set-canary-weight");
    assert_eq!(line["action"]["weight"], 30);
    let weights = line["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["field"] == "weights (stable/canary)")
        .unwrap();
    assert!(weights["after"].as_str().unwrap().starts_with("70/30"));
    assert!(line["time"].as_str().unwrap().len() >= 20);
    // The observed canary share follows the new weight.
    let share = h.state.traffic[&key.env_key()]
        .latest
        .canary_share(&key.service);
    assert!(
        share > 0.25 && share < 0.40,
        "observed canary share {share}"
    );
}

#[test]
fn read_only_sends_no_write_and_says_why() {
    let mut h = Harness::read_only("readonly");
    h.advance(2);
    let key = h.canary_service("loan-core", "gray");
    h.select(&["loan-core", "gray", &key.service]);
    for k in ["w", "d", "s", "S", "R", "P", "A", "t", "T", "+", "-"] {
        h.keys(k);
        assert_eq!(h.state.mode, Mode::Normal, "key {k} opened a dialog");
        let msg = h.state.status.as_ref().unwrap().text.clone();
        assert!(msg.contains("read-only"), "key {k}: {msg}");
    }
    assert_eq!(h.applies, 0);
    assert_eq!(h.platform.writes(), 0);
    assert!(h.audit_results().is_empty());
    let screen = h.render(100, 30);
    assert!(screen.contains("READ-ONLY"), "{screen}");
    assert!(
        screen.contains("read-only: promote is disabled") || screen.contains("read-only:"),
        "{screen}"
    );
}

/// Selects a running service of a non-production environment that has another version to
/// deploy (after two seconds of simulation).
fn select_deployable(h: &mut Harness) -> (ServiceKey, Service) {
    h.advance(2);
    let snap = h.platform.snapshot();
    let line = &snap.product_lines[0];
    let env = line
        .environments
        .iter()
        .find(|e| e.tier == wheelhouse::domain::Tier::NonProduction)
        .unwrap();
    let svc = env
        .services
        .iter()
        .find(|s| s.known_versions.len() > 1 && s.replicas.desired > 0)
        .unwrap();
    h.select(&[&line.name, &env.name, &svc.name]);
    (
        ServiceKey::new(&line.name, &env.name, &svc.name),
        svc.clone(),
    )
}

#[test]
fn deploy_picks_a_version_and_the_rollout_progresses() {
    let mut h = Harness::new("deploy");
    let (key, svc) = select_deployable(&mut h);
    h.keys("d");
    let Mode::Prompt(p) = &h.state.mode else {
        panic!("version prompt expected")
    };
    let version = p.options[0].clone();
    assert!(!p.options.contains(&svc.version));
    h.keys("enter");
    let Mode::Confirm(c) = &h.state.mode else {
        panic!("confirm expected")
    };
    assert!(
        c.type_to_confirm.is_none(),
        "non-production needs no typed name"
    );
    assert_eq!(
        c.request.change,
        Change::Deploy {
            version: version.clone()
        }
    );
    h.keys("enter");
    assert_eq!(h.applies, 1);
    assert!(h.state.watching.contains(&key));
    assert!(
        h.render(120, 30).contains("⟳"),
        "progress shown while rolling out"
    );
    h.advance(30);
    let after = h.state.snapshot.service(&key).unwrap();
    assert_eq!(after.version, version);
    assert!(!h.state.watching.contains(&key));
    assert_eq!(after.releases.last().unwrap().to, version);
    assert_eq!(after.releases.last().unwrap().who, "tester");
}

#[test]
fn pause_holds_a_rollout_and_resume_lets_it_finish() {
    let mut h = Harness::new("pause");
    let (key, _) = select_deployable(&mut h);
    h.keys("p");
    let Mode::Confirm(c) = &h.state.mode else {
        panic!("confirm expected, got {:?}", h.state.mode)
    };
    assert_eq!(c.request.change, Change::Pause);
    h.keys("enter");
    h.advance(1);
    assert!(h.state.snapshot.service(&key).unwrap().paused);
    h.keys("d");
    h.keys("enter");
    h.keys("enter");
    h.advance(30);
    let held = h.state.snapshot.service(&key).unwrap();
    assert_eq!(held.rollout.as_ref().map(|r| r.updated), Some(0), "held");
    h.keys("r");
    h.keys("enter");
    h.advance(30);
    let done = h.state.snapshot.service(&key).unwrap();
    assert!(
        done.rollout.is_none() && !done.paused,
        "finished after resume"
    );
    assert_eq!(h.applies, 3);
}

#[test]
fn cancel_changes_nothing() {
    let mut h = Harness::new("cancel");
    let key = h.canary_service("loan-core", "gray");
    h.select(&["loan-core", "gray", &key.service]);
    h.keys("P");
    assert!(matches!(h.state.mode, Mode::Confirm(_)));
    h.keys("esc");
    assert_eq!(h.state.mode, Mode::Normal);
    assert_eq!(h.applies, 0);
    assert!(
        h.state
            .status
            .as_ref()
            .unwrap()
            .text
            .contains("nothing was changed")
    );
}

#[test]
fn concurrent_change_is_refused_not_overwritten() {
    let mut h = Harness::new("conflict");
    let key = h.canary_service("loan-core", "gray");
    h.select(&["loan-core", "gray", &key.service]);
    h.keys("s backspace backspace backspace");
    h.type_text("7");
    h.keys("enter");
    // Somebody else changes the service between the dry run and the confirmation.
    let other = wheelhouse::domain::change::ChangeRequest {
        target: key.clone(),
        change: Change::SetCanaryWeight { weight: 50 },
        expected_revision: String::new(),
        who: "someone".into(),
        why: String::new(),
    };
    h.platform.apply(&other).unwrap();
    h.type_text("gray");
    h.keys("enter");
    let msg = h.state.status.as_ref().unwrap().text.clone();
    assert!(msg.contains("changed by someone else"), "{msg}");
    assert_eq!(
        h.platform
            .snapshot()
            .service(&key)
            .unwrap()
            .replicas
            .desired,
        h.state.snapshot.service(&key).unwrap().replicas.desired
    );
    let audit = h.audit_results();
    assert!(
        audit[0]["result"]
            .as_str()
            .unwrap()
            .contains("changed by someone else")
    );
}

#[test]
fn filter_and_palette_reach_a_service() {
    let mut h = Harness::new("palette");
    h.keys(":");
    h.type_text("credit");
    let screen = h.render(100, 30);
    assert!(
        screen.contains("Command palette") && screen.contains("credit-core"),
        "{screen}"
    );
    h.keys("enter");
    assert_eq!(h.state.selected, vec!["credit-core".to_string()]);
    h.keys(":");
    h.type_text("help");
    h.keys("enter");
    assert!(matches!(h.state.mode, Mode::Help(_)));
    h.keys("esc / ");
    h.type_text("gray");
    let shown = rows(&h);
    assert!(shown.iter().any(|r| r.len() == 3), "services of gray shown");
    assert!(
        shown.iter().all(|r| r.len() < 2 || r[1] == "gray"),
        "{shown:?}"
    );
    h.keys("esc");
    assert!(h.state.filter.is_empty());
}

#[test]
fn scale_to_recommendation_after_flash_sale() {
    let mut h = Harness::new("flash");
    // Find the service the flash-sale overloads: run into the sale and pick the hottest.
    h.advance(70);
    let (key, cap) = h
        .state
        .snapshot
        .product_lines
        .iter()
        .flat_map(|l| l.environments.iter().map(move |e| (l, e)))
        .flat_map(|(l, e)| {
            e.services
                .iter()
                .map(move |s| wheelhouse::domain::ServiceKey::new(&l.name, &e.name, &s.name))
        })
        .filter_map(|k| wheelhouse::app::derived::capacity(&h.state, &k).map(|c| (k, c)))
        .max_by(|a, b| a.1.utilization.partial_cmp(&b.1.utilization).unwrap())
        .unwrap();
    assert!(
        cap.utilization > 1.0,
        "flash sale overloads {key}: {}",
        cap.utilization
    );
    h.select(&[&key.line, &key.env, &key.service]);
    h.keys("4");
    let screen = h.render(200, 60);
    assert!(
        screen.contains("scale to"),
        "capacity warning shown: {screen}"
    );
    h.keys("S");
    let Mode::Confirm(c) = &h.state.mode else {
        panic!("confirm expected")
    };
    assert_eq!(
        c.request.change,
        Change::Scale {
            replicas: cap.recommended_replicas
        }
    );
    h.type_text(&key.env);
    h.keys("enter");
    h.advance(40);
    let after = wheelhouse::app::derived::capacity(&h.state, &key).unwrap();
    assert!(
        after.utilization < cap.utilization,
        "{} → {}",
        cap.utilization,
        after.utilization
    );
}

#[test]
fn vim_keymap_sequences_work() {
    let mut h = Harness::with(
        "vim",
        wheelhouse::platform::demo::DemoPlatform::default_scenario(support::EPOCH).unwrap(),
        false,
        "vim",
    );
    h.keys("G");
    let last = rows(&h).last().cloned().unwrap();
    assert_eq!(h.state.selected, last);
    h.keys("g g");
    assert_eq!(h.state.selected, rows(&h)[0]);
    h.keys("Z Z");
    assert!(h.state.quit);
}

#[test]
fn start_a_canary_from_the_version_picker() {
    let mut h = Harness::new("start-canary");
    h.advance(2);
    arrow_to(&mut h, &["trade", "dev", "gateway"]);
    let key = h.state.selected.clone();
    let service = h
        .state
        .snapshot
        .service(&wheelhouse::domain::ServiceKey::new(
            &key[0], &key[1], &key[2],
        ))
        .cloned()
        .unwrap();
    assert!(
        service.canary.is_none(),
        "dev services start without a canary"
    );
    h.keys("enter");
    h.keys("C");
    let Mode::Prompt(p) = &h.state.mode else {
        panic!("version picker expected, got {:?}", h.state.mode)
    };
    let picked = p.options[p.selected].clone();
    assert_ne!(picked, service.version);
    h.keys("enter");
    let screen = h.render(100, 30);
    assert!(screen.contains("Confirm start canary"), "{screen}");
    h.keys("enter");
    assert_eq!(h.applies, 1);
    let after = h
        .state
        .snapshot
        .service(&wheelhouse::domain::ServiceKey::new(
            &key[0], &key[1], &key[2],
        ))
        .cloned()
        .unwrap();
    assert_eq!(after.canary.map(|c| c.version), Some(picked));
    assert_eq!(
        after.traffic.canary_weight, 0,
        "a new canary takes no traffic until shifted"
    );
    let audit = h.audit_results();
    assert_eq!(audit.last().unwrap()["action"]["action"], "start-canary");
}

#[test]
fn the_logs_view_tails_the_selected_service_and_searches_it() {
    let mut h = Harness::new("logs");
    h.advance(2);
    arrow_to(&mut h, &["trade", "prod", "gateway"]);
    assert!(
        h.log_tails.is_empty(),
        "no tail until the logs view is open"
    );
    h.keys("7");
    assert_eq!(h.state.view, View::Logs);
    assert_eq!(h.log_tails.len(), 1, "one tail opened");
    let screen = h.render(120, 40);
    assert!(screen.contains("trade/prod/gateway"), "{screen}");
    assert!(screen.contains("following"), "{screen}");
    assert!(screen.contains("GET /v1/gateway"), "{screen}");
    // Search: / types, enter jumps to the first match and stops following.
    h.keys("/");
    assert_eq!(h.state.mode, Mode::LogSearch);
    h.type_text("200");
    h.keys("enter");
    let logs = h.state.logs.as_ref().unwrap();
    assert!(logs.focus.is_some() && !logs.follow, "{:?}", logs.focus);
    let screen = h.render(120, 40);
    assert!(screen.contains("/200:"), "{screen}");
    assert!(screen.contains("paused (f follows)"), "{screen}");
    h.keys("f");
    assert!(h.state.logs.as_ref().unwrap().follow);
    // Another service: the old tail stops, a new one opens; leaving the view stops it.
    h.keys("down");
    assert_eq!(h.log_tails.len(), 2);
    assert_eq!(h.log_stops, 1);
    h.keys("1");
    assert!(h.state.logs.is_none());
    assert_eq!(h.log_stops, 2);
}

#[test]
fn the_images_view_lists_what_runs_where() {
    let mut h = Harness::new("images");
    h.advance(1);
    h.keys("8");
    assert_eq!(h.state.view, View::Images);
    let screen = h.render(160, 40);
    assert!(screen.contains("collections:1.0.0"), "{screen}");
    assert!(screen.contains("go:1.26 ⇢ credit-core/dev"), "{screen}");
    assert!(screen.contains("base ⇢ runs in"), "{screen}");
    // Wide enough, the whole reference.
    let screen = h.render(240, 40);
    assert!(
        screen.contains("registry.local/credit-core/collections:1.0.0"),
        "{screen}"
    );
}
