//! The app's handle on a platform worker. Read-only is enforced here as well as in the
//! action layer: a handle opened read-only never forwards a write.

use super::{PlatformError, PlatformEvent, PlatformInfo, PlatformRequest};
use tokio::sync::mpsc;

#[derive(Debug, Clone)]
pub struct PlatformHandle {
    pub info: PlatformInfo,
    pub read_only: bool,
    requests: mpsc::UnboundedSender<PlatformRequest>,
    events: mpsc::UnboundedSender<PlatformEvent>,
}

impl PlatformHandle {
    pub fn new(
        info: PlatformInfo,
        read_only: bool,
        requests: mpsc::UnboundedSender<PlatformRequest>,
        events: mpsc::UnboundedSender<PlatformEvent>,
    ) -> Self {
        PlatformHandle {
            info,
            read_only,
            requests,
            events,
        }
    }

    pub fn send(&self, request: PlatformRequest) {
        if let PlatformRequest::Apply { id, .. } = &request
            && self.read_only
        {
            let _ = self.events.send(PlatformEvent::Applied {
                id: *id,
                result: Err(PlatformError::ReadOnly),
            });
            return;
        }
        if self.requests.send(request).is_err() {
            let _ = self.events.send(PlatformEvent::Notice(
                "the platform worker has stopped; restart wheelhouse".into(),
            ));
        }
    }
}
