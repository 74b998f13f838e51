//! Trains in the cockpit, on the demo platform: a lane's promotion and deletion from the
//! lane's row, a release train from the overview, its gate stopping it, rollback, pause,
//! and a train picked up by a cockpit started again.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test may fail loudly

mod support;

use support::Harness;
use support::cli::demo_run as demo;
use wheelhouse::app::Mode;
use wheelhouse::app::trains::TrainRun;
use wheelhouse::domain::EnvKey;
use wheelhouse::domain::train::{State as TrainState, StepState};

fn key(line: &str, env: &str) -> EnvKey {
    EnvKey {
        line: line.into(),
        env: env.into(),
    }
}

fn version(h: &Harness, line: &str, env: &str, service: &str) -> String {
    let snap = h.platform.snapshot();
    snap.service(&wheelhouse::domain::ServiceKey::new(line, env, service))
        .map(|s| s.version.clone())
        .unwrap_or_default()
}

fn run<'a>(h: &'a Harness, line: &str, env: &str) -> &'a TrainRun {
    h.state
        .trains
        .get(&key(line, env))
        .unwrap_or_else(|| panic!("no train in {line}/{env}: {:?}", h.state.status))
}

/// Advances until the train of line/env is in `state` (at most `limit` seconds).
fn until(h: &mut Harness, line: &str, env: &str, state: TrainState, limit: u32) -> u32 {
    for s in 0..limit {
        if run(h, line, env).train.state == state {
            return s;
        }
        h.advance_clocked(1);
    }
    panic!(
        "the train of {line}/{env} is not {state:?} after {limit} s: {:#?}",
        run(h, line, env).train.steps
    )
}

/// A new cockpit on the same platform: the old one is gone, mid-train.
fn new_cockpit(h: &mut Harness) {
    h.state = wheelhouse::app::State::new(
        h.platform.info(),
        false,
        wheelhouse::config::keymap::Keymap::preset("default").unwrap(),
        wheelhouse::app::Identity::named("tester"),
        h.platform.now_unix(),
    );
    h.state.landed = true;
}

fn train_records(h: &Harness) -> Vec<serde_json::Value> {
    h.audit_lines()
        .into_iter()
        .filter(|l| l.get("title").is_some())
        .collect()
}

#[test]
fn a_lane_promoted_from_its_row_becomes_the_baseline() {
    let mut h = Harness::new("train-lane-promote");
    h.advance_clocked(40);
    h.select(&["trade", "integration", "⌁checkout-v2"]);
    h.keys("b p");
    let Mode::TrainConfirm(c) = &h.state.mode else {
        panic!("a train confirmation: {:?}", h.state.status)
    };
    assert_eq!(c.train.steps.len(), 5);
    let screen = h.render(160, 70);
    for text in [
        "Confirm train: lane promote trade/integration/checkout-v2",
        "1 gateway: lane share checkout-v2 0%",
        "lane checkout-v2 entry share 5% → 0%",
        "2 payment: deploy 2.2.0  (waits for ready, gated)",
        "4 order: deploy 4.4.0",
        "enter: start",
    ] {
        assert!(screen.contains(text), "{text:?} in:\n{screen}");
    }
    h.type_text("the checkout lane is good");
    h.keys("enter");
    assert_eq!(
        run(&h, "trade", "integration").train.state,
        TrainState::Running
    );
    until(&mut h, "trade", "integration", TrainState::Done, 400);
    assert_eq!(version(&h, "trade", "integration", "order"), "4.4.0");
    assert_eq!(version(&h, "trade", "integration", "payment"), "2.2.0");
    let snap = h.platform.snapshot();
    let lanes = &snap
        .environment(&key("trade", "integration"))
        .unwrap()
        .lanes;
    assert!(lanes.iter().all(|l| l.name != "checkout-v2"), "{lanes:?}");
    // Each deploy waited for its gate over the traffic.
    let t = &run(&h, "trade", "integration").train;
    assert!(t.steps[1].note.contains("before:"), "{:?}", t.steps[1]);
    // One record for the train before it started, one when it ended; each step's write
    // has its own, naming the train.
    let records = train_records(&h);
    assert_eq!(records.len(), 2, "{records:#?}");
    assert_eq!(records[0]["phase"], "intent");
    assert_eq!(records[0]["why"], "the checkout lane is good");
    assert_eq!(records[0]["steps"].as_array().unwrap().len(), 5);
    assert!(
        records[0]["steps"][1]["changes"]
            .as_array()
            .is_some_and(|c| !c.is_empty())
    );
    assert_eq!(records[1]["result"], "done");
    let steps = h
        .audit_results()
        .into_iter()
        .filter(|r| {
            r["confirmation"]
                .as_str()
                .is_some_and(|c| c.starts_with("train "))
        })
        .count();
    assert_eq!(steps, 5);
    let screen = h.render(160, 45);
    assert!(
        screen.contains("lane promote trade/integration/checkout-v2"),
        "{screen}"
    );
    // The train's saved state is gone with it.
    let left: Vec<_> = std::fs::read_dir(h.dir.join("trains"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert!(left.is_empty(), "a finished train leaves no file: {left:?}");
}

#[test]
fn a_lane_deleted_from_its_row_takes_its_share_back_and_every_service_out() {
    let mut h = Harness::new("train-lane-delete");
    h.advance_clocked(2);
    h.select(&["trade", "integration", "⌁ledger-v61"]);
    h.keys("b x");
    h.keys("enter");
    until(&mut h, "trade", "integration", TrainState::Done, 30);
    let snap = h.platform.snapshot();
    let lanes = &snap
        .environment(&key("trade", "integration"))
        .unwrap()
        .lanes;
    assert!(lanes.iter().all(|l| l.name != "ledger-v61"), "{lanes:?}");
    assert_eq!(
        version(&h, "trade", "integration", "ledger"),
        "6.0.1",
        "the baseline stays"
    );
}

/// gray is prod-tier: the train needs its name typed.
fn start_gray_train(h: &mut Harness) {
    h.advance_clocked(40);
    h.select(&["trade", "gray"]);
    h.keys("m m");
    let Mode::TrainConfirm(c) = &h.state.mode else {
        panic!("a train confirmation: {:?}", h.state.status)
    };
    let steps: Vec<String> = c
        .train
        .steps
        .iter()
        .map(|s| format!("{} {}", s.service, s.change))
        .collect();
    assert_eq!(steps, ["order deploy 4.3.0", "quote deploy 2.8.0"]);
    let screen = h.render(160, 45);
    assert!(
        screen.contains("note: order: config pool_size differs: 20 in sandbox, 40 in gray"),
        "{screen}"
    );
    for secret in ["order-dev-pw", "order-gray-5f1c"] {
        assert!(
            !screen.contains(secret),
            "a secret value on screen:\n{screen}"
        );
    }
    h.keys("enter");
    assert!(
        matches!(h.state.mode, Mode::TrainConfirm(_)),
        "not without the name typed"
    );
    h.type_text("gray");
    h.keys("enter");
    assert!(matches!(h.state.mode, Mode::Normal));
}

#[test]
fn a_release_train_brings_gray_level_with_sandbox_callees_first() {
    let mut h = Harness::new("train-promote");
    start_gray_train(&mut h);
    until(&mut h, "trade", "gray", TrainState::Done, 400);
    assert_eq!(version(&h, "trade", "gray", "quote"), "2.8.0");
    assert_eq!(version(&h, "trade", "gray", "order"), "4.3.0");
    let screen = h.render(160, 45);
    assert!(
        screen.contains("⇶ promote trade sandbox → gray  done  2/2 steps"),
        "{screen}"
    );
}

/// A demo where quote 2.8.0 fails in gray: 30 % of its calls end in errors.
fn failing_gate(name: &str) -> Harness {
    let canary = "version = \"2.8.0\"\nweight = 20\nreplicas = 1\nerror_rate = 0.002";
    let source = wheelhouse::platform::demo::scenario::DEFAULT_SCENARIO;
    assert!(source.contains(canary));
    let source = source.replacen(canary, &canary.replace("0.002", "0.3"), 1);
    let platform =
        wheelhouse::platform::demo::DemoPlatform::from_source("gate.toml", &source, support::EPOCH)
            .unwrap();
    Harness::with(name, platform, false, "default")
}

#[test]
fn a_failing_step_stops_the_train_and_the_done_steps_roll_back() {
    let mut h = failing_gate("train-gate");
    start_gray_train(&mut h);
    until(&mut h, "trade", "gray", TrainState::Stopped, 400);
    let t = run(&h, "trade", "gray").train.clone();
    assert_eq!(t.steps[0].state, StepState::Done);
    assert_eq!(t.steps[1].state, StepState::Failed);
    let why = t.why_stopped.clone().unwrap();
    assert!(
        why.contains("step 2 (quote deploy 2.8.0): gate: errors"),
        "{why}"
    );
    assert!(
        h.bells
            .iter()
            .any(|b| b.as_deref().is_some_and(|n| n.contains("stopped")))
    );
    let screen = h.render(160, 45);
    assert!(screen.contains("stopped: step 2"), "{screen}");
    // Between two releases in a production environment: critical until it is settled.
    let stopped = |h: &Harness| {
        h.state
            .attention
            .iter()
            .filter(|a| a.kind == wheelhouse::app::attention::Kind::TrainStopped)
            .map(|a| (a.severity, a.target.clone(), a.why.clone()))
            .collect::<Vec<_>>()
    };
    let items = stopped(&h);
    assert_eq!(items.len(), 1, "{items:?}");
    assert_eq!(items[0].0, wheelhouse::app::attention::Severity::Critical);
    assert_eq!(items[0].1, "trade/gray");
    assert!(
        items[0].2.contains("stopped after 1 of 2 steps: step 2"),
        "{items:?}"
    );
    h.keys("m u");
    until(&mut h, "trade", "gray", TrainState::RolledBack, 400);
    assert_eq!(version(&h, "trade", "gray", "quote"), "2.7.0");
    assert_eq!(version(&h, "trade", "gray", "order"), "4.2.1");
    assert!(stopped(&h).is_empty(), "settled: {:?}", stopped(&h));
    // Two runs, as the CLI's: the one that stopped, then the operator's roll back, each
    // recorded before its first write and closed with its result.
    let records = train_records(&h);
    let runs: Vec<(&str, &str, &str)> = records
        .iter()
        .map(|r| {
            (
                r["phase"].as_str().unwrap_or(""),
                r["confirmation"].as_str().unwrap_or(""),
                r["result"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(runs.len(), 4, "{runs:#?}");
    assert_eq!(runs[0].0, "intent");
    assert_eq!((runs[1].0, runs[1].1), ("result", runs[0].1));
    assert!(runs[1].2.starts_with("stopped: step 2"), "{runs:#?}");
    assert_eq!(
        (runs[2].0, runs[2].1),
        ("intent", "roll back, by tester"),
        "{runs:#?}"
    );
    assert!(runs[3].2.starts_with("rolled back: step 2"), "{runs:#?}");
    assert_eq!(records[3]["steps"][1]["state"], "undone");
    let lines = h.audit_lines();
    let rollback_intent = lines
        .iter()
        .position(|r| r["confirmation"] == "roll back, by tester")
        .unwrap();
    let first_undo = lines
        .iter()
        .position(|r| {
            r["phase"] == "intent"
                && r["confirmation"]
                    .as_str()
                    .is_some_and(|c| c.contains("undo of step"))
        })
        .unwrap();
    assert!(
        rollback_intent < first_undo,
        "the roll back is recorded before its first write"
    );
}

/// Going on after a stop is a run of its own: while its record is being written nothing
/// moves it; when it stops again at once, that stop is said and recorded too.
#[test]
fn a_run_after_a_stop_waits_for_its_record_and_its_own_stop_is_recorded() {
    let mut h = failing_gate("train-rerun");
    start_gray_train(&mut h);
    until(&mut h, "trade", "gray", TrainState::Stopped, 400);
    let bells = h.bells.len();
    // A slow disk: the "go on" record is not answered yet.
    h.records_waiting = Some(Vec::new());
    let applies = h.applies;
    h.keys("m p");
    assert!(run(&h, "trade", "gray").recording());
    h.keys("m p");
    assert!(
        h.said().contains("its record is being written"),
        "{}",
        h.said()
    );
    h.keys("m u");
    assert!(
        h.said().contains("its record is being written"),
        "{}",
        h.said()
    );
    h.advance_clocked(20);
    assert_eq!(
        h.applies, applies,
        "nothing is sent before its record is written"
    );
    assert!(run(&h, "trade", "gray").recording());
    h.answer_records();
    // The failed step is judged again, fails again: a stop of its own, said and recorded.
    until(&mut h, "trade", "gray", TrainState::Stopped, 400);
    assert!(h.bells.len() > bells, "the second stop rings too");
    let records = train_records(&h);
    let runs: Vec<(&str, &str)> = records
        .iter()
        .map(|r| {
            (
                r["phase"].as_str().unwrap_or(""),
                r["confirmation"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(runs.len(), 4, "{runs:#?}");
    assert_eq!(runs[2], ("intent", "go on, by tester"));
    assert_eq!(runs[3], ("result", "go on, by tester"));
    // And the next move records a run again.
    h.keys("m u");
    until(&mut h, "trade", "gray", TrainState::RolledBack, 400);
    let records = train_records(&h);
    assert_eq!(records[4]["confirmation"], "roll back, by tester");
    assert_eq!(records.len(), 6, "{records:#?}");
}

#[test]
fn pause_holds_the_next_step_and_abort_stops_it() {
    let mut h = Harness::new("train-pause");
    start_gray_train(&mut h);
    h.keys("m p");
    assert_eq!(run(&h, "trade", "gray").train.state, TrainState::Paused);
    h.advance_clocked(120);
    let t = &run(&h, "trade", "gray").train;
    assert_eq!(
        t.steps[0].state,
        StepState::Done,
        "the step in flight finished"
    );
    assert_eq!(t.steps[1].state, StepState::Pending, "nothing more started");
    assert_eq!(version(&h, "trade", "gray", "quote"), "2.7.0");
    h.keys("m a");
    let t = &run(&h, "trade", "gray").train;
    assert_eq!(t.state, TrainState::Stopped);
    assert_eq!(t.why_stopped.as_deref(), Some("aborted by tester"));
}

#[test]
fn the_train_hints_name_the_keys_as_bound() {
    use wheelhouse::config::keymap::Keymap;
    let mut h = Harness::new("train-keys");
    let text = "[normal]\ntrain-pause = [\"Z\"]\ntrain-rollback = []\n";
    let (user, problems) = Keymap::parse("keymap.toml", text);
    assert!(problems.is_empty(), "{problems:?}");
    let problems = h.state.keymap.overlay(&user, "keymap.toml", "default");
    assert!(problems.is_empty(), "{problems:?}");
    start_gray_train(&mut h);
    let screen = h.render(160, 45);
    assert!(screen.contains("Z: pause · m a: abort"), "{screen}");
    h.keys("Z");
    assert_eq!(run(&h, "trade", "gray").train.state, TrainState::Paused);
    assert!(h.render(160, 45).contains("Z: go on · m a: abort"));
    h.keys("m a");
    assert!(
        h.said()
            .contains("stopped: aborted by tester (: train-rollback rolls back, Z tries again)"),
        "an unbound control is named by its palette command: {}",
        h.said()
    );
}

#[test]
fn a_cockpit_started_again_picks_the_train_up_from_what_the_platform_shows() {
    let mut h = Harness::new("train-resume");
    start_gray_train(&mut h);
    h.advance_clocked(3);
    let saved = wheelhouse::train_store::read(&h.dir.join("trains"), &key("trade", "gray"))
        .unwrap()
        .unwrap();
    assert_eq!(saved.steps[0].state, StepState::Settling);
    new_cockpit(&mut h);
    h.event(wheelhouse::app::Event::TrainLoaded(Box::new(saved)));
    h.snapshot();
    until(&mut h, "trade", "gray", TrainState::Done, 400);
    assert_eq!(version(&h, "trade", "gray", "quote"), "2.8.0");
    let sent = h
        .audit_lines()
        .into_iter()
        .filter(|r| r["phase"] == "intent" && r["target"] == "trade/gray/order")
        .count();
    assert_eq!(sent, 1, "quote's deploy, applied before, is not sent again");
    // The picked-up run has a record of its own, written before it went on.
    let records = train_records(&h);
    let resumed: Vec<&str> = records
        .iter()
        .filter(|r| r["confirmation"] == "resumed from disk")
        .map(|r| r["phase"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(resumed, ["intent", "result"], "{records:#?}");
}

#[test]
fn a_picked_up_train_whose_record_cannot_be_written_is_held_and_kept() {
    let mut h = Harness::new("train-resume-unaudited");
    start_gray_train(&mut h);
    h.advance_clocked(3);
    let trains = h.dir.join("trains");
    let saved = wheelhouse::train_store::read(&trains, &key("trade", "gray"))
        .unwrap()
        .unwrap();
    let blocker = h.dir.join("blocker");
    std::fs::write(&blocker, "not a directory").unwrap();
    h.audit = wheelhouse::audit::AuditLog::new(blocker.join("audit.jsonl"));
    new_cockpit(&mut h);
    let applies = h.applies;
    h.event(wheelhouse::app::Event::TrainLoaded(Box::new(saved)));
    h.snapshot();
    h.advance_clocked(60);
    assert_eq!(h.applies, applies, "nothing is sent without its record");
    let run = run(&h, "trade", "gray");
    assert!(
        run.held
            .as_deref()
            .is_some_and(|w| w.contains("record cannot be written")),
        "{:?}",
        run.held
    );
    assert!(h.said().contains("not going on"), "{}", h.said());
    let held: Vec<String> = h
        .state
        .attention
        .iter()
        .filter(|a| a.kind == wheelhouse::app::attention::Kind::TrainStopped)
        .map(|a| a.why.clone())
        .collect();
    assert!(
        held.len() == 1
            && held[0].contains("held after")
            && held[0].contains("record cannot be written"),
        "a held train is between two releases: {held:?}"
    );
    assert!(
        wheelhouse::train_store::read(&trains, &key("trade", "gray"))
            .unwrap()
            .is_some(),
        "the train stays on disk"
    );
    // The log can be written again: going on writes the record, then the train moves.
    h.audit = wheelhouse::audit::AuditLog::new(h.dir.join("audit.jsonl"));
    h.keys("m p");
    until(&mut h, "trade", "gray", TrainState::Done, 400);
    assert!(h.applies > applies, "it went on");
    let records = train_records(&h);
    assert_eq!(
        records[records.len() - 2]["confirmation"],
        "go on, by tester"
    );
}

#[test]
fn read_only_starts_no_train() {
    let mut h = Harness::read_only("train-ro");
    h.select(&["trade", "gray"]);
    h.keys("m m");
    assert!(matches!(h.state.mode, Mode::Normal));
    let said = h.said();
    assert!(said.contains("read-only"), "{said}");
}

/// `wheelhouse promote LINE FROM TO`: the plan with each step's dry run and what is only
/// shown (config, secrets masked); --yes runs it gated, one audit record for the train.
#[test]
fn the_promote_command_plans_runs_and_audits_a_release_train() {
    let dir = support::temp_dir("train-cli");
    let (code, out, err) = demo(&dir, &["promote", "trade", "sandbox", "gray", "--dry-run"]);
    assert_eq!(code, 0, "{err}");
    for text in [
        "promote trade sandbox → gray",
        "gate after each deploy: errors +1.0 pt, p99 ×1.5 over 30 s, ready within 300 s",
        "note: order: config db_password differs: •••••• in sandbox, •••••• in gray (not changed)",
        "1. trade/gray/order: deploy 4.3.0 (waits for ready, gated)",
        "version  4.2.1 → 4.3.0",
        "2. trade/gray/quote: deploy 2.8.0",
    ] {
        assert!(out.contains(text), "{text:?} in:\n{out}");
    }
    for secret in ["order-dev-pw", "order-gray-5f1c"] {
        assert!(!out.contains(secret), "a secret value printed:\n{out}");
    }
    assert!(
        !dir.join("audit.jsonl").exists(),
        "a dry run writes nothing"
    );
    let (code, out, _) = demo(&dir, &["promote", "trade", "sandbox", "gray"]);
    assert_eq!(code, 3, "without --yes: the plan, not run");
    assert!(out.contains("1. trade/gray/order"), "{out}");
    let (code, _, err) = demo(
        &dir,
        &[
            "--read-only",
            "promote",
            "trade",
            "sandbox",
            "gray",
            "--yes",
        ],
    );
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("read-only"), "{err}");
    let (code, _, err) = demo(
        &dir,
        &["promote", "trade", "sandbox", "gray", "--only", "nope"],
    );
    assert_eq!(code, 4, "{err}");
    assert!(err.contains("trade/gray has no service nope"), "{err}");
    let (code, out, _) = demo(
        &dir,
        &[
            "promote",
            "trade",
            "sandbox",
            "gray",
            "--except",
            "order",
            "--dry-run",
        ],
    );
    assert_eq!(code, 0);
    assert!(
        out.contains("1. trade/gray/quote") && !out.contains("trade/gray/order:"),
        "{out}"
    );
    let (code, out, err) = demo(
        &dir,
        &[
            "promote",
            "trade",
            "sandbox",
            "gray",
            "--yes",
            "--why",
            "weekly train",
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    let at = |s: &str| out.find(s).unwrap_or_else(|| panic!("{s:?} in:\n{out}"));
    assert!(
        at("✓ step 1/2 trade/gray/order deploy 4.3.0: done") < at("✓ step 2/2 trade/gray/quote")
    );
    assert!(
        out.contains("(before: "),
        "the gate compared the figures:\n{out}"
    );
    assert!(
        out.ends_with("promote trade sandbox → gray: done (2/2 steps)\n"),
        "{out}"
    );
    let audit: Vec<serde_json::Value> = std::fs::read_to_string(dir.join("audit.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let trains: Vec<&serde_json::Value> =
        audit.iter().filter(|r| r.get("title").is_some()).collect();
    assert_eq!(trains.len(), 2, "the train's intent and result");
    assert_eq!(trains[0]["why"], "weekly train");
    assert_eq!(trains[1]["result"], "done");
    assert_eq!(trains[1]["steps"][0]["state"], "done");
    let steps = audit
        .iter()
        .filter(|r| {
            r["confirmation"]
                .as_str()
                .is_some_and(|c| c.starts_with("train "))
        })
        .count();
    assert_eq!(steps, 4, "each step's intent and result");
    assert!(
        std::fs::read_dir(dir.join("trains"))
            .unwrap()
            .next()
            .is_none(),
        "a finished train leaves no file"
    );
    let (code, out, _) = demo(
        &dir,
        &["promote", "trade", "dev", "test", "--yes", "-o", "json"],
    );
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["nothing_to_do"], true, "{v}");
}

/// A step that makes things worse stops the train (exit 1), says why and how to go on;
/// the train stays on disk for `--resume`.
#[test]
fn the_promote_command_stops_at_a_failing_gate() {
    let dir = support::temp_dir("train-cli-gate");
    let canary = "version = \"2.8.0\"\nweight = 20\nreplicas = 1\nerror_rate = 0.002";
    let source = wheelhouse::platform::demo::scenario::DEFAULT_SCENARIO.replacen(
        canary,
        &canary.replace("0.002", "0.3"),
        1,
    );
    let scenario = dir.join("gate.toml");
    std::fs::write(&scenario, source).unwrap();
    let scenario = scenario.to_string_lossy().to_string();
    let (code, out, err) = demo(
        &dir,
        &[
            "--scenario",
            &scenario,
            "promote",
            "trade",
            "sandbox",
            "gray",
            "--yes",
        ],
    );
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("✓ step 1/2 trade/gray/order"), "{out}");
    assert!(
        out.contains("✗ step 2/2 trade/gray/quote deploy 2.8.0: failed gate: errors"),
        "{out}"
    );
    assert!(
        err.contains("stopped: step 2 (quote deploy 2.8.0): gate: errors"),
        "{err}"
    );
    assert!(err.contains("--resume --rollback --yes"), "{err}");
    let saved = wheelhouse::train_store::read(&dir.join("trains"), &key("trade", "gray"))
        .unwrap()
        .unwrap();
    assert_eq!(saved.state, TrainState::Stopped);
    let (code, _, err) = demo(&dir, &["promote", "trade", "sandbox", "gray", "--yes"]);
    assert_eq!(code, 5, "a second train on gray waits for the first: {err}");
    assert!(err.contains("promote --resume"), "{err}");
    let (code, _, err) = demo(&dir, &["promote", "--resume"]);
    assert_eq!(code, 3, "{err}");
    assert!(
        err.contains("promote trade sandbox → gray (stopped): add --yes"),
        "{err}"
    );
    // The on-call's list names the stopped train (critical: gray is a production tier),
    // with the keys as the user binds them; a train file that cannot be read is said.
    std::fs::write(dir.join("trains/trade~broken.json"), "{ not json").unwrap();
    std::fs::create_dir_all(dir.join("config")).unwrap();
    std::fs::write(
        dir.join("config/keymap.toml"),
        "[normal]\ntrain-rollback = [\"Z\"]\n",
    )
    .unwrap();
    let (code, out, err) = demo(
        &dir,
        &[
            "--scenario",
            &scenario,
            "attention",
            "-o",
            "json",
            "--observe",
            "0",
        ],
    );
    assert_eq!(code, 9, "{out}{err}");
    let list: serde_json::Value = serde_json::from_str(&out).unwrap();
    let stopped: Vec<&serde_json::Value> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["target"] == "trade/gray" && i["kind"] == "train-stopped")
        .collect();
    assert_eq!(stopped.len(), 1, "{out}");
    assert_eq!(stopped[0]["severity"], "critical");
    assert!(
        stopped[0]["why"]
            .as_str()
            .is_some_and(|w| w.contains("stopped after 1 of 2 steps: step 2")
                && w.contains("(Z rolls back, m p goes on)")),
        "{out}"
    );
    assert!(
        err.contains("warning: train file") && err.contains("trade~broken.json"),
        "{err}"
    );
    assert!(
        wheelhouse::train_store::read(&dir.join("trains"), &key("trade", "gray"))
            .unwrap()
            .is_some_and(|t| t.state == TrainState::Stopped),
        "reading it moved nothing"
    );
}

/// An environment made from the cockpit: named in a prompt with the services it takes,
/// confirmed with every copy's dry run, made service by service; it is in the tree and
/// the drift matrix at once; deleted again with its name typed.
#[test]
fn an_environment_is_made_and_deleted_from_the_cockpit() {
    let mut h = Harness::new("train-env");
    h.advance_clocked(3);
    h.select(&["trade", "test"]);
    h.keys("e c");
    assert!(
        matches!(h.state.mode, Mode::EnvPrompt(_)),
        "{:?}",
        h.state.status
    );
    h.type_text("Bad");
    h.keys("enter");
    let screen = h.render(120, 40);
    assert!(screen.contains("is not an environment name"), "{screen}");
    h.keys("ctrl-u");
    h.type_text("qa1 order+deps payment=2.2.0");
    h.keys("enter");
    let Mode::TrainConfirm(c) = &h.state.mode else {
        panic!("the plan to confirm: {:?}", h.state.status)
    };
    assert_eq!(c.train.steps.len(), 5);
    let screen = h.render(160, 70);
    for text in [
        "Confirm train: env create trade/qa1 from test",
        "note: order: secret db_password is not copied: provide it in trade/qa1",
        "secret db_password •••••• → (missing: not copied, to be provided)",
    ] {
        assert!(screen.contains(text), "{text:?} in:\n{screen}");
    }
    assert!(!screen.contains("order-dev-pw"), "a secret value on screen");
    h.keys("enter");
    until(&mut h, "trade", "qa1", TrainState::Done, 120);
    let snap = h.platform.snapshot();
    let qa1 = snap
        .environment(&key("trade", "qa1"))
        .expect("trade/qa1 made");
    let mut names: Vec<&str> = qa1.services.iter().map(|s| s.name.as_str()).collect();
    names.sort();
    assert_eq!(names, ["inventory", "ledger", "order", "payment", "risk"]);
    assert!(qa1.origin.is_some());
    assert_eq!(
        version(&h, "trade", "qa1", "payment"),
        "2.2.0",
        "the version typed"
    );
    assert_eq!(
        version(&h, "trade", "qa1", "order"),
        "4.3.0",
        "the source's"
    );
    assert!(
        qa1.services
            .iter()
            .all(|s| s.secret_keys.names().next().is_none()),
        "no secrets copied"
    );
    let rows = wheelhouse::app::navigation::visible_rows(&h.state);
    assert!(
        rows.iter().any(|r| r == &["trade", "qa1"]),
        "in the tree: {rows:?}"
    );
    h.select(&["trade", "qa1"]);
    let screen = h.render(200, 60);
    assert!(screen.contains("qa1"), "in the drift matrix:\n{screen}");
    // Deleted with its name typed.
    h.keys("e x");
    let Mode::TrainConfirm(c) = &h.state.mode else {
        panic!("the deletion to confirm: {:?}", h.state.status)
    };
    assert_eq!(c.type_to_confirm.as_deref(), Some("qa1"));
    h.keys("enter");
    assert!(
        matches!(h.state.mode, Mode::TrainConfirm(_)),
        "not without the name"
    );
    h.type_text("qa1");
    h.keys("enter");
    until(&mut h, "trade", "qa1", TrainState::Done, 30);
    assert!(
        h.platform
            .snapshot()
            .environment(&key("trade", "qa1"))
            .is_none()
    );
    // An environment wheelhouse did not make is not deleted.
    h.select(&["trade", "test"]);
    h.keys("e x");
    assert!(matches!(h.state.mode, Mode::Normal));
    let said = h.said();
    assert!(said.contains("was not made by wheelhouse"), "{said}");
    let records: Vec<String> = train_records(&h)
        .iter()
        .map(|r| {
            format!(
                "{} {}",
                r["title"].as_str().unwrap_or(""),
                r["phase"].as_str().unwrap_or("")
            )
        })
        .collect();
    assert_eq!(
        records,
        [
            "env create trade/qa1 from test intent",
            "env create trade/qa1 from test result",
            "env delete trade/qa1 intent",
            "env delete trade/qa1 result"
        ]
    );
}

/// `wheelhouse env create|delete`: the plan (copies callees first, secrets listed, not
/// copied), the run, and what is refused.
#[test]
fn the_env_commands_plan_make_and_refuse() {
    let dir = support::temp_dir("train-env-cli");
    let (code, out, err) = demo(
        &dir,
        &[
            "env",
            "create",
            "trade/qa1",
            "--from",
            "test",
            "--services",
            "order+deps",
            "--set",
            "order.pool_size=5",
            "--dry-run",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let at = |s: &str| out.find(s).unwrap_or_else(|| panic!("{s:?} in:\n{out}"));
    assert!(
        at("trade/qa1/payment: copy to qa1 at 2.1.0") < at("trade/qa1/order: copy to qa1 at 4.3.0")
    );
    assert!(out.contains("config pool_size    20 → 5"), "{out}");
    assert!(
        out.contains("note: order: secret db_password is not copied"),
        "{out}"
    );
    assert!(
        !out.contains("order-dev-pw"),
        "a secret value printed:\n{out}"
    );
    let (code, out, err) = demo(
        &dir,
        &["env", "create", "trade/qa1", "--from", "test", "--yes"],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.ends_with("env create trade/qa1 from test: done (8/8 steps)\n"),
        "{out}"
    );
    for (args, code, why) in [
        (
            &["env", "create", "trade/gray", "--from", "test", "--yes"][..],
            2,
            "trade/gray exists",
        ),
        (
            &["env", "create", "trade/Q_A", "--from", "test", "--yes"][..],
            2,
            "is not an environment name",
        ),
        (
            &["env", "create", "trade/qa2", "--from", "moon", "--yes"][..],
            4,
            "there is no environment trade/moon",
        ),
        (
            &["env", "delete", "trade/test", "--yes"][..],
            3,
            "was not made by wheelhouse",
        ),
        (
            &["env", "delete", "trade/prod", "--yes"][..],
            3,
            "is a production environment",
        ),
    ] {
        let (c, _, err) = demo(&dir, args);
        assert_eq!(c, code, "{args:?}: {err}");
        assert!(err.contains(why), "{args:?}: {err}");
    }
}
