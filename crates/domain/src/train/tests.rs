use super::gate::{Figures, Gate, Judgement, judge};
use super::plan::{self, Selection};
use super::*;
use crate::change::tests_support;
use crate::lane::Lane;
use crate::model::{EnvKey, Environment, Location, ProductLine, Tier};
use crate::pods::Pod;
use crate::traffic::{EdgeStat, NodeId};
use std::collections::BTreeMap;

fn svc(name: &str, version: &str, deps: &[&str]) -> Service {
    let mut s = tests_support::service();
    s.name = name.into();
    s.version = version.into();
    s.canary = None;
    s.traffic.canary_weight = 0;
    s.dependencies = deps.iter().map(|d| d.to_string()).collect();
    s
}

fn env(name: &str, services: Vec<Service>) -> Environment {
    Environment {
        name: name.into(),
        tier: Tier::NonProduction,
        location: Location::Demo {
            cluster: "demo".into(),
            namespace: name.into(),
        },
        services,
        found_by: String::new(),
        part_of: Vec::new(),
        lanes: Vec::new(),
        origin: None,
    }
}

/// test runs newer order, payment, ledger and the same front; gray lags.
fn line() -> ProductLine {
    let mut test_order = svc("order", "4.3.0", &["payment", "stock"]);
    test_order.config.insert("LOG_LEVEL".into(), "debug".into());
    let mut gray_order = svc("order", "4.2.0", &["payment", "stock"]);
    gray_order.config.insert("LOG_LEVEL".into(), "info".into());
    ProductLine {
        name: "trade".into(),
        environments: vec![
            env(
                "test",
                vec![
                    svc("front", "2.0.0", &["order"]),
                    test_order,
                    svc("payment", "2.1.0", &["ledger"]),
                    svc("ledger", "6.0.0", &[]),
                    svc("stock", "1.0.0", &[]),
                    svc("search", "1.0.0", &[]),
                ],
            ),
            env(
                "gray",
                vec![
                    svc("front", "2.0.0", &["order"]),
                    gray_order,
                    svc("payment", "2.0.3", &["ledger"]),
                    svc("ledger", "5.9.0", &[]),
                    svc("stock", "1.1.0", &[]),
                ],
            ),
        ],
    }
}

fn names(t: &Train) -> Vec<String> {
    t.steps.iter().map(|s| s.service.clone()).collect()
}

#[test]
fn a_release_train_takes_what_differs_callees_first_and_notes_the_rest() {
    let t = plan::promote(
        &line(),
        "test",
        "gray",
        &Selection::default(),
        "demo",
        Gate::default(),
    )
    .unwrap();
    assert_eq!(names(&t), ["ledger", "payment", "stock", "order"]);
    assert_eq!(
        t.steps[0].change,
        Change::Deploy {
            version: "6.0.0".into()
        }
    );
    assert_eq!(
        t.steps[0].undo,
        Some(Change::Deploy {
            version: "5.9.0".into()
        })
    );
    assert_eq!(t.title(), "promote trade test → gray");
    let notes = t.notes.join("\n");
    assert!(
        notes
            .contains("order: config LOG_LEVEL differs: debug in test, info in gray (not changed)"),
        "{notes}"
    );
    assert!(
        notes.contains("stock: gray runs 1.1.0, newer than test's 1.0.0"),
        "{notes}"
    );
    assert!(
        notes.contains("search: runs in test, not in gray"),
        "{notes}"
    );
}

#[test]
fn only_and_except_choose_and_unknown_names_are_refused() {
    let l = line();
    let only = Selection {
        only: vec!["order".into(), "ledger".into()],
        except: vec![],
    };
    let t = plan::promote(&l, "test", "gray", &only, "demo", Gate::default()).unwrap();
    assert_eq!(names(&t), ["ledger", "order"]);
    let except = Selection {
        only: vec![],
        except: vec!["stock".into()],
    };
    let t = plan::promote(&l, "test", "gray", &except, "demo", Gate::default()).unwrap();
    assert_eq!(names(&t), ["ledger", "payment", "order"]);
    let wrong = Selection {
        only: vec!["nope".into()],
        except: vec![],
    };
    let e = plan::promote(&l, "test", "gray", &wrong, "demo", Gate::default()).unwrap_err();
    assert_eq!(e, "trade/gray has no service nope");
    let e = plan::promote(
        &l,
        "test",
        "moon",
        &Selection::default(),
        "demo",
        Gate::default(),
    )
    .unwrap_err();
    assert_eq!(e, "there is no environment trade/moon");
}

#[test]
fn a_cycle_in_the_call_graph_is_reported_in_the_plan() {
    let mut l = line();
    for e in &mut l.environments {
        for s in &mut e.services {
            if s.name == "ledger" {
                s.dependencies = vec!["payment".into()];
            }
        }
    }
    let t = plan::promote(
        &l,
        "test",
        "gray",
        &Selection::default(),
        "demo",
        Gate::default(),
    )
    .unwrap();
    assert!(
        t.notes
            .iter()
            .any(|n| n.contains("cycle, ledger → payment → ledger")),
        "{:?}",
        t.notes
    );
    assert_eq!(t.steps.len(), 4);
}

/// The gray environment after the given services moved to `versions`.
fn gray_with(versions: &[(&str, &str)]) -> Environment {
    let mut e = line().environments[1].clone();
    for (name, v) in versions {
        if let Some(s) = e.services.iter_mut().find(|s| s.name == *name) {
            s.version = v.to_string();
        }
    }
    e
}

fn frame(service: &str, rps: f64, errors: f64, p99: f64) -> TrafficFrame {
    TrafficFrame {
        second: 0,
        edges: vec![EdgeStat {
            from: NodeId::ingress(),
            to: NodeId::new(service, "x", false),
            rps,
            error_ratio: errors,
            p50_ms: p99 / 2.0,
            p99_ms: p99,
        }],
    }
}

fn two_step_train() -> Train {
    let only = Selection {
        only: vec!["ledger".into(), "payment".into()],
        except: vec![],
    };
    let gate = Gate {
        window: 10,
        ..Gate::default()
    };
    plan::promote(&line(), "test", "gray", &only, "demo", gate).unwrap()
}

#[test]
fn a_train_runs_its_steps_one_at_a_time_each_waiting_for_ready() {
    let mut t = two_step_train();
    let gray = gray_with(&[]);
    let Next::Apply { step: 0, change } = t.next(0, Some(&gray)) else {
        panic!("first step")
    };
    assert_eq!(
        change.to_string(),
        Change::Deploy {
            version: "6.0.0".into()
        }
        .to_string()
    );
    assert_eq!(t.next(1, Some(&gray)), Next::Wait, "no answer yet");
    t.applied(0, Ok(()));
    assert_eq!(t.next(2, Some(&gray)), Next::Wait, "ledger still on 5.9.0");
    assert!(
        t.steps[0].note.contains("waiting for 6.0.0"),
        "{}",
        t.steps[0].note
    );
    let mut rolling = gray_with(&[("ledger", "6.0.0")]);
    rolling.services[3].replicas.ready = 1;
    assert_eq!(t.next(3, Some(&rolling)), Next::Wait);
    assert_eq!(t.steps[0].note, "1/3 ready");
    let ready = gray_with(&[("ledger", "6.0.0")]);
    let Next::Apply { step: 1, .. } = t.next(4, Some(&ready)) else {
        panic!("second step after the first is ready: {:?}", t.steps[0])
    };
    assert_eq!(t.steps[0].state, StepState::Done);
    t.applied(1, Ok(()));
    let level = gray_with(&[("ledger", "6.0.0"), ("payment", "2.1.0")]);
    assert_eq!(t.next(5, Some(&level)), Next::Finished);
    assert_eq!(t.state, State::Done);
    assert_eq!(t.progress(), (2, 2));
}

#[test]
fn the_gate_compares_the_window_after_with_the_one_before() {
    let gate = Gate::default();
    let before = Some(Figures {
        calls: 600.0,
        error_ratio: 0.002,
        p99_ms: 80.0,
    });
    let same = Some(Figures {
        calls: 580.0,
        error_ratio: 0.008,
        p99_ms: 110.0,
    });
    assert!(matches!(judge(&gate, before, same), Judgement::Pass(_)));
    let worse = Some(Figures {
        calls: 580.0,
        error_ratio: 0.05,
        p99_ms: 300.0,
    });
    let Judgement::Fail(why) = judge(&gate, before, worse) else {
        panic!()
    };
    assert_eq!(
        why,
        "errors 5.0% after vs 0.2% before (more than +1.0 pt), p99 300 ms after vs 80 ms before (more than ×1.5)"
    );
    let few = Some(Figures {
        calls: 20.0,
        error_ratio: 0.5,
        p99_ms: 900.0,
    });
    assert!(matches!(judge(&gate, before, few), Judgement::Pass(w) if w.contains("too few calls")));
    assert!(matches!(judge(&gate, None, worse), Judgement::Pass(w) if w.contains("no traffic")));
}

/// Runs the first step of `t` up to ready at second 20, with `errors` after it.
fn first_step_with_traffic(t: &mut Train, errors: f64) {
    let gray = gray_with(&[]);
    for s in 0..10 {
        t.observe(s, frame("ledger", 20.0, 0.001, 50.0));
    }
    let Next::Apply { step: 0, .. } = t.next(10, Some(&gray)) else {
        panic!()
    };
    assert_eq!(t.steps[0].before.map(|f| f.calls), Some(200.0));
    t.applied(0, Ok(()));
    let ready = gray_with(&[("ledger", "6.0.0")]);
    for s in 10..20 {
        t.observe(s, frame("ledger", 20.0, 0.001, 50.0));
    }
    assert_eq!(t.next(20, Some(&ready)), Next::Wait, "ready: watching");
    for s in 20..31 {
        t.observe(s, frame("ledger", 20.0, errors, 50.0));
        if s < 30 {
            assert_eq!(t.next(s, Some(&ready)), Next::Wait);
        }
    }
}

#[test]
fn a_step_whose_errors_rise_stops_the_train_and_says_why() {
    let mut t = two_step_train();
    first_step_with_traffic(&mut t, 0.2);
    let ready = gray_with(&[("ledger", "6.0.0")]);
    assert_eq!(t.next(30, Some(&ready)), Next::Wait);
    assert_eq!(t.state, State::Stopped);
    assert_eq!(t.steps[0].state, StepState::Failed);
    let why = t.why_stopped.clone().unwrap();
    assert!(
        why.starts_with("step 1 (ledger deploy 6.0.0): gate: errors 20.0% after vs 0.1% before"),
        "{why}"
    );
    assert_eq!(t.steps[1].state, StepState::Pending, "nothing more starts");
    assert!(t.can_roll_back());
}

#[test]
fn a_step_as_good_as_before_passes_its_gate() {
    let mut t = two_step_train();
    first_step_with_traffic(&mut t, 0.002);
    let ready = gray_with(&[("ledger", "6.0.0")]);
    let Next::Apply { step: 1, .. } = t.next(30, Some(&ready)) else {
        panic!("{:?}", t.steps[0])
    };
    assert!(
        t.steps[0].note.contains("before: 200 calls"),
        "{}",
        t.steps[0].note
    );
}

#[test]
fn crashing_pods_of_the_new_version_stop_the_train_at_once() {
    let mut t = two_step_train();
    let gray = gray_with(&[]);
    t.next(0, Some(&gray));
    t.applied(0, Ok(()));
    let mut e = gray_with(&[]);
    let ledger = e.services.iter_mut().find(|s| s.name == "ledger").unwrap();
    ledger.rollout = Some(crate::model::Rollout {
        to_version: "6.0.0".into(),
        updated: 1,
        total: 3,
        problem: None,
    });
    ledger.pods = vec![Pod {
        name: "ledger-1".into(),
        canary: false,
        version: "6.0.0".into(),
        phase: "Running".into(),
        ready: false,
        restarts: 3,
        node: String::new(),
        started: None,
        waiting: Some("CrashLoopBackOff".into()),
        last_exit: None,
        unscheduled: None,
        containers: vec![],
    }];
    assert_eq!(t.next(3, Some(&e)), Next::Wait);
    assert_eq!(t.state, State::Stopped);
    let why = t.why_stopped.clone().unwrap();
    assert!(
        why.contains("pods of 6.0.0 unhealthy: 0/1 ready: 1 CrashLoopBackOff, restarts 3"),
        "{why}"
    );
}

#[test]
fn a_step_not_ready_in_time_fails() {
    let mut t = two_step_train();
    t.gate.ready_timeout = 60;
    let gray = gray_with(&[]);
    t.next(0, Some(&gray));
    t.applied(0, Ok(()));
    assert_eq!(t.next(60, Some(&gray)), Next::Wait);
    assert_eq!(t.state, State::Running);
    t.next(61, Some(&gray));
    assert_eq!(t.state, State::Stopped);
    assert!(
        t.why_stopped
            .clone()
            .unwrap()
            .contains("not ready after 60 s: waiting for 6.0.0")
    );
}

#[test]
fn a_refused_write_stops_the_train() {
    let mut t = two_step_train();
    t.next(0, Some(&gray_with(&[])));
    t.applied(0, Err("conflict".into()));
    assert_eq!(t.state, State::Stopped);
    assert!(!t.can_roll_back(), "nothing was applied");
    assert_eq!(t.roll_back(), Ok(()));
    assert_eq!(t.next(1, Some(&gray_with(&[]))), Next::Finished);
    assert_eq!(t.state, State::RolledBack);
}

#[test]
fn pause_lets_the_step_in_flight_finish_and_starts_nothing() {
    let mut t = two_step_train();
    t.next(0, Some(&gray_with(&[])));
    t.pause().unwrap();
    t.applied(0, Ok(()));
    let ready = gray_with(&[("ledger", "6.0.0")]);
    assert_eq!(t.next(1, Some(&ready)), Next::Wait);
    assert_eq!(t.steps[0].state, StepState::Done);
    assert_eq!(t.steps[1].state, StepState::Pending);
    t.resume().unwrap();
    assert!(matches!(
        t.next(2, Some(&ready)),
        Next::Apply { step: 1, .. }
    ));
}

#[test]
fn abort_then_roll_back_undoes_the_done_steps_newest_first() {
    let mut t = two_step_train();
    t.next(0, Some(&gray_with(&[])));
    t.applied(0, Ok(()));
    let one = gray_with(&[("ledger", "6.0.0")]);
    assert!(matches!(t.next(1, Some(&one)), Next::Apply { step: 1, .. }));
    t.abort("ana").unwrap();
    assert_eq!(t.why_stopped.as_deref(), Some("aborted by ana"));
    t.applied(1, Ok(()));
    let both = gray_with(&[("ledger", "6.0.0"), ("payment", "2.1.0")]);
    assert_eq!(
        t.next(2, Some(&both)),
        Next::Wait,
        "the step in flight finishes"
    );
    assert_eq!(t.steps[1].state, StepState::Done);
    t.roll_back().unwrap();
    let Next::Apply { step: 1, change } = t.next(3, Some(&both)) else {
        panic!("payment first")
    };
    assert_eq!(
        change,
        Change::Deploy {
            version: "2.0.3".into()
        }
    );
    t.applied(1, Ok(()));
    assert_eq!(t.next(4, Some(&both)), Next::Wait, "payment not back yet");
    let Next::Apply { step: 0, change } = t.next(5, Some(&one)) else {
        panic!("then ledger: {:?}", t.steps[1])
    };
    assert_eq!(
        change,
        Change::Deploy {
            version: "5.9.0".into()
        }
    );
    t.applied(0, Ok(()));
    assert_eq!(t.next(6, Some(&gray_with(&[]))), Next::Finished);
    assert_eq!(t.state, State::RolledBack);
    assert!(t.steps.iter().all(|s| s.state == StepState::Undone));
}

#[test]
fn a_train_picked_up_from_disk_goes_by_what_the_platform_shows() {
    let mut t = plan::promote(
        &line(),
        "test",
        "gray",
        &Selection::default(),
        "demo",
        Gate::default(),
    )
    .unwrap();
    // ledger done, payment sent when the process exited, stock and order pending.
    t.next(0, Some(&gray_with(&[])));
    t.applied(0, Ok(()));
    let one = gray_with(&[("ledger", "6.0.0")]);
    t.next(1, Some(&one));
    let saved = serde_json::to_string(&t).unwrap();
    let mut back: Train = serde_json::from_str(&saved).unwrap();
    assert_eq!(back.steps[1].state, StepState::Applying);
    // Meanwhile payment's write went through, and someone deployed order by hand.
    let shown = gray_with(&[
        ("ledger", "6.0.0"),
        ("payment", "2.1.0"),
        ("order", "4.3.0"),
    ]);
    back.reconcile(&shown);
    let states: Vec<StepState> = back.steps.iter().map(|s| s.state).collect();
    assert_eq!(
        states,
        [
            StepState::Done,
            StepState::Settling,
            StepState::Pending,
            StepState::Done
        ]
    );
    let Next::Apply { step: 2, .. } = back.next(2, Some(&shown)) else {
        panic!("stock next: {:?}", back.steps)
    };
    // A step sent but not shown is sent again.
    let mut again: Train = serde_json::from_str(&saved).unwrap();
    again.reconcile(&one);
    assert_eq!(again.steps[1].state, StepState::Pending);
}

fn lane_env() -> (Environment, EnvKey) {
    let mut e = env(
        "integration",
        vec![
            svc("front", "2.0.0", &["order"]),
            svc("order", "4.3.0", &["payment"]),
            svc("payment", "2.1.0", &["ledger"]),
            svc("ledger", "6.0.0", &[]),
        ],
    );
    e.lanes.push(Lane {
        name: "checkout-v2".into(),
        services: BTreeMap::from([
            ("order".to_string(), "4.4.0".to_string()),
            ("payment".to_string(), "2.2.0".to_string()),
        ]),
        entry_share: 5,
        created_by: "ana".into(),
        created_at: 0,
    });
    let key = EnvKey {
        line: "trade".into(),
        env: "integration".into(),
    };
    (e, key)
}

#[test]
fn a_lane_promotion_takes_the_share_back_then_callees_first() {
    let (e, key) = lane_env();
    let t = plan::lane_promote(&e, &key, "checkout-v2", "demo", Gate::default()).unwrap();
    let steps: Vec<String> = t
        .steps
        .iter()
        .map(|s| format!("{} {}", s.service, s.change))
        .collect();
    let expect = [
        Change::SetLaneShare {
            lane: "checkout-v2".into(),
            share: 0,
        },
        Change::Deploy {
            version: "2.2.0".into(),
        },
        Change::LeaveLane {
            lane: "checkout-v2".into(),
        },
        Change::Deploy {
            version: "4.4.0".into(),
        },
        Change::LeaveLane {
            lane: "checkout-v2".into(),
        },
    ];
    let services = ["front", "payment", "payment", "order", "order"];
    let want: Vec<String> = services
        .iter()
        .zip(expect)
        .map(|(s, c)| format!("{s} {c}"))
        .collect();
    assert_eq!(steps, want);
    assert_eq!(t.steps[1].settle_on.as_deref(), Some("2.2.0"));
    assert_eq!(t.steps[2].settle_on, None);
    assert_eq!(
        t.steps[0].undo,
        Some(Change::SetLaneShare {
            lane: "checkout-v2".into(),
            share: 5
        })
    );
    let d = plan::lane_delete(&e, &key, "checkout-v2", "demo", Gate::default()).unwrap();
    assert_eq!(d.steps.len(), 3);
    assert_eq!(d.title(), "lane delete trade/integration/checkout-v2");
    let e2 = plan::lane_delete(&e, &key, "nope", "demo", Gate::default()).unwrap_err();
    assert_eq!(e2, "there is no lane nope in trade/integration");
}

#[test]
fn lane_steps_are_done_when_applied() {
    let (e, key) = lane_env();
    let mut t = plan::lane_delete(&e, &key, "checkout-v2", "demo", Gate::default()).unwrap();
    for i in 0..3 {
        let Next::Apply { step, .. } = t.next(i, Some(&e)) else {
            panic!("{i}")
        };
        assert_eq!(step as i64, i);
        t.applied(step, Ok(()));
    }
    assert_eq!(t.next(4, Some(&e)), Next::Finished);
}

#[test]
fn the_train_to_level_an_environment_is_counted_by_size() {
    assert_eq!(plan::Bump::of("1.2.3", "2.0.0"), plan::Bump::Major);
    assert_eq!(plan::Bump::of("1.2.3", "1.3.0"), plan::Bump::Minor);
    assert_eq!(plan::Bump::of("1.2.3", "1.2.4"), plan::Bump::Patch);
    assert_eq!(plan::Bump::of("1.2.3", "1.2.2"), plan::Bump::Back);
    assert_eq!(plan::Bump::of("abc", "abd"), plan::Bump::Other);
    let l = plan::level_with_previous(&line(), "gray").unwrap();
    assert_eq!(l.describe(), "4 from test (1 major, 2 minor, 1 back)");
    assert_eq!(
        plan::level_with_previous(&line(), "test"),
        None,
        "the first has none"
    );
}

#[test]
fn an_environment_is_made_from_the_named_services_and_what_they_call() {
    let mut l = line();
    l.environments[0].services[1]
        .secret_keys
        .insert("db_password", b"x");
    let request = plan::EnvRequest {
        services: vec!["order+deps".into()],
        versions: BTreeMap::from([("payment".to_string(), "2.1.1".to_string())]),
        config: BTreeMap::from([(
            "order".to_string(),
            BTreeMap::from([("LOG_LEVEL".to_string(), "info".to_string())]),
        )]),
    };
    let t = plan::env_create(&l, "test", "qa1", &request, "demo", Gate::default()).unwrap();
    assert_eq!(t.title(), "env create trade/qa1 from test");
    assert_eq!(names(&t), ["ledger", "payment", "stock", "order"]);
    assert!(
        t.steps
            .iter()
            .all(|s| s.target_env.as_deref() == Some("test"))
    );
    assert_eq!(
        t.steps[1].change,
        Change::CopyTo {
            env: "qa1".into(),
            version: "2.1.1".into(),
            config: BTreeMap::new()
        }
    );
    assert_eq!(t.steps[1].settle_on.as_deref(), Some("2.1.1"));
    assert_eq!(t.steps[1].undo, Some(Change::RemoveService));
    assert!(
        t.notes
            .contains(&"order: secret db_password is not copied: provide it in trade/qa1".into()),
        "{:?}",
        t.notes
    );
    let all = plan::env_create(
        &l,
        "test",
        "qa2",
        &Default::default(),
        "demo",
        Gate::default(),
    )
    .unwrap();
    assert_eq!(all.steps.len(), 6, "every service of the source");
    let only = plan::EnvRequest {
        services: vec!["order".into()],
        ..Default::default()
    };
    let t = plan::env_create(&l, "test", "qa3", &only, "demo", Gate::default()).unwrap();
    assert!(
        t.notes
            .iter()
            .any(|n| n.contains("order calls payment, which is not copied")),
        "{:?}",
        t.notes
    );
    for (name, why) in [
        ("gray", "trade/gray exists"),
        ("QA", "is not an environment name"),
        ("x-", "is not an environment name"),
    ] {
        let e = plan::env_create(
            &l,
            "test",
            name,
            &Default::default(),
            "demo",
            Gate::default(),
        )
        .unwrap_err();
        assert!(e.contains(why), "{name}: {e}");
    }
    let wrong = plan::EnvRequest {
        services: vec!["nope+deps".into()],
        ..Default::default()
    };
    let e = plan::env_create(&l, "test", "qa4", &wrong, "demo", Gate::default()).unwrap_err();
    assert_eq!(e, "test has no service nope");
}

#[test]
fn only_an_environment_wheelhouse_made_is_deleted_callers_first() {
    let mut l = line();
    let e = plan::env_delete(&l, "gray", "demo").unwrap_err();
    assert!(e.contains("was not made by wheelhouse"), "{e}");
    l.environments[1].origin = Some("test, by ana".into());
    let t = plan::env_delete(&l, "gray", "demo").unwrap();
    assert_eq!(names(&t), ["front", "order", "stock", "payment", "ledger"]);
    assert!(
        t.steps
            .iter()
            .all(|s| s.change == Change::RemoveService && s.undo.is_none())
    );
    l.environments[1].tier = Tier::Production;
    let e = plan::env_delete(&l, "gray", "demo").unwrap_err();
    assert!(e.contains("is a production environment"), "{e}");
}

#[test]
fn a_copy_is_done_when_the_service_appears_ready_in_the_new_environment() {
    let l = line();
    let only = plan::EnvRequest {
        services: vec!["ledger".into()],
        ..Default::default()
    };
    let mut t = plan::env_create(&l, "test", "qa1", &only, "demo", Gate::default()).unwrap();
    assert!(matches!(t.next(0, None), Next::Apply { step: 0, .. }));
    t.applied(0, Ok(()));
    assert_eq!(t.next(1, None), Next::Wait, "not there yet");
    assert_eq!(t.state, State::Running);
    assert!(t.steps[0].note.contains("waiting for 6.0.0 to appear"));
    let made = env("qa1", vec![svc("ledger", "6.0.0", &[])]);
    assert_eq!(t.next(2, Some(&made)), Next::Finished);
    // Picked up after the first copy was lost: sent again.
    let mut lost = plan::env_create(&l, "test", "qa2", &only, "demo", Gate::default()).unwrap();
    lost.next(0, None);
    lost.reconcile_absent();
    assert_eq!(lost.steps[0].state, StepState::Pending);
}

#[test]
fn a_stopped_train_tried_again_judges_an_applied_step_again_and_resends_a_refused_one() {
    let mut t = two_step_train();
    first_step_with_traffic(&mut t, 0.2);
    let ready = gray_with(&[("ledger", "6.0.0")]);
    t.next(30, Some(&ready));
    assert_eq!(t.state, State::Stopped);
    t.resume().unwrap();
    assert_eq!(
        t.steps[0].state,
        StepState::Settling,
        "applied: judged again, not sent again"
    );
    assert_eq!(
        t.next(31, Some(&ready)),
        Next::Wait,
        "ready again: watching anew"
    );
    for s in 31..45 {
        t.observe(s, frame("ledger", 20.0, 0.001, 50.0));
    }
    let Next::Apply { step: 1, .. } = t.next(45, Some(&ready)) else {
        panic!(
            "the errors went: step 1 passes, step 2 goes: {:?}",
            t.steps[0]
        )
    };
    let mut refused = two_step_train();
    refused.next(0, Some(&gray_with(&[])));
    refused.applied(0, Err("conflict".into()));
    refused.resume().unwrap();
    assert!(matches!(
        refused.next(1, Some(&gray_with(&[]))),
        Next::Apply { step: 0, .. }
    ));
}

#[test]
fn the_prompt_words_say_services_versions_and_config() {
    let r = plan::EnvRequest::from_words(
        "order+deps,front payment=2.2.0 order.log_level=debug".split_whitespace(),
    )
    .unwrap();
    assert_eq!(r.services, ["order+deps", "front"]);
    assert_eq!(r.versions.get("payment").map(String::as_str), Some("2.2.0"));
    assert_eq!(r.config["order"]["log_level"], "debug");
    for bad in ["=1.0", "payment=", ".k=v"] {
        assert!(plan::EnvRequest::from_words([bad]).is_err(), "{bad}");
    }
}
