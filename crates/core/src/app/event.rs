//! Events into `update` and commands out of it.

pub use super::audit::AuditRecord;
use crate::domain::change::ChangeRequest;
use crate::interface::{PlatformEvent, PlatformRequest};
use crossterm::event::KeyEvent;

#[derive(Debug, Clone)]
pub enum Event {
    Key(KeyEvent),
    Resize(u16, u16),
    /// Housekeeping tick with the wall-clock time (unix seconds).
    Tick(i64),
    Platform(Box<PlatformEvent>),
    /// A problem found outside the platform (a bad theme or keymap file…).
    Problem(String),
    /// A write was not sent: its intent could not be written to the audit log.
    WriteRefused {
        id: u64,
        reason: String,
    },
}

/// What `update` asks the runtime to do.
#[derive(Debug, Clone)]
pub enum Command {
    Platform(PlatformRequest),
    /// A write: append (and sync) its intent to the audit log, then send it; when the
    /// record cannot be written, send nothing and answer `Event::WriteRefused`.
    Write {
        id: u64,
        request: ChangeRequest,
        intent: AuditRecord,
    },
    /// The result record of a write.
    Audit(AuditRecord),
    /// Put text on the terminal's clipboard (OSC 52: works over SSH and in tmux).
    Copy(String),
    /// Ring the terminal's bell; with a notification text, also send it as a desktop
    /// notification (OSC 777 and OSC 9, which travel over SSH).
    Bell {
        notification: Option<String>,
    },
}

impl From<PlatformEvent> for Event {
    fn from(event: PlatformEvent) -> Self {
        Event::Platform(Box::new(event))
    }
}
