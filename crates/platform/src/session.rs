//! A platform as the command line uses it: look, preview, apply, let time pass. The demo
//! platform is driven directly (time is simulated); a live platform (kube) is driven
//! through its worker, exactly as the cockpit drives it.

use super::demo::DemoPlatform;
use super::{
    Applied, Connection, PlatformError, PlatformEvent, PlatformHandle, PlatformInfo,
    PlatformRequest,
};
use crate::domain::change::{ChangeRequest, FieldChange};
use crate::domain::image::ImageInfo;
use crate::domain::logs::LogLine;
use crate::domain::traffic::TrafficFrame;
use crate::domain::{EnvKey, ServiceKey, Snapshot};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

pub trait Session {
    fn info(&self) -> PlatformInfo;
    fn snapshot(&self) -> Snapshot;
    /// The picture without a copy where the platform shares one (a whole cluster's).
    fn shared_snapshot(&self) -> Arc<Snapshot> {
        Arc::new(self.snapshot())
    }
    fn preview(
        &mut self,
        r: &ChangeRequest,
    ) -> impl Future<Output = Result<Vec<FieldChange>, PlatformError>>;
    fn apply(&mut self, r: &ChangeRequest) -> impl Future<Output = Result<Applied, PlatformError>>;
    /// Lets `seconds` pass and returns the traffic seen meanwhile.
    fn pass(&mut self, seconds: f64) -> impl Future<Output = Vec<(EnvKey, TrafficFrame)>>;
    /// Said after every write (the demo platform forgets everything on exit).
    fn note(&self) -> Option<&'static str>;
    /// The platform's images (or the services' images where it lists none).
    fn images(&mut self) -> impl Future<Output = Vec<ImageInfo>>;
    /// The last lines of a service's logs (or of its previous containers), collected for
    /// up to `wait` seconds.
    fn logs(
        &mut self,
        key: &ServiceKey,
        lines: usize,
        wait: f64,
        previous: bool,
    ) -> impl Future<Output = (Vec<LogLine>, Option<String>)>;
}

impl Session for DemoPlatform {
    fn info(&self) -> PlatformInfo {
        DemoPlatform::info(self)
    }
    fn snapshot(&self) -> Snapshot {
        DemoPlatform::snapshot(self)
    }
    async fn preview(&mut self, r: &ChangeRequest) -> Result<Vec<FieldChange>, PlatformError> {
        DemoPlatform::preview(self, r)
    }
    async fn apply(&mut self, r: &ChangeRequest) -> Result<Applied, PlatformError> {
        DemoPlatform::apply(self, r)
    }
    async fn pass(&mut self, seconds: f64) -> Vec<(EnvKey, TrafficFrame)> {
        self.advance(seconds)
    }
    fn note(&self) -> Option<&'static str> {
        Some("demo platform: a fresh simulation, nothing persists after this command")
    }
    async fn images(&mut self) -> Vec<ImageInfo> {
        crate::domain::image::from_snapshot(&DemoPlatform::snapshot(self))
    }
    async fn logs(
        &mut self,
        key: &ServiceKey,
        lines: usize,
        _wait: f64,
        previous: bool,
    ) -> (Vec<LogLine>, Option<String>) {
        if previous {
            let note = "the demo platform keeps no previous container logs".to_string();
            return (Vec::new(), Some(note));
        }
        let mut rng = crate::domain::rng::Rng::new(0x10c5);
        let snapshot = DemoPlatform::snapshot(self);
        let out = super::demo::logs::lines(&snapshot, key, self.now_unix(), lines, &mut rng);
        let note = out
            .is_empty()
            .then(|| format!("{key} has no ready replicas"));
        (out, note)
    }
}

/// How long a write may take to come back through the watches.
const WRITE_SEEN_TIMEOUT: Duration = Duration::from_secs(10);

/// A platform worker driven from the command line.
pub struct Remote {
    handle: PlatformHandle,
    events: mpsc::UnboundedReceiver<PlatformEvent>,
    snapshot: Arc<Snapshot>,
    connection: Connection,
    next_id: u64,
    images: Option<Vec<ImageInfo>>,
}

impl Remote {
    /// Waits until the worker has a complete picture, or says why it has none.
    pub async fn open(
        handle: PlatformHandle,
        events: mpsc::UnboundedReceiver<PlatformEvent>,
        timeout: Duration,
    ) -> Result<Remote, PlatformError> {
        let mut r = Remote {
            handle,
            events,
            snapshot: Arc::new(Snapshot::default()),
            connection: Connection::Connecting,
            next_id: 1,
            images: None,
        };
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if r.connection == Connection::Live {
                // The first snapshot follows Live within one publish interval.
                let _ = tokio::time::timeout(Duration::from_millis(500), r.wait_snapshot()).await;
                return Ok(r);
            }
            match tokio::time::timeout_at(deadline, r.events.recv()).await {
                Ok(Some(e)) => r.absorb(e),
                Ok(None) => {
                    return Err(PlatformError::Unavailable {
                        reason: "the platform worker stopped".into(),
                    });
                }
                Err(_) => {
                    let why = match &r.connection {
                        Connection::Retrying(why) => why.clone(),
                        _ => "no complete list from the API server yet".into(),
                    };
                    return Err(PlatformError::Unavailable {
                        reason: format!(
                            "{} after {}s: {why}",
                            r.handle.info.target,
                            timeout.as_secs()
                        ),
                    });
                }
            }
        }
    }

    async fn wait_snapshot(&mut self) {
        while let Some(e) = self.events.recv().await {
            let is_snapshot = matches!(e, PlatformEvent::Snapshot(_));
            self.absorb(e);
            if is_snapshot {
                return;
            }
        }
    }

    fn absorb(&mut self, e: PlatformEvent) {
        match e {
            PlatformEvent::Snapshot(s) => self.snapshot = s,
            PlatformEvent::Connection(c) => self.connection = c,
            PlatformEvent::Notice(text) => tracing::info!(%text, "platform notice"),
            PlatformEvent::Images(i) => self.images = Some(i),
            _ => {}
        }
    }

    /// Sends a preview or an apply (`id` is its id) and waits for its answer.
    async fn answer(&mut self, id: u64, request: PlatformRequest) -> PlatformEvent {
        self.handle.send(request);
        while let Some(e) = self.events.recv().await {
            match e {
                PlatformEvent::Previewed { id: got, .. }
                | PlatformEvent::Applied { id: got, .. }
                    if got == id =>
                {
                    return e;
                }
                other => self.absorb(other),
            }
        }
        PlatformEvent::Applied {
            id,
            result: Err(PlatformError::Unavailable {
                reason: "the platform worker stopped".into(),
            }),
        }
    }
}

impl Session for Remote {
    fn info(&self) -> PlatformInfo {
        self.handle.info.clone()
    }
    fn snapshot(&self) -> Snapshot {
        (*self.snapshot).clone()
    }
    fn shared_snapshot(&self) -> Arc<Snapshot> {
        self.snapshot.clone()
    }
    async fn preview(&mut self, r: &ChangeRequest) -> Result<Vec<FieldChange>, PlatformError> {
        self.next_id += 1;
        match self
            .answer(
                self.next_id,
                PlatformRequest::Preview {
                    id: self.next_id,
                    request: r.clone(),
                },
            )
            .await
        {
            PlatformEvent::Previewed { result, .. } => result,
            PlatformEvent::Applied { result, .. } => result.map(|a| a.changes),
            _ => Err(PlatformError::Unavailable {
                reason: "no answer".into(),
            }),
        }
    }
    async fn apply(&mut self, r: &ChangeRequest) -> Result<Applied, PlatformError> {
        self.next_id += 1;
        // What the write changes as the watches show it: the service's revision, and for
        // a lane change the environment's lanes (the service's own objects stay).
        // and for a copy the service in the environment it goes to.
        let lanes = r.change.spec().needs == Some(crate::domain::Capability::Lanes);
        let copy = match &r.change {
            crate::domain::Change::CopyTo { env, .. } => {
                Some(ServiceKey::new(&r.target.line, env, &r.target.service))
            }
            _ => None,
        };
        let seen = |snap: &crate::domain::Snapshot| {
            (
                snap.service(&r.target).map(|s| s.revision.clone()),
                lanes.then(|| {
                    snap.environment(&r.target.env_key())
                        .map(|e| e.lanes.clone())
                        .unwrap_or_default()
                }),
                copy.as_ref()
                    .map(|k| snap.service(k).map(|s| s.revision.clone())),
            )
        };
        let before = seen(&self.snapshot);
        let result = match self
            .answer(
                self.next_id,
                PlatformRequest::Apply {
                    id: self.next_id,
                    request: r.clone(),
                },
            )
            .await
        {
            PlatformEvent::Applied { result, .. } => result,
            _ => Err(PlatformError::Unavailable {
                reason: "no answer".into(),
            }),
        };
        // The Docker worker publishes the state a write left before it answers; the kube
        // worker answers when the API server has, and the watches follow.
        let on_docker = self
            .snapshot
            .environment(&r.target.env_key())
            .is_some_and(|e| matches!(e.location, crate::domain::Location::Docker { .. }));
        if result.is_ok() && !on_docker {
            // What follows (--wait, the printed state) must see the write: wait until the
            // watches show the service at a newer revision.
            let deadline = tokio::time::Instant::now() + WRITE_SEEN_TIMEOUT;
            while seen(&self.snapshot) == before {
                match tokio::time::timeout_at(deadline, self.events.recv()).await {
                    Ok(Some(e)) => self.absorb(e),
                    _ => break,
                }
            }
        }
        result
    }
    async fn pass(&mut self, seconds: f64) -> Vec<(EnvKey, TrafficFrame)> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs_f64(seconds.max(0.0));
        let mut frames = Vec::new();
        while let Ok(Some(e)) = tokio::time::timeout_at(deadline, self.events.recv()).await {
            match e {
                PlatformEvent::Traffic(f) => frames.extend(f),
                other => self.absorb(other),
            }
        }
        frames
    }
    fn note(&self) -> Option<&'static str> {
        None
    }
    async fn images(&mut self) -> Vec<ImageInfo> {
        // The image list follows the first snapshot at once where there is one.
        let deadline = tokio::time::Instant::now() + Duration::from_millis(500);
        while self.images.is_none() {
            match tokio::time::timeout_at(deadline, self.events.recv()).await {
                Ok(Some(e)) => self.absorb(e),
                _ => break,
            }
        }
        self.images
            .clone()
            .unwrap_or_else(|| crate::domain::image::from_snapshot(&self.snapshot))
    }
    async fn logs(
        &mut self,
        key: &ServiceKey,
        lines: usize,
        wait: f64,
        previous: bool,
    ) -> (Vec<LogLine>, Option<String>) {
        self.next_id += 1;
        let id = self.next_id;
        self.handle.send(PlatformRequest::Logs {
            id,
            target: key.clone(),
            previous,
        });
        let deadline = tokio::time::Instant::now() + Duration::from_secs_f64(wait.max(0.0));
        let (mut out, mut note) = (Vec::new(), None);
        loop {
            // Enough lines once the history has arrived (a short quiet spell), else wait on.
            let until = if out.len() >= lines {
                deadline.min(tokio::time::Instant::now() + Duration::from_millis(300))
            } else {
                deadline
            };
            match tokio::time::timeout_at(until, self.events.recv()).await {
                Ok(Some(PlatformEvent::Logs {
                    id: got,
                    lines: l,
                    note: n,
                })) if got == id => {
                    out.extend(l);
                    note = n.or(note);
                }
                Ok(Some(e)) => self.absorb(e),
                _ => break,
            }
        }
        self.handle.send(PlatformRequest::StopLogs { id });
        let skip = out.len().saturating_sub(lines);
        (out.split_off(skip), note)
    }
}
