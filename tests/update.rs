//! `update` in isolation: an event in, the state and the commands out.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test may fail loudly

mod support;

use std::sync::Arc;
use wheelhouse::app::state::{Mode, Preview};
use wheelhouse::app::{Command, Event, State, update};
use wheelhouse::config::keymap::Keymap;
use wheelhouse::platform::demo::DemoPlatform;
use wheelhouse::platform::{Connection, PlatformError, PlatformEvent, PlatformRequest};

fn fresh(read_only: bool) -> (State, DemoPlatform) {
    let p = DemoPlatform::default_scenario(support::EPOCH).unwrap();
    let mut s = State::new(
        p.info(),
        read_only,
        Keymap::preset("default").unwrap(),
        wheelhouse::app::Identity::named("u"),
        support::EPOCH,
    );
    // The start-up landing on the attention view is tested in tests/attention.rs.
    s.landed = true;
    update(
        &mut s,
        Event::from(PlatformEvent::Snapshot(Arc::new(p.snapshot()))),
    );
    (s, p)
}

fn key(c: char) -> Event {
    Event::Key(crossterm::event::KeyEvent::new(
        crossterm::event::KeyCode::Char(c),
        crossterm::event::KeyModifiers::NONE,
    ))
}

#[test]
fn first_snapshot_selects_and_opens_the_first_line() {
    let (s, p) = fresh(false);
    let first = p.snapshot().product_lines[0].name.clone();
    assert_eq!(s.selected, vec![first.clone()]);
    assert!(s.expanded.contains(&vec![first]));
}

#[test]
fn traffic_builds_history_per_service() {
    let (mut s, mut p) = fresh(false);
    for _ in 0..5 {
        let frames = p.advance(1.0);
        assert!(update(&mut s, Event::from(PlatformEvent::Traffic(frames))).is_empty());
    }
    let (env, t) = s.traffic.iter().next().unwrap();
    let env = s.snapshot.environment(env).unwrap();
    let first = &env.services[0].name;
    assert_eq!(t.inbound[first].len(), 5);
}

#[test]
fn write_key_on_a_service_opens_a_prompt_and_enter_asks_for_a_dry_run() {
    let (mut s, _) = fresh(false);
    let key_path = {
        let l = &s.snapshot.product_lines[0];
        vec![
            l.name.clone(),
            l.environments[0].name.clone(),
            l.environments[0].services[0].name.clone(),
        ]
    };
    wheelhouse::app::navigation::jump(&mut s, key_path);
    assert!(update(&mut s, key('s')).is_empty());
    assert!(matches!(s.mode, Mode::Prompt(_)));
    let cmds = update(&mut s, key('7'));
    assert!(cmds.is_empty());
    let enter = Event::Key(crossterm::event::KeyEvent::new(
        crossterm::event::KeyCode::Enter,
        crossterm::event::KeyModifiers::NONE,
    ));
    let cmds = update(&mut s, enter);
    assert!(
        matches!(
            cmds.as_slice(),
            [Command::Platform(PlatformRequest::Preview { .. })]
        ),
        "{cmds:?}"
    );
    let Mode::Confirm(c) = &s.mode else { panic!() };
    assert_eq!(c.preview, Preview::Loading);
}

#[test]
fn out_of_range_weight_is_refused_in_the_prompt() {
    let (mut s, p) = fresh(false);
    let snap = p.snapshot();
    let (l, e, svc) = snap
        .product_lines
        .iter()
        .flat_map(|l| l.environments.iter().map(move |e| (l, e)))
        .flat_map(|(l, e)| e.services.iter().map(move |s| (l, e, s)))
        .find(|(_, _, s)| s.canary.is_some())
        .unwrap();
    wheelhouse::app::navigation::jump(
        &mut s,
        vec![l.name.clone(), e.name.clone(), svc.name.clone()],
    );
    update(&mut s, key('w'));
    for _ in 0..3 {
        update(
            &mut s,
            Event::Key(crossterm::event::KeyEvent::new(
                crossterm::event::KeyCode::Backspace,
                crossterm::event::KeyModifiers::NONE,
            )),
        );
    }
    for c in "150".chars() {
        update(&mut s, key(c));
    }
    let enter = Event::Key(crossterm::event::KeyEvent::new(
        crossterm::event::KeyCode::Enter,
        crossterm::event::KeyModifiers::NONE,
    ));
    assert!(update(&mut s, enter).is_empty());
    let Mode::Prompt(prompt) = &s.mode else {
        panic!("still prompting")
    };
    assert!(prompt.error.as_ref().unwrap().contains("0 to 100"));
}

#[test]
fn connection_loss_is_shown_and_logged() {
    let (mut s, _) = fresh(false);
    update(
        &mut s,
        Event::from(PlatformEvent::Connection(Connection::Retrying(
            "connection refused".into(),
        ))),
    );
    assert!(s.activity.back().unwrap().text.contains("connection lost"));
    assert_eq!(
        s.connection,
        Connection::Retrying("connection refused".into())
    );
}

#[test]
fn failed_apply_is_audited_with_its_error() {
    let (mut s, _) = fresh(false);
    let request = wheelhouse::domain::change::ChangeRequest {
        target: wheelhouse::domain::ServiceKey::new("a", "b", "c"),
        change: wheelhouse::domain::Change::Rollback,
        expected_revision: "1".into(),
        who: "u".into(),
        why: String::new(),
    };
    let intent = wheelhouse::app::AuditRecord::intent(
        9,
        &wheelhouse::app::Identity::named("u"),
        "demo: t",
        &request,
        "enter",
        &[],
    );
    s.inflight
        .insert(9, wheelhouse::app::state::InFlight { request, intent });
    let cmds = update(
        &mut s,
        Event::from(PlatformEvent::Applied {
            id: 9,
            result: Err(PlatformError::Forbidden {
                verb: "patch".into(),
                resource: "deployments".into(),
                namespace: "b".into(),
                detail: String::new(),
            }),
        }),
    );
    let [Command::Audit(rec)] = cmds.as_slice() else {
        panic!("{cmds:?}")
    };
    assert_eq!(rec.phase, wheelhouse::app::audit::Phase::Result);
    assert!(
        rec.result
            .as_deref()
            .unwrap_or_default()
            .contains("forbidden: cannot patch deployments in namespace b")
    );
    assert!(s.status.as_ref().unwrap().text.contains("forbidden"));
}

#[test]
fn unbound_key_says_so() {
    let (mut s, _) = fresh(false);
    update(&mut s, key('v'));
    assert!(s.status.as_ref().unwrap().text.contains("not bound"));
}

/// The demo's snapshot with loan-core/gray moved to `location`, loan-core/gray/scoring
/// (which has a canary) selected.
fn on_location(location: wheelhouse::domain::Location) -> State {
    let (mut s, p) = fresh(false);
    let mut snap = p.snapshot();
    for line in &mut snap.product_lines {
        for env in &mut line.environments {
            if line.name == "loan-core" && env.name == "gray" {
                env.location = location.clone();
            }
        }
    }
    update(&mut s, Event::from(PlatformEvent::Snapshot(Arc::new(snap))));
    s.selected = vec!["loan-core".into(), "gray".into(), "scoring".into()];
    s
}

#[test]
fn canary_keys_say_not_supported_where_the_platform_has_no_router() {
    let mut s = on_location(wheelhouse::domain::Location::Docker {
        engine: "unix:///run/docker.sock".into(),
    });
    for k in ['w', 'C', 'P', '+'] {
        let cmds = update(&mut s, key(k));
        assert!(cmds.is_empty(), "{k}: {cmds:?}");
        assert_eq!(s.mode, Mode::Normal, "{k}");
        let said = &s.status.as_ref().unwrap().text;
        assert!(
            said.contains("canary routing is not supported on Docker environments"),
            "{k}: {said}"
        );
    }
}

#[test]
fn the_logs_view_tails_kubernetes_pods_and_switches_to_previous_logs() {
    let mut s = on_location(wheelhouse::domain::Location::Kube {
        context: "c".into(),
        namespace: "loan-core-gray".into(),
    });
    let cmds = update(&mut s, key('7'));
    let asked = |cmds: &[Command], previous: bool| {
        cmds.iter().any(|c| {
            matches!(c, Command::Platform(PlatformRequest::Logs { previous: p, .. }) if *p == previous)
        })
    };
    assert!(asked(&cmds, false), "{cmds:?}");
    // `p` (in the logs view; pause elsewhere): the previous containers' logs; the live
    // tail is closed, then reopened.
    let cmds = update(&mut s, key('p'));
    assert!(asked(&cmds, true), "{cmds:?}");
    assert!(
        cmds.iter()
            .any(|c| matches!(c, Command::Platform(PlatformRequest::StopLogs { .. }))),
        "{cmds:?}"
    );
    assert!(s.logs.as_ref().is_some_and(|l| l.previous));
    let cmds = update(&mut s, key('p'));
    assert!(asked(&cmds, false), "{cmds:?}");
}
