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
    /// A train's record was written (it may start), or could not be (it does not).
    TrainRecorded {
        env: crate::domain::EnvKey,
        result: Result<(), String>,
    },
    /// A train left unfinished by an earlier cockpit, read from disk at start.
    TrainLoaded(Box<crate::domain::train::Train>),
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
        intent: Box<AuditRecord>,
    },
    /// The result record of a write.
    Audit(AuditRecord),
    /// A train's record; with `answer`, `Event::TrainRecorded` says whether it was written.
    TrainRecord {
        record: Box<super::audit::TrainRecord>,
        answer: Option<crate::domain::EnvKey>,
    },
    /// Save a train's state (a cockpit started again picks it up).
    SaveTrain(Box<crate::domain::train::Train>),
    /// The environment's train is over: its saved state goes.
    ForgetTrain(crate::domain::EnvKey),
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
