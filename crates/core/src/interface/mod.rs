//! The platform interface: what every layer shares about platforms and the call-record
//! source (connection state, platform info, errors, the events workers send, the requests
//! they take). The app and the UI read these types; they never reach into a platform.

mod error;
mod telemetry;

pub use error::PlatformError;
pub use telemetry::{Reject, RejectCounts, SourceStatus};

use crate::domain::change::{ChangeRequest, FieldChange};
use crate::domain::traffic::TrafficFrame;
use crate::domain::{EnvKey, Snapshot};
use serde::Serialize;
use std::sync::Arc;

/// What the status line says about the platform.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlatformInfo {
    /// "demo", "kube" or "docker".
    pub kind: String,
    /// The kube context, the Docker engine, or the demo scenario.
    pub target: String,
}

/// Connection state of a platform worker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Connection {
    Connecting,
    Live,
    /// Lost, retrying; the text says why.
    Retrying(String),
}

/// The result of a write.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Applied {
    pub request: ChangeRequest,
    pub changes: Vec<FieldChange>,
    /// The revision the object has after the write.
    pub revision: String,
}

/// Everything a platform worker tells the app.
#[derive(Debug, Clone)]
pub enum PlatformEvent {
    /// The whole current picture (latest wins).
    Snapshot(Arc<Snapshot>),
    /// Completed seconds of traffic per environment.
    Traffic(Vec<(EnvKey, TrafficFrame)>),
    /// The dry-run result for a confirmation dialog.
    Previewed {
        id: u64,
        result: Result<Vec<FieldChange>, PlatformError>,
    },
    Applied {
        id: u64,
        result: Result<Applied, PlatformError>,
    },
    Connection(Connection),
    /// Something worth a line in the events view.
    Notice(String),
    /// Lines of a log tail opened with [`PlatformRequest::Logs`]; `note` says something
    /// about the tail itself (a container stopped, logs not available…).
    Logs {
        id: u64,
        lines: Vec<crate::domain::logs::LogLine>,
        note: Option<String>,
    },
    /// The engine's images (platforms that have an image list).
    Images(Vec<crate::domain::image::ImageInfo>),
    /// How the call-record stream is doing (once a second, when one is configured).
    Telemetry(SourceStatus),
}

#[derive(Debug, Clone)]
pub enum PlatformRequest {
    /// Server-side dry run of a change, for the confirmation dialog.
    Preview {
        id: u64,
        request: ChangeRequest,
    },
    /// The write itself.
    Apply {
        id: u64,
        request: ChangeRequest,
    },
    /// Start tailing a service's logs (the last lines, then follow); lines arrive as
    /// [`PlatformEvent::Logs`] with the same id until [`PlatformRequest::StopLogs`].
    Logs {
        id: u64,
        target: crate::domain::ServiceKey,
        /// The previous containers' logs (of pods whose containers restarted), not followed.
        previous: bool,
    },
    StopLogs {
        id: u64,
    },
}
