//! Settings, file locations, and loading of themes and keymaps (user files over defaults).

pub mod catalog;
pub mod keymap;
pub mod paths;
pub mod settings;

use crate::ui::theme::{ColorDepth, Theme};
use keymap::Keymap;

/// The keymap to use: the preset, with the user's keymap.toml applied over it. A broken user
/// file is reported (the returned problem) and the preset is used.
pub fn load_keymap(preset: &str, paths: &paths::Paths) -> (Keymap, Vec<String>) {
    let mut problems = Vec::new();
    let mut map = match Keymap::preset(preset) {
        Ok(m) => m,
        Err(e) => {
            problems.push(format!("{e}; using the default keymap"));
            Keymap::preset("default").unwrap_or_default()
        }
    };
    let file = paths.config_dir.join("keymap.toml");
    match std::fs::read_to_string(&file) {
        Ok(text) => match Keymap::parse(&file.display().to_string(), &text) {
            Ok(user) => map.overlay(&user),
            Err(e) => problems.push(format!("keymap not applied: {e}; using the defaults")),
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => problems.push(format!("cannot read {}: {e}", file.display())),
    }
    (map, problems)
}

/// The theme to use: `name` (or monochrome when NO_COLOR is set), with the user's
/// theme.toml applied over it.
pub fn load_theme(
    name: Option<&str>,
    paths: &paths::Paths,
    depth: ColorDepth,
) -> (Theme, Vec<String>) {
    let mut problems = Vec::new();
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let name = name.unwrap_or(if no_color { "monochrome" } else { "dark" });
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
            if let Err(e) = theme.overlay(&file.display().to_string(), &text, depth) {
                problems.push(format!("theme not applied: {e}; using the defaults"));
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => problems.push(format!("cannot read {}: {e}", file.display())),
    }
    (theme, problems)
}
