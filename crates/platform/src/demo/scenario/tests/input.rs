//! Where a file enters: size, kind of file, UTF-8, nesting.

use super::super::input::{check_nesting, read_limited};
use super::*;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// A fresh path in the temp dir (removed by `Scratch`'s drop).
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        static N: AtomicUsize = AtomicUsize::new(0);
        let n = N.fetch_add(1, Ordering::Relaxed);
        let dir =
            std::env::temp_dir().join(format!("wheelhouse-scenario-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir.join(name))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if let Some(dir) = self.0.parent() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

#[test]
fn a_scenario_file_loads() {
    let file = Scratch::new("ok.toml");
    std::fs::write(&file.0, DEFAULT_SCENARIO).unwrap();
    let s = load(&file.0).unwrap();
    assert_eq!(s.scenario.name, "default");
}

#[test]
fn a_missing_file_names_the_file() {
    let file = Scratch::new("absent.toml");
    let err = load(&file.0).unwrap_err();
    assert_eq!(err.file, file.0.display().to_string());
    assert_eq!(err.line, 0);
    assert!(err.reason.contains("cannot read"), "{err}");
    assert!(
        err.to_string()
            .starts_with(&format!("{}: ", file.0.display()))
    );
}

#[test]
fn a_directory_or_device_is_not_read() {
    let dir = Scratch::new("dir");
    std::fs::create_dir(&dir.0).unwrap();
    let err = load(&dir.0).unwrap_err();
    assert!(err.reason.contains("is a directory"), "{err}");
    let zero = std::path::Path::new("/dev/zero");
    if zero.exists() {
        let started = Instant::now();
        let err = load(zero).unwrap_err();
        assert!(err.reason.contains("not a regular file"), "{err}");
        assert!(started.elapsed() < Duration::from_secs(1));
    }
}

#[test]
fn a_fifo_is_refused_without_waiting_for_a_writer() {
    let fifo = Scratch::new("pipe.toml");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo.0)
        .status()
        .is_ok_and(|s| s.success());
    if !made {
        return; // no mkfifo here: nothing to try
    }
    let err = load(&fifo.0).unwrap_err();
    assert!(err.reason.contains("not a regular file"), "{err}");
}

#[test]
fn a_file_over_the_limit_is_refused_before_it_is_read() {
    let big = Scratch::new("big.toml");
    let file = std::fs::File::create(&big.0).unwrap();
    // Sparse: the size says too large, nothing needs to be written.
    file.set_len(MAX_SCENARIO_BYTES as u64 + 1).unwrap();
    let err = load(&big.0).unwrap_err();
    assert!(err.reason.contains("too large"), "{err}");
    assert!(err.reason.contains("4 MiB"), "{err}");
    assert!(err.reason.contains("4194305 bytes"), "{err}");
}

#[test]
fn reading_stops_one_byte_past_the_limit() {
    // An endless reader (like /dev/zero behind a FIFO) ends after limit + 1 bytes.
    let err = read_limited(std::io::repeat(b'a'), 1000).unwrap_err();
    assert!(err.contains("too large"), "{err}");
    assert_eq!(read_limited(&b"abc"[..], 3).unwrap(), b"abc");
}

#[test]
fn text_over_the_limit_is_refused_by_parse() {
    let text = "#".repeat(MAX_SCENARIO_BYTES + 1);
    let err = parse("big.toml", &text).unwrap_err();
    assert_eq!(err.line, 0);
    assert!(err.reason.contains("limited to 4 MiB"), "{err}");
}

#[test]
fn non_utf8_names_line_and_column() {
    let file = Scratch::new("latin1.toml");
    let mut bytes = b"[scenario]\nname = \"caf".to_vec();
    bytes.push(0xe9);
    bytes.extend_from_slice(b"\"\n");
    std::fs::write(&file.0, bytes).unwrap();
    let err = load(&file.0).unwrap_err();
    assert_eq!((err.line, err.column), (2, 12), "{err}");
    assert!(err.reason.contains("not UTF-8"), "{err}");
    assert!(err.reason.contains("0xe9"), "{err}");
}

#[test]
fn deep_nesting_is_refused_before_parsing() {
    let deep = format!("{BASE}a = {}{}\n", "[".repeat(5_000), "]".repeat(5_000));
    let err = rejected_at(&deep, "a = [[[", "nesting is deeper than 32");
    assert!(err.column > 30);
    let tables = format!("{BASE}b = {}1{}\n", "{ x = ".repeat(40), " }".repeat(40));
    rejected_at(&tables, "b = {", "nesting is deeper");
    // A million levels: refused at once (a linear scan, no recursion).
    let huge = format!("a = {}", "[".repeat(1_000_000));
    let started = Instant::now();
    assert!(parse("t.toml", &huge).is_err());
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[test]
fn brackets_in_strings_and_comments_are_not_nesting() {
    let text = format!(
        "# {}\n{}",
        "[".repeat(100),
        edit(
            BASE,
            "why = \"fix\"",
            &format!("why = \"{}\"", "[{".repeat(60))
        )
    );
    assert!(check_nesting(&text).is_ok());
    parse("t.toml", &text).unwrap();
    let literal = format!("x = '{}'\ny = '''{}'''\n", "[".repeat(50), "{".repeat(50));
    assert!(check_nesting(&literal).is_ok());
    let escaped = format!("x = \"\\\"{}\"\n", "[".repeat(50));
    assert!(check_nesting(&escaped).is_ok());
}
