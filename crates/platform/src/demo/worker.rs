//! The demo platform's worker (on the shared skeleton, `crate::worker`): ticks the
//! simulation in real time, publishes snapshots, traffic (aggregated from its in-process
//! call records) and the record stream's status, and serves previews, writes and log tails.

use super::DemoPlatform;
use crate::domain::ServiceKey;
use crate::domain::rng::Rng;
use crate::telemetry::status::SourceStatus;
use crate::worker::{self, Backend, Outbox};
use crate::{Connection, PlatformEvent, PlatformHandle, PlatformRequest};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;
use tokio::sync::mpsc;

struct Worker {
    platform: DemoPlatform,
    last: tokio::time::Instant,
    tails: BTreeMap<u64, ServiceKey>,
    log_rng: Rng,
    stream: SourceStatus,
}

/// Starts the worker; events go to `events`.
pub fn spawn(
    platform: DemoPlatform,
    read_only: bool,
    events: mpsc::UnboundedSender<PlatformEvent>,
) -> PlatformHandle {
    worker::spawn(
        platform.info(),
        read_only,
        events,
        move |_: mpsc::UnboundedSender<()>| Worker {
            platform,
            last: tokio::time::Instant::now(),
            tails: BTreeMap::new(),
            log_rng: Rng::new(0x10c5),
            stream: SourceStatus {
                source: "demo in-process call records".into(),
                ..SourceStatus::default()
            },
        },
    )
}

impl Backend for Worker {
    type Msg = ();
    const NAME: &'static str = "demo";
    /// Interval between simulation steps.
    const TICK: Duration = Duration::from_millis(250);

    fn on_message(&mut self, (): (), _: &mut Outbox) {}

    fn on_request(&mut self, request: PlatformRequest, out: &mut Outbox) {
        match request {
            PlatformRequest::Logs { id, target, .. } => {
                let lines = super::logs::lines(
                    out.current(),
                    &target,
                    self.platform.now_unix(),
                    super::logs::HISTORY_LINES,
                    &mut self.log_rng,
                );
                let note = lines
                    .is_empty()
                    .then(|| format!("{target} has no ready replicas"));
                self.tails.insert(id, target);
                out.send(PlatformEvent::Logs { id, lines, note });
            }
            PlatformRequest::StopLogs { id } => {
                self.tails.remove(&id);
            }
            PlatformRequest::Preview { id, request } => {
                let result = self.platform.preview(&request);
                out.send(PlatformEvent::Previewed { id, result });
            }
            PlatformRequest::Apply { id, request } => {
                let result = self.platform.apply(&request);
                out.send(PlatformEvent::Applied { id, result });
                out.snapshot(self.platform.snapshot());
            }
        }
    }

    fn on_tick(&mut self, out: &mut Outbox) {
        out.connection(Connection::Live);
        let now = tokio::time::Instant::now();
        let frames = self
            .platform
            .advance(now.duration_since(self.last).as_secs_f64());
        self.last = now;
        if !frames.is_empty() {
            let seconds = frames
                .iter()
                .map(|(_, f)| f.second)
                .collect::<BTreeSet<_>>()
                .len()
                .max(1) as u64;
            let records = self.platform.records();
            self.stream.rate = (records - self.stream.received) / seconds;
            self.stream.received = records;
            out.send(PlatformEvent::Traffic(frames));
            out.send(PlatformEvent::Telemetry(self.stream.clone()));
        }
        for (id, key) in &self.tails {
            let now = self.platform.now_unix();
            let lines = super::logs::lines(out.current(), key, now, 2, &mut self.log_rng);
            if !lines.is_empty() {
                out.send(PlatformEvent::Logs {
                    id: *id,
                    lines,
                    note: None,
                });
            }
        }
        out.snapshot(self.platform.snapshot());
    }
}
