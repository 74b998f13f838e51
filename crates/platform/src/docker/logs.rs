//! Log tails of Docker services: every running container of the service is followed (the
//! last lines first), lines go to the app in batches; containers that start while the
//! tail is open (a deploy, a scale-up, a restart) are followed too, from where they left
//! off, and a container that stops says so.

use super::assemble::service_containers;
use super::inventory::Inventory;
use crate::PlatformEvent;
use crate::domain::ServiceKey;
use crate::domain::logs::LogLine;
use crate::log_batch::Out;
use bollard::Docker;
use bollard::query_parameters::LogsOptionsBuilder;
use futures::StreamExt;
use std::collections::{BTreeMap, HashMap};
use tokio::sync::mpsc;
use tokio::task::AbortHandle;

/// Lines of history a container starts with.
const TAIL_LINES: &str = "200";
/// A line without an end is cut here.
const MAX_LINE: usize = 16 * 1024;

/// A stream that ended: (tail, container ID, Unix second it ended).
pub type Ended = (u64, String, i64);

struct Tail {
    key: ServiceKey,
    lines: mpsc::UnboundedSender<Out>,
    /// Followed containers by ID.
    streams: HashMap<String, AbortHandle>,
    /// Containers whose stream ended, with when: followed again from there once running.
    ended: HashMap<String, i64>,
    batcher: AbortHandle,
}

pub struct LogTails {
    tails: BTreeMap<u64, Tail>,
    ended_tx: mpsc::UnboundedSender<super::worker::Msg>,
}

impl LogTails {
    pub(super) fn new(ended_tx: mpsc::UnboundedSender<super::worker::Msg>) -> Self {
        LogTails {
            tails: BTreeMap::new(),
            ended_tx,
        }
    }

    pub fn open(
        &mut self,
        id: u64,
        key: ServiceKey,
        docker: &Docker,
        inv: &Inventory,
        events: &mpsc::UnboundedSender<PlatformEvent>,
    ) {
        self.close(id);
        let (tx, rx) = mpsc::unbounded_channel::<Out>();
        let batcher = tokio::spawn(crate::log_batch::run(id, rx, events.clone())).abort_handle();
        let containers = service_containers(inv, &key);
        if !containers.iter().any(|c| c.state == "running") {
            let _ = events.send(PlatformEvent::Logs {
                id,
                lines: Vec::new(),
                note: Some(format!("{key} has no running containers")),
            });
        }
        let mut tail = Tail {
            key,
            lines: tx,
            streams: HashMap::new(),
            ended: HashMap::new(),
            batcher,
        };
        tail.follow_running(id, docker, inv, &self.ended_tx);
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

    /// A stream ended: the container is followed again when it runs.
    pub fn ended(&mut self, (tail, container, at): Ended) {
        if let Some(t) = self.tails.get_mut(&tail) {
            t.streams.remove(&container);
            t.ended.insert(container, at);
        }
    }

    /// Follows the running containers of open tails that are not followed.
    pub fn follow_new(&mut self, docker: &Docker, inv: &Inventory) {
        for (id, t) in self.tails.iter_mut() {
            t.follow_running(*id, docker, inv, &self.ended_tx);
        }
    }
}

impl Tail {
    fn follow_running(
        &mut self,
        id: u64,
        docker: &Docker,
        inv: &Inventory,
        ended_tx: &mpsc::UnboundedSender<super::worker::Msg>,
    ) {
        let running: Vec<(String, String)> = service_containers(inv, &self.key)
            .into_iter()
            .filter(|c| c.state == "running" && !self.streams.contains_key(&c.id))
            .map(|c| (c.id.clone(), c.name.clone()))
            .collect();
        for (cid, name) in running {
            let since = self.ended.remove(&cid);
            self.follow(id, docker, &cid, &name, since, ended_tx);
        }
    }

    fn follow(
        &mut self,
        tail_id: u64,
        docker: &Docker,
        id: &str,
        name: &str,
        since: Option<i64>,
        ended_tx: &mpsc::UnboundedSender<super::worker::Msg>,
    ) {
        let mut options = LogsOptionsBuilder::new()
            .follow(true)
            .stdout(true)
            .stderr(true);
        options = match since {
            // Where it left off (a restart): no history replayed.
            Some(s) => options.since(i32::try_from(s).unwrap_or(0)).tail("all"),
            None => options.tail(TAIL_LINES),
        };
        let mut stream = docker.logs(id, Some(options.build()));
        let (tx, source, ended_tx, cid) = (
            self.lines.clone(),
            name.to_string(),
            ended_tx.clone(),
            id.to_string(),
        );
        let handle = tokio::spawn(async move {
            let mut partial: Vec<u8> = Vec::new();
            let send = |bytes: &[u8]| {
                let text = String::from_utf8_lossy(bytes);
                tx.send(Out::Line(LogLine {
                    source: source.clone(),
                    text: text.trim_end_matches(['\n', '\r']).to_string(),
                }))
            };
            let end = loop {
                match stream.next().await {
                    Some(Ok(out)) => {
                        // Bytes, not text: a character split across two chunks stays whole.
                        partial.extend_from_slice(out.as_ref());
                        while let Some(i) = partial.iter().position(|b| *b == b'\n') {
                            let line: Vec<u8> = partial.drain(..=i).collect();
                            if send(&line).is_err() {
                                return;
                            }
                        }
                        if partial.len() > MAX_LINE && send(&std::mem::take(&mut partial)).is_err()
                        {
                            return;
                        }
                    }
                    Some(Err(e)) => break format!("{source}: log stream ended: {e}"),
                    None => break format!("{source} stopped"),
                }
            };
            if !partial.is_empty() {
                let _ = send(&partial);
            }
            let line = LogLine {
                source: source.clone(),
                text: format!("— {end} —"),
            };
            let _ = tx.send(Out::Note(line, end));
            let ended = (tail_id, cid, chrono::Utc::now().timestamp());
            let _ = ended_tx.send(super::worker::Msg::TailEnded(ended));
        })
        .abort_handle();
        self.streams.insert(id.to_string(), handle);
    }
}
