//! Log tails of Kubernetes services, through the API server's `pods/log` (a normal
//! kubectl user's permissions): every started pod of the service (stable and canary) is
//! followed from its last lines, each line prefixed by its pod (and container when the
//! pod has several; canary pods marked ◆). Pods that appear while the tail is open (a
//! rollout, a scale-up) are joined; pods that go away are closed. A stream that breaks is
//! resumed from the timestamp of its last line (sinceTime), skipping what was already
//! shown. Lines go to the app in batches.

use crate::PlatformEvent;
use crate::domain::logs::LogLine;
use crate::domain::pods::Pod;
use crate::domain::{ServiceKey, Snapshot};
use crate::log_batch::Out;
use futures::{AsyncBufReadExt, StreamExt};
use k8s_openapi::api::core::v1::Pod as KubePod;
use k8s_openapi::jiff::Timestamp;
use kube::Client;
use kube::api::{Api, LogParams};
use std::collections::{BTreeMap, HashMap};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::task::AbortHandle;

/// Lines of history a container starts with.
const TAIL_LINES: i64 = 200;
/// First and longest pause before a broken stream is resumed.
const RESUME_FIRST: Duration = Duration::from_millis(500);
const RESUME_MAX: Duration = Duration::from_secs(10);

struct Tail {
    key: ServiceKey,
    api: Api<KubePod>,
    /// The previous containers' logs (one read each, no follow).
    previous: bool,
    out: mpsc::UnboundedSender<Out>,
    /// Streams by "pod/container".
    streams: HashMap<String, AbortHandle>,
    batcher: AbortHandle,
}

#[derive(Default)]
pub struct LogTails {
    tails: BTreeMap<u64, Tail>,
}

/// Where a tail reads from.
pub struct Source {
    pub client: Client,
    pub namespace: String,
    pub previous: bool,
}

impl LogTails {
    pub fn open(
        &mut self,
        id: u64,
        key: ServiceKey,
        source: Source,
        snapshot: &Snapshot,
        events: &mpsc::UnboundedSender<PlatformEvent>,
    ) {
        self.close(id);
        let (tx, rx) = mpsc::unbounded_channel::<Out>();
        let batcher = tokio::spawn(crate::log_batch::run(id, rx, events.clone())).abort_handle();
        let mut tail = Tail {
            key,
            api: Api::namespaced(source.client, &source.namespace),
            previous: source.previous,
            out: tx,
            streams: HashMap::new(),
            batcher,
        };
        let pods = tail.pods(snapshot);
        if pods.is_empty() {
            let what = if tail.previous {
                "no pod with a restarted container"
            } else {
                "no started pods"
            };
            let _ = events.send(PlatformEvent::Logs {
                id,
                lines: Vec::new(),
                note: Some(format!("{} has {what}", tail.key)),
            });
        }
        tail.sync(&pods);
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

    /// Joins the pods that started, closes the ones that went away.
    pub fn sync(&mut self, snapshot: &Snapshot) {
        for t in self.tails.values_mut() {
            let pods = t.pods(snapshot);
            t.sync(&pods);
        }
    }
}

/// One container to read: its stream key, the pod, the container, the line prefix.
struct Target {
    key: String,
    pod: String,
    container: Option<String>,
    source: String,
}

impl Tail {
    /// The containers to read now: of pods that started (for previous logs, of pods
    /// with a restarted container).
    fn pods(&self, snapshot: &Snapshot) -> Vec<Target> {
        let Some(service) = snapshot.service(&self.key) else {
            return Vec::new();
        };
        service
            .pods
            .iter()
            .filter(|p| {
                if self.previous {
                    p.restarts > 0
                } else {
                    p.started.is_some() && p.phase != "Pending"
                }
            })
            .flat_map(targets)
            .collect()
    }

    fn sync(&mut self, now: &[Target]) {
        let gone: Vec<String> = self
            .streams
            .keys()
            .filter(|k| !now.iter().any(|t| &t.key == *k))
            .cloned()
            .collect();
        for key in gone {
            if let Some(s) = self.streams.remove(&key) {
                s.abort();
                let note = format!("{key} went away");
                let line = LogLine {
                    source: key.clone(),
                    text: format!("— {note} —"),
                };
                let _ = self.out.send(Out::Note(line, note));
            }
        }
        for t in now {
            if self.streams.contains_key(&t.key) {
                continue;
            }
            let task = stream(
                self.api.clone(),
                t.pod.clone(),
                t.container.clone(),
                t.source.clone(),
                self.previous,
                self.out.clone(),
            );
            self.streams
                .insert(t.key.clone(), tokio::spawn(task).abort_handle());
        }
    }
}

/// The containers of a pod to read, with the prefix of their lines.
fn targets(p: &Pod) -> Vec<Target> {
    let mark = if p.canary { "◆ " } else { "" };
    if p.containers.len() <= 1 {
        return vec![Target {
            key: p.name.clone(),
            pod: p.name.clone(),
            container: p.containers.first().cloned(),
            source: format!("{mark}{}", p.name),
        }];
    }
    p.containers
        .iter()
        .map(|c| Target {
            key: format!("{}/{c}", p.name),
            pod: p.name.clone(),
            container: Some(c.clone()),
            source: format!("{mark}{}/{c}", p.name),
        })
        .collect()
}

/// Where a stream is: the timestamp of its last line, and how many lines carried it
/// (a resumed stream starts at that second again: those are skipped).
#[derive(Default)]
struct Position {
    last: Option<Timestamp>,
    at_last: usize,
}

impl Position {
    /// The line's text (its timestamp stripped) if it is new. `replay` is Some(n) while
    /// a resumed stream replays the second it resumed from: older lines and the first n
    /// at the last timestamp were shown already.
    fn admit<'a>(&mut self, raw: &'a str, replay: &mut Option<usize>) -> Option<&'a str> {
        let Some((ts, text)) = raw
            .split_once(' ')
            .and_then(|(t, text)| Some((t.parse::<Timestamp>().ok()?, text)))
        else {
            return Some(raw);
        };
        if let (Some(skip), Some(last)) = (replay.as_mut(), self.last) {
            if ts < last {
                return None;
            }
            if ts == last && *skip > 0 {
                *skip -= 1;
                return None;
            }
        }
        *replay = None;
        if Some(ts) == self.last {
            self.at_last += 1;
        } else if self.last.is_none_or(|l| ts > l) {
            self.last = Some(ts);
            self.at_last = 1;
        }
        Some(text)
    }
}

/// Reads one container: the last lines, then follows; resumes where it stopped when the
/// stream breaks. Forbidden and not-found end it with a note.
async fn stream(
    api: Api<KubePod>,
    pod: String,
    container: Option<String>,
    source: String,
    previous: bool,
    out: mpsc::UnboundedSender<Out>,
) {
    let mut position = Position::default();
    let mut delay = RESUME_FIRST;
    let mut said: Option<String> = None;
    let note = |text: String| {
        let line = LogLine {
            source: source.clone(),
            text: format!("— {text} —"),
        };
        out.send(Out::Note(line, text))
    };
    loop {
        let params = LogParams {
            container: container.clone(),
            follow: !previous,
            previous,
            timestamps: true,
            tail_lines: position.last.is_none().then_some(TAIL_LINES),
            // The API server takes whole seconds: the lines of that second come again.
            since_time: position.last,
            ..LogParams::default()
        };
        let mut replay = position.last.map(|_| position.at_last);
        let reader = match api.log_stream(&pod, &params).await {
            Ok(r) => r,
            Err(kube::Error::Api(s)) if s.code == 403 => {
                let _ = note(format!(
                    "{source}: cannot read pods/log: forbidden (reading logs needs get on pods/log in this namespace): {}",
                    s.message
                ));
                return;
            }
            Err(kube::Error::Api(s)) if s.code == 404 => {
                let _ = note(format!("{source}: pod not found"));
                return;
            }
            Err(e) => {
                // Said once per kind of failure, retried quietly (e.g. a container that
                // has not written yet, a kubelet that does not answer).
                let text = format!("{source}: cannot read logs: {e}; retrying");
                if said.as_ref() != Some(&text) {
                    let _ = note(text.clone());
                    said = Some(text);
                }
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(RESUME_MAX);
                continue;
            }
        };
        let mut lines = reader.lines();
        let ended = loop {
            match lines.next().await {
                Some(Ok(raw)) => {
                    delay = RESUME_FIRST;
                    said = None;
                    if let Some(text) = position.admit(&raw, &mut replay) {
                        let line = LogLine {
                            source: source.clone(),
                            text: text.trim_end_matches('\r').to_string(),
                        };
                        if out.send(Out::Line(line)).is_err() {
                            return;
                        }
                    }
                }
                Some(Err(e)) => break Some(e.to_string()),
                None => break None,
            }
        };
        if previous {
            return;
        }
        // The container ended or the connection broke: resume after a pause.
        if let Some(e) = ended {
            tracing::info!(%source, error = %e, "log stream broke; resuming");
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(RESUME_MAX);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_resumed_stream_skips_what_was_shown() {
        let mut p = Position::default();
        let mut live = None;
        assert_eq!(
            p.admit("2026-01-01T00:00:01.5Z one", &mut live),
            Some("one")
        );
        assert_eq!(
            p.admit("2026-01-01T00:00:02.1Z two", &mut live),
            Some("two")
        );
        assert_eq!(
            p.admit("2026-01-01T00:00:02.1Z two'", &mut live),
            Some("two'")
        );
        // Out of order while live: still shown.
        assert_eq!(
            p.admit("2026-01-01T00:00:02.0Z late", &mut live),
            Some("late")
        );
        // Resumed from the second of the last line: older lines and the two already
        // shown at the last timestamp are skipped, the rest comes through.
        let mut replay = Some(p.at_last);
        assert_eq!(p.admit("2026-01-01T00:00:02.0Z before", &mut replay), None);
        assert_eq!(p.admit("2026-01-01T00:00:02.1Z two", &mut replay), None);
        assert_eq!(p.admit("2026-01-01T00:00:02.1Z two'", &mut replay), None);
        assert_eq!(
            p.admit("2026-01-01T00:00:02.1Z two''", &mut replay),
            Some("two''")
        );
        assert_eq!(replay, None, "live again");
        assert_eq!(
            p.admit("2026-01-01T00:00:03Z three", &mut replay),
            Some("three")
        );
        assert_eq!(p.admit("no timestamp", &mut replay), Some("no timestamp"));
    }

    #[test]
    fn several_containers_are_named_and_canaries_marked() {
        let mut pod = Pod {
            name: "web-1".into(),
            canary: true,
            version: String::new(),
            phase: "Running".into(),
            ready: true,
            restarts: 0,
            node: String::new(),
            started: Some(1),
            waiting: None,
            last_exit: None,
            unscheduled: None,
            containers: vec!["app".into()],
        };
        let one = targets(&pod);
        assert_eq!(one[0].source, "◆ web-1");
        assert_eq!(one[0].container.as_deref(), Some("app"));
        pod.canary = false;
        pod.containers.push("proxy".into());
        let two: Vec<String> = targets(&pod).into_iter().map(|t| t.source).collect();
        assert_eq!(two, vec!["web-1/app", "web-1/proxy"]);
    }
}
