//! Benchmarks: render of each view at 200×60 on the large scenario, `update` throughput,
//! and the binary's time to first frame.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test may fail loudly

use criterion::{Criterion, criterion_group, criterion_main};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::hint::black_box;
use std::sync::Arc;
use wheelhouse::app::{Event, State, View, navigation, update};
use wheelhouse::config::keymap::Keymap;
use wheelhouse::platform::PlatformEvent;
use wheelhouse::platform::demo::{DemoPlatform, scenario};
use wheelhouse::ui::theme::{ColorDepth, Theme};

const EPOCH: i64 = 1_795_510_800;

fn large() -> (State, DemoPlatform) {
    let mut p = DemoPlatform::from_source(
        scenario::LARGE_SCENARIO_NAME,
        scenario::LARGE_SCENARIO,
        EPOCH,
    )
    .expect("large scenario parses");
    let mut s = State::new(
        p.info(),
        false,
        Keymap::preset("default").expect("keymap"),
        wheelhouse::app::Identity::named("bench"),
        EPOCH,
    );
    update(
        &mut s,
        Event::from(PlatformEvent::Snapshot(Arc::new(p.snapshot()))),
    );
    for _ in 0..30 {
        let frames = p.advance(1.0);
        update(&mut s, Event::from(PlatformEvent::Traffic(frames)));
    }
    let line = &s.snapshot.product_lines[0];
    let env = line
        .environments
        .iter()
        .find(|e| e.name == "prod")
        .expect("prod");
    let path = vec![
        line.name.clone(),
        env.name.clone(),
        env.services[5].name.clone(),
    ];
    navigation::jump(&mut s, path);
    (s, p)
}

fn render(c: &mut Criterion) {
    let (mut state, _) = large();
    let theme = Theme::preset("dark", ColorDepth::TrueColor).expect("theme");
    let env = state.context_env().expect("env");
    let edges = state.traffic[&env].latest.edges.len();
    eprintln!(
        "large scenario: {} services, {edges} edges in {env}",
        state.snapshot.service_count()
    );
    let mut terminal = Terminal::new(TestBackend::new(200, 60)).expect("terminal");
    let mut group = c.benchmark_group("render_200x60");
    for view in View::ALL {
        state.view = view;
        group.bench_function(format!("{view:?}"), |b| {
            b.iter(|| {
                terminal
                    .draw(|f| wheelhouse::ui::draw(f, black_box(&state), &theme))
                    .expect("draw");
            })
        });
    }
    group.finish();
}

fn update_throughput(c: &mut Criterion) {
    let (state, mut platform) = large();
    let frames: Vec<_> = (0..20).map(|_| platform.advance(1.0)).collect();
    let snapshot = Arc::new(platform.snapshot());
    let mut group = c.benchmark_group("update");
    group.bench_function("traffic_second_all_envs", |b| {
        let mut s = state.clone();
        let mut i = 0;
        b.iter(|| {
            i = (i + 1) % frames.len();
            update(
                &mut s,
                Event::from(PlatformEvent::Traffic(frames[i].clone())),
            );
        })
    });
    group.bench_function("snapshot", |b| {
        let mut s = state.clone();
        b.iter(|| {
            update(
                &mut s,
                Event::from(PlatformEvent::Snapshot(snapshot.clone())),
            )
        })
    });
    group.bench_function("key_down", |b| {
        let mut s = state.clone();
        let key = crossterm::event::KeyEvent::new(
            crossterm::event::KeyCode::Down,
            crossterm::event::KeyModifiers::NONE,
        );
        b.iter(|| update(&mut s, Event::Key(key)))
    });
    group.finish();
}

fn first_frame(c: &mut Criterion) {
    let bin = env!("CARGO_BIN_EXE_wheelhouse");
    let dir = std::env::temp_dir().join(format!("wheelhouse-bench-{}", std::process::id()));
    let mut group = c.benchmark_group("process");
    group.sample_size(10);
    group.bench_function("first_frame_200x60", |b| {
        b.iter(|| {
            let out = std::process::Command::new(bin)
                .args(["--demo", "--first-frame"])
                .env("WHEELHOUSE_DATA_DIR", &dir)
                .env("WHEELHOUSE_CONFIG_DIR", &dir)
                .output()
                .expect("run wheelhouse");
            assert!(out.status.success());
        })
    });
    group.finish();
}

/// A picture the size of bench-kube's cluster (some 2,000 environments, 5,000 services,
/// four pods each): copies of the large scenario's lines under new names.
fn cluster_sized(base: &wheelhouse::domain::Snapshot) -> wheelhouse::domain::Snapshot {
    let pod = |name: String| -> wheelhouse::domain::pods::Pod {
        serde_json::from_value(serde_json::json!({
            "name": name, "phase": "Running", "ready": true, "restarts": 0, "node": "kwok-node-1"
        }))
        .expect("pod")
    };
    let mut out = wheelhouse::domain::Snapshot::default();
    let (mut copy, mut services) = (0, 0);
    while services < 5000 {
        for line in &base.product_lines {
            let mut line = line.clone();
            line.name = format!("{}-{copy}", line.name);
            for env in &mut line.environments {
                for s in &mut env.services {
                    s.pods = (0..4)
                        .map(|i| pod(format!("{}-7d9f8-{i}", s.name)))
                        .collect();
                    services += 1;
                }
            }
            out.product_lines.push(line);
        }
        copy += 1;
    }
    out
}

/// The cockpit at a cluster's size: a new picture (what the worker publishes while lists
/// arrive), and a key with the frame that answers it.
fn cluster_scale(c: &mut Criterion) {
    let (mut state, _) = large();
    let theme = Theme::preset("dark", ColorDepth::TrueColor).expect("theme");
    // WHEELHOUSE_BENCH_STATUS: a real cluster's picture instead (`status -o json` output).
    let snapshot = Arc::new(match std::env::var_os("WHEELHOUSE_BENCH_STATUS") {
        Some(file) => {
            let text = std::fs::read_to_string(file).expect("status file");
            serde_json::from_str(&text).expect("status -o json output")
        }
        None => cluster_sized(&state.snapshot),
    });
    let envs: usize = snapshot
        .product_lines
        .iter()
        .map(|l| l.environments.len())
        .sum();
    eprintln!(
        "cluster-sized picture: {} lines, {envs} environments, {} services",
        snapshot.product_lines.len(),
        snapshot.service_count()
    );
    update(
        &mut state,
        Event::from(PlatformEvent::Snapshot(snapshot.clone())),
    );
    // As the cockpit starts: nothing selected, the first line opened by the first picture.
    state.selected.clear();
    state.expanded.clear();
    state.view = View::Overview;
    update(
        &mut state,
        Event::from(PlatformEvent::Snapshot(snapshot.clone())),
    );
    let mut terminal = Terminal::new(TestBackend::new(200, 60)).expect("terminal");
    let mut group = c.benchmark_group("cluster_scale");
    group.bench_function("snapshot", |b| {
        let mut s = state.clone();
        b.iter(|| {
            update(
                &mut s,
                Event::from(PlatformEvent::Snapshot(snapshot.clone())),
            )
        })
    });
    let down = crossterm::event::KeyEvent::new(
        crossterm::event::KeyCode::Down,
        crossterm::event::KeyModifiers::NONE,
    );
    let help = crossterm::event::KeyEvent::new(
        crossterm::event::KeyCode::Char('?'),
        crossterm::event::KeyModifiers::NONE,
    );
    group.bench_function("help_and_frame", |b| {
        let mut s = state.clone();
        b.iter(|| {
            update(&mut s, Event::Key(help));
            terminal
                .draw(|f| wheelhouse::ui::draw(f, black_box(&s), &theme))
                .expect("draw");
        })
    });
    for view in [View::Overview, View::Service] {
        state.view = view;
        group.bench_function(format!("key_and_frame_{view:?}"), |b| {
            let mut s = state.clone();
            b.iter(|| {
                update(&mut s, Event::Key(down));
                terminal
                    .draw(|f| wheelhouse::ui::draw(f, black_box(&s), &theme))
                    .expect("draw");
            })
        });
    }
    group.finish();
}

criterion_group!(
    benches,
    render,
    update_throughput,
    cluster_scale,
    first_frame
);
criterion_main!(benches);
