//! Themes: colors by role. Presets ship in themes/; a user's theme.toml is applied over the
//! chosen preset. Colors are reduced from truecolor to 256 or 16 colors by terminal capability;
//! a theme's `[colors16]` table replaces roles on 16-color terminals, where the nearest basic
//! color would make different meanings look alike (see `MEANINGS`).

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;
use std::collections::BTreeMap;
use toml::Spanned;

pub const PRESETS: [(&str, &str); 4] = [
    ("dark", include_str!("../../../../themes/dark.toml")),
    ("light", include_str!("../../../../themes/light.toml")),
    (
        "high-contrast",
        include_str!("../../../../themes/high-contrast.toml"),
    ),
    (
        "monochrome",
        include_str!("../../../../themes/monochrome.toml"),
    ),
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

    /// TERM=linux (the console), TERM=dumb and no TERM at all mean 16 colors whatever
    /// COLORTERM says: COLORTERM is often inherited (ssh, su, tmux) from a richer terminal.
    pub fn from_env(colorterm: &str, term: &str) -> ColorDepth {
        if basic_terminal(term) {
            ColorDepth::Ansi16
        } else if colorterm.contains("truecolor") || colorterm.contains("24bit") {
            ColorDepth::TrueColor
        } else if term.contains("256color") {
            ColorDepth::Ansi256
        } else {
            ColorDepth::Ansi16
        }
    }
}

/// Terminals known to show only the 16 basic colors (or to say nothing about themselves).
fn basic_terminal(term: &str) -> bool {
    let term = term.trim();
    term.is_empty() || term.eq_ignore_ascii_case("linux") || term.eq_ignore_ascii_case("dumb")
}

/// The terminal background a theme is made for: meaning-carrying roles must not take its
/// color, or they vanish.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Background {
    Dark,
    Light,
}

impl Background {
    fn parse(text: &str) -> Option<Background> {
        match text {
            "dark" => Some(Background::Dark),
            "light" => Some(Background::Light),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Background::Dark => "dark",
            Background::Light => "light",
        }
    }

    /// Whether text in `look` disappears into this background: black (or bright black) on
    /// a dark terminal, white (or the light gray of ANSI "white") on a light one.
    fn hides(self, look: Look) -> bool {
        match self {
            Background::Dark => matches!(
                look,
                Look::Hue("black") | Look::Exact(Color::Rgb(0, 0, 0) | Color::Indexed(16))
            ),
            Background::Light => matches!(
                look,
                Look::Hue("white") | Look::Exact(Color::Rgb(255, 255, 255) | Color::Indexed(231))
            ),
        }
    }
}

/// Roles whose color carries a meaning, grouped by meaning. Roles of one group may share a
/// color; roles of different groups must not look alike (and none may take the background's
/// color). The presets are held to this at 16 colors by the tests; a user's theme.toml is
/// checked against it when loaded. `title` and `border_focus` are the non-production marks:
/// environment headers and the confirmation border are drawn in them, or in `production`.
pub const MEANINGS: &[(&str, &[&str])] = &[
    ("healthy", &["ok"]),
    ("attention", &["warn", "hot"]),
    ("failure", &["error", "failing"]),
    ("production tier", &["production"]),
    ("non-production tier", &["title", "border_focus"]),
    ("canary", &["canary"]),
    ("drift", &["drift"]),
];

/// How a foreground color reads when telling meanings apart: one of the 16 basic hues (the
/// bright and normal variants count as one, since many terminals barely tell them apart), or
/// the exact color for 256-color and truecolor values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Look {
    Hue(&'static str),
    Exact(Color),
}

/// None for the terminal's own foreground (reset): such roles carry meaning by modifiers.
fn look(color: Color) -> Option<Look> {
    let hue = match color {
        Color::Reset => return None,
        Color::Black | Color::DarkGray | Color::Indexed(0 | 8) => "black",
        Color::Red | Color::LightRed | Color::Indexed(1 | 9) => "red",
        Color::Green | Color::LightGreen | Color::Indexed(2 | 10) => "green",
        Color::Yellow | Color::LightYellow | Color::Indexed(3 | 11) => "yellow",
        Color::Blue | Color::LightBlue | Color::Indexed(4 | 12) => "blue",
        Color::Magenta | Color::LightMagenta | Color::Indexed(5 | 13) => "magenta",
        Color::Cyan | Color::LightCyan | Color::Indexed(6 | 14) => "cyan",
        Color::Gray | Color::White | Color::Indexed(7 | 15) => "white",
        other => return Some(Look::Exact(other)),
    };
    Some(Look::Hue(hue))
}

/// A color as theme files write it: "lightred", "#e06c75", "color 244".
fn color_label(color: Color) -> String {
    match color {
        Color::Rgb(r, g, b) => format!("#{r:02x}{g:02x}{b:02x}"),
        Color::Indexed(n) => format!("color {n}"),
        other => format!("{other:?}").to_lowercase(),
    }
}

macro_rules! roles {
    ($($role:ident),* $(,)?) => {
        /// Styles by role; every view draws with these and nothing else.
        #[derive(Debug, Clone, PartialEq)]
        pub struct Theme {
            pub name: String,
            /// The background the theme is made for; None when it uses no colors.
            pub background: Option<Background>,
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

            /// The style of a role by name.
            fn role(&self, role: &str) -> Option<Style> {
                match role {
                    $(stringify!($role) => Some(self.$role),)*
                    _ => None,
                }
            }

            fn blank(name: &str) -> Theme {
                Theme {
                    name: name.to_string(),
                    background: None,
                    $($role: Style::default(),)*
                }
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

/// A theme file as written; entries keep their spans for file order and line numbers.
#[derive(Deserialize)]
struct ThemeFile {
    name: Option<String>,
    background: Option<Spanned<String>>,
    #[serde(default)]
    colors: RawRoles,
    /// Replacements for 16-color terminals.
    #[serde(default)]
    colors16: RawRoles,
    /// Anything else at the top level: reported and ignored.
    #[serde(flatten)]
    unknown: BTreeMap<String, toml::Value>,
}

type RawRoles = BTreeMap<String, Spanned<toml::Value>>;

/// One valid `role = "style"` line.
struct RoleLine {
    role: String,
    style: Style,
}

impl Theme {
    /// How a release in the history is shown, by its state.
    pub fn release(&self, state: crate::domain::ReleaseState) -> Style {
        use crate::domain::ReleaseState::*;
        match state {
            Complete => self.base,
            Progressing => self.warn,
            Failed => self.error,
            RolledBack => self.drift,
            Superseded => self.muted,
        }
    }

    pub fn preset(name: &str, depth: ColorDepth) -> Result<Theme, String> {
        let (_, text) = PRESETS
            .iter()
            .find(|(n, _)| *n == name)
            .ok_or_else(|| format!("no theme {name:?} (dark, light, high-contrast, monochrome)"))?;
        let mut theme = Theme::blank(name);
        let problems = theme.overlay(&format!("themes/{name}.toml"), text, depth);
        if problems.is_empty() {
            Ok(theme)
        } else {
            Err(problems.join("; "))
        }
    }

    /// A theme that always exists (plain terminal colors).
    pub fn fallback() -> Theme {
        Theme::preset("dark", ColorDepth::Ansi16).unwrap_or_else(|_| Theme::blank("fallback"))
    }

    /// Applies a theme file's roles over this theme: every valid line is applied, every bad
    /// one (unknown role, bad color, unknown key) is skipped and returned as a problem. The
    /// `[colors16]` roles are checked always and applied at 16 colors, after `[colors]`. A
    /// file that is not valid TOML changes nothing.
    pub fn overlay(&mut self, file: &str, text: &str, depth: ColorDepth) -> Vec<String> {
        let raw: ThemeFile = match toml::from_str(text) {
            Ok(raw) => raw,
            Err(e) => return vec![crate::config::toml_problem(file, text, &e)],
        };
        let mut problems: Vec<String> = raw
            .unknown
            .keys()
            .map(|key| {
                format!("{file}: unknown entry {key:?} (name, background, [colors], [colors16]); ignored")
            })
            .collect();
        if let Some(background) = &raw.background {
            self.set_background(file, text, background, &mut problems);
        }
        for line in read_roles(file, text, raw.colors, depth, &mut problems) {
            self.set(&line.role, line.style);
        }
        let colors16 = read_roles(file, text, raw.colors16, ColorDepth::Ansi16, &mut problems);
        if depth == ColorDepth::Ansi16 {
            for line in colors16 {
                self.set(&line.role, line.style);
            }
        }
        if let Some(name) = raw.name {
            self.name = name;
        }
        problems
    }

    fn set_background(
        &mut self,
        file: &str,
        text: &str,
        value: &Spanned<String>,
        problems: &mut Vec<String>,
    ) {
        match Background::parse(value.get_ref()) {
            Some(b) => self.background = Some(b),
            None => problems.push(format!(
                "{file}:{}: background {:?} (write \"dark\" or \"light\"); ignored",
                crate::config::line_of(text, value.span().start),
                value.get_ref()
            )),
        }
    }

    /// Why meaning-carrying roles (see `MEANINGS`) can no longer be told apart: two roles
    /// of different meanings whose foregrounds look alike, or a role in the background's
    /// color. Roles without a foreground color are left out: they carry their meaning by
    /// modifiers (the monochrome theme).
    pub fn meaning_clashes(&self) -> Vec<String> {
        let colored = self.meaning_colors();
        let mut clashes = Vec::new();
        for (i, a) in colored.iter().enumerate() {
            if let Some(bg) = self
                .background
                .filter(|bg| a.style_has_no_bg && bg.hides(a.look))
            {
                clashes.push(format!(
                    "{} ({}) is {}, which disappears into a {} terminal's background",
                    a.role,
                    a.meaning,
                    color_label(a.color),
                    bg.name()
                ));
            }
            for b in colored[i + 1..].iter().filter(|b| b.meaning != a.meaning) {
                if a.look == b.look {
                    clashes.push(format!(
                        "{} ({}) and {} ({}) look alike, so {} cannot be told from {}",
                        a.role,
                        color_label(a.color),
                        b.role,
                        color_label(b.color),
                        a.meaning,
                        b.meaning
                    ));
                }
            }
        }
        clashes
    }

    /// The foreground of every meaning-carrying role that has one.
    fn meaning_colors(&self) -> Vec<MeaningColor> {
        MEANINGS
            .iter()
            .flat_map(|(meaning, roles)| roles.iter().map(move |role| (*meaning, *role)))
            .filter_map(|(meaning, role)| {
                let style = self.role(role)?;
                let color = style.fg?;
                Some(MeaningColor {
                    meaning,
                    role,
                    color,
                    look: look(color)?,
                    style_has_no_bg: matches!(style.bg, None | Some(Color::Reset)),
                })
            })
            .collect()
    }
}

struct MeaningColor {
    meaning: &'static str,
    role: &'static str,
    color: Color,
    look: Look,
    /// A role with its own background stays readable whatever the terminal's is.
    style_has_no_bg: bool,
}

/// The valid role lines of a table, in file order; bad ones become problems.
fn read_roles(
    file: &str,
    text: &str,
    raw: RawRoles,
    depth: ColorDepth,
    problems: &mut Vec<String>,
) -> Vec<RoleLine> {
    let mut lines: Vec<(String, Spanned<toml::Value>)> = raw.into_iter().collect();
    lines.sort_by_key(|(_, value)| value.span().start);
    lines
        .into_iter()
        .filter_map(|(role, value)| {
            let at = format!(
                "{file}:{}",
                crate::config::line_of(text, value.span().start)
            );
            match read_role(&role, value.get_ref(), depth) {
                Ok(style) => Some(RoleLine { role, style }),
                Err(e) => {
                    problems.push(format!("{at}: {e}; skipped"));
                    None
                }
            }
        })
        .collect()
}

fn read_role(role: &str, value: &toml::Value, depth: ColorDepth) -> Result<Style, String> {
    if !ROLE_NAMES.contains(&role) {
        return Err(format!(
            "unknown role {role:?} (roles: {})",
            ROLE_NAMES.join(", ")
        ));
    }
    let spec = value
        .as_str()
        .ok_or_else(|| format!("{role}: expected a string such as \"#e06c75 bold\""))?;
    parse_style(spec, depth).map_err(|e| format!("{role}: {e}"))
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
    fn a_user_theme_applies_what_is_valid_and_reports_every_problem() {
        let mut t = Theme::preset("dark", ColorDepth::TrueColor).unwrap();
        let before = t.clone();
        let text = "name = \"mine\"\nshade = 1\n[colors]\nerror = \"#zzzzzz\"\nnope = \"red\"\n\
                    ok = \"#00ff00 bold\"\nwarn = 7\ncanary = \"red blue\"\n";
        let problems = t.overlay("u.toml", text, ColorDepth::TrueColor);
        assert_eq!(problems.len(), 5, "{problems:?}");
        assert!(
            problems[0].contains("unknown entry \"shade\""),
            "{problems:?}"
        );
        assert!(
            problems[1].starts_with("u.toml:4: error: bad color \"#zzzzzz\""),
            "{problems:?}"
        );
        assert!(
            problems[2].starts_with("u.toml:5: unknown role \"nope\""),
            "{problems:?}"
        );
        assert!(
            problems[3].starts_with("u.toml:7: warn: expected a string"),
            "{problems:?}"
        );
        assert!(
            problems[4].starts_with("u.toml:8: canary: unexpected"),
            "{problems:?}"
        );
        assert_eq!(t.ok.fg, Some(Color::Rgb(0, 255, 0)));
        assert_eq!(t.name, "mine");
        assert_eq!(
            (t.error, t.warn, t.canary),
            (before.error, before.warn, before.canary)
        );
    }

    #[test]
    fn a_broken_user_theme_changes_nothing() {
        let mut t = Theme::preset("dark", ColorDepth::TrueColor).unwrap();
        let before = t.clone();
        let problems = t.overlay("u.toml", "[colors]\nerror = \"red\n", ColorDepth::TrueColor);
        assert_eq!(problems.len(), 1);
        assert!(problems[0].starts_with("u.toml:2:"), "{problems:?}");
        assert_eq!(t, before);
    }

    #[test]
    fn colors16_apply_only_at_16_colors_but_are_always_checked() {
        let text = "[colors]\nok = \"#00ff00\"\n[colors16]\nok = \"green bold\"\nwarn = \"#12\"\n";
        let mut t = Theme::preset("dark", ColorDepth::TrueColor).unwrap();
        let problems = t.overlay("u.toml", text, ColorDepth::TrueColor);
        assert_eq!(t.ok.fg, Some(Color::Rgb(0, 255, 0)));
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0].starts_with("u.toml:5: warn: bad color"),
            "{problems:?}"
        );
        let mut t = Theme::preset("dark", ColorDepth::Ansi16).unwrap();
        t.overlay("u.toml", text, ColorDepth::Ansi16);
        assert_eq!(
            t.ok,
            Style::default()
                .fg(Color::Green)
                .add_modifier(Modifier::BOLD)
        );
    }

    #[test]
    fn linux_dumb_and_missing_terms_get_16_colors() {
        for term in ["linux", "dumb", "", "LINUX"] {
            for colorterm in ["", "truecolor", "24bit"] {
                assert_eq!(
                    ColorDepth::from_env(colorterm, term),
                    ColorDepth::Ansi16,
                    "TERM={term:?} COLORTERM={colorterm:?}"
                );
            }
        }
        assert_eq!(
            ColorDepth::from_env("", "linux-256color"),
            ColorDepth::Ansi256
        );
    }

    #[test]
    fn meanings_stay_apart_in_every_preset_at_16_colors() {
        for (name, _) in PRESETS {
            let t = Theme::preset(name, ColorDepth::Ansi16).unwrap();
            assert_eq!(t.meaning_clashes(), Vec::<String>::new(), "{name}");
        }
    }

    #[test]
    fn meaning_roles_have_pairwise_different_foregrounds_at_16_colors() {
        // The plain form of the rule above: different Color values for different meanings,
        // and never the background of the terminal the theme is made for.
        for (name, _) in PRESETS {
            let t = Theme::preset(name, ColorDepth::Ansi16).unwrap();
            let fg = |role: &str| {
                t.role(role)
                    .and_then(|s| s.fg)
                    .filter(|c| *c != Color::Reset)
            };
            for (i, (meaning_a, roles_a)) in MEANINGS.iter().enumerate() {
                for (meaning_b, roles_b) in &MEANINGS[i + 1..] {
                    for (a, b) in roles_a
                        .iter()
                        .flat_map(|a| roles_b.iter().map(move |b| (a, b)))
                    {
                        if let (Some(x), Some(y)) = (fg(a), fg(b)) {
                            assert_ne!(x, y, "{name}: {a} ({meaning_a}) and {b} ({meaning_b})");
                        }
                    }
                }
            }
            let hidden: &[Color] = match t.background {
                Some(Background::Dark) => &[Color::Black, Color::DarkGray],
                Some(Background::Light) => &[Color::White, Color::Gray],
                None => &[],
            };
            for role in MEANINGS.iter().flat_map(|(_, roles)| roles.iter()) {
                assert!(
                    fg(role).is_none_or(|c| !hidden.contains(&c)),
                    "{name}: {role} is the background color"
                );
            }
        }
    }

    #[test]
    fn every_meaning_role_is_a_theme_role() {
        for role in MEANINGS.iter().flat_map(|(_, roles)| roles.iter()) {
            assert!(ROLE_NAMES.contains(role), "{role}");
        }
    }

    #[test]
    fn colored_presets_declare_their_background() {
        for (name, _) in PRESETS {
            let t = Theme::preset(name, ColorDepth::TrueColor).unwrap();
            let expected = match name {
                "light" => Some(Background::Light),
                "monochrome" => None,
                _ => Some(Background::Dark),
            };
            assert_eq!(t.background, expected, "{name}");
        }
    }

    #[test]
    fn clashes_name_both_roles_and_the_background() {
        let mut t = Theme::preset("dark", ColorDepth::Ansi16).unwrap();
        let problems = t.overlay(
            "u.toml",
            "[colors16]\nwarn = \"lightred\"\nok = \"black\"\n",
            ColorDepth::Ansi16,
        );
        assert!(problems.is_empty(), "{problems:?}");
        let clashes = t.meaning_clashes();
        assert_eq!(
            clashes,
            vec![
                "ok (healthy) is black, which disappears into a dark terminal's background",
                "warn (lightred) and error (lightred) look alike, so attention cannot be told \
                 from failure",
                "warn (lightred) and failing (lightred) look alike, so attention cannot be told \
                 from failure",
            ]
        );
        // A role with its own background stays readable.
        t.overlay(
            "u.toml",
            "[colors16]\nok = \"black on green\"\n",
            ColorDepth::Ansi16,
        );
        assert_eq!(t.meaning_clashes().len(), 2, "{:?}", t.meaning_clashes());
        // Bright and normal variants of a hue count as alike.
        let mut t = Theme::preset("light", ColorDepth::Ansi16).unwrap();
        t.overlay(
            "u.toml",
            "[colors16]\ncanary = \"lightgreen\"\n",
            ColorDepth::Ansi16,
        );
        assert_eq!(t.meaning_clashes().len(), 1, "{:?}", t.meaning_clashes());
    }

    #[test]
    fn the_monochrome_theme_is_left_to_its_modifiers() {
        let t = Theme::preset("monochrome", ColorDepth::Ansi16).unwrap();
        assert!(t.meaning_clashes().is_empty());
    }
}
