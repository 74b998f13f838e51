//! Log tails of Docker services: every container of the service is followed (the last
//! lines first), lines go to the app in batches; containers that appear while the tail
//! is open (a deploy, a scale-up) are followed too, and a container that stops says so.

use super::assemble::service_containers;
use super::inventory::Inventory;
use crate::domain::ServiceKey;
use crate::domain::logs::LogLine;
use crate::platform::PlatformEvent;
use bollard::Docker;
use bollard::query_parameters::LogsOptionsBuilder;
use futures::StreamExt;
use std::collections::{BTreeMap, HashMap};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::task::AbortHandle;

/// Lines of history each container starts with.
const TAIL_LINES: &str = "200";
/// Lines go out at most this often, in one event.
const BATCH: Duration = Duration::from_millis(100);

struct Tail {
    key: ServiceKey,
    lines: mpsc::UnboundedSender<(LogLine, Option<String>)>,
    /// Followed containers by ID.
    streams: HashMap<String, AbortHandle>,
    batcher: AbortHandle,
}

#[derive(Default)]
pub struct LogTails {
    tails: BTreeMap<u64, Tail>,
}

impl LogTails {
    pub fn open(
        &mut self,
        id: u64,
        key: ServiceKey,
        docker: &Docker,
        inv: &Inventory,
        events: &mpsc::UnboundedSender<PlatformEvent>,
    ) {
        self.close(id);
        let (tx, mut rx) = mpsc::unbounded_channel::<(LogLine, Option<String>)>();
        let events2 = events.clone();
        let batcher = tokio::spawn(async move {
            let mut tick = tokio::time::interval(BATCH);
            let mut lines = Vec::new();
            loop {
                tokio::select! {
                    item = rx.recv() => match item {
                        Some((line, None)) => lines.push(line),
                        Some((line, Some(note))) => {
                            lines.push(line);
                            let _ = events2.send(PlatformEvent::Logs { id, lines: std::mem::take(&mut lines), note: Some(note) });
                        }
                        None => break,
                    },
                    _ = tick.tick() => {
                        if !lines.is_empty() && events2.send(PlatformEvent::Logs { id, lines: std::mem::take(&mut lines), note: None }).is_err() {
                            break;
                        }
                    }
                }
            }
        })
        .abort_handle();
        let containers = service_containers(inv, &key);
        if containers.is_empty() {
            let _ = events.send(PlatformEvent::Logs {
                id,
                lines: Vec::new(),
                note: Some(format!("{key} has no containers")),
            });
        }
        let mut tail = Tail {
            key,
            lines: tx,
            streams: HashMap::new(),
            batcher,
        };
        for c in containers {
            tail.follow(docker, &c.id, &c.name, TAIL_LINES);
        }
        self.tails.insert(id, tail);
    }

    pub fn close(&mut self, id: u64) {
        if let Some(t) = self.tails.remove(&id) {
            for s in t.streams.values() {
                s.abort();
            }
            t.batcher.abort();
        }
    }

    /// Follows containers of open tails that are not followed yet (from their start).
    pub fn follow_new(
        &mut self,
        docker: &Docker,
        inv: &Inventory,
        _events: &mpsc::UnboundedSender<PlatformEvent>,
    ) {
        for t in self.tails.values_mut() {
            for c in service_containers(inv, &t.key) {
                if !t.streams.contains_key(&c.id) {
                    t.follow(docker, &c.id, &c.name, "all");
                }
            }
        }
    }
}

impl Tail {
    fn follow(&mut self, docker: &Docker, id: &str, name: &str, tail: &str) {
        let options = LogsOptionsBuilder::new()
            .follow(true)
            .stdout(true)
            .stderr(true)
            .tail(tail)
            .build();
        let mut stream = docker.logs(id, Some(options));
        let (tx, source) = (self.lines.clone(), name.to_string());
        let handle = tokio::spawn(async move {
            let mut partial = String::new();
            let end = loop {
                match stream.next().await {
                    Some(Ok(out)) => {
                        partial.push_str(&out.to_string());
                        while let Some(i) = partial.find('\n') {
                            let text: String = partial.drain(..=i).collect();
                            let line = LogLine {
                                source: source.clone(),
                                text: text.trim_end_matches(['\n', '\r']).to_string(),
                            };
                            if tx.send((line, None)).is_err() {
                                return;
                            }
                        }
                    }
                    Some(Err(e)) => break format!("{source}: log stream ended: {e}"),
                    None => break format!("{source} stopped"),
                }
            };
            if !partial.is_empty() {
                let _ = tx.send((
                    LogLine {
                        source: source.clone(),
                        text: partial,
                    },
                    None,
                ));
            }
            let _ = tx.send((
                LogLine {
                    source: source.clone(),
                    text: format!("— {end} —"),
                },
                Some(end),
            ));
        })
        .abort_handle();
        self.streams.insert(id.to_string(), handle);
    }
}
