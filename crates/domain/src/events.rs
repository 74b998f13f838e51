//! Events the platform records about a service's objects (Kubernetes Events of its
//! Deployments, ReplicaSets and pods): the service view lists them, newest first.

use serde::{Deserialize, Serialize};

/// One event, deduplicated by the platform (`count` repeats).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectEvent {
    /// The object it is about, as `kind/name` (`pod/order-7d9-abc`).
    pub object: String,
    pub warning: bool,
    pub reason: String,
    pub message: String,
    pub count: u32,
    /// When it last happened (Unix seconds).
    pub last: i64,
}

/// At most this many events per service are kept, newest first.
pub const KEPT: usize = 20;

/// Newest first, at most [`KEPT`].
pub fn newest(mut events: Vec<ObjectEvent>) -> Vec<ObjectEvent> {
    events.sort_by(|a, b| b.last.cmp(&a.last).then_with(|| a.object.cmp(&b.object)));
    events.truncate(KEPT);
    events
}
