//! The real binary in a real terminal (tmux): start, navigate, act, quit; the terminal is
//! left clean. Fails (never skips) when tmux is missing.

mod support;

use std::process::Command;
use support::tmux::Tmux;

#[test]
fn start_navigate_scale_and_quit_leaves_the_terminal_clean() {
    let dir = support::temp_dir("tmux");
    let t = Tmux::new("e2e");
    t.start(120, 36);
    let cmd = format!(
        "WHEELHOUSE_DATA_DIR={d} WHEELHOUSE_CONFIG_DIR={d}/cfg HOME={d} {bin}; echo EXITED:$?",
        d = dir.display(),
        bin = env!("CARGO_BIN_EXE_wheelhouse")
    );
    t.send(&[&cmd, "Enter"]);
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
    // Navigate: trade → first environment → first service, open it.
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
fn sigterm_and_sighup_restore_the_terminal() {
    for (signal, seed) in [("TERM", "7701"), ("HUP", "7702")] {
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
        t.wait_for("EXITED:");
        assert_eq!(
            t.tmux(&["display", "-p", "-t", &t.session, "#{alternate_on}"])
                .trim(),
            "0",
            "SIG{signal}"
        );
    }
}
