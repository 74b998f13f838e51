//! Where a scenario enters: a bounded read of a regular file, UTF-8, and a linear pre-scan
//! of the nesting before the TOML parser sees the text.

use super::limits::{MAX_NESTING, MAX_SCENARIO_BYTES};
use super::{Problem, Scenario, ScenarioError, line_and_column, parse, whole_file_error};
use std::fs::File;
use std::io::Read;
use std::path::Path;

/// Reads and checks a scenario file. Only a regular file is read (a FIFO or a device could
/// block or never end), and at most [`MAX_SCENARIO_BYTES`] + 1 bytes of it.
pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
    let file = path.display().to_string();
    let bytes = read_file(path).map_err(|reason| whole_file_error(&file, reason))?;
    let text = utf8(&file, bytes)?;
    parse(&file, &text)
}

fn read_file(path: &Path) -> Result<Vec<u8>, String> {
    let cannot = |e: std::io::Error| format!("cannot read the scenario: {e}");
    // The path's metadata first: opening a FIFO would wait for a writer.
    let meta = std::fs::metadata(path).map_err(cannot)?;
    check_regular(&meta)?;
    check_size(usize::try_from(meta.len()).unwrap_or(usize::MAX))?;
    let handle = File::open(path).map_err(cannot)?;
    // The file opened may not be the one looked at (replaced in between).
    check_regular(&handle.metadata().map_err(cannot)?)?;
    read_limited(handle, MAX_SCENARIO_BYTES)
}

fn check_regular(meta: &std::fs::Metadata) -> Result<(), String> {
    if meta.is_file() {
        Ok(())
    } else if meta.is_dir() {
        Err("is a directory, not a scenario file".into())
    } else {
        Err("is not a regular file (a FIFO, socket or device); give a scenario file".into())
    }
}

/// At most `limit` bytes from `reader` (reads `limit` + 1 to tell a longer input).
pub(super) fn read_limited(reader: impl Read, limit: usize) -> Result<Vec<u8>, String> {
    let mut bytes = Vec::new();
    let most = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1);
    reader
        .take(most)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read the scenario: {e}"))?;
    if bytes.len() > limit {
        return Err(too_large(None, limit));
    }
    Ok(bytes)
}

pub(super) fn check_size(len: usize) -> Result<(), String> {
    if len > MAX_SCENARIO_BYTES {
        Err(too_large(Some(len), MAX_SCENARIO_BYTES))
    } else {
        Ok(())
    }
}

fn too_large(len: Option<usize>, limit: usize) -> String {
    let size = len.map_or_else(|| "larger than that".to_string(), |n| format!("{n} bytes"));
    format!(
        "the scenario is too large: scenario files are limited to {} MiB ({limit} bytes), this one is {size}",
        limit / (1024 * 1024)
    )
}

fn utf8(file: &str, bytes: Vec<u8>) -> Result<String, ScenarioError> {
    String::from_utf8(bytes).map_err(|e| {
        let good = e.utf8_error().valid_up_to();
        let bytes = e.as_bytes();
        let bad = bytes.get(good).copied().unwrap_or_default();
        // The valid prefix locates the line and column of the first bad byte.
        let prefix = String::from_utf8_lossy(&bytes[..good]);
        let (line, column) = line_and_column(&prefix, good);
        ScenarioError {
            file: file.to_string(),
            line,
            column,
            reason: format!(
                "the scenario is not UTF-8 text (byte 0x{bad:02x} here); save it as UTF-8"
            ),
        }
    })
}

/// Where TOML text is, for the nesting pre-scan.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Code,
    Comment,
    Basic,
    Literal,
    MultiBasic,
    MultiLiteral,
}

/// Rejects `[ ]` / `{ }` nesting deeper than [`MAX_NESTING`], outside strings and comments,
/// in one pass over the bytes: no parser recursion is spent on a pathological file.
pub(super) fn check_nesting(source: &str) -> Result<(), Problem> {
    let bytes = source.as_bytes();
    let mut mode = Mode::Code;
    let mut depth = 0usize;
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let (next, skip) = step(mode, b, &bytes[i..]);
        if mode == Mode::Code {
            match b {
                b'[' | b'{' => depth += 1,
                b']' | b'}' => depth = depth.saturating_sub(1),
                _ => {}
            }
            if depth > MAX_NESTING {
                return Err((
                    i,
                    format!(
                        "nesting is deeper than {MAX_NESTING} levels of [ ] and {{ }} (a scenario needs two or three)"
                    ),
                ));
            }
        }
        mode = next;
        i += skip;
    }
    Ok(())
}

/// The mode after byte `b`, the start of `rest`, and how many bytes to move on.
fn step(mode: Mode, b: u8, rest: &[u8]) -> (Mode, usize) {
    let triple = |q: u8| rest.len() >= 3 && rest[..3].iter().all(|&c| c == q);
    match (mode, b) {
        (Mode::Code, b'#') => (Mode::Comment, 1),
        (Mode::Code, b'"') if triple(b'"') => (Mode::MultiBasic, 3),
        (Mode::Code, b'"') => (Mode::Basic, 1),
        (Mode::Code, b'\'') if triple(b'\'') => (Mode::MultiLiteral, 3),
        (Mode::Code, b'\'') => (Mode::Literal, 1),
        (Mode::Comment | Mode::Basic | Mode::Literal, b'\n') => (Mode::Code, 1),
        (Mode::Basic | Mode::MultiBasic, b'\\') => (mode, rest.len().min(2)),
        (Mode::Basic, b'"') | (Mode::Literal, b'\'') => (Mode::Code, 1),
        (Mode::MultiBasic, b'"') if triple(b'"') => (Mode::Code, 3),
        (Mode::MultiLiteral, b'\'') if triple(b'\'') => (Mode::Code, 3),
        _ => (mode, 1),
    }
}
