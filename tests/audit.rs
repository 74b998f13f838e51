//! No write without its audit record: the intent is on disk before the write is sent, a
//! log that cannot be written refuses the write (TUI and CLI, exit code 7), everything the
//! operator said is recorded, and a torn last line never breaks the next reader.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test may fail loudly

mod support;

use std::process::Output;
use wheelhouse::app::state::Mode;
use wheelhouse::app::{AuditRecord, Identity};
use wheelhouse::audit::{self, AuditLog};
use wheelhouse::domain::ServiceKey;
use wheelhouse::domain::change::{Change, ChangeRequest};

fn wheelhouse(data: &std::path::Path, args: &[&str]) -> Output {
    support::cli::demo(data, args)
}

fn record(n: u64) -> AuditRecord {
    let request = ChangeRequest {
        target: ServiceKey::new("trade", "dev", "order"),
        change: Change::Scale { replicas: 3 },
        expected_revision: "4".into(),
        who: "ana".into(),
        why: "load test".into(),
    };
    AuditRecord::intent(
        n,
        &Identity::named("ana"),
        "demo: t",
        &request,
        "--yes",
        &[],
    )
}

#[test]
fn a_torn_last_line_stays_apart_and_readers_go_on() {
    let dir = support::temp_dir("audit-torn");
    let path = dir.join("audit.jsonl");
    let log = AuditLog::new(path.clone());
    log.append(&record(1)).unwrap();
    // A crash in the middle of the second record: half a line, no newline.
    let full = std::fs::read_to_string(&path).unwrap();
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap();
    std::io::Write::write_all(&mut f, &full.as_bytes()[..full.len() / 2]).unwrap();
    drop(f);
    log.append(&record(3)).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text.lines().count(), 3, "{text}");
    let contents = audit::read(&path).unwrap();
    assert_eq!(contents.records.len(), 2);
    assert_eq!(contents.broken_lines, vec![2]);
    assert_eq!(contents.records[1]["write"], 3);
    // Every complete line is JSON on its own (what `jq -c` or a log shipper reads).
    for (i, line) in text.lines().enumerate().filter(|(i, _)| *i != 1) {
        serde_json::from_str::<serde_json::Value>(line)
            .unwrap_or_else(|e| panic!("line {}: {e}", i + 1));
    }
}

#[test]
fn records_are_appended_and_synced_as_whole_lines() {
    let dir = support::temp_dir("audit-append");
    let log = AuditLog::new(dir.join("nested/dir/audit.jsonl"));
    for n in 0..50 {
        log.append(&record(n)).unwrap();
    }
    let contents = audit::read(log.path()).unwrap();
    assert_eq!(contents.records.len(), 50);
    assert!(contents.broken_lines.is_empty());
    let r = &contents.records[7];
    assert_eq!(r["phase"], "intent");
    assert_eq!(r["write"], 7);
    assert!(r["time"].is_string() && r["pid"].is_u64());
}

/// A data dir that is a file, and an audit log on a full disk: writes refused, exit 7, the
/// path and the OS reason named, nothing applied.
#[test]
fn cli_refuses_a_write_whose_record_cannot_be_written() {
    let base = support::temp_dir("audit-refuse");
    let not_a_dir = base.join("data");
    std::fs::write(&not_a_dir, "a file where the data dir should be").unwrap();
    let full = base.join("full");
    std::fs::create_dir_all(&full).unwrap();
    std::os::unix::fs::symlink("/dev/full", full.join("audit.jsonl")).unwrap();
    for (data, reason) in [
        (&not_a_dir, "Not a directory"),
        (&full, "No space left on device"),
    ] {
        let out = wheelhouse(
            data,
            &["scale", "trade/dev/order", "5", "--yes", "-o", "json"],
        );
        assert_eq!(out.status.code(), Some(7), "{out:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("audit log") && stderr.contains(reason),
            "{stderr}"
        );
        assert!(stderr.contains(&data.display().to_string()), "{stderr}");
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["ok"], false);
        assert_eq!(v["exit_code"], 7);
        // A dry run writes nothing and still works.
        let out = wheelhouse(data, &["scale", "trade/dev/order", "5", "--dry-run"]);
        assert!(out.status.success(), "{out:?}");
    }
}

#[test]
fn the_record_holds_what_the_operator_said_and_who_they_are() {
    let dir = support::temp_dir("audit-said");
    let status = wheelhouse(&dir, &["status", "trade/dev", "-o", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    let order = v["product_lines"][0]["environments"][0]["services"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "order")
        .unwrap()
        .clone();
    let revision = order["revision"].as_str().unwrap();
    let out = wheelhouse(
        &dir,
        &[
            "--as",
            "ana.on-call",
            "scale",
            "trade/dev/order",
            "4",
            "--yes",
            "--why",
            "INC-42 queue backlog",
            "--if-revision",
            revision,
        ],
    );
    assert!(out.status.success(), "{out:?}");
    let records = audit::read(&dir.join("audit.jsonl")).unwrap().records;
    assert_eq!(records.len(), 2);
    let (intent, result) = (&records[0], &records[1]);
    assert_eq!(intent["phase"], "intent");
    assert_eq!(result["phase"], "result");
    assert_eq!(intent["write"], result["write"]);
    assert_eq!(intent["why"], "INC-42 queue backlog");
    assert_eq!(intent["confirmation"], "--yes");
    assert_eq!(intent["revision"], revision);
    assert_eq!(intent["changes"][0]["field"], "replicas");
    assert_eq!(intent["changes"][0]["after"], "4");
    assert!(intent.get("result").is_none());
    assert_eq!(result["result"], "ok");
    // The OS identity, with the operator name beside it, never instead of it.
    let uid = unsafe { libc_getuid() };
    assert_eq!(intent["user"]["uid"], uid);
    assert!(
        intent["user"]["name"]
            .as_str()
            .is_some_and(|n| !n.is_empty())
    );
    assert_eq!(intent["user"]["operator"], "ana.on-call");
}

unsafe extern "C" {
    #[link_name = "getuid"]
    fn libc_getuid() -> u32;
}

#[test]
fn cockpit_refuses_a_write_whose_record_cannot_be_written() {
    let mut h = support::Harness::new("audit-tui");
    let blocker = h.dir.join("blocker");
    std::fs::write(&blocker, "not a directory").unwrap();
    h.audit = AuditLog::new(blocker.join("audit.jsonl"));
    h.select(&["trade", "dev", "order"]);
    h.keys("s backspace backspace");
    h.type_text("3");
    h.keys("enter");
    assert!(matches!(h.state.mode, Mode::Confirm(_)));
    h.type_text("drill");
    h.keys("enter");
    assert_eq!(h.applies, 0, "nothing was sent");
    assert!(h.state.inflight.is_empty());
    let status = h.state.status.as_ref().unwrap().text.clone();
    assert!(status.contains("not applied"), "{status}");
    assert!(
        status.contains("blocker") && status.contains("Not a directory"),
        "{status}"
    );
    let screen = h.render(160, 40);
    assert!(screen.contains("not applied"), "{screen}");
}

#[test]
fn cockpit_records_the_typed_confirmation_and_why() {
    let mut h = support::Harness::new("audit-typed");
    h.select(&["trade", "prod", "order"]);
    h.keys("s backspace backspace");
    h.type_text("9");
    h.keys("enter");
    h.type_text("prod");
    h.keys("tab");
    h.type_text("flash sale");
    h.keys("enter");
    assert_eq!(h.applies, 1);
    let lines = h.audit_lines();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert_eq!(lines[0]["phase"], "intent");
    assert_eq!(lines[0]["confirmation"], "typed \"prod\"");
    assert_eq!(lines[0]["why"], "flash sale");
    assert_eq!(lines[0]["user"]["name"], "tester");
    assert_eq!(lines[1]["result"], "ok");
}
