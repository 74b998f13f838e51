//! The real binary in a real terminal (tmux): start, navigate, act, quit; the terminal is
//! left clean. Fails (never skips) when tmux is missing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test may fail loudly

mod support;

use std::process::Command;
use support::tmux::Tmux;

#[test]
fn start_navigate_scale_and_quit_leaves_the_terminal_clean() {
    let dir = support::temp_dir("tmux");
    let t = Tmux::new("e2e");
    t.start(120, 36);
    t.run_demo(&dir);
    let s = t.wait_for("demo: scenario default");
    assert!(s.contains("Platform"), "{s}");
    assert!(
        s.contains("no kubeconfig found") || s.contains("Events") || s.contains("trade"),
        "{s}"
    );
    assert_eq!(
        t.tmux(&["display", "-p", "-t", &t.session, "#{alternate_on}"])
            .trim(),
        "1"
    );
    // The overview (the cockpit may have landed on what needs attention), then
    // navigate: trade → first environment → first service, open it.
    t.send(&["1"]);
    t.send(&["Home"]);
    t.send(&["Down"]);
    t.send(&["Right"]);
    t.send(&["Down"]);
    t.send(&["Enter"]);
    let s = t.wait_for("replicas");
    assert!(s.contains("image"), "service detail: {s}");
    // Scale it (non-production: no typed confirmation).
    t.send(&["s"]);
    t.wait_for("Replicas for");
    t.send(&["BSpace", "BSpace", "BSpace", "4", "Enter"]);
    t.wait_for("Confirm scale");
    t.send(&["Enter"]);
    t.wait_for("scale to 4 applied");
    t.wait_for("4/4 ready");
    t.send(&["q"]);
    let s = t.wait_for("EXITED:0");
    assert!(
        !s.contains("Platform"),
        "the cockpit's screen is gone after quitting: {s}"
    );
    assert_eq!(
        t.tmux(&["display", "-p", "-t", &t.session, "#{alternate_on}"])
            .trim(),
        "0"
    );
    let audit = std::fs::read_to_string(dir.join("audit.jsonl")).unwrap();
    assert!(audit.contains("\"replicas\":4"), "{audit}");
    let log = std::fs::read_to_string(dir.join("wheelhouse.log")).unwrap();
    assert!(
        log.contains("cockpit starting"),
        "logs go to the file: {log}"
    );
}

#[test]
fn signals_restore_the_terminal_and_exit_128_plus_n() {
    for (signal, seed, code) in [
        ("TERM", "7701", 143),
        ("HUP", "7702", 129),
        ("QUIT", "7703", 131),
        ("INT", "7704", 130),
    ] {
        let dir = support::temp_dir("tmux-signal");
        let t = Tmux::new(&format!("sig{signal}"));
        t.start(100, 30);
        let cmd = format!(
            "WHEELHOUSE_DATA_DIR={d} HOME={d} {bin} --seed {seed}; echo EXITED:$?",
            d = dir.display(),
            bin = env!("CARGO_BIN_EXE_wheelhouse")
        );
        t.send(&[&cmd, "Enter"]);
        t.wait_for("demo: scenario default");
        let killed = Command::new("pkill")
            .args([
                &format!("-{signal}"),
                "-f",
                &format!("{} --seed {seed}$", env!("CARGO_BIN_EXE_wheelhouse")),
            ])
            .status()
            .unwrap();
        assert!(killed.success(), "signal sent");
        t.wait_for(&format!("EXITED:{code}"));
        assert_eq!(
            t.tmux(&["display", "-p", "-t", &t.session, "#{alternate_on}"])
                .trim(),
            "0",
            "SIG{signal}"
        );
    }
}

fn display(t: &Tmux, what: &str) -> String {
    t.tmux(&["display", "-p", "-t", &t.session, what])
        .trim()
        .to_string()
}

/// Ctrl-Z (and SIGTSTP from outside) stops the cockpit as a job with the terminal
/// restored; `fg` brings it back in raw mode, repainted. A SIGSTOP from outside leaves the
/// terminal to the shell; `fg` (SIGCONT) repaints too.
#[test]
fn ctrl_z_suspends_and_fg_resumes_repainted() {
    let dir = support::temp_dir("tmux-suspend");
    let t = Tmux::new("suspend");
    t.start(110, 32);
    let bin = env!("CARGO_BIN_EXE_wheelhouse");
    // No `; echo` after it: a shell runs the rest of a list as soon as a job stops.
    let cmd = format!(
        "WHEELHOUSE_DATA_DIR={d} HOME={d} {bin} --seed 7705",
        d = dir.display()
    );
    t.send(&[&cmd, "Enter"]);
    t.wait_for("demo: scenario default");
    let signal = |sig: &str| {
        let ok = Command::new("pkill")
            .args([sig, "-f", &format!("{bin} --seed 7705$")])
            .status()
            .unwrap();
        assert!(ok.success(), "{sig}");
    };
    let back = |t: &Tmux| {
        t.send(&["clear; fg", "Enter"]);
        let s = t.wait_for("demo: scenario default");
        assert!(
            s.contains("Platform") && !s.contains("Stopped"),
            "repainted: {s}"
        );
        assert_eq!(display(t, "#{alternate_on}"), "1");
        // Raw mode again: a single key acts without Enter.
        t.send(&["?"]);
        t.wait_for("Keys (from the active keymap)");
        t.send(&["Escape"]);
        // Closed before the next key: an Escape read together with it would be Alt+key.
        t.wait_until("the help closed", std::time::Duration::from_secs(10), |s| {
            !s.contains("Keys (from the active keymap)")
        });
    };
    t.send(&["C-z"]);
    let s = t.wait_for("Stopped");
    assert_eq!(
        display(&t, "#{alternate_on}"),
        "0",
        "terminal restored: {s}"
    );
    // The shell works normally while the cockpit is stopped (cooked mode, echo on).
    t.send(&["echo still-$((40+2))", "Enter"]);
    t.wait_for("still-42");
    back(&t);
    signal("-TSTP");
    t.wait_for("Stopped");
    assert_eq!(display(&t, "#{alternate_on}"), "0");
    back(&t);
    signal("-STOP");
    t.wait_for("Stopped");
    back(&t);
    t.send(&["q"]);
    let start = std::time::Instant::now();
    while display(&t, "#{alternate_on}") != "0" {
        assert!(start.elapsed().as_secs() < 10, "did not quit");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    t.send(&["clear; echo EXITED:$?", "Enter"]);
    t.wait_for("EXITED:0");
    assert_eq!(display(&t, "#{alternate_on}"), "0");
    let log = std::fs::read_to_string(dir.join("wheelhouse.log")).unwrap();
    assert!(
        log.contains("suspended") && log.contains("repainting"),
        "{log}"
    );
}

/// `y` puts the selected path on the terminal's clipboard through OSC 52: tmux with
/// `set-clipboard on` takes it into its paste buffer, as it would pass it to the terminal
/// of someone connected over SSH.
#[test]
fn y_copies_the_selection_to_the_terminal_clipboard() {
    let dir = support::temp_dir("tmux-copy");
    let t = Tmux::new("copy");
    t.start(120, 36);
    t.tmux(&["set-option", "-s", "set-clipboard", "on"]);
    // What the cockpit writes, byte for byte.
    let raw = dir.join("pane.raw");
    t.tmux(&[
        "pipe-pane",
        "-t",
        &t.session,
        "-o",
        &format!("cat >> {}", raw.display()),
    ]);
    t.run_demo(&dir);
    t.wait_for("demo: scenario default");
    t.goto("trade/prod/order");
    t.wait_for("trade/prod/order");
    t.send(&["y"]);
    t.wait_for("copied: trade/prod/order");
    let mut buffer = String::new();
    for _ in 0..50 {
        buffer = t.tmux(&["show-buffer"]);
        if buffer == "trade/prod/order" {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert_eq!(buffer, "trade/prod/order");
    t.send(&["q"]);
    t.wait_for("EXITED:0");
    // Every frame is a synchronized update (begun and ended: nothing flickers over a slow
    // link), and the copy went out as OSC 52.
    let (mut bytes, mut begun, mut ended) = (String::new(), 0, 1);
    for _ in 0..50 {
        // pipe-pane's reader may still be writing the last bytes.
        bytes = String::from_utf8_lossy(&std::fs::read(&raw).unwrap_or_default()).to_string();
        begun = bytes.matches("\x1b[?2026h").count();
        ended = bytes.matches("\x1b[?2026l").count();
        if begun == ended && bytes.contains("\x1b]52;") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(begun >= 3 && begun == ended, "{begun} begun, {ended} ended");
    assert!(bytes.contains("\x1b]52;c;dHJhZGUvcHJvZC9vcmRlcg==\x07"));
}

/// A release train in the real cockpit: started from the overview with the production
/// environment's name typed, its record and state written by the runtime; the cockpit
/// quit mid-train leaves the train on disk, and a cockpit started again picks it up.
#[test]
fn a_train_left_mid_way_is_picked_up_by_the_next_cockpit() {
    let dir = support::temp_dir("tmux-train");
    let t = Tmux::new("train");
    t.start(160, 45);
    t.run_demo(&dir);
    t.wait_for("demo: scenario default");
    t.goto("trade/gray");
    t.send(&["1"]);
    t.send(&["m", "m"]);
    t.wait_for("Confirm train: promote trade sandbox → gray");
    t.send(&["-l", "gray"]);
    t.send(&["Enter"]);
    t.wait_for("⇶ promote trade sandbox → gray  running");
    let file = dir.join("trains").join("trade~gray.json");
    let saved = t.wait_until(
        "the train saved",
        std::time::Duration::from_secs(10),
        |_| std::fs::read_to_string(&file).is_ok_and(|s| s.contains("\"settling\"")),
    );
    assert!(saved.contains("running"), "{saved}");
    t.send(&["q"]);
    t.wait_for("EXITED:0");
    let on_disk = std::fs::read_to_string(&file).expect("the train stays on disk");
    assert!(on_disk.contains("\"state\": \"running\""), "{on_disk}");
    let audit = std::fs::read_to_string(dir.join("audit.jsonl")).unwrap();
    assert!(
        audit.contains("\"title\":\"promote trade sandbox → gray\""),
        "{audit}"
    );
    assert!(audit.contains("typed \\\"gray\\\""), "{audit}");
    t.send(&["clear", "Enter"]);
    t.run_demo(&dir);
    t.wait_for("picked up from disk");
    t.goto("trade/gray");
    t.send(&["1"]);
    t.wait_for("⇶ promote trade sandbox → gray");
    t.send(&["q"]);
    t.wait_for("EXITED:0");
}
