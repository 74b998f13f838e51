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
    /// `attention`: warnings (nothing critical).
    pub const ATTENTION_WARNING: i32 = 8;
    /// `attention`: something critical.
    pub const ATTENTION_CRITICAL: i32 = 9;
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
        let text = clean_text(o.stdout.trim_end());
        let mut out = std::io::stdout().lock();
        let written = out
            .write_all(text.as_bytes())
            .and_then(|()| out.write_all(b"\n"))
            .and_then(|()| out.flush());
        if let Err(e) = written {
            return written_code(&e);
        }
    }
    if !o.stderr.is_empty() {
        let mut err = std::io::stderr().lock();
        let _ = writeln!(err, "{}", clean_text(o.stderr.trim_end()));
    }
    o.code
}

fn written_code(e: &std::io::Error) -> i32 {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        exit::BROKEN_PIPE
    } else {
        exit::ERROR
    }
}

/// Writes `value` to stdout as pretty JSON while it is serialized, without holding the
/// whole text (a cluster's status is tens of megabytes), made safe for the terminal as
/// [`emit`] does. The outcome carries only the exit code.
pub fn stream_json(value: &impl serde::Serialize) -> Outcome {
    let stdout = std::io::stdout();
    let mut out = Clean(std::io::BufWriter::with_capacity(64 * 1024, stdout.lock()));
    let written = serde_json::to_writer_pretty(&mut out, value)
        .map_err(std::io::Error::from)
        .and_then(|()| out.write_all(b"\n"))
        .and_then(|()| out.flush());
    Outcome {
        code: written.as_ref().map_or_else(written_code, |()| exit::OK),
        stdout: String::new(),
        stderr: match written {
            Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => format!("wheelhouse: {e}"),
            _ => String::new(),
        },
    }
}

/// A writer that makes what passes through safe for the terminal (serde_json writes text
/// in whole characters; control characters in strings are already escaped by it).
struct Clean<W: Write>(W);

impl<W: Write> Write for Clean<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match std::str::from_utf8(buf) {
            Ok(text) => self.0.write_all(clean_text(text).as_bytes())?,
            Err(_) => self
                .0
                .write_all(&String::from_utf8_lossy(buf).into_owned().into_bytes())?,
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
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

    #[test]
    fn streamed_json_is_made_safe_for_the_terminal_and_stays_json() {
        let mut out = Clean(Vec::new());
        let value = json!({ "name": "evil\u{9b}2J\u{1b}]52;c;AAAA\u{7}", "ok": "plain é" });
        serde_json::to_writer_pretty(&mut out, &value).unwrap();
        let text = String::from_utf8(out.0).unwrap();
        assert!(
            !text.contains('\u{9b}') && !text.contains('\u{1b}'),
            "{text}"
        );
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back["ok"], "plain é");
    }
}
