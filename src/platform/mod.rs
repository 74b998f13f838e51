//! Platforms: where services run. Each platform runs as a worker task that owns its
//! connection, sends [`PlatformEvent`]s to the app and takes [`PlatformRequest`]s.
//! The demo platform is embedded; kube and docker platforms plug in the same way.

pub mod contract;
pub mod demo;
pub mod docker;
pub mod error;
pub mod handle;
pub mod kube;
pub mod mixed;
pub mod session;

pub use error::PlatformError;
pub use handle::{PlatformHandle, PlatformRequest};

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
    Telemetry(crate::telemetry::status::SourceStatus),
}
