//! Parser and deserializer errors in plain words: which setting, what was expected, what
//! was found; no serde or Rust type names.

use super::Problem;
use super::locate::{Locator, Path, Seg, name_at, path_at};
use toml::de::{DeTable, DeValue};

/// A TOML syntax error (the text is not TOML).
pub(super) fn syntax(source: &str, e: &toml::de::Error) -> Problem {
    let span = e.span().unwrap_or(0..0);
    let message = e.message().trim();
    let reason = if message == "duplicate key" {
        match source.get(span.clone()).map(str::trim) {
            Some(key) if !key.is_empty() && key.len() <= 64 && !key.contains('\n') => {
                format!("`{key}` is given twice in the same table")
            }
            _ => "a key is given twice in the same table".to_string(),
        }
    } else if message.contains("recursion") {
        "nesting is too deep (tables, arrays or dotted keys)".to_string()
    } else {
        format!("not valid TOML: {message}")
    };
    (span.start, reason)
}

/// Product lines and profiles are lists of tables: `[line]`, or a `[[line.service]]` before
/// the first `[[line]]`, make `line` a single table, which serde would report as "invalid
/// type: map, expected a sequence".
pub(super) fn check_shape(root: &DeTable<'_>) -> Result<(), Problem> {
    for list in ["line", "profile"] {
        let Some(value) = root.get(list) else {
            continue;
        };
        let DeValue::Table(table) = value.get_ref() else {
            continue;
        };
        let child = ["service", "env", "release"]
            .into_iter()
            .find(|c| list == "line" && table.get(*c).is_some_and(|v| v.get_ref().is_array()));
        let reason = match child {
            Some(child) => format!(
                "[[line.{child}]] comes before any [[line]]: start each product line with [[line]] (name, base_image, registry)"
            ),
            None => format!("write [[{list}]] (one per entry), not [{list}]"),
        };
        return Err((value.span().start, reason));
    }
    Ok(())
}

/// A deserialization error (the text is TOML, but not a scenario).
pub(super) fn plain(root: &DeTable<'_>, source: &str, e: &toml::de::Error) -> Problem {
    let offset = e.span().map_or(0, |s| s.start);
    let path = path_at(root, offset);
    let message = e.message().trim();
    // An unknown key of a tagged table is reported at the table: find the key.
    if let Some(field) = between(message, "unknown field `", "`")
        && !matches!(path.segs().last(), Some(Seg::Key(k)) if k == field)
    {
        let key = path.key(field);
        let offset = Locator::new(root, source).offset(&key);
        return (offset, reword(message, &key, root));
    }
    (offset, reword(message, &path, root))
}

fn reword(message: &str, path: &Path, root: &DeTable<'_>) -> String {
    if let Some(field) = between(message, "missing field `", "`") {
        return missing(field, path, root);
    }
    if let Some(rest) = message.strip_prefix("unknown field `") {
        return unknown_field(rest, path, root);
    }
    if let Some(rest) = message.strip_prefix("unknown variant `") {
        return unknown_value(rest, path);
    }
    let setting = setting_name(path);
    if let Some(rest) = message.strip_prefix("invalid type: ") {
        return wrong_type(rest, &setting, path);
    }
    if let Some(rest) = message.strip_prefix("invalid value: ") {
        let (found, expected) = rest.split_once(", expected ").unwrap_or((rest, ""));
        return format!(
            "{setting}: {} is out of range (expected {})",
            found_words(found),
            expected_words(expected)
        );
    }
    format!("{setting}: {message}")
}

/// The setting an error is about, as written in its table (`capacity`, `calls.ledger`).
fn setting_name(path: &Path) -> String {
    match path.setting() {
        s if s.is_empty() => table_name(path),
        s => s,
    }
}

/// How the user wrote the table a path is in: `[[line.service]]`, `[scenario]`, or "the
/// file" for the top level.
fn table_name(path: &Path) -> String {
    let dotted = path.dotted();
    if dotted.is_empty() {
        "the file".to_string()
    } else if path.is_array_entry() {
        format!("[[{dotted}]]")
    } else {
        format!("[{dotted}]")
    }
}

/// The table's name as written, and the name it gives itself: `[[line.service]] "api"`.
fn named_table(path: &Path, root: &DeTable<'_>) -> String {
    match name_at(root, path).filter(|_| path.is_array_entry()) {
        Some(name) => format!("{} {name:?}", table_name(path)),
        None => table_name(path),
    }
}

fn missing(field: &str, path: &Path, root: &DeTable<'_>) -> String {
    if path.segs().is_empty() && field == "scenario" {
        return "the file has no [scenario] table (it needs at least name = \"...\")".into();
    }
    format!(
        "{} is missing `{field}` (required)",
        named_table(path, root)
    )
}

fn unknown_field(rest: &str, path: &Path, root: &DeTable<'_>) -> String {
    let (field, known) = rest.split_once('`').unwrap_or((rest, ""));
    let known = names_in(known);
    let table = named_table(&path.parent(), root);
    if known.is_empty() {
        format!("unknown key `{field}` in {table}")
    } else {
        format!(
            "unknown key `{field}` in {table} (known keys: {})",
            known.join(", ")
        )
    }
}

fn unknown_value(rest: &str, path: &Path) -> String {
    let (value, known) = rest.split_once('`').unwrap_or((rest, ""));
    let known = names_in(known);
    let setting = setting_name(path);
    format!("{setting}: {value:?} is not one of: {}", known.join(", "))
}

fn wrong_type(rest: &str, setting: &str, path: &Path) -> String {
    let (found, expected) = rest.split_once(", expected ").unwrap_or((rest, ""));
    if found == "map" && expected == "a sequence" {
        return format!(
            "{setting}: expected a list, found a table (write [[{}]] once per entry, or {setting} = [ ... ])",
            path.dotted()
        );
    }
    format!(
        "{setting}: expected {}, found {}",
        expected_words(expected),
        found_words(found)
    )
}

/// Serde's description of a found value, in words.
fn found_words(found: &str) -> String {
    let quoted = |prefix: &str| between(found, prefix, "`").map(str::to_string);
    if let Some(text) = found.strip_prefix("string ") {
        return format!("the text {text}");
    }
    if let Some(v) = quoted("integer `") {
        return format!("the whole number {v}");
    }
    if let Some(v) = quoted("floating point `") {
        return format!("the number {v}");
    }
    if let Some(v) = quoted("boolean `") {
        return v;
    }
    match found {
        "map" => "a table".into(),
        "sequence" => "a list".into(),
        other => other.into(),
    }
}

/// Serde's description of an expected value (often a Rust type), in words.
fn expected_words(expected: &str) -> String {
    match expected {
        "f32" | "f64" => "a number".into(),
        "u8" => "a whole number from 0 to 255".into(),
        "u16" | "u32" | "u64" | "usize" => "a whole number (0 or more)".into(),
        "i8" | "i16" | "i32" | "i64" | "isize" => "a whole number".into(),
        "a string" | "a borrowed string" | "a character" => "text in quotes".into(),
        "a sequence" => "a list [ ... ]".into(),
        "a map" => "a table".into(),
        "a boolean" => "true or false".into(),
        e if e.starts_with("struct ") || e.contains("enum ") => "a table".into(),
        e => e.into(),
    }
}

/// The names in serde's "expected one of `a`, `b`" / "expected `a` or `b`".
fn names_in(text: &str) -> Vec<&str> {
    text.split('`').skip(1).step_by(2).collect()
}

fn between<'a>(text: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let rest = text.strip_prefix(start)?;
    rest.split_once(end).map(|(inside, _)| inside)
}
