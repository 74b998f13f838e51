//! Keymaps: key sequences → actions, per mode. Shipped presets live in keymaps/; a user's
//! file is applied over the chosen preset, action by action.

use crate::app::action::Action;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;

pub const DEFAULT_KEYMAP: &str = include_str!("../../keymaps/default.toml");
pub const VIM_KEYMAP: &str = include_str!("../../keymaps/vim.toml");

/// Keymap sections: `normal` for browsing, `input` for prompts, filter, palette and confirm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Section {
    Normal,
    Input,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Chord {
    pub code: KeyCode,
    pub ctrl: bool,
    pub alt: bool,
}

impl Chord {
    pub fn from_event(key: &KeyEvent) -> Chord {
        // Shifted letters arrive as the upper-case char, shift-tab as BackTab.
        let code = key.code;
        Chord {
            code,
            ctrl: key.modifiers.contains(KeyModifiers::CONTROL),
            alt: key.modifiers.contains(KeyModifiers::ALT),
        }
    }

    pub fn parse(text: &str) -> Result<Chord, String> {
        let mut rest = text;
        let (mut ctrl, mut alt, mut shift) = (false, false, false);
        loop {
            if let Some(r) = rest.strip_prefix("ctrl-") {
                ctrl = true;
                rest = r;
            } else if let Some(r) = rest.strip_prefix("alt-") {
                alt = true;
                rest = r;
            } else if let Some(r) = rest.strip_prefix("shift-") {
                shift = true;
                rest = r;
            } else {
                break;
            }
        }
        let code = match rest {
            "enter" => KeyCode::Enter,
            "esc" => KeyCode::Esc,
            "tab" if shift => KeyCode::BackTab,
            "tab" => KeyCode::Tab,
            "backtab" => KeyCode::BackTab,
            "backspace" => KeyCode::Backspace,
            "delete" => KeyCode::Delete,
            "space" => KeyCode::Char(' '),
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            "pgup" => KeyCode::PageUp,
            "pgdn" => KeyCode::PageDown,
            f if f.len() >= 2 && f.starts_with('f') && f[1..].parse::<u8>().is_ok() => {
                let n: u8 = f[1..].parse().map_err(|_| format!("bad key {text:?}"))?;
                if !(1..=12).contains(&n) {
                    return Err(format!("bad function key {text:?}"));
                }
                KeyCode::F(n)
            }
            s if s.chars().count() == 1 => {
                let c = s
                    .chars()
                    .next()
                    .ok_or_else(|| format!("bad key {text:?}"))?;
                KeyCode::Char(if shift { c.to_ascii_uppercase() } else { c })
            }
            _ => return Err(format!("unknown key {text:?}")),
        };
        Ok(Chord { code, ctrl, alt })
    }
}

impl fmt::Display for Chord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.ctrl {
            f.write_str("ctrl-")?;
        }
        if self.alt {
            f.write_str("alt-")?;
        }
        match self.code {
            KeyCode::Enter => f.write_str("enter"),
            KeyCode::Esc => f.write_str("esc"),
            KeyCode::Tab => f.write_str("tab"),
            KeyCode::BackTab => f.write_str("shift-tab"),
            KeyCode::Backspace => f.write_str("backspace"),
            KeyCode::Delete => f.write_str("delete"),
            KeyCode::Char(' ') => f.write_str("space"),
            KeyCode::Up => f.write_str("↑"),
            KeyCode::Down => f.write_str("↓"),
            KeyCode::Left => f.write_str("←"),
            KeyCode::Right => f.write_str("→"),
            KeyCode::Home => f.write_str("home"),
            KeyCode::End => f.write_str("end"),
            KeyCode::PageUp => f.write_str("pgup"),
            KeyCode::PageDown => f.write_str("pgdn"),
            KeyCode::F(n) => write!(f, "f{n}"),
            KeyCode::Char(c) => write!(f, "{c}"),
            _ => f.write_str("?"),
        }
    }
}

pub type Sequence = Vec<Chord>;

pub fn sequence_label(seq: &Sequence) -> String {
    seq.iter()
        .map(|c| c.to_string())
        .collect::<Vec<_>>()
        .join(" ")
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Keymap {
    /// Per section: action → its key sequences (first is the one shown in hints).
    bindings: BTreeMap<Section, BTreeMap<Action, Vec<Sequence>>>,
}

/// What a key sequence typed so far means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    Action(Action),
    /// A prefix of a longer binding: wait for the next key.
    Pending,
    None,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KeymapFile {
    #[serde(default)]
    normal: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    input: BTreeMap<String, Vec<String>>,
}

impl Keymap {
    /// Parses a keymap file's text; `file` names it in errors.
    pub fn parse(file: &str, text: &str) -> Result<Keymap, String> {
        let raw: KeymapFile = toml::from_str(text).map_err(|e| {
            let line = e.span().map_or(0, |s| {
                text[..s.start.min(text.len())].matches('\n').count() + 1
            });
            format!("{file}:{line}: {}", e.message().trim())
        })?;
        let mut map = Keymap::default();
        for (section, entries) in [(Section::Normal, raw.normal), (Section::Input, raw.input)] {
            let target = map.bindings.entry(section).or_default();
            for (name, keys) in entries {
                let action = Action::from_name(&name)
                    .ok_or_else(|| format!("{file}: unknown action {name:?}"))?;
                let mut seqs = Vec::new();
                for k in keys {
                    let seq = k
                        .split_whitespace()
                        .map(Chord::parse)
                        .collect::<Result<Vec<_>, _>>()
                        .map_err(|e| format!("{file}: action {name}: {e}"))?;
                    if seq.is_empty() {
                        return Err(format!("{file}: action {name}: empty key"));
                    }
                    seqs.push(seq);
                }
                target.insert(action, seqs);
            }
        }
        Ok(map)
    }

    /// The shipped preset by name ("default" or "vim").
    pub fn preset(name: &str) -> Result<Keymap, String> {
        match name {
            "default" => Keymap::parse("keymaps/default.toml", DEFAULT_KEYMAP),
            "vim" => Keymap::parse("keymaps/vim.toml", VIM_KEYMAP),
            other => Err(format!("no keymap preset {other:?} (default, vim)")),
        }
    }

    /// Applies `over` on top: every action it names takes its keys from it.
    pub fn overlay(&mut self, over: &Keymap) {
        for (section, entries) in &over.bindings {
            let target = self.bindings.entry(*section).or_default();
            for (action, seqs) in entries {
                target.insert(*action, seqs.clone());
            }
        }
    }

    pub fn lookup(&self, section: Section, typed: &[Chord]) -> Lookup {
        let Some(entries) = self.bindings.get(&section) else {
            return Lookup::None;
        };
        let mut pending = false;
        for (action, seqs) in entries {
            for seq in seqs {
                if seq.as_slice() == typed {
                    return Lookup::Action(*action);
                }
                if seq.len() > typed.len() && seq.starts_with(typed) {
                    pending = true;
                }
            }
        }
        if pending {
            Lookup::Pending
        } else {
            Lookup::None
        }
    }

    /// The key sequences bound to an action.
    pub fn keys(&self, section: Section, action: Action) -> &[Sequence] {
        self.bindings
            .get(&section)
            .and_then(|m| m.get(&action))
            .map_or(&[], |v| v.as_slice())
    }

    /// Label of the first binding of an action, e.g. "d" or "g g".
    pub fn hint(&self, section: Section, action: Action) -> Option<String> {
        self.keys(section, action).first().map(sequence_label)
    }

    /// Every (action, keys) of a section, in action order.
    pub fn entries(&self, section: Section) -> Vec<(Action, Vec<String>)> {
        Action::ALL
            .iter()
            .filter_map(|a| {
                let keys = self.keys(section, *a);
                (!keys.is_empty()).then(|| (*a, keys.iter().map(sequence_label).collect()))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chord(c: char) -> Chord {
        Chord {
            code: KeyCode::Char(c),
            ctrl: false,
            alt: false,
        }
    }

    #[test]
    fn presets_parse_and_bind_every_action() {
        for name in ["default", "vim"] {
            let map = Keymap::preset(name).unwrap();
            for action in Action::ALL {
                let bound = !map.keys(Section::Normal, *action).is_empty()
                    || !map.keys(Section::Input, *action).is_empty();
                assert!(bound, "{name}: {} has no key", action.name());
            }
        }
    }

    #[test]
    fn sequences_wait_for_the_next_key() {
        let map = Keymap::parse("t", "[normal]\ntop = [\"g g\"]\nquit = [\"q\"]\n").unwrap();
        assert_eq!(map.lookup(Section::Normal, &[chord('g')]), Lookup::Pending);
        assert_eq!(
            map.lookup(Section::Normal, &[chord('g'), chord('g')]),
            Lookup::Action(Action::Top)
        );
        assert_eq!(map.lookup(Section::Normal, &[chord('x')]), Lookup::None);
    }

    #[test]
    fn overlay_replaces_named_actions_only() {
        let mut map = Keymap::preset("default").unwrap();
        let user = Keymap::parse("user", "[normal]\nquit = [\"x\"]\n").unwrap();
        map.overlay(&user);
        assert_eq!(
            map.lookup(Section::Normal, &[chord('x')]),
            Lookup::Action(Action::Quit)
        );
        assert_eq!(map.lookup(Section::Normal, &[chord('q')]), Lookup::None);
        assert!(!map.keys(Section::Normal, Action::Deploy).is_empty());
    }

    #[test]
    fn bad_files_are_reported() {
        let err = Keymap::parse("k.toml", "[normal]\nfly = [\"f\"]\n").unwrap_err();
        assert!(err.contains("unknown action \"fly\""), "{err}");
        let err = Keymap::parse("k.toml", "[normal]\nquit = [\"hyper-q\"]\n").unwrap_err();
        assert!(err.contains("unknown key"), "{err}");
        let err = Keymap::parse("k.toml", "[normal\n").unwrap_err();
        assert!(err.starts_with("k.toml:1:"), "{err}");
    }

    #[test]
    fn chord_parsing() {
        assert_eq!(
            Chord::parse("ctrl-c").unwrap(),
            Chord {
                code: KeyCode::Char('c'),
                ctrl: true,
                alt: false
            }
        );
        assert_eq!(Chord::parse("shift-d").unwrap().code, KeyCode::Char('D'));
        assert_eq!(Chord::parse("f5").unwrap().code, KeyCode::F(5));
        assert_eq!(Chord::parse("shift-tab").unwrap().code, KeyCode::BackTab);
    }
}
