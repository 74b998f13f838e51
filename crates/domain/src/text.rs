//! Text that came from outside (names, labels, config values, log lines, events) made safe
//! to print on a terminal: control characters (C0, DEL, C1: escape sequences, carriage
//! returns, bells) and bidirectional overrides are shown in caret notation or as a
//! placeholder instead of being interpreted by the terminal.

use std::borrow::Cow;

/// True for characters a terminal would act on instead of showing.
pub fn is_unsafe(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// One line: every unsafe character (newlines and tabs too) replaced.
pub fn clean_line(s: &str) -> Cow<'_, str> {
    clean(s, false)
}

/// Several lines: newlines and tabs kept, every other unsafe character replaced.
pub fn clean_text(s: &str) -> Cow<'_, str> {
    clean(s, true)
}

fn clean(s: &str, keep_lines: bool) -> Cow<'_, str> {
    let keep = |c: char| keep_lines && (c == '\n' || c == '\t');
    if !s.chars().any(|c| is_unsafe(c) && !keep(c)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if !is_unsafe(c) || keep(c) {
            out.push(c);
        } else if c == '\t' {
            out.push(' ');
        } else if (c as u32) < 0x20 {
            out.push('^');
            out.push(char::from(b'@' + c as u8));
        } else if c == '\u{7f}' {
            out.push_str("^?");
        } else {
            out.push('\u{FFFD}');
        }
    }
    Cow::Owned(out)
}

/// Longest free text (`--why`) and longest name or revision taken from a user.
pub const MAX_TEXT: usize = 1000;
pub const MAX_NAME: usize = 128;

/// `s` when it is at most `max` characters without control characters; else why not,
/// naming it as `what`.
pub fn printable(what: &str, s: &str, max: usize) -> Result<String, String> {
    if s.chars().count() > max {
        return Err(format!("{what} is longer than {max} characters"));
    }
    if let Some(c) = s.chars().find(|c| is_unsafe(*c)) {
        return Err(format!(
            "{what} contains the control character U+{:04X}",
            c as u32
        ));
    }
    Ok(s.to_string())
}

/// A non-empty printable name (an operator, a version).
pub fn name(s: &str) -> Result<String, String> {
    if s.trim().is_empty() {
        return Err("must not be empty".into());
    }
    printable("the name", s, MAX_NAME)
}

/// Whether `name` is a DNS label of at most `max` characters, as Kubernetes names
/// objects: lowercase letters, digits and `-`, starting with a letter, not ending with `-`.
pub fn is_dns_label(name: &str, max: usize) -> bool {
    !name.is_empty()
        && name.len() <= max
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && !name.ends_with('-')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_are_shown_not_interpreted() {
        assert_eq!(clean_line("ok"), "ok");
        assert_eq!(clean_line("a\x1b[2Jb"), "a^[[2Jb");
        assert_eq!(clean_line("bell\x07\r\n"), "bell^G^M^J");
        assert_eq!(clean_line("x\u{9b}31m"), "x\u{FFFD}31m");
        assert_eq!(clean_line("evil\u{202E}txt"), "evil\u{FFFD}txt");
        assert_eq!(clean_line("tab\there"), "tab here");
        assert_eq!(clean_text("one\n\ttwo\x1b"), "one\n\ttwo^[");
    }
}
