//! The Docker platform as a worker task. A watcher lists the labelled containers and the
//! images, then follows the engine's event stream (no polling); when the stream breaks
//! (the engine went away) it reports the connection lost and starts over with a fresh
//! list once the engine answers again. The worker owns the inventory, publishes a
//! snapshot when it changes (at most every 100 ms), and serves previews, writes and log
//! tails; a write runs in a task of its own while the events keep flowing.

use super::assemble::{self, Scope, service_containers};
use super::inventory::{self, Container, Image, Inventory};
use super::logs::LogTails;
use super::writes;
use super::{DockerSetup, contract};
use crate::domain::change::{FieldChange, plan};
use crate::domain::image::ImageInfo;
use crate::domain::{ServiceKey, Snapshot};
use crate::{Applied, Connection, PlatformError, PlatformEvent, PlatformHandle, PlatformRequest};
use bollard::Docker;
use bollard::query_parameters::{
    EventsOptionsBuilder, ListContainersOptionsBuilder, ListImagesOptionsBuilder,
};
use futures::StreamExt;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

/// What the watcher tells the worker.
#[derive(Debug)]
pub(super) enum WatchMsg {
    /// A complete list (after start or a reconnect).
    Reset(Inventory),
    /// A container changed (None: it is gone), as read at the given sequence number.
    Container(String, u64, Option<Box<Container>>),
    Images(Vec<Image>),
    Lost(String),
    /// Something an on-call engineer wants in the events view (a container died…).
    Notice(String),
}

/// The events-view line for a container event worth one, if any.
pub(super) fn notice(action: &str, attributes: &HashMap<String, String>) -> Option<String> {
    let attr = |k: &str| {
        crate::contract::read(|key| attributes.get(key), k)
            .or_else(|| attributes.get(k))
            .map_or("?", String::as_str)
    };
    let who = format!(
        "{}/{}/{}: {}",
        attr(contract::LABEL_LINE),
        attr(contract::LABEL_ENV),
        attr(contract::LABEL_SERVICE),
        attr("name")
    );
    match action {
        "die" => Some(format!("{who} exited with code {}", attr("exitCode"))),
        "oom" => Some(format!("{who} ran out of memory")),
        "health_status: unhealthy" => Some(format!("{who} is unhealthy")),
        _ => None,
    }
}

/// Container actions that change what wheelhouse shows (exec_* from health checks and
/// the like are not asked for).
const CONTAINER_ACTIONS: [&str; 13] = [
    "create",
    "start",
    "restart",
    "die",
    "stop",
    "kill",
    "oom",
    "pause",
    "unpause",
    "rename",
    "update",
    "destroy",
    "health_status",
];
const IMAGE_ACTIONS: [&str; 6] = ["tag", "untag", "delete", "import", "load", "pull"];

pub fn spawn(
    setup: DockerSetup,
    read_only: bool,
    events: mpsc::UnboundedSender<PlatformEvent>,
) -> PlatformHandle {
    let (tx, rx) = mpsc::unbounded_channel::<PlatformRequest>();
    let handle = PlatformHandle::new(setup.info.clone(), read_only, tx, events.clone());
    tokio::spawn(run(setup, read_only, rx, events));
    handle
}

/// The containers labelled with a service, under its key or the former one (a container
/// may mix keys of both contracts, so one list per form of the service key; whether it
/// also names a line and an environment is read from each).
async fn labelled_container_ids(docker: &Docker) -> Result<Vec<String>, bollard::errors::Error> {
    let mut ids = Vec::new();
    for key in [contract::LABEL_SERVICE, former_key(contract::LABEL_SERVICE)] {
        let mut filters = HashMap::new();
        filters.insert("label", vec![key]);
        let options = ListContainersOptionsBuilder::new()
            .all(true)
            .filters(&filters)
            .build();
        for summary in docker.list_containers(Some(options)).await? {
            if let Some(id) = summary.id
                && !ids.contains(&id)
            {
                ids.push(id);
            }
        }
    }
    Ok(ids)
}

fn former_key(key: &'static str) -> &'static str {
    crate::contract::former_key(key).unwrap_or(key)
}

async fn list_all(docker: &Docker) -> Result<Inventory, bollard::errors::Error> {
    let mut inv = Inventory {
        listed_at: inventory::next_seq(),
        ..Inventory::default()
    };
    for id in labelled_container_ids(docker).await? {
        let seq = inventory::next_seq();
        match docker.inspect_container(&id, None).await {
            Ok(c) => {
                if let Some(mut c) = inventory::container(&c) {
                    c.seen = seq;
                    inv.containers.insert(id, c);
                }
            }
            // Removed between the list and the inspect.
            Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 404, ..
            }) => {}
            Err(e) => return Err(e),
        }
    }
    inv.images = list_images(docker).await?;
    Ok(inv)
}

async fn list_images(docker: &Docker) -> Result<Vec<Image>, bollard::errors::Error> {
    let options = ListImagesOptionsBuilder::new().build();
    Ok(docker
        .list_images(Some(options))
        .await?
        .iter()
        .map(inventory::image)
        .collect())
}

/// Lists, then follows events; on any failure reports it and starts over.
/// A stream that lasted this long was healthy: the next failure retries quickly again.
const STREAM_HEALTHY: Duration = Duration::from_secs(10);

async fn watch(docker: Docker, scope: Scope, tx: mpsc::UnboundedSender<WatchMsg>) {
    let mut delay = Duration::from_millis(250);
    // Events already handled: a resumed stream replays its last second, and a death
    // should not be told twice.
    let mut handled: std::collections::VecDeque<(i64, String, String)> = Default::default();
    loop {
        let since = chrono::Utc::now().timestamp() - 1;
        let inv = match list_all(&docker).await {
            Ok(inv) => inv,
            Err(e) => {
                if tx.send(WatchMsg::Lost(e.to_string())).is_err() {
                    return;
                }
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(5));
                continue;
            }
        };
        if tx.send(WatchMsg::Reset(inv)).is_err() {
            return;
        }
        let stream_start = tokio::time::Instant::now();
        let mut filters: HashMap<&str, Vec<&str>> = HashMap::new();
        filters.insert("type", vec!["container", "image"]);
        filters.insert(
            "event",
            CONTAINER_ACTIONS
                .iter()
                .chain(&IMAGE_ACTIONS)
                .copied()
                .collect(),
        );
        let options = EventsOptionsBuilder::new()
            .since(&since.to_string())
            .filters(&filters)
            .build();
        let mut stream = docker.events(Some(options));
        let reason = loop {
            let Some(item) = stream.next().await else {
                break "the engine closed the event stream".to_string();
            };
            let event = match item {
                Ok(e) => e,
                Err(e) => break e.to_string(),
            };
            let typ = event.typ.map(|t| t.to_string()).unwrap_or_default();
            let id = event
                .actor
                .as_ref()
                .and_then(|a| a.id.clone())
                .unwrap_or_default();
            let fingerprint = (
                event.time_nano.unwrap_or_default(),
                id.clone(),
                event.action.clone().unwrap_or_default(),
            );
            if handled.contains(&fingerprint) {
                continue;
            }
            if handled.len() == 256 {
                handled.pop_front();
            }
            handled.push_back(fingerprint);
            let msg = if typ == "image" {
                match list_images(&docker).await {
                    Ok(images) => WatchMsg::Images(images),
                    Err(e) => break e.to_string(),
                }
            } else if event.action.as_deref() == Some("destroy") {
                WatchMsg::Container(id, inventory::next_seq(), None)
            } else {
                let labelled = event
                    .actor
                    .as_ref()
                    .and_then(|a| a.attributes.as_ref())
                    .is_some_and(|a| {
                        crate::contract::read(|k| a.get(k), contract::LABEL_SERVICE).is_some()
                    });
                if !labelled {
                    continue;
                }
                let said = event
                    .actor
                    .as_ref()
                    .and_then(|a| a.attributes.as_ref())
                    .filter(|a| {
                        let read = |key| {
                            crate::contract::read(|k| a.get(k), key).map_or("", String::as_str)
                        };
                        scope.shows(read(contract::LABEL_LINE), read(contract::LABEL_ENV))
                    })
                    .and_then(|a| notice(event.action.as_deref().unwrap_or_default(), a));
                if let Some(text) = said
                    && tx.send(WatchMsg::Notice(text)).is_err()
                {
                    return;
                }
                let seq = inventory::next_seq();
                match docker.inspect_container(&id, None).await {
                    Ok(c) => WatchMsg::Container(
                        id,
                        seq,
                        inventory::container(&c).map(|mut c| {
                            c.seen = seq;
                            Box::new(c)
                        }),
                    ),
                    Err(bollard::errors::Error::DockerResponseServerError {
                        status_code: 404,
                        ..
                    }) => WatchMsg::Container(id, seq, None),
                    Err(e) => break e.to_string(),
                }
            };
            if tx.send(msg).is_err() {
                return;
            }
        };
        tracing::warn!(%reason, "docker event stream ended; listing again");
        if tx.send(WatchMsg::Lost(reason)).is_err() {
            return;
        }
        // A stream that keeps breaking right after a good list backs off like a failed list.
        delay = if stream_start.elapsed() >= STREAM_HEALTHY {
            Duration::from_millis(250)
        } else {
            (delay * 2).min(Duration::from_secs(5))
        };
        tokio::time::sleep(delay).await;
    }
}

/// A write that ended, with the engine's state right after it.
struct Finished {
    id: u64,
    key: ServiceKey,
    result: Result<Applied, PlatformError>,
    inventory: Option<Inventory>,
}

/// A write running on the engine, and the change that supersedes it, if one came.
struct Running {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    /// Id, request and the version a rollback decided to return to.
    next: Option<(u64, crate::domain::change::ChangeRequest, Option<String>)>,
}

/// Changes that replace a write in flight instead of waiting for it.
fn supersedes(change: &crate::domain::Change) -> bool {
    matches!(
        change,
        crate::domain::Change::Deploy { .. } | crate::domain::Change::Rollback
    )
}

struct Worker {
    docker: Docker,
    engine: String,
    scope: Scope,
    read_only: bool,
    inv: Inventory,
    snapshot: Arc<Snapshot>,
    images: Vec<ImageInfo>,
    /// Writes running, per service (a deploy or rollback asks the one running to stop and
    /// runs after it).
    in_flight: BTreeMap<ServiceKey, Running>,
    /// Containers destroyed, with when (to keep a list taken earlier from reviving them).
    gone: BTreeMap<String, u64>,
    connection: Connection,
    events: mpsc::UnboundedSender<PlatformEvent>,
    done_tx: mpsc::UnboundedSender<Finished>,
    tails: LogTails,
    /// Notices already given (former label keys).
    said: BTreeSet<String>,
}

impl Worker {
    fn assemble(&self) -> Snapshot {
        Snapshot {
            product_lines: assemble::assemble(
                &self.inv,
                &self.engine,
                &self.scope,
                &self.in_flight.keys().cloned().collect(),
            ),
        }
    }

    fn image_infos(&self) -> Vec<ImageInfo> {
        let mut out: Vec<ImageInfo> = self
            .inv
            .images
            .iter()
            .map(|i| {
                let mut used_by: Vec<String> = self
                    .inv
                    .containers
                    .values()
                    .filter(|c| c.image_id == i.id && self.scope_shows(c))
                    .map(|c| format!("{}/{}", c.line, c.env))
                    .collect();
                used_by.sort();
                used_by.dedup();
                ImageInfo {
                    tags: i.tags.clone(),
                    id: i.id.clone(),
                    size_bytes: u64::try_from(i.size).ok(),
                    created: Some(i.created),
                    base: i.base().unwrap_or_default().to_string(),
                    service: i.service().unwrap_or_default().to_string(),
                    version: i.version().unwrap_or_default(),
                    used_by,
                }
            })
            .collect();
        out.sort_by(|a, b| a.name().cmp(b.name()));
        out
    }

    fn scope_shows(&self, c: &Container) -> bool {
        self.scope.only.is_empty()
            || self
                .scope
                .only
                .iter()
                .any(|(l, e)| *l == c.line && *e == c.env)
    }

    fn set_connection(&mut self, c: Connection) {
        if self.connection != c {
            self.connection = c.clone();
            let _ = self.events.send(PlatformEvent::Connection(c));
        }
    }

    /// Publishes the snapshot and the image list when they changed.
    fn publish(&mut self) {
        let snapshot = self.assemble();
        if *self.snapshot != snapshot {
            self.snapshot = Arc::new(snapshot);
            let _ = self
                .events
                .send(PlatformEvent::Snapshot(self.snapshot.clone()));
        }
        let images = self.image_infos();
        if images != self.images {
            self.images = images.clone();
            let _ = self.events.send(PlatformEvent::Images(images));
        }
        self.tails.follow_new(&self.docker, &self.inv);
        self.say_former_keys();
    }

    /// Labels under the former Docker keys are read; say once per key which one to use.
    fn say_former_keys(&mut self) {
        let labels = self
            .inv
            .containers
            .values()
            .flat_map(|c| c.labels.keys())
            .chain(self.inv.images.iter().flat_map(|i| i.labels.keys()));
        for text in crate::contract::former_keys_used(labels) {
            if self.said.insert(text.clone()) {
                let _ = self.events.send(PlatformEvent::Notice(text));
            }
        }
    }

    /// Checks a request against the inventory and plans it.
    fn prepare(
        &self,
        request: &crate::domain::change::ChangeRequest,
    ) -> Result<(writes::Plan, Vec<FieldChange>), PlatformError> {
        let key = &request.target;
        let service = self
            .snapshot
            .service(key)
            .ok_or_else(|| PlatformError::NotFound {
                what: format!("service {key}"),
            })?;
        // A version no image in the engine carries is not found, whatever the change.
        if let Some(v) = crate::domain::change::unknown_version(service, &request.change) {
            return Err(PlatformError::NotFound {
                what: format!("image {}:{v}", inventory::repo_of(&service.image)),
            });
        }
        // A deploy or rollback during our own write supersedes it: decided while its
        // containers change, so the revision is not compared (the write is ours).
        let superseding = self.in_flight.contains_key(key) && supersedes(&request.change);
        if self.in_flight.contains_key(key) && !superseding {
            return Err(PlatformError::Invalid {
                reason: format!(
                    "a change of {key} is still running; wait for it to finish (a deploy or a rollback replaces it)"
                ),
            });
        }
        let current = assemble::revision(service_containers(&self.inv, key));
        if !superseding
            && !request.expected_revision.is_empty()
            && request.expected_revision != current
        {
            return Err(PlatformError::Conflict {
                target: key.to_string(),
            });
        }
        let mut changes = match plan(service, &request.change) {
            Ok(c) => c,
            Err(e) => return Err(PlatformError::Invalid { reason: e.0 }),
        };
        let now = chrono::Utc::now();
        let p = writes::plan(
            &self.inv,
            service,
            request,
            &now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            now.timestamp(),
        )?;
        if superseding {
            changes.push(FieldChange {
                field: "write in flight".into(),
                before: "replacing containers".into(),
                after: "stopped after its current step; then this change".into(),
            });
        }
        changes.push(FieldChange {
            field: "containers".into(),
            before: String::new(),
            after: p
                .steps
                .iter()
                .map(writes::Step::describe)
                .collect::<Vec<_>>()
                .join("; "),
        });
        Ok((p, changes))
    }

    /// Plans and starts a write; its answer comes through `done_tx` when it ends.
    fn start_write(&mut self, id: u64, request: crate::domain::change::ChangeRequest) {
        let (p, changes) = match self.prepare(&request) {
            Ok(x) => x,
            Err(e) => {
                let _ = self
                    .events
                    .send(PlatformEvent::Applied { id, result: Err(e) });
                return;
            }
        };
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        self.in_flight.insert(
            request.target.clone(),
            Running {
                stop: stop.clone(),
                next: None,
            },
        );
        self.publish();
        let (docker, done) = (self.docker.clone(), self.done_tx.clone());
        tokio::spawn(async move {
            // Run apart, so that even a panic in it ends with an answer.
            let d2 = docker.clone();
            let outcome = tokio::spawn(async move { writes::run(&d2, p, &stop).await }).await;
            let result = match outcome {
                Ok(r) => r,
                Err(e) => Err(PlatformError::Unavailable {
                    reason: format!("the write task failed: {e}"),
                }),
            }
            .map(|done| Applied {
                request: request.clone(),
                changes,
                revision: done.join("; "),
            });
            // The answer goes out with the state the write left: listed now, so
            // that whoever reads the answer sees the end of it, not a moment of
            // the event stream that is still catching up.
            let inventory = list_all(&docker).await.ok();
            let _ = done.send(Finished {
                id,
                key: request.target.clone(),
                result,
                inventory,
            });
        });
    }

    /// A write ended: the superseding change waiting on it runs now, on what it left. A
    /// rollback whose release never replaced a container has nothing to undo.
    fn after_write(&mut self, running: Running) {
        let Some((id, mut request, target)) = running.next else {
            return;
        };
        let service = self.snapshot.service(&request.target);
        let untouched = request.change == crate::domain::Change::Rollback
            && service.is_some_and(|s| s.rollout.is_none() && Some(&s.version) == target.as_ref());
        if untouched {
            let _ = self.events.send(PlatformEvent::Applied {
                id,
                result: Ok(Applied {
                    request: request.clone(),
                    changes: vec![FieldChange {
                        field: "write in flight".into(),
                        before: "replacing containers".into(),
                        after: "stopped before it replaced one: nothing to roll back".into(),
                    }],
                    revision: String::new(),
                }),
            });
            return;
        }
        // Decided while the stopped write changed the containers: not compared again.
        request.expected_revision.clear();
        self.start_write(id, request);
    }

    fn on_request(&mut self, request: PlatformRequest) {
        match request {
            PlatformRequest::Preview { id, request } => {
                let result = self.prepare(&request).map(|(p, mut changes)| {
                    // Docker has no dry run: the engine is asked (reads only) whether
                    // every image the plan needs is there.
                    let images: BTreeSet<&str> = p
                        .steps
                        .iter()
                        .filter_map(|s| match s {
                            writes::Step::Replace { image, .. }
                            | writes::Step::Create { image } => Some(image.as_str()),
                            _ => None,
                        })
                        .collect();
                    let present: Vec<String> = images
                        .iter()
                        .map(|i| {
                            match self
                                .inv
                                .images
                                .iter()
                                .find(|x| x.tags.iter().any(|t| t == i))
                            {
                                Some(x) => format!("{i} present ({:.1} MB)", x.size as f64 / 1e6),
                                None => format!("{i} missing"),
                            }
                        })
                        .collect();
                    changes.push(FieldChange {
                        field: "engine check".into(),
                        before: String::new(),
                        after: if present.is_empty() {
                            "no image needed".into()
                        } else {
                            present.join(", ")
                        },
                    });
                    changes
                });
                let _ = self.events.send(PlatformEvent::Previewed { id, result });
            }
            PlatformRequest::Apply { id, request } => {
                if self.read_only {
                    let _ = self.events.send(PlatformEvent::Applied {
                        id,
                        result: Err(PlatformError::ReadOnly),
                    });
                    return;
                }
                if self.in_flight.contains_key(&request.target) && supersedes(&request.change) {
                    // Checked now, run when the write in flight has stopped (on a step
                    // boundary), planned again on what it left.
                    if let Err(e) = self.prepare(&request) {
                        let _ = self
                            .events
                            .send(PlatformEvent::Applied { id, result: Err(e) });
                        return;
                    }
                    let target = self
                        .snapshot
                        .service(&request.target)
                        .and_then(|s| s.rollback_target().map(String::from));
                    let Some(running) = self.in_flight.get_mut(&request.target) else {
                        return;
                    };
                    running
                        .stop
                        .store(true, std::sync::atomic::Ordering::SeqCst);
                    if let Some((old, _, _)) = running.next.replace((id, request, target)) {
                        let _ = self.events.send(PlatformEvent::Applied {
                            id: old,
                            result: Err(PlatformError::Invalid {
                                reason: "superseded by a newer deploy or rollback".into(),
                            }),
                        });
                    }
                    return;
                }
                self.start_write(id, request);
            }
            PlatformRequest::Logs { id, target } => {
                self.tails
                    .open(id, target, &self.docker, &self.inv, &self.events);
            }
            PlatformRequest::StopLogs { id } => self.tails.close(id),
        }
    }
}

async fn run(
    setup: DockerSetup,
    read_only: bool,
    mut requests: mpsc::UnboundedReceiver<PlatformRequest>,
    events: mpsc::UnboundedSender<PlatformEvent>,
) {
    let (watch_tx, mut watch_rx) = mpsc::unbounded_channel();
    tokio::spawn(watch(setup.docker.clone(), setup.scope.clone(), watch_tx));
    let (done_tx, mut done_rx) = mpsc::unbounded_channel();
    let (ended_tx, mut ended_rx) = mpsc::unbounded_channel();
    let mut w = Worker {
        docker: setup.docker,
        engine: setup.engine,
        scope: setup.scope,
        read_only,
        inv: Inventory::default(),
        snapshot: Arc::new(Snapshot::default()),
        images: Vec::new(),
        in_flight: BTreeMap::new(),
        gone: BTreeMap::new(),
        connection: Connection::Connecting,
        events,
        done_tx,
        tails: LogTails::new(ended_tx),
        said: BTreeSet::new(),
    };
    let _ = w
        .events
        .send(PlatformEvent::Connection(Connection::Connecting));
    let mut dirty = false;
    let mut tick = tokio::time::interval(Duration::from_millis(100));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            msg = watch_rx.recv() => {
                let Some(msg) = msg else { break };
                match msg {
                    WatchMsg::Reset(inv) => {
                        w.inv = inv;
                        w.set_connection(Connection::Live);
                        w.publish();
                        dirty = false;
                    }
                    WatchMsg::Container(id, seq, c) => {
                        match c {
                            Some(c) => { w.inv.containers.insert(id, *c); }
                            None => {
                                w.inv.containers.remove(&id);
                                w.gone.insert(id, seq);
                                if w.gone.len() > 4096 {
                                    w.gone.pop_first();
                                }
                            }
                        }
                        dirty = true;
                    }
                    WatchMsg::Images(images) => {
                        w.inv.images = images;
                        dirty = true;
                    }
                    WatchMsg::Notice(text) => {
                        let _ = w.events.send(PlatformEvent::Notice(text));
                    }
                    WatchMsg::Lost(reason) => {
                        w.set_connection(Connection::Retrying(format!("docker engine: {reason}")));
                    }
                }
            }
            finished = done_rx.recv() => {
                if let Some(f) = finished {
                    let running = w.in_flight.remove(&f.key);
                    if let Some(inv) = f.inventory {
                        w.inv.merge(inv, &w.gone);
                    }
                    w.publish();
                    dirty = false;
                    let _ = w.events.send(PlatformEvent::Applied { id: f.id, result: f.result });
                    if let Some(r) = running {
                        w.after_write(r);
                    }
                }
            }
            request = requests.recv() => {
                let Some(request) = request else { break };
                w.on_request(request);
            }
            ended = ended_rx.recv() => {
                // Followed again once the engine says it runs (the next publish).
                if let Some(e) = ended {
                    w.tails.ended(e);
                }
            }
            _ = tick.tick() => {
                if dirty {
                    dirty = false;
                    w.publish();
                }
            }
        }
    }
    tracing::info!("docker platform worker stopped");
}
