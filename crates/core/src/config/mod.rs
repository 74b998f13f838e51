//! Settings, file locations, and loading of themes and keymaps (user files over defaults).

pub mod catalog;
pub mod keymap;
pub mod paths;
pub mod settings;

use crate::ui::theme::{ColorDepth, Theme};
use keymap::Keymap;

/// The keymap to use: the preset, with the user's keymap.toml applied over it. Every problem
/// is returned (one message each): what is valid in the user's file is applied, the rest is
/// skipped, and preset keys the user's keys take over are reported as dropped.
pub fn load_keymap(preset: &str, paths: &paths::Paths) -> (Keymap, Vec<String>) {
    let mut problems = Vec::new();
    let (mut map, preset) = match Keymap::preset(preset) {
        Ok(m) => (m, preset),
        Err(e) => {
            problems.push(format!("{e}; using the default keymap"));
            (Keymap::preset("default").unwrap_or_default(), "default")
        }
    };
    let file = paths.config_dir.join("keymap.toml");
    match std::fs::read_to_string(&file) {
        Ok(text) => {
            let name = file.display().to_string();
            let (user, found) = Keymap::parse(&name, &text);
            problems.extend(found);
            problems.extend(map.overlay(&user, &name, preset));
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => problems.push(format!("cannot read {}: {e}", file.display())),
    }
    (map, problems)
}

/// The theme to use: `name` (or monochrome when NO_COLOR is set or TERM is dumb), with the
/// user's theme.toml applied over it. Every problem is returned: what is valid in the user's
/// file is applied, the rest is skipped, and colours of the user's that make two meanings
/// (see `theme::MEANINGS`) look alike on this terminal are reported.
pub fn load_theme(
    name: Option<&str>,
    paths: &paths::Paths,
    depth: ColorDepth,
) -> (Theme, Vec<String>) {
    let mut problems = Vec::new();
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let term = std::env::var("TERM").unwrap_or_default();
    let name = name.unwrap_or(default_theme(no_color, &term));
    let mut theme = match Theme::preset(name, depth) {
        Ok(t) => t,
        Err(e) => {
            problems.push(format!("{e}; using the dark theme"));
            Theme::fallback()
        }
    };
    let file = paths.config_dir.join("theme.toml");
    match std::fs::read_to_string(&file) {
        Ok(text) => {
            let name = file.display().to_string();
            let before = theme.meaning_clashes();
            problems.extend(theme.overlay(&name, &text, depth));
            problems.extend(
                theme
                    .meaning_clashes()
                    .into_iter()
                    .filter(|clash| !before.contains(clash))
                    .map(|clash| format!("{name}: {}, {clash}", depth_label(depth))),
            );
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => problems.push(format!("cannot read {}: {e}", file.display())),
    }
    (theme, problems)
}

/// The theme when none is named: monochrome when colour is unwanted (NO_COLOR) or the
/// terminal declares no capabilities at all (TERM=dumb, as git and ncurses read it), dark
/// otherwise.
fn default_theme(no_color: bool, term: &str) -> &'static str {
    if no_color || term.trim().eq_ignore_ascii_case("dumb") {
        "monochrome"
    } else {
        "dark"
    }
}

fn depth_label(depth: ColorDepth) -> &'static str {
    match depth {
        ColorDepth::TrueColor => "in truecolor",
        ColorDepth::Ansi256 => "with 256 colors",
        ColorDepth::Ansi16 => "with 16 colors",
    }
}

/// Line number (from 1) of a byte offset in `text`.
pub(crate) fn line_of(text: &str, offset: usize) -> usize {
    let before = &text.as_bytes()[..offset.min(text.len())];
    before.iter().filter(|b| **b == b'\n').count() + 1
}

/// A file that is not valid TOML (or not the expected shape): "file:line: reason".
pub(crate) fn toml_problem(file: &str, text: &str, error: &toml::de::Error) -> String {
    let line = error.span().map_or(0, |s| line_of(text, s.start));
    format!(
        "{file}:{line}: {}; nothing in the file is applied",
        error.message().trim()
    )
}

#[cfg(test)]
mod tests {
    use super::keymap::Section;
    use super::*;
    use crate::app::action::{Action, Op};

    fn paths_with(name: &str, file: &str, text: &str) -> paths::Paths {
        let dir =
            std::env::temp_dir().join(format!("wheelhouse-config-{name}-{}", std::process::id()));
        let config_dir = dir.join("config");
        std::fs::create_dir_all(&config_dir).unwrap();
        std::fs::write(config_dir.join(file), text).unwrap();
        paths::Paths {
            config_dir,
            data_dir: dir,
        }
    }

    #[test]
    fn dumb_terminals_and_no_color_default_to_monochrome() {
        assert_eq!(default_theme(true, "xterm-256color"), "monochrome");
        assert_eq!(default_theme(false, "dumb"), "monochrome");
        assert_eq!(default_theme(false, "linux"), "dark");
        assert_eq!(default_theme(false, ""), "dark");
    }

    #[test]
    fn lines_count_from_one() {
        assert_eq!(line_of("a\nb\nc", 0), 1);
        assert_eq!(line_of("a\nb\nc", 2), 2);
        assert_eq!(line_of("a\nb\nc", 99), 3);
    }

    #[test]
    fn load_keymap_reports_every_problem_and_applies_the_rest() {
        let p = paths_with(
            "keymap",
            "keymap.toml",
            "[normal]\nlaunch = [\"x\"]\nscale = [\"d\"]\nquit = [\"hyper-q\", \"Q\"]\n",
        );
        let (map, problems) = load_keymap("default", &p);
        assert_eq!(problems.len(), 4, "{problems:?}");
        assert!(problems[0].contains("keymap.toml:2: unknown action \"launch\""));
        assert!(problems[1].contains("keymap.toml:4: quit: unknown key \"hyper-q\""));
        assert!(
            problems[2].ends_with(
                "keymap.toml: \"d\" now means scale; the default keymap's binding of \"d\" to \
                 deploy is dropped"
            ),
            "{problems:?}"
        );
        assert!(
            problems[3].contains("deploy has no key left"),
            "{problems:?}"
        );
        assert_eq!(
            map.hint(Section::Normal, Action::Op(Op::Scale)).as_deref(),
            Some("d")
        );
        assert_eq!(
            map.hint(Section::Normal, Action::Quit).as_deref(),
            Some("Q")
        );
    }

    #[test]
    fn load_keymap_names_the_preset_it_fell_back_to() {
        let p = paths_with(
            "keymap-fallback",
            "keymap.toml",
            "[normal]\nhelp = [\"q\"]\n",
        );
        let (_, problems) = load_keymap("emacs", &p);
        assert!(
            problems[0].contains("no keymap preset \"emacs\""),
            "{problems:?}"
        );
        assert!(
            problems[1].contains("the default keymap's binding of \"q\" to quit"),
            "{problems:?}"
        );
    }

    #[test]
    fn load_theme_reports_every_problem_and_new_clashes() {
        let p = paths_with(
            "theme",
            "theme.toml",
            "[colors]\nerror = \"#12345\"\nnope = \"red\"\n[colors16]\nwarn = \"red\"\n",
        );
        let (theme, problems) = load_theme(Some("dark"), &p, ColorDepth::Ansi16);
        assert_eq!(problems.len(), 4, "{problems:?}");
        assert!(problems[0].contains("theme.toml:2: error: bad color \"#12345\""));
        assert!(problems[1].contains("theme.toml:3: unknown role \"nope\""));
        assert!(
            problems[2].ends_with(
                "theme.toml: with 16 colors, warn (red) and error (lightred) look alike, so \
                 attention cannot be told from failure"
            ),
            "{problems:?}"
        );
        assert!(problems[3].contains("warn (red) and failing (lightred)"));
        assert_eq!(theme.warn.fg, Some(ratatui::style::Color::Red));
        // The same file in truecolor: colors16 is not applied, so nothing clashes.
        let (_, problems) = load_theme(Some("dark"), &p, ColorDepth::TrueColor);
        assert_eq!(problems.len(), 2, "{problems:?}");
    }
}
