//! Themes: colors by role. Presets ship in themes/; a user's theme.toml is applied over the
//! chosen preset. Colors are reduced from truecolor to 256 or 16 colors by terminal capability.

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;
use std::collections::BTreeMap;

pub const PRESETS: [(&str, &str); 4] = [
    ("dark", include_str!("../../themes/dark.toml")),
    ("light", include_str!("../../themes/light.toml")),
    (
        "high-contrast",
        include_str!("../../themes/high-contrast.toml"),
    ),
    ("monochrome", include_str!("../../themes/monochrome.toml")),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColorDepth {
    TrueColor,
    Ansi256,
    Ansi16,
}

impl ColorDepth {
    /// From COLORTERM and TERM, as terminals advertise it.
    pub fn detect() -> ColorDepth {
        let colorterm = std::env::var("COLORTERM")
            .unwrap_or_default()
            .to_lowercase();
        let term = std::env::var("TERM").unwrap_or_default().to_lowercase();
        Self::from_env(&colorterm, &term)
    }

    pub fn from_env(colorterm: &str, term: &str) -> ColorDepth {
        if colorterm.contains("truecolor") || colorterm.contains("24bit") {
            ColorDepth::TrueColor
        } else if term.contains("256color") {
            ColorDepth::Ansi256
        } else {
            ColorDepth::Ansi16
        }
    }
}

macro_rules! roles {
    ($($role:ident),* $(,)?) => {
        /// Styles by role; every view draws with these and nothing else.
        #[derive(Debug, Clone, PartialEq)]
        pub struct Theme {
            pub name: String,
            $(pub $role: Style,)*
        }

        const ROLE_NAMES: &[&str] = &[$(stringify!($role)),*];

        impl Theme {
            fn set(&mut self, role: &str, style: Style) -> bool {
                match role {
                    $(stringify!($role) => { self.$role = style; true })*
                    _ => false,
                }
            }

            fn blank(name: &str) -> Theme {
                Theme { name: name.to_string(), $($role: Style::default(),)* }
            }
        }
    };
}

roles!(
    base,
    muted,
    title,
    border,
    border_focus,
    selected,
    status_bar,
    footer,
    key,
    ok,
    warn,
    error,
    canary,
    drift,
    hot,
    failing,
    production,
    accent,
    gauge,
);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemeFile {
    name: Option<String>,
    #[serde(default)]
    colors: BTreeMap<String, String>,
}

impl Theme {
    pub fn preset(name: &str, depth: ColorDepth) -> Result<Theme, String> {
        let (_, text) = PRESETS
            .iter()
            .find(|(n, _)| *n == name)
            .ok_or_else(|| format!("no theme {name:?} (dark, light, high-contrast, monochrome)"))?;
        let mut theme = Theme::blank(name);
        theme.overlay(&format!("themes/{name}.toml"), text, depth)?;
        Ok(theme)
    }

    /// A theme that always exists (plain terminal colors).
    pub fn fallback() -> Theme {
        Theme::preset("dark", ColorDepth::Ansi16).unwrap_or_else(|_| Theme::blank("fallback"))
    }

    /// Applies a theme file's roles over this theme. On error nothing is changed.
    pub fn overlay(&mut self, file: &str, text: &str, depth: ColorDepth) -> Result<(), String> {
        let raw: ThemeFile = toml::from_str(text).map_err(|e| {
            let line = e.span().map_or(0, |s| {
                text[..s.start.min(text.len())].matches('\n').count() + 1
            });
            format!("{file}:{line}: {}", e.message().trim())
        })?;
        let mut next = self.clone();
        for (role, spec) in &raw.colors {
            let style = parse_style(spec, depth).map_err(|e| format!("{file}: {role}: {e}"))?;
            if !next.set(role, style) {
                return Err(format!(
                    "{file}: unknown role {role:?} (roles: {})",
                    ROLE_NAMES.join(", ")
                ));
            }
        }
        if let Some(name) = raw.name {
            next.name = name;
        }
        *self = next;
        Ok(())
    }
}

/// "fg", "fg on bg", plus modifiers: e.g. "#e0e0e0 on #202830 bold".
pub fn parse_style(spec: &str, depth: ColorDepth) -> Result<Style, String> {
    let mut style = Style::default();
    let mut expect_bg = false;
    let mut first = true;
    for w in spec.split_whitespace() {
        match w {
            "on" => expect_bg = true,
            "bold" => style = style.add_modifier(Modifier::BOLD),
            "dim" => style = style.add_modifier(Modifier::DIM),
            "italic" => style = style.add_modifier(Modifier::ITALIC),
            "underline" | "underlined" => style = style.add_modifier(Modifier::UNDERLINED),
            "reverse" | "reversed" => style = style.add_modifier(Modifier::REVERSED),
            color => {
                let c = parse_color(color, depth)?;
                if expect_bg {
                    style = style.bg(c);
                    expect_bg = false;
                } else if first {
                    style = style.fg(c);
                } else {
                    return Err(format!("unexpected {color:?} (write \"fg on bg\")"));
                }
            }
        }
        first = false;
    }
    if expect_bg {
        return Err("\"on\" needs a background color".into());
    }
    Ok(style)
}

pub fn parse_color(text: &str, depth: ColorDepth) -> Result<Color, String> {
    let named = match text.to_ascii_lowercase().as_str() {
        "reset" | "default" => Some(Color::Reset),
        "black" => Some(Color::Black),
        "red" => Some(Color::Red),
        "green" => Some(Color::Green),
        "yellow" => Some(Color::Yellow),
        "blue" => Some(Color::Blue),
        "magenta" => Some(Color::Magenta),
        "cyan" => Some(Color::Cyan),
        "gray" | "grey" => Some(Color::Gray),
        "darkgray" | "darkgrey" => Some(Color::DarkGray),
        "lightred" => Some(Color::LightRed),
        "lightgreen" => Some(Color::LightGreen),
        "lightyellow" => Some(Color::LightYellow),
        "lightblue" => Some(Color::LightBlue),
        "lightmagenta" => Some(Color::LightMagenta),
        "lightcyan" => Some(Color::LightCyan),
        "white" => Some(Color::White),
        _ => None,
    };
    if let Some(c) = named {
        return Ok(c);
    }
    let hex = text
        .strip_prefix('#')
        .filter(|h| h.len() == 6 && h.chars().all(|c| c.is_ascii_hexdigit()))
        .ok_or_else(|| format!("bad color {text:?} (use #rrggbb or a color name)"))?;
    let v = u32::from_str_radix(hex, 16).map_err(|_| format!("bad color {text:?}"))?;
    let (r, g, b) = ((v >> 16) as u8, (v >> 8) as u8, v as u8);
    Ok(match depth {
        ColorDepth::TrueColor => Color::Rgb(r, g, b),
        ColorDepth::Ansi256 => Color::Indexed(to_256(r, g, b)),
        ColorDepth::Ansi16 => to_16(r, g, b),
    })
}

/// Nearest color of the xterm 256-color cube or gray ramp.
pub fn to_256(r: u8, g: u8, b: u8) -> u8 {
    let level = |c: u8| -> u8 {
        if c < 48 {
            0
        } else if c < 115 {
            1
        } else {
            (c - 35) / 40
        }
    };
    let (lr, lg, lb) = (level(r), level(g), level(b));
    let cube = 16 + 36 * lr + 6 * lg + lb;
    let steps = [0u8, 95, 135, 175, 215, 255];
    let cube_rgb = (steps[lr as usize], steps[lg as usize], steps[lb as usize]);
    let avg = (r as u16 + g as u16 + b as u16) / 3;
    let gray_index = if avg > 238 {
        23
    } else {
        (avg.saturating_sub(3) / 10) as u8
    };
    let gv = 8 + 10 * gray_index;
    let dist = |(x, y, z): (u8, u8, u8)| {
        let d = |a: u8, b: u8| (a as i32 - b as i32).pow(2);
        d(x, r) + d(y, g) + d(z, b)
    };
    if dist((gv, gv, gv)) < dist(cube_rgb) {
        232 + gray_index
    } else {
        cube
    }
}

/// Nearest of the 16 basic terminal colors.
pub fn to_16(r: u8, g: u8, b: u8) -> Color {
    const TABLE: [(Color, (u8, u8, u8)); 16] = [
        (Color::Black, (0, 0, 0)),
        (Color::Red, (205, 0, 0)),
        (Color::Green, (0, 205, 0)),
        (Color::Yellow, (205, 205, 0)),
        (Color::Blue, (0, 0, 238)),
        (Color::Magenta, (205, 0, 205)),
        (Color::Cyan, (0, 205, 205)),
        (Color::Gray, (229, 229, 229)),
        (Color::DarkGray, (127, 127, 127)),
        (Color::LightRed, (255, 0, 0)),
        (Color::LightGreen, (0, 255, 0)),
        (Color::LightYellow, (255, 255, 0)),
        (Color::LightBlue, (92, 92, 255)),
        (Color::LightMagenta, (255, 0, 255)),
        (Color::LightCyan, (0, 255, 255)),
        (Color::White, (255, 255, 255)),
    ];
    let d = |(x, y, z): (u8, u8, u8)| {
        let d = |a: u8, b: u8| (a as i32 - b as i32).pow(2);
        d(x, r) + d(y, g) + d(z, b)
    };
    TABLE
        .iter()
        .min_by_key(|(_, rgb)| d(*rgb))
        .map_or(Color::Reset, |(c, _)| *c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_preset_parses_at_every_depth() {
        for (name, _) in PRESETS {
            for depth in [
                ColorDepth::TrueColor,
                ColorDepth::Ansi256,
                ColorDepth::Ansi16,
            ] {
                Theme::preset(name, depth).unwrap();
            }
        }
    }

    #[test]
    fn colors_fall_back_by_depth() {
        assert_eq!(
            parse_color("#ff0000", ColorDepth::TrueColor).unwrap(),
            Color::Rgb(255, 0, 0)
        );
        assert_eq!(
            parse_color("#ff0000", ColorDepth::Ansi256).unwrap(),
            Color::Indexed(196)
        );
        assert_eq!(
            parse_color("#ff0000", ColorDepth::Ansi16).unwrap(),
            Color::LightRed
        );
        assert_eq!(
            parse_color("#808080", ColorDepth::Ansi256).unwrap(),
            Color::Indexed(244)
        );
        assert_eq!(
            ColorDepth::from_env("truecolor", "xterm"),
            ColorDepth::TrueColor
        );
        assert_eq!(
            ColorDepth::from_env("", "xterm-256color"),
            ColorDepth::Ansi256
        );
        assert_eq!(ColorDepth::from_env("", "vt100"), ColorDepth::Ansi16);
    }

    #[test]
    fn monochrome_uses_no_colors() {
        let t = Theme::preset("monochrome", ColorDepth::TrueColor).unwrap();
        for style in [
            t.base, t.error, t.warn, t.ok, t.selected, t.hot, t.failing, t.canary,
        ] {
            assert!(matches!(style.fg, None | Some(Color::Reset)), "{style:?}");
            assert!(matches!(style.bg, None | Some(Color::Reset)), "{style:?}");
        }
    }

    #[test]
    fn bad_user_theme_changes_nothing() {
        let mut t = Theme::preset("dark", ColorDepth::TrueColor).unwrap();
        let before = t.clone();
        let err = t.overlay(
            "u.toml",
            "[colors]\nerror = \"#zzzzzz\"\n",
            ColorDepth::TrueColor,
        );
        assert!(err.unwrap_err().contains("bad color"));
        let err = t.overlay(
            "u.toml",
            "[colors]\nnope = \"red\"\n",
            ColorDepth::TrueColor,
        );
        assert!(err.unwrap_err().contains("unknown role"));
        assert_eq!(t, before);
        t.overlay(
            "u.toml",
            "[colors]\nerror = \"#00ff00 bold\"\n",
            ColorDepth::TrueColor,
        )
        .unwrap();
        assert_eq!(t.error.fg, Some(Color::Rgb(0, 255, 0)));
    }
}
