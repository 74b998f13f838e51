//! The skeleton every platform worker shares: the task and its handle, the loop over
//! requests, the backend's own messages (watches, writes that ended, log streams) and a
//! publishing tick; read-only refusal; connection state and snapshots told once per
//! change; retry backoff; writes run in tasks of their own. A platform supplies a
//! [`Backend`]: what it does with each of those, nothing about the loop.

use crate::domain::Snapshot;
use crate::{
    Connection, PlatformError, PlatformEvent, PlatformHandle, PlatformInfo, PlatformRequest,
};
use std::collections::BTreeSet;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

/// A platform's side of its worker.
pub(crate) trait Backend: Send + 'static {
    /// What the backend's own tasks (watches, writes, log streams) send it.
    type Msg: Send + 'static;

    /// "kube", "docker", "demo": names the worker in the log.
    const NAME: &'static str;

    /// Interval of [`Backend::on_tick`].
    const TICK: Duration = Duration::from_millis(100);

    fn on_message(&mut self, msg: Self::Msg, out: &mut Outbox);

    /// A preview, a log tail, or an apply (never in read-only mode: refused before).
    fn on_request(&mut self, request: PlatformRequest, out: &mut Outbox);

    /// Publishes what changed since the last tick.
    fn on_tick(&mut self, out: &mut Outbox);
}

/// Starts a worker: `start` builds the backend with the sender its tasks use.
pub(crate) fn spawn<B: Backend>(
    info: PlatformInfo,
    read_only: bool,
    events: mpsc::UnboundedSender<PlatformEvent>,
    start: impl FnOnce(mpsc::UnboundedSender<B::Msg>) -> B + Send + 'static,
) -> PlatformHandle {
    let (tx, requests) = mpsc::unbounded_channel::<PlatformRequest>();
    let handle = PlatformHandle::new(info, read_only, tx, events.clone());
    tokio::spawn(async move {
        let (msg_tx, messages) = mpsc::unbounded_channel();
        let backend = start(msg_tx);
        run(backend, read_only, requests, messages, events).await;
    });
    handle
}

async fn run<B: Backend>(
    mut backend: B,
    read_only: bool,
    mut requests: mpsc::UnboundedReceiver<PlatformRequest>,
    mut messages: mpsc::UnboundedReceiver<B::Msg>,
    events: mpsc::UnboundedSender<PlatformEvent>,
) {
    let mut out = Outbox::new(events);
    let mut tick = tokio::time::interval(B::TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            Some(msg) = messages.recv() => backend.on_message(msg, &mut out),
            request = requests.recv() => match request {
                None => break,
                Some(PlatformRequest::Apply { id, .. }) if read_only => {
                    out.send(PlatformEvent::Applied { id, result: Err(PlatformError::ReadOnly) });
                }
                Some(request) => backend.on_request(request, &mut out),
            },
            _ = tick.tick() => {
                if out.closed() {
                    break;
                }
                backend.on_tick(&mut out);
            }
        }
    }
    tracing::info!("{} platform worker stopped", B::NAME);
}

/// What a worker tells the app: the connection and the snapshot only when they change,
/// a notice given once only once, anything else as it comes.
pub(crate) struct Outbox {
    events: mpsc::UnboundedSender<PlatformEvent>,
    connection: Option<Connection>,
    snapshot: Arc<Snapshot>,
    /// The picture before the current one, held one publish longer: the cockpit lets go
    /// of it when the next arrives, and the last holder frees it. Held here, that is this
    /// worker, not the cockpit's thread (freeing 20,000 pods takes a while).
    previous: Arc<Snapshot>,
    said: BTreeSet<String>,
}

impl Outbox {
    fn new(events: mpsc::UnboundedSender<PlatformEvent>) -> Self {
        Outbox {
            events,
            connection: None,
            snapshot: Arc::new(Snapshot::default()),
            previous: Arc::new(Snapshot::default()),
            said: BTreeSet::new(),
        }
    }

    pub fn send(&self, event: PlatformEvent) {
        let _ = self.events.send(event);
    }

    /// A sender for tasks that answer later (previews, writes, log streams).
    pub fn sender(&self) -> mpsc::UnboundedSender<PlatformEvent> {
        self.events.clone()
    }

    pub fn closed(&self) -> bool {
        self.events.is_closed()
    }

    pub fn connection(&mut self, connection: Connection) {
        if self.connection.as_ref() != Some(&connection) {
            self.connection = Some(connection.clone());
            self.send(PlatformEvent::Connection(connection));
        }
    }

    /// Publishes `snapshot` unless it is the one last published.
    pub fn snapshot(&mut self, snapshot: Snapshot) {
        if *self.snapshot != snapshot {
            self.previous = std::mem::replace(&mut self.snapshot, Arc::new(snapshot));
            self.send(PlatformEvent::Snapshot(self.snapshot.clone()));
        }
    }

    /// The snapshot last published (what the operator decided on).
    pub fn current(&self) -> &Arc<Snapshot> {
        &self.snapshot
    }

    pub fn notice(&self, text: String) {
        self.send(PlatformEvent::Notice(text));
    }

    /// A notice that is given once per worker (a problem that lasts).
    pub fn notice_once(&mut self, text: String) {
        if self.said.insert(text.clone()) {
            self.notice(text);
        }
    }
}

/// Doubling waits between retries, from `first` up to `max`.
pub(crate) struct Backoff {
    first: Duration,
    max: Duration,
    next: Duration,
}

impl Backoff {
    pub fn new(first: Duration, max: Duration) -> Self {
        Backoff {
            first,
            max,
            next: first,
        }
    }

    /// Waits the current delay, then doubles it (up to the maximum).
    pub async fn wait(&mut self) {
        tokio::time::sleep(self.next).await;
        self.next = (self.next * 2).min(self.max);
    }

    /// After a success: the next failure retries quickly again.
    pub fn reset(&mut self) {
        self.next = self.first;
    }
}

/// Runs a write in a task of its own, so that even a panic in it ends with an answer.
pub(crate) async fn guarded<T: Send + 'static>(
    write: impl Future<Output = Result<T, PlatformError>> + Send + 'static,
) -> Result<T, PlatformError> {
    tokio::spawn(write).await.unwrap_or_else(|e| {
        Err(PlatformError::Unavailable {
            reason: format!("the write task failed: {e}"),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::change::ChangeRequest;
    use crate::domain::{Change, ServiceKey};

    /// Counts what reaches it.
    struct Probe {
        requests: mpsc::UnboundedSender<&'static str>,
    }

    impl Backend for Probe {
        type Msg = &'static str;
        const NAME: &'static str = "probe";

        fn on_message(&mut self, msg: &'static str, out: &mut Outbox) {
            out.notice_once(msg.to_string());
        }

        fn on_request(&mut self, request: PlatformRequest, _: &mut Outbox) {
            let what = match request {
                PlatformRequest::Apply { .. } => "apply",
                _ => "other",
            };
            let _ = self.requests.send(what);
        }

        fn on_tick(&mut self, out: &mut Outbox) {
            out.connection(Connection::Live);
        }
    }

    fn apply(id: u64) -> PlatformRequest {
        PlatformRequest::Apply {
            id,
            request: ChangeRequest {
                target: ServiceKey::new("l", "e", "s"),
                change: Change::Restart,
                expected_revision: String::new(),
                who: "t".into(),
                why: String::new(),
            },
        }
    }

    #[tokio::test]
    async fn read_only_refuses_writes_before_the_backend_and_says_things_once() {
        let (events_tx, mut events) = mpsc::unbounded_channel();
        let (seen_tx, mut seen) = mpsc::unbounded_channel();
        let (msg_tx, msg_rx) = mpsc::unbounded_channel();
        let (req_tx, req_rx) = mpsc::unbounded_channel();
        let probe = Probe { requests: seen_tx };
        let task = tokio::spawn(run(probe, true, req_rx, msg_rx, events_tx));
        req_tx.send(apply(7)).unwrap();
        msg_tx.send("hello").unwrap();
        msg_tx.send("hello").unwrap();
        tokio::time::sleep(Duration::from_millis(250)).await;
        drop(req_tx);
        task.await.unwrap();
        assert!(seen.try_recv().is_err(), "the backend never saw the write");
        let mut got = Vec::new();
        while let Ok(e) = events.try_recv() {
            got.push(match e {
                PlatformEvent::Applied {
                    id: 7,
                    result: Err(PlatformError::ReadOnly),
                } => "refused",
                PlatformEvent::Notice(_) => "notice",
                PlatformEvent::Connection(Connection::Live) => "live",
                _ => "other",
            });
        }
        got.sort();
        assert_eq!(got, ["live", "notice", "refused"]);
    }

    #[tokio::test]
    async fn a_panicking_write_still_answers() {
        let r: Result<(), PlatformError> = guarded(async { panic!("boom") }).await;
        assert!(
            matches!(r, Err(PlatformError::Unavailable { reason }) if reason.contains("failed"))
        );
    }
}
