//! Keymaps: key sequences → actions, per mode. Shipped presets live in keymaps/; a user's
//! file is applied over the chosen preset, action by action. A key means one thing per
//! section: when two actions would share a key (or one key would start another's sequence),
//! one of them keeps it, the other loses it, and the problem is reported.

use crate::app::action::Action;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;
use toml::Spanned;

pub const DEFAULT_KEYMAP: &str = include_str!("../../../../keymaps/default.toml");
pub const VIM_KEYMAP: &str = include_str!("../../../../keymaps/vim.toml");

/// Keymap sections: `normal` for browsing, `logs` for keys of the logs view (looked up
/// first there, so `p` can be previous logs in the logs view and pause elsewhere),
/// `input` for prompts, filter, palette and confirm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Section {
    Normal,
    Logs,
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
        if shift && !shift_is_told_apart(code) {
            return Err(format!(
                "bad key {text:?}: shift can only be combined with a letter or tab \
                 (for other keys write the character shift types, e.g. \"!\")"
            ));
        }
        Ok(Chord { code, ctrl, alt })
    }
}

/// Whether a shifted key reaches us as something other than the plain key: a chord has no
/// shift flag, so "shift-left" would silently mean "left" (and "shift-1" mean "1").
fn shift_is_told_apart(code: KeyCode) -> bool {
    match code {
        KeyCode::Char(c) => c.is_ascii_alphabetic(),
        KeyCode::BackTab => true,
        _ => false,
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

/// A keymap file as written. Entries keep their spans: file order decides who keeps a
/// contested key, and problems name the line.
#[derive(Deserialize)]
struct KeymapFile {
    #[serde(default)]
    normal: RawSection,
    #[serde(default)]
    logs: RawSection,
    #[serde(default)]
    input: RawSection,
    /// Anything else at the top level: reported and ignored.
    #[serde(flatten)]
    unknown: BTreeMap<String, toml::Value>,
}

type RawSection = BTreeMap<String, Spanned<toml::Value>>;

/// One valid line of a keymap file: an action and the keys that parsed.
struct Entry {
    action: Action,
    seqs: Vec<Sequence>,
    line: usize,
}

impl Keymap {
    /// Parses a keymap file's text; `file` names it in problems. Everything valid is kept and
    /// every problem is returned: unknown actions, bad keys and sections are skipped; a key
    /// bound twice (or the start of another binding) stays with the first in the file. A
    /// file that is not valid TOML gives an empty keymap and one problem.
    pub fn parse(file: &str, text: &str) -> (Keymap, Vec<String>) {
        Self::parse_preset(file, text, None)
    }

    /// As [`Keymap::parse`]; for a shipped preset, operations its file does not name take
    /// the keys the operation registry declares for that preset (after the file's lines, so
    /// the file wins a contested key).
    fn parse_preset(file: &str, text: &str, preset: Option<Preset>) -> (Keymap, Vec<String>) {
        let raw: KeymapFile = match toml::from_str(text) {
            Ok(raw) => raw,
            Err(e) => return (Keymap::default(), vec![super::toml_problem(file, text, &e)]),
        };
        let mut problems: Vec<String> = raw
            .unknown
            .keys()
            .map(|name| {
                format!("{file}: unknown section [{name}] (sections: normal, logs, input); ignored")
            })
            .collect();
        let mut map = Keymap::default();
        for (section, raw_section) in [
            (Section::Normal, raw.normal),
            (Section::Logs, raw.logs),
            (Section::Input, raw.input),
        ] {
            let mut entries = read_section(file, text, raw_section, &mut problems);
            if let (Section::Normal, Some(preset)) = (section, preset) {
                let declared = operation_keys(file, preset, &entries, &mut problems);
                entries.extend(declared);
            }
            let bindings = settle_clashes(file, section, entries, &mut problems);
            map.bindings.insert(section, bindings);
        }
        (map, problems)
    }

    /// The shipped preset by name ("default" or "vim").
    pub fn preset(name: &str) -> Result<Keymap, String> {
        let (file, text, preset) = match name {
            "default" => ("keymaps/default.toml", DEFAULT_KEYMAP, Preset::Default),
            "vim" => ("keymaps/vim.toml", VIM_KEYMAP, Preset::Vim),
            other => return Err(format!("no keymap preset {other:?} (default, vim)")),
        };
        match Keymap::parse_preset(file, text, Some(preset)) {
            (map, problems) if problems.is_empty() => Ok(map),
            (_, problems) => Err(problems.join("; ")),
        }
    }

    /// Applies `over` (the user's `file`) on top of this keymap (the `preset` one): every
    /// action it names takes its keys from it, and a key it binds is taken away from every
    /// other action here that had it or a sequence clashing with it. Returns one problem per
    /// dropped binding and per action left without any key.
    pub fn overlay(&mut self, over: &Keymap, file: &str, preset: &str) -> Vec<String> {
        let mut problems = Vec::new();
        for (section, user) in &over.bindings {
            let target = self.bindings.entry(*section).or_default();
            for (action, seqs) in user {
                target.insert(*action, seqs.clone());
            }
            let names = Names {
                file,
                preset,
                section: *section,
            };
            for (action, seqs) in target.iter_mut() {
                if user.contains_key(action) || seqs.is_empty() {
                    continue;
                }
                drop_shadowed(seqs, *action, user, &names, &mut problems);
                if seqs.is_empty() {
                    problems.push(unreachable(file, *section, *action));
                }
            }
        }
        problems
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
        Action::all()
            .filter_map(|a| {
                let keys = self.keys(section, a);
                (!keys.is_empty()).then(|| (a, keys.iter().map(sequence_label).collect()))
            })
            .collect()
    }
}

/// A shipped keymap preset: which of an operation's declared keys it takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Preset {
    Default,
    Vim,
}

/// The registry's keys of every operation the preset file does not name.
fn operation_keys(
    file: &str,
    preset: Preset,
    named: &[Entry],
    problems: &mut Vec<String>,
) -> Vec<Entry> {
    // Line 0: the keys come from the registry, not from a line of the file.
    let line = 0;
    crate::domain::operation::SPECS
        .iter()
        .filter(|spec| !named.iter().any(|e| e.action == Action::Op(spec.op)))
        .map(|spec| {
            let keys = match preset {
                Preset::Default => spec.keys.default,
                Preset::Vim => spec.keys.vim,
            };
            let seqs = keys
                .iter()
                .filter_map(|k| match parse_sequence(k) {
                    Ok(seq) => Some(seq),
                    Err(e) => {
                        problems.push(format!("{file}: {} (operation registry): {e}", spec.name));
                        None
                    }
                })
                .collect();
            Entry {
                action: Action::Op(spec.op),
                seqs,
                line,
            }
        })
        .collect()
}

/// The valid lines of one section, in file order; bad ones become problems.
fn read_section(file: &str, text: &str, raw: RawSection, problems: &mut Vec<String>) -> Vec<Entry> {
    let mut lines: Vec<(String, Spanned<toml::Value>)> = raw.into_iter().collect();
    lines.sort_by_key(|(_, value)| value.span().start);
    lines
        .into_iter()
        .filter_map(|(name, value)| {
            let line = super::line_of(text, value.span().start);
            read_entry(&format!("{file}:{line}"), &name, value.get_ref(), problems)
                .map(|(action, seqs)| Entry { action, seqs, line })
        })
        .collect()
}

/// One `action = ["key", …]` line; `at` is "file:line" for problems. None when nothing in it
/// can be used (the action then keeps the keys it had).
fn read_entry(
    at: &str,
    name: &str,
    value: &toml::Value,
    problems: &mut Vec<String>,
) -> Option<(Action, Vec<Sequence>)> {
    let Some(action) = Action::from_name(name) else {
        problems.push(format!(
            "{at}: unknown action {name:?}; the line is ignored"
        ));
        return None;
    };
    let Some(keys) = key_strings(value) else {
        problems.push(format!(
            "{at}: {name}: expected a list of keys such as [\"q\"]; the line is ignored"
        ));
        return None;
    };
    let mut seqs: Vec<Sequence> = Vec::new();
    for key in &keys {
        match parse_sequence(key) {
            Ok(seq) if seqs.contains(&seq) => {}
            Ok(seq) => seqs.push(seq),
            Err(e) => problems.push(format!("{at}: {name}: {e}; that key is skipped")),
        }
    }
    if seqs.is_empty() && !keys.is_empty() {
        problems.push(format!("{at}: {name}: no valid key; the line is ignored"));
        return None;
    }
    Some((action, seqs))
}

/// The strings of a TOML array of strings; None for anything else.
fn key_strings(value: &toml::Value) -> Option<Vec<String>> {
    value
        .as_array()?
        .iter()
        .map(|v| v.as_str().map(str::to_string))
        .collect()
}

/// "g g" → two chords.
fn parse_sequence(text: &str) -> Result<Sequence, String> {
    let seq = text
        .split_whitespace()
        .map(Chord::parse)
        .collect::<Result<Sequence, _>>()?;
    if seq.is_empty() {
        return Err("empty key".into());
    }
    Ok(seq)
}

/// Two bindings clash when they are the same sequence or one starts the other: after the
/// shorter one is typed its action runs, so the longer one can never be completed.
fn clash(a: &[Chord], b: &[Chord]) -> bool {
    a.starts_with(b) || b.starts_with(a)
}

/// The bindings of one section of one file: the first line (in file order) to bind a key
/// keeps it; a later clashing key is dropped and reported.
fn settle_clashes(
    file: &str,
    section: Section,
    entries: Vec<Entry>,
    problems: &mut Vec<String>,
) -> BTreeMap<Action, Vec<Sequence>> {
    let mut claimed: Vec<(Sequence, Action)> = Vec::new();
    let mut bindings = BTreeMap::new();
    for entry in entries {
        let had_keys = !entry.seqs.is_empty();
        let mut kept = Vec::new();
        for seq in entry.seqs {
            match claimed.iter().find(|(other, _)| clash(other, &seq)) {
                Some((other, owner)) => problems.push(in_file_clash(
                    &format!("{file}:{}", entry.line),
                    section,
                    (other, *owner),
                    (&seq, entry.action),
                )),
                None => {
                    claimed.push((seq.clone(), entry.action));
                    kept.push(seq);
                }
            }
        }
        if had_keys && kept.is_empty() {
            problems.push(unreachable(file, section, entry.action));
        }
        bindings.insert(entry.action, kept);
    }
    bindings
}

/// What an overlay's messages name: the user's file, the preset under it, the section.
struct Names<'a> {
    file: &'a str,
    preset: &'a str,
    section: Section,
}

/// Removes from `seqs` (the preset keys of `action`) every key that clashes with a key of
/// the user's section, reporting each.
fn drop_shadowed(
    seqs: &mut Vec<Sequence>,
    action: Action,
    user: &BTreeMap<Action, Vec<Sequence>>,
    names: &Names,
    problems: &mut Vec<String>,
) {
    seqs.retain(|seq| {
        let winner = user
            .iter()
            .flat_map(|(owner, keys)| keys.iter().map(move |k| (k, *owner)))
            .find(|(key, _)| clash(key, seq));
        match winner {
            Some(winner) => {
                problems.push(shadow_message(names, winner, (seq, action)));
                false
            }
            None => true,
        }
    });
}

/// `"d" now means scale; the default keymap's binding of "d" to deploy is dropped`.
fn shadow_message(
    names: &Names,
    (key, owner): (&Sequence, Action),
    lost: (&Sequence, Action),
) -> String {
    let (key_label, lost_label) = (sequence_label(key), sequence_label(lost.0));
    let why = if lost.0 == key {
        String::new()
    } else if lost.0.starts_with(key) {
        format!(" (it starts with \"{key_label}\")")
    } else {
        format!(" (it would cut \"{key_label}\" short)")
    };
    format!(
        "{}: \"{key_label}\" now means {}{}; the {} keymap's binding of \"{lost_label}\" to {} is dropped{why}",
        names.file,
        owner.name(),
        section_note(names.section),
        names.preset,
        lost.1.name(),
    )
}

/// Two lines of one file want clashing keys; `kept` came first.
fn in_file_clash(
    at: &str,
    section: Section,
    kept: (&Sequence, Action),
    lost: (&Sequence, Action),
) -> String {
    let (kept_label, lost_label) = (sequence_label(kept.0), sequence_label(lost.0));
    let (kept_name, lost_name) = (kept.1.name(), lost.1.name());
    let what = if kept.0 == lost.0 {
        format!("\"{kept_label}\" is bound to both {kept_name} and {lost_name}")
    } else if lost.0.starts_with(kept.0) {
        format!(
            "\"{kept_label}\" ({kept_name}) is the start of \"{lost_label}\" ({lost_name}), which could never be typed"
        )
    } else {
        format!(
            "\"{lost_label}\" ({lost_name}) is the start of \"{kept_label}\" ({kept_name}), which could never be typed"
        )
    };
    format!(
        "{at}: {what}{}; the first in the file keeps its key, so \"{lost_label}\" is dropped from {lost_name}",
        section_note(section)
    )
}

/// An action that lost its last key.
fn unreachable(file: &str, section: Section, action: Action) -> String {
    let how = if section == Section::Normal && action.in_palette() {
        "it can only be run from the command palette"
    } else {
        "it cannot be used until a key is bound to it"
    };
    format!(
        "{file}: {} has no key left{}; {how}",
        action.name(),
        section_note(section)
    )
}

/// Messages name the section only when it is not the usual one.
fn section_note(section: Section) -> &'static str {
    match section {
        Section::Normal => "",
        Section::Logs => " in [logs] (the logs view)",
        Section::Input => " in [input] (prompts, filter, palette, confirmations)",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::action::Op;

    fn chord(c: char) -> Chord {
        Chord {
            code: KeyCode::Char(c),
            ctrl: false,
            alt: false,
        }
    }

    fn keys(text: &str) -> Sequence {
        parse_sequence(text).unwrap()
    }

    /// A user file over a preset: the keymap and every problem (parse, then overlay).
    fn user_over(preset: &str, text: &str) -> (Keymap, Vec<String>) {
        let mut map = Keymap::preset(preset).unwrap();
        let (user, mut problems) = Keymap::parse("keymap.toml", text);
        problems.extend(map.overlay(&user, "keymap.toml", preset));
        (map, problems)
    }

    fn labels(map: &Keymap, section: Section, action: Action) -> Vec<String> {
        map.keys(section, action)
            .iter()
            .map(sequence_label)
            .collect()
    }

    #[test]
    fn presets_parse_cleanly_and_bind_every_action() {
        for (name, file, text) in [
            ("default", "keymaps/default.toml", DEFAULT_KEYMAP),
            ("vim", "keymaps/vim.toml", VIM_KEYMAP),
        ] {
            let (_, problems) = Keymap::parse(file, text);
            assert!(problems.is_empty(), "{name}: {problems:?}");
            let map = Keymap::preset(name).unwrap();
            for action in Action::all() {
                let bound = [Section::Normal, Section::Logs, Section::Input]
                    .iter()
                    .any(|section| !map.keys(*section, action).is_empty());
                assert!(bound, "{name}: {} has no key", action.name());
            }
        }
    }

    #[test]
    fn sequences_wait_for_the_next_key() {
        let (map, problems) = Keymap::parse("t", "[normal]\ntop = [\"g g\"]\nquit = [\"q\"]\n");
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(map.lookup(Section::Normal, &[chord('g')]), Lookup::Pending);
        assert_eq!(
            map.lookup(Section::Normal, &[chord('g'), chord('g')]),
            Lookup::Action(Action::Top)
        );
        assert_eq!(map.lookup(Section::Normal, &[chord('x')]), Lookup::None);
    }

    #[test]
    fn overlay_replaces_named_actions_only() {
        let (map, problems) = user_over("default", "[normal]\nquit = [\"x\"]\n");
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(
            map.lookup(Section::Normal, &[chord('x')]),
            Lookup::Action(Action::Quit)
        );
        assert_eq!(map.lookup(Section::Normal, &[chord('q')]), Lookup::None);
        assert!(!map.keys(Section::Normal, Action::Op(Op::Deploy)).is_empty());
    }

    #[test]
    fn swapping_two_preset_keys_is_not_a_conflict() {
        let (map, problems) = user_over("default", "[normal]\ndeploy = [\"s\"]\nscale = [\"d\"]\n");
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(
            map.hint(Section::Normal, Action::Op(Op::Deploy)).as_deref(),
            Some("s")
        );
        assert_eq!(
            map.hint(Section::Normal, Action::Op(Op::Scale)).as_deref(),
            Some("d")
        );
    }

    #[test]
    fn a_user_key_takes_over_the_preset_binding_and_says_so() {
        let (map, problems) = user_over("default", "[normal]\nscale = [\"d\"]\n");
        assert_eq!(
            map.lookup(Section::Normal, &[chord('d')]),
            Lookup::Action(Action::Op(Op::Scale))
        );
        // Dropped everywhere: lookup, help (entries) and footer hints.
        assert!(map.keys(Section::Normal, Action::Op(Op::Deploy)).is_empty());
        assert_eq!(map.hint(Section::Normal, Action::Op(Op::Deploy)), None);
        assert!(
            !map.entries(Section::Normal)
                .iter()
                .any(|(a, _)| *a == Action::Op(Op::Deploy))
        );
        assert_eq!(
            problems,
            vec![
                "keymap.toml: \"d\" now means scale; the default keymap's binding of \"d\" to \
                 deploy is dropped"
                    .to_string(),
                "keymap.toml: deploy has no key left; it can only be run from the command palette"
                    .to_string(),
            ]
        );
    }

    #[test]
    fn an_action_keeping_other_keys_is_not_reported_as_unreachable() {
        let (map, problems) = user_over("default", "[normal]\nhelp = [\"q\"]\n");
        assert_eq!(labels(&map, Section::Normal, Action::Quit), ["ctrl-c"]);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("\"q\" now means help"), "{problems:?}");
        assert!(
            problems[0].contains("\"q\" to quit is dropped"),
            "{problems:?}"
        );
    }

    #[test]
    fn a_user_prefix_drops_the_preset_sequences_it_starts() {
        let (map, problems) = user_over("vim", "[normal]\nhelp = [\"g\"]\n");
        assert_eq!(
            map.lookup(Section::Normal, &[chord('g')]),
            Lookup::Action(Action::Help)
        );
        assert!(map.keys(Section::Normal, Action::Top).is_empty());
        assert!(
            map.keys(Section::Normal, Action::Op(Op::Restart))
                .is_empty()
        );
        assert_eq!(labels(&map, Section::Normal, Action::NextView), ["tab"]);
        assert!(
            problems.contains(
                &"keymap.toml: \"g\" now means help; the vim keymap's binding of \"g g\" to top \
                  is dropped (it starts with \"g\")"
                    .to_string()
            ),
            "{problems:?}"
        );
        assert!(
            problems.contains(
                &"keymap.toml: top has no key left; it cannot be used until a key is bound to it"
                    .to_string()
            ),
            "{problems:?}"
        );
        assert!(
            problems
                .iter()
                .any(|p| p.contains("restart has no key left") && p.contains("palette")),
            "{problems:?}"
        );
        // top, next-view, prev-view, restart lose a key; top and restart have none left.
        assert_eq!(problems.len(), 6, "{problems:?}");
    }

    #[test]
    fn a_user_sequence_drops_the_preset_key_that_would_cut_it_short() {
        let (map, problems) = user_over("default", "[normal]\nzoom = [\"d d\"]\n");
        assert!(map.keys(Section::Normal, Action::Op(Op::Deploy)).is_empty());
        assert_eq!(map.lookup(Section::Normal, &[chord('d')]), Lookup::Pending);
        assert!(
            problems[0].ends_with(
                "the default keymap's binding of \"d\" to deploy is dropped (it would cut \"d d\" short)"
            ),
            "{problems:?}"
        );
    }

    #[test]
    fn the_same_key_twice_in_the_user_file_stays_with_the_first_line() {
        // scale comes first in the file but after deploy alphabetically: file order decides.
        let (map, problems) = Keymap::parse(
            "k.toml",
            "[normal]\nscale = [\"x\"]\ndeploy = [\"x\", \"y\"]\n",
        );
        assert_eq!(
            map.lookup(Section::Normal, &[chord('x')]),
            Lookup::Action(Action::Op(Op::Scale))
        );
        assert_eq!(labels(&map, Section::Normal, Action::Op(Op::Deploy)), ["y"]);
        assert_eq!(
            problems,
            vec![
                "k.toml:3: \"x\" is bound to both scale and deploy; the first in the file keeps its \
                 key, so \"x\" is dropped from deploy"
                    .to_string()
            ]
        );
    }

    #[test]
    fn a_prefix_in_the_user_file_is_a_conflict() {
        let (map, problems) =
            Keymap::parse("k.toml", "[normal]\ntop = [\"g\"]\nbottom = [\"g g\"]\n");
        assert_eq!(
            map.lookup(Section::Normal, &[chord('g')]),
            Lookup::Action(Action::Top)
        );
        assert!(map.keys(Section::Normal, Action::Bottom).is_empty());
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(
            problems[0].starts_with(
                "k.toml:3: \"g\" (top) is the start of \"g g\" (bottom), which could never be typed"
            ),
            "{problems:?}"
        );
        assert_eq!(
            problems[1],
            "k.toml: bottom has no key left; it cannot be used until a key is bound to it"
        );
        let (map, problems) = Keymap::parse(
            "k.toml",
            "[normal]\nbottom = [\"g g\"]\ntop = [\"g\", \"t\"]\n",
        );
        assert_eq!(labels(&map, Section::Normal, Action::Top), ["t"]);
        assert!(
            problems[0].starts_with(
                "k.toml:3: \"g\" (top) is the start of \"g g\" (bottom), which could never be typed; \
                 the first in the file keeps its key, so \"g\" is dropped from top"
            ),
            "{problems:?}"
        );
    }

    #[test]
    fn input_section_conflicts_name_the_section() {
        let (map, problems) = user_over("default", "[input]\nconfirm = [\"esc\"]\n");
        assert_eq!(labels(&map, Section::Input, Action::Cancel), ["ctrl-c"]);
        assert_eq!(labels(&map, Section::Normal, Action::Cancel), ["esc"]);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0].contains("now means confirm in [input]"),
            "{problems:?}"
        );
    }

    #[test]
    fn every_problem_is_reported_and_the_rest_applied() {
        let text = "[normal]\nfly = [\"f\"]\nquit = [\"hyper-q\", \"x\"]\nhelp = \"h\"\n\
                    deploy = [\"\"]\nscale = [\"S S\"]\n[nromal]\ntop = [\"t\"]\n";
        let (map, problems) = Keymap::parse("k.toml", text);
        assert_eq!(
            problems,
            vec![
                "k.toml: unknown section [nromal] (sections: normal, logs, input); ignored",
                "k.toml:2: unknown action \"fly\"; the line is ignored",
                "k.toml:3: quit: unknown key \"hyper-q\"; that key is skipped",
                "k.toml:4: help: expected a list of keys such as [\"q\"]; the line is ignored",
                "k.toml:5: deploy: empty key; that key is skipped",
                "k.toml:5: deploy: no valid key; the line is ignored",
            ]
        );
        assert_eq!(labels(&map, Section::Normal, Action::Quit), ["x"]);
        assert_eq!(
            labels(&map, Section::Normal, Action::Op(Op::Scale)),
            ["S S"]
        );
        // Lines with nothing valid do not unbind the preset's keys.
        let (map, _) = user_over("default", text);
        assert_eq!(
            map.hint(Section::Normal, Action::Op(Op::Deploy)).as_deref(),
            Some("d")
        );
        assert_eq!(
            map.hint(Section::Normal, Action::Help).as_deref(),
            Some("?")
        );
    }

    #[test]
    fn an_explicitly_empty_list_unbinds_without_complaint() {
        let (map, problems) = user_over("default", "[normal]\nzoom = []\n");
        assert!(problems.is_empty(), "{problems:?}");
        assert!(map.keys(Section::Normal, Action::Zoom).is_empty());
    }

    #[test]
    fn a_broken_file_gives_an_empty_keymap_and_its_line() {
        let (map, problems) = Keymap::parse("k.toml", "[normal\n");
        assert_eq!(map, Keymap::default());
        assert_eq!(problems.len(), 1);
        assert!(problems[0].starts_with("k.toml:1:"), "{problems:?}");
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
        assert_eq!(keys("shift-d"), keys("D"));
    }

    #[test]
    fn shift_is_refused_where_it_would_silently_mean_the_plain_key() {
        for text in ["shift-left", "shift-enter", "shift-1"] {
            let err = Chord::parse(text).unwrap_err();
            assert!(err.contains("shift can only be combined"), "{text}: {err}");
        }
    }
}
