//! A real terminal for the real binary: tmux with send-keys and capture-pane.

use std::process::Command;
use std::time::{Duration, Instant};

pub struct Tmux {
    pub socket: String,
    pub session: String,
}

impl Tmux {
    pub fn new(name: &str) -> Tmux {
        let t = Tmux {
            socket: format!("wh-{name}-{}", std::process::id()),
            session: "main".into(),
        };
        let ok = Command::new("tmux").arg("-V").output();
        assert!(
            ok.is_ok_and(|o| o.status.success()),
            "tmux is required for this test (scripts/setup.sh installs it)"
        );
        t
    }

    pub fn tmux(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).to_string()
    }

    pub fn start(&self, width: u16, height: u16) {
        let out = Command::new("tmux")
            .args([
                "-L",
                &self.socket,
                "-f",
                "/dev/null",
                "new-session",
                "-d",
                "-s",
                &self.session,
            ])
            .args(["-x", &width.to_string(), "-y", &height.to_string()])
            .args([
                "env",
                "-i",
                "PATH=/usr/bin:/bin",
                "TERM=xterm-256color",
                "PS1=$ ",
                "bash",
                "--norc",
                "--noprofile",
            ])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    pub fn send(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", &self.session];
        args.extend_from_slice(keys);
        self.tmux(&args);
    }

    pub fn screen(&self) -> String {
        self.tmux(&["capture-pane", "-p", "-t", &self.session])
    }

    /// Starts the cockpit on the demo in the shell of the session, in a private data and
    /// config dir; `echo EXITED:$?` follows it.
    pub fn run_demo(&self, dir: &std::path::Path) {
        let cmd = format!(
            "WHEELHOUSE_DATA_DIR={d} WHEELHOUSE_CONFIG_DIR={d}/cfg HOME={d} {bin}; echo EXITED:$?",
            d = dir.display(),
            bin = env!("CARGO_BIN_EXE_wheelhouse")
        );
        self.send(&[&cmd, "Enter"]);
    }

    /// Selects `path` through the palette: types it, waits until the palette offers it
    /// (the tree may still be arriving), then takes it.
    pub fn goto(&self, path: &str) {
        self.send(&[":"]);
        self.send(&["-l", path]);
        let shown: String = path.chars().take(29).collect();
        self.wait_for(&format!("go to  {shown}"));
        self.send(&["Enter"]);
    }

    pub fn wait_for(&self, text: &str) -> String {
        self.wait_for_within(text, Duration::from_secs(20))
    }

    pub fn wait_for_within(&self, text: &str, limit: Duration) -> String {
        self.wait_until(text, limit, |s| s.contains(text))
    }

    /// Waits until a screen satisfies `ready` (`what` names it in the failure).
    pub fn wait_until(&self, what: &str, limit: Duration, ready: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if ready(&s) {
                return s;
            }
            assert!(
                start.elapsed() < limit,
                "timed out waiting for {what:?}; screen:\n{s}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .output();
    }
}
