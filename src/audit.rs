//! The audit log: append-only JSON lines (audit.jsonl in the data directory), one record
//! per line, each synced to disk before `append` returns. A write's intent record is
//! appended before the write is sent: when it cannot be written the write is refused.
//!
//! Crash safety: every record is one `write` of the whole line on an append-only
//! descriptor, then `fdatasync`. Should a crash still leave a torn last line (no newline),
//! the next append first ends it with a newline, so the torn fragment stays a line of its
//! own and never swallows the next record; [`read`] skips such lines and names them.

use serde_json::{Value, json};
use std::fmt;
use std::io::Write;
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub struct AuditLog {
    path: PathBuf,
}

/// The audit log cannot be written: the path and the operating system's reason.
#[derive(Debug)]
pub struct AuditError {
    pub path: PathBuf,
    pub reason: std::io::Error,
}

impl fmt::Display for AuditError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the audit log {} cannot be written: {}",
            self.path.display(),
            self.reason
        )
    }
}

impl std::error::Error for AuditError {}

impl AuditLog {
    pub fn new(path: PathBuf) -> Self {
        AuditLog { path }
    }

    pub fn path(&self) -> &PathBuf {
        &self.path
    }

    /// Appends one record stamped with the current time and this process's id, and syncs it.
    pub fn append(&self, record: &impl serde::Serialize) -> Result<(), AuditError> {
        let mut value =
            serde_json::to_value(record).map_err(|e| self.error(&self.path, e.into()))?;
        let time = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        if let Some(obj) = value.as_object_mut() {
            obj.insert("time".into(), json!(time));
            obj.insert("pid".into(), json!(std::process::id()));
        }
        let mut line = value.to_string();
        line.push('\n');
        self.append_line(line.as_bytes())
    }

    /// Whether a record could be appended now (the directory and file open for appending);
    /// writes nothing. The cockpit warns at start when it cannot.
    pub fn check(&self) -> Result<(), AuditError> {
        self.open().map(|_| ())
    }

    fn error(&self, path: &Path, reason: std::io::Error) -> AuditError {
        AuditError {
            path: path.to_path_buf(),
            reason,
        }
    }

    fn open(&self) -> Result<std::fs::File, AuditError> {
        if let Some(dir) = self.path.parent()
            && !dir.as_os_str().is_empty()
        {
            // A file where a directory should be: name it (mkdir would say "File exists").
            if let Some(file) = dir.ancestors().find(|a| a.exists()).filter(|a| !a.is_dir()) {
                return Err(self.error(file, std::io::Error::from_raw_os_error(libc::ENOTDIR)));
            }
            std::fs::create_dir_all(dir).map_err(|e| self.error(dir, e))?;
        }
        std::fs::OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .mode(0o600)
            .open(&self.path)
            .map_err(|e| self.error(&self.path, e))
    }

    fn append_line(&self, line: &[u8]) -> Result<(), AuditError> {
        let existed = self.path.exists();
        let mut file = self.open()?;
        let err = |e| self.error(&self.path, e);
        if !existed {
            self.sync_dir()?;
        }
        let len = file.metadata().map_err(err)?.len();
        let mut buf = Vec::with_capacity(line.len() + 1);
        if len > 0 {
            let mut last = [0u8; 1];
            file.read_exact_at(&mut last, len - 1).map_err(err)?;
            if last[0] != b'\n' {
                buf.push(b'\n');
            }
        }
        buf.extend_from_slice(line);
        file.write_all(&buf).map_err(err)?;
        file.sync_data().map_err(err)
    }
}

impl AuditLog {
    /// A file just created exists after a crash only once its directory entry is on disk.
    fn sync_dir(&self) -> Result<(), AuditError> {
        let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) else {
            return Ok(());
        };
        std::fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| self.error(dir, e))
    }
}

/// What a reader finds in an audit log: the records, and the lines that are not records
/// (1-based), e.g. the torn end of a write a crash interrupted.
#[derive(Debug, Default)]
pub struct Contents {
    pub records: Vec<Value>,
    pub broken_lines: Vec<usize>,
}

/// Reads an audit log, skipping (and naming) lines that do not parse.
pub fn read(path: &Path) -> std::io::Result<Contents> {
    let text = std::fs::read(path)?;
    let mut out = Contents::default();
    for (i, line) in text.split(|b| *b == b'\n').enumerate() {
        if line.is_empty() {
            continue;
        }
        match serde_json::from_slice::<Value>(line) {
            Ok(v) if v.is_object() => out.records.push(v),
            _ => out.broken_lines.push(i + 1),
        }
    }
    Ok(out)
}
