//! Text of the file: no control or text-direction characters in any string or key, every
//! string bounded, and the rules names follow.

use super::Problem;
use super::limits::{MAX_NAME_CHARS, MAX_TEXT_CHARS};
use super::locate::{Path, Seg};
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// Characters that reorder how text is displayed (Unicode bidi embeddings, overrides and
/// isolates): text that shows something else than it is.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// The first character a terminal should not be handed, described.
fn bad_char(text: &str) -> Option<String> {
    text.chars().find_map(|c| {
        if c.is_control() {
            Some(format!(
                "the control character U+{:04X}; scenario text must be printable",
                u32::from(c)
            ))
        } else if is_bidi_control(c) {
            Some(format!(
                "the text-direction character U+{:04X}, which makes text display differently from what it is",
                u32::from(c)
            ))
        } else {
            None
        }
    })
}

/// Every key and string of the document: printable and at most [`MAX_TEXT_CHARS`].
pub(super) fn check_strings(root: &DeTable<'_>) -> Result<(), Problem> {
    check_table(root, &Path::root())
}

fn check_table(table: &DeTable<'_>, path: &Path) -> Result<(), Problem> {
    for (key, value) in table.iter() {
        check_text(key.get_ref(), key.span().start, || {
            format!("the key {:?}", key.get_ref())
        })?;
        check_value(value, &path.key(key.get_ref()))?;
    }
    Ok(())
}

fn check_value(value: &Spanned<DeValue<'_>>, path: &Path) -> Result<(), Problem> {
    match value.get_ref() {
        DeValue::String(s) => check_text(s, value.span().start, || label(path)),
        DeValue::Table(t) => check_table(t, path),
        DeValue::Array(a) => a
            .iter()
            .enumerate()
            .try_for_each(|(i, v)| check_value(v, &path.index(i))),
        _ => Ok(()),
    }
}

fn check_text(text: &str, offset: usize, what: impl Fn() -> String) -> Result<(), Problem> {
    if let Some(bad) = bad_char(text) {
        return Err((offset, format!("{} contains {bad}", what())));
    }
    let chars = text.chars().count();
    if chars > MAX_TEXT_CHARS {
        return Err((
            offset,
            format!(
                "{} is {chars} characters long (at most {MAX_TEXT_CHARS})",
                what()
            ),
        ));
    }
    Ok(())
}

/// `versions[2]`-style label of a string's place, inside its `[[table]]` entry.
fn label(path: &Path) -> String {
    let segs = path.segs();
    let entry_start = (0..segs.len())
        .rev()
        .find(|&i| matches!(segs[i], Seg::Index(_)) && matches!(segs.get(i + 1), Some(Seg::Key(_))))
        .map_or(0, |i| i + 1);
    let mut out = String::new();
    for seg in &segs[entry_start..] {
        match seg {
            Seg::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Seg::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

/// What a name may hold.
#[derive(Debug, Clone, Copy)]
pub(super) struct NameRule {
    /// What the name is, for messages ("a service name").
    what: &'static str,
    max: usize,
    spaces: bool,
    /// Characters it may not contain besides white space.
    forbidden: &'static str,
}

/// Product lines, environments, services: parts of `line/env/service`.
pub(super) const NAME: NameRule = NameRule {
    what: "a name",
    max: MAX_NAME_CHARS,
    spaces: false,
    forbidden: "/",
};
/// Versions: the tag of an image (`repo:version`).
pub(super) const VERSION: NameRule = NameRule {
    what: "a version",
    max: MAX_NAME_CHARS,
    spaces: false,
    forbidden: "/:@",
};
/// Tags, clusters, namespaces, config keys.
pub(super) const TOKEN: NameRule = NameRule {
    what: "an identifier",
    max: MAX_NAME_CHARS,
    spaces: false,
    forbidden: "",
};
/// The scenario's name, who made a release.
pub(super) const LABEL: NameRule = NameRule {
    what: "a label",
    max: MAX_NAME_CHARS,
    spaces: true,
    forbidden: "",
};
/// Images and registries.
pub(super) const IMAGE: NameRule = NameRule {
    what: "an image reference",
    max: MAX_TEXT_CHARS,
    spaces: false,
    forbidden: "",
};

impl NameRule {
    /// `setting` names the value in the message ("service name", "versions").
    pub(super) fn check(&self, setting: &str, value: &str) -> Result<(), String> {
        let what = self.what;
        if value.trim().is_empty() {
            return Err(format!("{setting} is empty: it must be {what}"));
        }
        let chars = value.chars().count();
        if chars > self.max {
            return Err(format!(
                "{setting} {value:?} is {chars} characters long (at most {})",
                self.max
            ));
        }
        if let Some(bad) = bad_char(value) {
            return Err(format!("{setting} contains {bad}"));
        }
        if !self.spaces && value.chars().any(char::is_whitespace) {
            return Err(format!(
                "{setting} {value:?} contains white space, which {what} cannot"
            ));
        }
        if let Some(c) = value.chars().find(|c| self.forbidden.contains(*c)) {
            return Err(format!(
                "{setting} {value:?} contains {c:?}, which {what} cannot"
            ));
        }
        Ok(())
    }
}
