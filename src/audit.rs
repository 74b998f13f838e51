//! The audit log: one JSON line per executed write (time, user, platform, target, before,
//! after, result), appended to audit.jsonl in the data directory.

use crate::app::AuditRecord;
use serde_json::json;
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, Clone)]
pub struct AuditLog {
    path: PathBuf,
}

impl AuditLog {
    pub fn new(path: PathBuf) -> Self {
        AuditLog { path }
    }

    pub fn path(&self) -> &PathBuf {
        &self.path
    }

    /// Appends one record stamped with the current time.
    pub fn append(&self, record: &AuditRecord) -> std::io::Result<()> {
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let time = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        let mut value = serde_json::to_value(record).map_err(std::io::Error::other)?;
        if let Some(obj) = value.as_object_mut() {
            obj.insert("time".into(), json!(time));
            obj.insert(
                "before".into(),
                json!(
                    record
                        .before
                        .iter()
                        .cloned()
                        .collect::<std::collections::BTreeMap<_, _>>()
                ),
            );
            obj.insert(
                "after".into(),
                json!(
                    record
                        .after
                        .iter()
                        .cloned()
                        .collect::<std::collections::BTreeMap<_, _>>()
                ),
            );
        }
        let mut line = serde_json::to_string(&value).map_err(std::io::Error::other)?;
        line.push('\n');
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)?;
        file.write_all(line.as_bytes())
    }
}
