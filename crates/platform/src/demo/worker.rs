//! The demo platform as a worker task: ticks the simulation in real time, publishes
//! snapshots, traffic (aggregated from its in-process call records) and the record
//! stream's status, and serves previews and writes.

use super::DemoPlatform;
use crate::telemetry::status::SourceStatus;
use crate::{Connection, PlatformEvent, PlatformHandle, PlatformRequest};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

/// Interval between simulation steps.
const TICK: Duration = Duration::from_millis(250);

/// Starts the worker; events go to `events`.
pub fn spawn(
    mut platform: DemoPlatform,
    read_only: bool,
    events: mpsc::UnboundedSender<PlatformEvent>,
) -> PlatformHandle {
    let (tx, mut rx) = mpsc::unbounded_channel::<PlatformRequest>();
    let handle = PlatformHandle::new(platform.info(), read_only, tx, events.clone());
    tokio::spawn(async move {
        let _ = events.send(PlatformEvent::Connection(Connection::Live));
        let _ = events.send(PlatformEvent::Snapshot(Arc::new(platform.snapshot())));
        let mut ticker = tokio::time::interval(TICK);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut last = tokio::time::Instant::now();
        let mut last_snapshot = platform.snapshot();
        let mut tails: std::collections::BTreeMap<u64, crate::domain::ServiceKey> =
            Default::default();
        let mut log_rng = crate::domain::rng::Rng::new(0x10c5);
        let mut stream = SourceStatus {
            source: "demo in-process call records".into(),
            ..SourceStatus::default()
        };
        loop {
            tokio::select! {
                _ = ticker.tick() => {
                    let now = tokio::time::Instant::now();
                    let frames = platform.advance(now.duration_since(last).as_secs_f64());
                    last = now;
                    if !frames.is_empty() {
                        let seconds = frames
                            .iter()
                            .map(|(_, f)| f.second)
                            .collect::<std::collections::BTreeSet<_>>()
                            .len()
                            .max(1) as u64;
                        stream.rate = (platform.records() - stream.received) / seconds;
                        stream.received = platform.records();
                        if events.send(PlatformEvent::Traffic(frames)).is_err()
                            || events.send(PlatformEvent::Telemetry(stream.clone())).is_err()
                        {
                            break;
                        }
                    }
                    for (id, key) in &tails {
                        let lines = super::logs::lines(&last_snapshot, key, platform.now_unix(), 2, &mut log_rng);
                        if !lines.is_empty() {
                            let _ = events.send(PlatformEvent::Logs { id: *id, lines, note: None });
                        }
                    }
                    let snapshot = platform.snapshot();
                    if snapshot != last_snapshot {
                        last_snapshot = snapshot.clone();
                        if events.send(PlatformEvent::Snapshot(Arc::new(snapshot))).is_err() {
                            break;
                        }
                    }
                }
                request = rx.recv() => {
                    let Some(request) = request else { break };
                    let event = match request {
                        PlatformRequest::Logs { id, target } => {
                            let lines = super::logs::lines(&last_snapshot, &target, platform.now_unix(), super::logs::HISTORY_LINES, &mut log_rng);
                            let note = lines.is_empty().then(|| format!("{target} has no ready replicas"));
                            tails.insert(id, target);
                            let _ = events.send(PlatformEvent::Logs { id, lines, note });
                            continue;
                        }
                        PlatformRequest::StopLogs { id } => {
                            tails.remove(&id);
                            continue;
                        }
                        PlatformRequest::Preview { id, request } => PlatformEvent::Previewed {
                            id,
                            result: platform.preview(&request),
                        },
                        PlatformRequest::Apply { id, request } => PlatformEvent::Applied {
                            id,
                            result: platform.apply(&request),
                        },
                    };
                    if events.send(event).is_err() {
                        break;
                    }
                    let snapshot = platform.snapshot();
                    last_snapshot = snapshot.clone();
                    let _ = events.send(PlatformEvent::Snapshot(Arc::new(snapshot)));
                }
            }
        }
        tracing::info!("demo platform worker stopped");
    });
    handle
}
