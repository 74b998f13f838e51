//! Every view rendered into ratatui's TestBackend at 80×24 and 200×60 (insta snapshots,
//! clock filtered), plus checks of what a person must be able to read. A view's snapshot
//! holds what the view draws; the tab bar, status line, footer and tree have snapshots of
//! their own (adding a tab changes one snapshot, not every view's).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test may fail loudly

mod support;

use support::Harness;
use wheelhouse::app::View;

fn prepared(view: View) -> Harness {
    let mut h = Harness::new(&format!("render-{view:?}"));
    h.advance(8);
    let key = h.canary_service("loan-core", "gray");
    h.select(&["loan-core", "gray", &key.service]);
    h.state.view = view;
    h.state.dirty = true;
    h
}

fn check(name: &str, screen: &str) {
    insta::with_settings!({ filters => vec![(r"\d\d:\d\d UTC", "[clock]")] }, {
        insta::assert_snapshot!(name, screen);
    });
}

macro_rules! view_snapshots {
    ($($test:ident => $view:expr;)*) => {
        $(
            #[test]
            fn $test() {
                let h = prepared($view);
                for (w, hgt) in [(80u16, 24u16), (200, 60)] {
                    let screen = h.render(w, hgt);
                    assert!(screen.contains("wheelhouse"), "status line at {w}x{hgt}");
                    assert!(screen.contains("demo: scenario default"), "platform named at {w}x{hgt}");
                    let view = h.render_part(w, hgt, |a| Some(a.view));
                    check(&format!("{}_{w}x{hgt}", stringify!($test)), &view);
                }
            }
        )*
    };
}

view_snapshots! {
    overview => View::Overview;
    service => View::Service;
    topology => View::Topology;
    capacity => View::Capacity;
    config => View::Config;
    events => View::Events;
    images => View::Images;
}

#[test]
fn logs() {
    let mut h = prepared(View::Service);
    // Through the keymap, so that the tail opens as in the cockpit.
    h.keys("7");
    for (w, hgt) in [(80u16, 24u16), (200, 60)] {
        let screen = h.render(w, hgt);
        assert!(screen.contains("following"), "{screen}");
        assert!(screen.contains("GET /v1/scoring"), "{screen}");
        check(
            &format!("logs_{w}x{hgt}"),
            &h.render_part(w, hgt, |a| Some(a.view)),
        );
    }
}

/// The frame around every view: status line, tab bar (the panel's top border), footer,
/// and the tree, each cut out on its own.
#[test]
fn chrome() {
    let h = prepared(View::Service);
    for (w, hgt) in [(80u16, 24u16), (200, 60)] {
        let part = |pick: fn(&wheelhouse::ui::Areas) -> ratatui::layout::Rect| {
            h.render_part(w, hgt, |a| Some(pick(a)))
        };
        let tab_bar = |a: &wheelhouse::ui::Areas| ratatui::layout::Rect {
            height: 1,
            ..a.panel
        };
        let bars = [part(|a| a.status), part(tab_bar), part(|a| a.footer)].concat();
        assert!(
            bars.contains("Service"),
            "the selected tab is named: {bars}"
        );
        check(&format!("chrome_{w}x{hgt}"), &bars);
        check(&format!("tree_{w}x{hgt}"), &part(|a| a.tree));
    }
}

#[test]
fn overlays() {
    let mut h = prepared(View::Service);
    h.keys("?");
    let help = h.render(80, 24);
    check("help_80x24", &help);
    assert!(help.contains("Keys (from the active keymap)"));
    h.keys("esc :");
    h.type_text("sca");
    check("palette_80x24", &h.render(80, 24));
    h.keys("esc w");
    check("prompt_80x24", &h.render(80, 24));
    h.keys("enter");
    h.keys("esc P");
    let confirm = h.render(200, 60);
    check("confirm_200x60", &confirm);
    assert!(confirm.contains("→"), "before → after shown");
}

/// A release train as the operator sees it: the confirmation (the plan, the notes, each
/// step's dry run), then its progress in the overview.
#[test]
fn a_train_confirmed_and_running() {
    let mut h = prepared(View::Overview);
    h.select(&["trade", "gray"]);
    h.keys("m m");
    check("train_confirm_120x40", &h.render(120, 40));
    h.type_text("gray");
    h.keys("enter");
    h.advance(1);
    let screen = h.render(160, 45);
    check("train_overview_160x45", &screen);
    assert!(
        screen.contains("⇶ promote trade sandbox → gray  running"),
        "{screen}"
    );
}

#[test]
fn overview_marks_drift() {
    let h = prepared(View::Overview);
    let screen = h.render(200, 60);
    assert!(screen.contains("↓ drift"), "{screen}");
    assert!(screen.contains("behind"), "{screen}");
}

#[test]
fn topology_shows_canary_node_and_edge_metrics() {
    let h = prepared(View::Topology);
    let screen = h.render(200, 60);
    assert!(screen.contains("◆"), "canary node: {screen}");
    assert!(
        screen.contains("req/s") && screen.contains("p99"),
        "{screen}"
    );
    assert!(screen.contains("▶"), "edges drawn: {screen}");
}

#[test]
fn config_diff_masks_secrets() {
    // The values themselves are checked for in every view by tests/secrets.rs; here: a
    // secret is still compared (changed between environments) and shown masked.
    let mut h = prepared(View::Config);
    h.select(&["trade", "prod", "order"]);
    let screen = h.render(200, 60);
    let row = screen
        .lines()
        .find(|l| l.contains("db_password"))
        .unwrap_or_else(|| panic!("{screen}"));
    assert!(row.contains("~") && row.contains("••••••"), "{row}");
}

#[test]
fn large_scenario_renders_every_view() {
    let platform = wheelhouse::platform::demo::DemoPlatform::from_source(
        "large",
        wheelhouse::platform::demo::scenario::LARGE_SCENARIO,
        support::EPOCH,
    )
    .unwrap();
    let mut h = Harness::with("large", platform, false, "default");
    h.advance(3);
    let line = h.state.snapshot.product_lines[0].clone();
    let env = line.environments.last().unwrap();
    h.select(&[&line.name, &env.name, &env.services[0].name]);
    for view in View::ALL {
        h.state.view = view;
        for (w, hh) in [(80, 24), (200, 60), (30, 8)] {
            let screen = h.render(w, hh);
            assert!(screen.contains("wheelhouse") || w < 40, "{view:?} {w}x{hh}");
        }
    }
}

/// A tree taller than its panel scrolls to the selection, and every row on screen is
/// labelled (only the rows in the window are; the others cost nothing).
#[test]
fn a_scrolled_tree_labels_every_row_it_shows() {
    let platform = wheelhouse::platform::demo::DemoPlatform::from_source(
        "large",
        wheelhouse::platform::demo::scenario::LARGE_SCENARIO,
        support::EPOCH,
    )
    .unwrap();
    let mut h = Harness::with("large-tree", platform, false, "default");
    h.advance(1);
    let lines = h.state.snapshot.product_lines.clone();
    // Every line and environment open: far more rows than 24 lines hold.
    for line in &lines {
        for env in &line.environments {
            h.select(&[&line.name, &env.name, &env.services[0].name]);
        }
    }
    let line = lines.last().unwrap();
    let env = line.environments.last().unwrap();
    let service = env.services.last().unwrap();
    h.select(&[&line.name, &env.name, &service.name]);
    let rows = wheelhouse::app::navigation::visible_rows(&h.state);
    assert!(rows.len() > 100, "{} rows", rows.len());
    let tree = h.render_part(80, 24, |a| Some(a.tree));
    let inner: Vec<&str> = tree.lines().skip(1).take(20).collect();
    let selected = inner.last().unwrap();
    assert!(
        selected.contains(&service.name) && selected.contains(&service.version),
        "the selection is the last row shown, labelled:\n{tree}"
    );
    for row in &inner {
        let text = row.trim_matches(|c: char| c == '│' || c.is_whitespace());
        assert!(
            text.chars().any(|c| c.is_alphanumeric()),
            "an unlabelled row:\n{tree}"
        );
    }
}

/// At 160×45 and more the service view is a dashboard: the service beside its topology
/// and its environment's capacity; below that, the service alone.
#[test]
fn the_service_view_is_a_dashboard_on_a_wide_terminal() {
    let h = prepared(View::Service);
    for (w, hh, dashboard) in [
        (160u16, 45u16, true),
        (200, 60, true),
        (159, 45, false),
        (160, 44, false),
        (80, 24, false),
    ] {
        let view = h.render_part(w, hh, |a| Some(a.view));
        assert_eq!(
            view.contains("topology: callers and callees")
                && view.contains("capacity of the environment"),
            dashboard,
            "{w}x{hh}:\n{view}"
        );
        assert!(
            view.contains("replicas"),
            "the service is always there at {w}x{hh}"
        );
    }
}

/// The share of a screen part left empty: whole blank rows, and on the other rows the
/// blank cells after the last thing drawn. Spaces between columns count as used.
fn empty_share(part: &str) -> f64 {
    let rows: Vec<&str> = part.lines().collect();
    let width = rows.iter().map(|r| r.chars().count()).max().unwrap_or(0);
    let total = rows.len() * width;
    let used: usize = rows.iter().map(|r| r.trim_end().chars().count()).sum();
    if total == 0 {
        return 1.0;
    }
    1.0 - used as f64 / total as f64
}

/// Whether everything a view has to show is on screen: config shows every key of every
/// service of the line (and each service), images every image. Other views always have
/// more to show than a screen holds (history, edges, releases).
fn shows_everything(h: &Harness, view: View, part: &str) -> bool {
    match view {
        View::Config => {
            let line = h.state.snapshot.line("loan-core").unwrap();
            line.environments.iter().flat_map(|e| &e.services).all(|s| {
                part.contains(&s.name)
                    && s.config.keys().all(|k| part.contains(k.as_str()))
                    && s.secret_keys.names().all(|k| part.contains(k))
            })
        }
        View::Images => {
            let images = wheelhouse::domain::image::from_snapshot(&h.state.snapshot);
            images.iter().all(|i| part.contains(i.name()))
        }
        _ => false,
    }
}

/// At 200×60, with the demo running for two minutes (histories, traffic, events and
/// releases there to show), no view leaves more than a third of its area empty, unless
/// everything it has to show is on screen.
#[test]
fn no_view_leaves_a_third_of_a_wide_screen_empty() {
    let mut h = Harness::new("wide-use");
    h.advance(120);
    let key = h.canary_service("loan-core", "gray");
    h.select(&["loan-core", "gray", &key.service]);
    let mut report = Vec::new();
    for view in View::ALL {
        h.state.view = view;
        h.state.dirty = true;
        if view == View::Logs {
            h.state.view = View::Service;
            h.keys("7");
        }
        let part = h.render_part(200, 60, |a| Some(a.view));
        report.push((view, empty_share(&part), part));
    }
    let summary: Vec<String> = report
        .iter()
        .map(|(v, share, _)| format!("{v:?} {:.0}%", share * 100.0))
        .collect();
    eprintln!("empty at 200×60: {}", summary.join(", "));
    for (view, share, part) in &report {
        assert!(
            *share <= 1.0 / 3.0 || shows_everything(&h, *view, part),
            "{view:?} leaves {:.0}% of 200×60 empty with more to show:\n{part}",
            share * 100.0
        );
    }
}

/// A narrow tree cuts a row's name, version and replicas before its marks: the ▲ of a
/// service over capacity stays on screen at 80×24.
#[test]
fn a_narrow_tree_keeps_the_marks_that_say_what_is_wrong() {
    let mut h = Harness::new("tree-marks");
    h.advance(60);
    h.select(&["trade", "prod", "inventory"]);
    let critical: Vec<String> = h
        .state
        .attention
        .iter()
        .filter(|i| i.target.starts_with("trade/prod/") && i.why.contains("capacity"))
        .map(|i| i.target.rsplit('/').next().unwrap().to_string())
        .collect();
    assert!(!critical.is_empty(), "trade/prod is over capacity by now");
    let tree = h.render_part(80, 24, |a| Some(a.tree));
    for service in &critical {
        let row = tree
            .lines()
            .find(|l| l.contains(&format!(" {}", &service[..4])))
            .unwrap_or_else(|| panic!("{service} in the tree:\n{tree}"));
        assert!(row.contains('▲'), "{service}'s ▲ is shown:\n{tree}");
    }
}
