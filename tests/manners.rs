//! Unix manners of the CLI: a closed pipe ends quietly with 141, errors of `-o json`
//! commands are JSON on stdout too, bad values are refused where they enter (exit 2).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test may fail loudly

mod support;

use std::io::Read;
use std::process::{Command, Output, Stdio};

fn cmd(dir: &std::path::Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_wheelhouse"));
    c.arg("--demo")
        .args(args)
        .env("WHEELHOUSE_DATA_DIR", dir)
        .env("WHEELHOUSE_CONFIG_DIR", dir.join("config"))
        .env_remove("KUBECONFIG");
    c
}

fn run(dir: &std::path::Path, args: &[&str]) -> Output {
    cmd(dir, args).output().unwrap()
}

#[test]
fn a_reader_that_goes_away_ends_the_run_quietly_with_141() {
    let dir = support::temp_dir("epipe");
    let large = concat!(env!("CARGO_MANIFEST_DIR"), "/demo/large.toml");
    for args in [
        vec!["--scenario", large, "status", "-o", "json"],
        vec!["status", "-o", "json"],
        vec!["--help"],
    ] {
        let mut child = cmd(&dir, &args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = [0u8; 16];
        child.stdout.take().unwrap().read_exact(&mut first).unwrap();
        // The read end is closed here (dropped): the rest cannot be written.
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(stderr.is_empty(), "quiet: {args:?}: {stderr}");
        let code = out.status.code();
        // Help is short enough to fit the pipe before it closes; the rest is not.
        if args[0] != "--help" {
            assert_eq!(code, Some(141), "{args:?}");
        } else {
            assert!(matches!(code, Some(0 | 141)), "{code:?}");
        }
    }
}

fn json_error(out: &Output) -> serde_json::Value {
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    });
    assert_eq!(v["ok"], false, "{v}");
    assert_eq!(v["exit_code"].as_i64().map(|c| c as i32), out.status.code());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains(v["error"].as_str().unwrap_or("?")),
        "the same error as text on stderr"
    );
    v
}

#[test]
fn errors_of_json_commands_are_json_on_stdout_and_text_on_stderr() {
    let dir = support::temp_dir("json-errors");
    for (args, code) in [
        (vec!["status", "nope", "-o", "json"], 4),
        (vec!["logs", "trade/dev/nope", "-o", "json"], 4),
        (vec!["logs", "not-a-target", "--output", "json"], 2),
        (
            vec!["deploy", "trade/dev/order", "9.9.9", "--yes", "-o", "json"],
            4,
        ),
        (vec!["scale", "trade/dev/order", "-o", "json"], 2),
        (
            vec!["shift", "trade/gray/quote", "--weight", "200", "-o", "json"],
            2,
        ),
        (vec!["scale", "trade/dev/order", "x", "-ojson"], 2),
        (
            vec!["--scenario", "/nonexistent.toml", "status", "-o", "json"],
            2,
        ),
        (vec!["simulate", "trade/dev", "-o", "json"], 2),
    ] {
        let out = run(&dir, &args);
        assert_eq!(out.status.code(), Some(code), "{args:?}: {out:?}");
        json_error(&out);
    }
}

#[test]
fn bad_values_are_refused_where_they_enter() {
    let dir = support::temp_dir("bad-values");
    for args in [
        vec!["logs", "trade/dev/order", "--lines", "0"],
        vec!["logs", "trade/dev/order", "--lines", "99999999999"],
        vec!["logs", "trade/dev/order", "--wait", "NaN"],
        vec!["logs", "trade/dev/order", "--wait", "inf"],
        vec!["shift", "trade/gray/quote", "--weight", "101"],
        vec!["scale", "trade/dev/order", "-1"],
        vec!["scale", "trade/dev/order", "4294967296"],
        vec!["deploy", "trade/dev/order", "4.2.0", "--if-revision", ""],
        vec!["deploy", "trade/dev/order", "4.2.0", "--if-revision", "1 2"],
        vec!["deploy", "trade/dev/order", "4.2.0", "--why", "x\u{1b}[2Jy"],
        vec!["deploy", "trade/dev/order", ""],
        vec!["--as", "", "status"],
        vec!["simulate", "trade/dev", "--rate", "nan"],
        vec!["--kafka-from=-é", "status"],
        vec!["--kafka-from", "-99999999999h", "status"],
        vec!["deploy", "trade/dev/order", "4.2.0 beta"],
        vec!["deploy", "trade/dev/order", "repo/evil:1"],
        vec!["shift", "trade/gray/quote", "--add-tag", "a b"],
        vec!["status", "trade//dev"],
        vec!["status", "a\u{1b}[2J"],
    ] {
        let out = run(&dir, &args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {out:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("invalid value") || stderr.contains("unexpected argument"),
            "{args:?}: {stderr}"
        );
        assert!(
            !stderr.contains('\u{1b}'),
            "no raw escape echoed back: {stderr:?}"
        );
    }
    assert!(!dir.join("audit.jsonl").exists(), "nothing was written");
}
