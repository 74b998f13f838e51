//! Events into `update` and commands out of it.

use crate::domain::change::{Change, ChangeRequest, FieldChange};
use crate::platform::{PlatformEvent, PlatformRequest};
use crossterm::event::KeyEvent;
use serde::Serialize;

#[derive(Debug, Clone)]
pub enum Event {
    Key(KeyEvent),
    Resize(u16, u16),
    /// Housekeeping tick with the wall-clock time (unix seconds).
    Tick(i64),
    Platform(Box<PlatformEvent>),
    /// A problem found outside the platform (a bad theme or keymap file…).
    Problem(String),
}

/// One line of the audit log (JSON lines).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditRecord {
    pub user: String,
    pub platform: String,
    pub target: String,
    pub action: Change,
    pub before: Vec<(String, String)>,
    pub after: Vec<(String, String)>,
    pub result: String,
}

impl AuditRecord {
    pub fn new(
        user: &str,
        platform: &str,
        request: &ChangeRequest,
        changes: &[FieldChange],
        result: Result<(), String>,
    ) -> Self {
        AuditRecord {
            user: user.to_string(),
            platform: platform.to_string(),
            target: request.target.to_string(),
            action: request.change.clone(),
            before: changes
                .iter()
                .map(|c| (c.field.clone(), c.before.clone()))
                .collect(),
            after: changes
                .iter()
                .map(|c| (c.field.clone(), c.after.clone()))
                .collect(),
            result: match result {
                Ok(()) => "ok".into(),
                Err(e) => format!("error: {e}"),
            },
        }
    }
}

/// What `update` asks the runtime to do.
#[derive(Debug, Clone)]
pub enum Command {
    Platform(PlatformRequest),
    Audit(AuditRecord),
}

impl From<PlatformEvent> for Event {
    fn from(event: PlatformEvent) -> Self {
        Event::Platform(Box::new(event))
    }
}
