//! Broken user files: reported with a clear message, the defaults are used, nothing stops.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test may fail loudly

mod support;

use wheelhouse::app::{Action, Op};
use wheelhouse::config::keymap::{Keymap, Section};
use wheelhouse::config::{self, paths::Paths};
use wheelhouse::ui::theme::ColorDepth;

fn paths(name: &str) -> Paths {
    let dir = support::temp_dir(name);
    std::fs::create_dir_all(dir.join("config")).unwrap();
    Paths {
        config_dir: dir.join("config"),
        data_dir: dir,
    }
}

#[test]
fn invalid_keymap_lines_are_reported_and_the_rest_applied() {
    let p = paths("bad-keymap");
    std::fs::write(
        p.config_dir.join("keymap.toml"),
        "[normal]\nquit = [\"q\"]\nlaunch = [\"x\"]\nhelp = [\"hyper-h\", \"H\"]\n",
    )
    .unwrap();
    let (map, problems) = config::load_keymap("default", &p);
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(
        problems[0].contains("keymap.toml:3: unknown action \"launch\""),
        "names the file and line: {problems:?}"
    );
    assert!(
        problems[1].contains("keymap.toml:4: help: unknown key \"hyper-h\""),
        "{problems:?}"
    );
    // The valid lines are applied over the preset; everything else is the preset's.
    let preset = Keymap::preset("default").unwrap();
    assert_eq!(map.keys(Section::Normal, Action::Quit).len(), 1);
    assert_eq!(map.hint(Section::Normal, Action::Help).unwrap(), "H");
    assert_eq!(
        map.entries(Section::Normal)
            .into_iter()
            .filter(|(a, _)| !matches!(a, Action::Quit | Action::Help))
            .collect::<Vec<_>>(),
        preset
            .entries(Section::Normal)
            .into_iter()
            .filter(|(a, _)| !matches!(a, Action::Quit | Action::Help))
            .collect::<Vec<_>>()
    );
}

#[test]
fn broken_keymap_file_is_reported_and_the_preset_used() {
    let p = paths("broken-keymap");
    std::fs::write(
        p.config_dir.join("keymap.toml"),
        "[normal\nquit = [\"x\"]\n",
    )
    .unwrap();
    let (map, problems) = config::load_keymap("default", &p);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].contains("keymap.toml:1:"), "{problems:?}");
    assert_eq!(map, Keymap::preset("default").unwrap());
}

#[test]
fn valid_user_keymap_applies_over_preset() {
    let p = paths("good-keymap");
    std::fs::write(
        p.config_dir.join("keymap.toml"),
        "[normal]\ndeploy = [\"ctrl-e\"]\n",
    )
    .unwrap();
    let (map, problems) = config::load_keymap("vim", &p);
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(
        map.hint(Section::Normal, Action::Op(Op::Deploy)).unwrap(),
        "ctrl-e"
    );
}

#[test]
fn a_user_key_taken_from_the_preset_is_reported_and_dropped_there() {
    let p = paths("shadow-keymap");
    std::fs::write(
        p.config_dir.join("keymap.toml"),
        "[normal]\ndeploy = [\"ctrl-d\"]\n",
    )
    .unwrap();
    let (map, problems) = config::load_keymap("vim", &p);
    assert_eq!(
        map.hint(Section::Normal, Action::Op(Op::Deploy)).unwrap(),
        "ctrl-d"
    );
    assert_eq!(map.hint(Section::Normal, Action::PanDown), None);
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(
        problems[0].ends_with(
            "keymap.toml: \"ctrl-d\" now means deploy; the vim keymap's binding of \"ctrl-d\" \
             to pan-down is dropped"
        ),
        "{problems:?}"
    );
    assert!(
        problems[1].contains("pan-down has no key left"),
        "{problems:?}"
    );
}

#[test]
fn invalid_theme_is_reported_and_defaults_used() {
    let p = paths("bad-theme");
    std::fs::write(
        p.config_dir.join("theme.toml"),
        "[colors]\nerror = \"#12345\"\nfoo = \"red\"\n",
    )
    .unwrap();
    let (theme, problems) = config::load_theme(Some("light"), &p, ColorDepth::TrueColor);
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(problems[0].contains("bad color \"#12345\""), "{problems:?}");
    assert!(problems[1].contains("unknown role \"foo\""), "{problems:?}");
    assert_eq!(
        theme,
        wheelhouse::ui::theme::Theme::preset("light", ColorDepth::TrueColor).unwrap()
    );
    std::fs::write(p.config_dir.join("theme.toml"), "colors = [").unwrap();
    let (_, problems) = config::load_theme(None, &p, ColorDepth::Ansi256);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].contains("theme.toml:1"), "{problems:?}");
}

#[test]
fn valid_theme_lines_apply_next_to_bad_ones() {
    let p = paths("mixed-theme");
    std::fs::write(
        p.config_dir.join("theme.toml"),
        "[colors]\nerror = \"#12345\"\nok = \"#00ff00\"\n",
    )
    .unwrap();
    let (theme, problems) = config::load_theme(Some("dark"), &p, ColorDepth::TrueColor);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(theme.ok.fg, Some(ratatui::style::Color::Rgb(0, 255, 0)));
}

#[test]
fn problems_show_in_the_cockpit() {
    let mut h = support::Harness::new("problem-ui");
    wheelhouse::runtime::report(
        &mut h.state,
        &["keymap not applied: k.toml: unknown action \"launch\"; using the defaults".into()],
    );
    let screen = h.render(120, 30);
    assert!(screen.contains("unknown action \"launch\""), "{screen}");
}

#[test]
fn bad_scenario_is_rejected_with_file_line_and_reason() {
    let dir = support::temp_dir("bad-scenario");
    let file = dir.join("broken.toml");
    std::fs::write(&file, "[scenario]\nname = \"x\"\n\n[[line]]\nname = \"a\"\nbase_image = \"b\"\nregistry = \"r\"\n\n[[line.env]]\nname = \"dev\"\ntier = \"staging\"\ncluster = \"c\"\n").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_wheelhouse"))
        .args(["--scenario", file.to_str().unwrap(), "status"])
        .env("WHEELHOUSE_DATA_DIR", &dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("broken.toml:11:"), "{err}");
    assert!(err.contains("staging"), "{err}");
}

#[test]
fn no_color_selects_monochrome() {
    let p = paths("nocolor");
    // SAFETY: tests in this binary do not read NO_COLOR concurrently except this one.
    unsafe { std::env::set_var("NO_COLOR", "1") };
    let (theme, _) = config::load_theme(None, &p, ColorDepth::TrueColor);
    unsafe { std::env::remove_var("NO_COLOR") };
    assert_eq!(theme.name, "monochrome");
}
