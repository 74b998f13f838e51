//! What a subcommand prints and how it ends: one [`Outcome`] per run, written by [`emit`].
//! Errors of `-o json` commands are JSON on stdout as well as text on stderr; text from
//! outside is made safe for the terminal; a closed stdout (`| head`) ends quietly.

use super::Output;
use crate::domain::text::clean_text;
use serde_json::json;
use std::io::Write;

/// Exit codes, as documented in `--help` and the README.
pub mod exit {
    pub const OK: i32 = 0;
    pub const ERROR: i32 = 1;
    pub const INVALID: i32 = 2;
    pub const REFUSED: i32 = 3;
    pub const NOT_FOUND: i32 = 4;
    pub const CONFLICT: i32 = 5;
    pub const UNAVAILABLE: i32 = 6;
    /// The audit log cannot be written: the write was refused before anything was sent.
    pub const AUDIT: i32 = 7;
    /// stdout was closed by its reader (128 + SIGPIPE, as a shell reports it).
    pub const BROKEN_PIPE: i32 = 141;
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Outcome {
    pub fn ok(stdout: String) -> Outcome {
        Outcome {
            code: exit::OK,
            stdout,
            stderr: String::new(),
        }
    }

    /// A failure: the message on stderr, and for JSON output an error object on stdout.
    pub fn fail(code: i32, msg: impl Into<String>, output: Output) -> Outcome {
        let msg = msg.into();
        let stdout = match output {
            Output::Json => json!({ "ok": false, "error": msg, "exit_code": code }).to_string(),
            Output::Text => String::new(),
        };
        Outcome {
            code,
            stdout,
            stderr: format!("wheelhouse: {msg}"),
        }
    }

    /// A warning beside a result (stderr).
    pub fn warn(&mut self, msg: &str) {
        if !self.stderr.is_empty() {
            self.stderr.push('\n');
        }
        self.stderr.push_str("wheelhouse: ");
        self.stderr.push_str(msg);
    }
}

/// Writes the outcome and returns the exit code. Nothing written here can move the
/// cursor or change the terminal (control characters from outside are shown in caret
/// notation); a reader that went away ends the run quietly with 141.
pub fn emit(o: &Outcome) -> i32 {
    if !o.stdout.is_empty() {
        let mut text = clean_text(o.stdout.trim_end()).into_owned();
        text.push('\n');
        let mut out = std::io::stdout().lock();
        match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return exit::BROKEN_PIPE,
            Err(_) => return exit::ERROR,
        }
    }
    if !o.stderr.is_empty() {
        let mut err = std::io::stderr().lock();
        let _ = writeln!(err, "{}", clean_text(o.stderr.trim_end()));
    }
    o.code
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_failures_are_json_on_stdout_and_text_on_stderr() {
        let o = Outcome::fail(exit::NOT_FOUND, "service x not found", Output::Json);
        let v: serde_json::Value = serde_json::from_str(&o.stdout).unwrap_or_default();
        assert_eq!(v["ok"], false);
        assert_eq!(v["exit_code"], 4);
        assert_eq!(o.stderr, "wheelhouse: service x not found");
        let t = Outcome::fail(exit::NOT_FOUND, "nope", Output::Text);
        assert!(t.stdout.is_empty());
    }
}
