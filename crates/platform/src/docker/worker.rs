//! The Docker platform's worker (on the shared skeleton, `crate::worker`). A watcher lists the labelled containers and the
//! images, then follows the engine's event stream (no polling); when the stream breaks
//! (the engine went away) it reports the connection lost and starts over with a fresh
//! list once the engine answers again. The worker owns the inventory, publishes a
//! snapshot when it changes (at most every 100 ms), and serves previews, writes and log
//! tails; a write runs in a task of its own while the events keep flowing.

use super::assemble::{self, Scope, service_containers};
use super::inventory::{self, Container, Image, Inventory};
use super::logs::{Ended, LogTails};
use super::writes;
use super::{DockerSetup, contract};
use crate::domain::change::{ChangeRequest, FieldChange, plan};
use crate::domain::image::ImageInfo;
use crate::domain::{ServiceKey, Snapshot};
use crate::worker::{self, Backend, Backoff, Outbox};
use crate::{Applied, Connection, PlatformError, PlatformEvent, PlatformHandle, PlatformRequest};
use bollard::Docker;
use bollard::query_parameters::{
    EventsOptionsBuilder, ListContainersOptionsBuilder, ListImagesOptionsBuilder,
};
use futures::StreamExt;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Duration;
use tokio::sync::mpsc;

/// What the worker's own tasks tell it: the watcher, writes that ended, log streams.
#[derive(Debug)]
pub(super) enum Msg {
    Watch(WatchMsg),
    Finished(Box<Finished>),
    TailEnded(Ended),
}

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
    worker::spawn(setup.info.clone(), read_only, events, move |tx| {
        tokio::spawn(watch(setup.docker.clone(), setup.scope.clone(), tx.clone()));
        Worker {
            docker: setup.docker,
            engine: setup.engine,
            scope: setup.scope,
            inv: Inventory::default(),
            images: Vec::new(),
            in_flight: BTreeMap::new(),
            gone: BTreeMap::new(),
            tails: LogTails::new(tx.clone()),
            tx,
            dirty: false,
        }
    })
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

/// A stream that lasted this long was healthy: the next failure retries quickly again.
const STREAM_HEALTHY: Duration = Duration::from_secs(10);

/// Events already handled: a resumed stream replays its last second, and a death should
/// not be told twice.
type Handled = std::collections::VecDeque<(i64, String, String)>;

/// Lists, then follows events; on any failure reports it and starts over (backing off).
async fn watch(docker: Docker, scope: Scope, tx: mpsc::UnboundedSender<Msg>) {
    let say = |m: WatchMsg| tx.send(Msg::Watch(m)).is_ok();
    let mut backoff = Backoff::new(Duration::from_millis(250), Duration::from_secs(5));
    let mut handled = Handled::default();
    loop {
        let since = chrono::Utc::now().timestamp() - 1;
        let inv = match list_all(&docker).await {
            Ok(inv) => inv,
            Err(e) => {
                if !say(WatchMsg::Lost(e.to_string())) {
                    return;
                }
                backoff.wait().await;
                continue;
            }
        };
        if !say(WatchMsg::Reset(inv)) {
            return;
        }
        let stream_start = tokio::time::Instant::now();
        let Some(reason) = follow(&docker, &scope, since, &mut handled, &say).await else {
            return;
        };
        tracing::warn!(%reason, "docker event stream ended; listing again");
        if !say(WatchMsg::Lost(reason)) {
            return;
        }
        // A stream that keeps breaking right after a good list backs off like a failed list.
        if stream_start.elapsed() >= STREAM_HEALTHY {
            backoff.reset();
        }
        backoff.wait().await;
    }
}

/// Follows the engine's events from `since`; why the stream ended (None: the worker is gone).
async fn follow(
    docker: &Docker,
    scope: &Scope,
    since: i64,
    handled: &mut Handled,
    say: &impl Fn(WatchMsg) -> bool,
) -> Option<String> {
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
    loop {
        let event = match stream.next().await {
            None => return Some("the engine closed the event stream".to_string()),
            Some(Err(e)) => return Some(e.to_string()),
            Some(Ok(e)) => e,
        };
        if !first_time(handled, &event) {
            continue;
        }
        match on_event(docker, scope, event, say).await {
            Ok(Some(msg)) => {
                if !say(msg) {
                    return None;
                }
            }
            Ok(None) => {}
            Err(reason) => return Some(reason),
        }
    }
}

/// Whether the event was not handled before (remembering the last 256).
fn first_time(handled: &mut Handled, event: &bollard::models::EventMessage) -> bool {
    let id = event
        .actor
        .as_ref()
        .and_then(|a| a.id.clone())
        .unwrap_or_default();
    let fingerprint = (
        event.time_nano.unwrap_or_default(),
        id,
        event.action.clone().unwrap_or_default(),
    );
    if handled.contains(&fingerprint) {
        return false;
    }
    if handled.len() == 256 {
        handled.pop_front();
    }
    handled.push_back(fingerprint);
    true
}

/// What an event changes: the image list, or one container read again (None: an event
/// of an unlabelled container). Err: the engine stopped answering.
async fn on_event(
    docker: &Docker,
    scope: &Scope,
    event: bollard::models::EventMessage,
    say: &impl Fn(WatchMsg) -> bool,
) -> Result<Option<WatchMsg>, String> {
    let typ = event.typ.map(|t| t.to_string()).unwrap_or_default();
    if typ == "image" {
        return list_images(docker)
            .await
            .map(|images| Some(WatchMsg::Images(images)))
            .map_err(|e| e.to_string());
    }
    let id = event
        .actor
        .as_ref()
        .and_then(|a| a.id.clone())
        .unwrap_or_default();
    if event.action.as_deref() == Some("destroy") {
        return Ok(Some(WatchMsg::Container(id, inventory::next_seq(), None)));
    }
    let attributes = event.actor.as_ref().and_then(|a| a.attributes.as_ref());
    fn read<'a>(a: &'a HashMap<String, String>, key: &'static str) -> &'a str {
        crate::contract::read(|k| a.get(k), key).map_or("", String::as_str)
    }
    let labelled = |a: &&HashMap<String, String>| {
        crate::contract::read(|k| a.get(k), contract::LABEL_SERVICE).is_some()
    };
    let Some(attributes) = attributes.filter(labelled) else {
        return Ok(None);
    };
    let shown = scope.shows(
        read(attributes, contract::LABEL_LINE),
        read(attributes, contract::LABEL_ENV),
    );
    if let Some(text) = notice(event.action.as_deref().unwrap_or_default(), attributes)
        && shown
    {
        say(WatchMsg::Notice(text));
    }
    let seq = inventory::next_seq();
    match docker.inspect_container(&id, None).await {
        Ok(c) => Ok(Some(WatchMsg::Container(
            id,
            seq,
            inventory::container(&c).map(|mut c| {
                c.seen = seq;
                Box::new(c)
            }),
        ))),
        Err(bollard::errors::Error::DockerResponseServerError {
            status_code: 404, ..
        }) => Ok(Some(WatchMsg::Container(id, seq, None))),
        Err(e) => Err(e.to_string()),
    }
}

/// A write that ended, with the engine's state right after it.
#[derive(Debug)]
pub(super) struct Finished {
    id: u64,
    key: ServiceKey,
    result: Result<Applied, PlatformError>,
    inventory: Option<Inventory>,
}

/// A write running on the engine, and the change that supersedes it, if one came.
struct Running {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    /// Id, request and the version a rollback decided to return to.
    next: Option<(u64, ChangeRequest, Option<String>)>,
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
    inv: Inventory,
    images: Vec<ImageInfo>,
    /// Writes running, per service (a deploy or rollback asks the one running to stop and
    /// runs after it).
    in_flight: BTreeMap<ServiceKey, Running>,
    /// Containers destroyed, with when (to keep a list taken earlier from reviving them).
    gone: BTreeMap<String, u64>,
    /// The worker's own messages (writes that ended, log streams).
    tx: mpsc::UnboundedSender<Msg>,
    tails: LogTails,
    /// Something changed since the last publish.
    dirty: bool,
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

    /// Publishes the snapshot and the image list when they changed.
    fn publish(&mut self, out: &mut Outbox) {
        self.dirty = false;
        out.snapshot(self.assemble());
        let images = self.image_infos();
        if images != self.images {
            self.images = images.clone();
            out.send(PlatformEvent::Images(images));
        }
        self.tails.follow_new(&self.docker, &self.inv);
        self.say_former_keys(out);
    }

    /// Labels under the former Docker keys are read; say once per key which one to use.
    fn say_former_keys(&self, out: &mut Outbox) {
        let labels = self
            .inv
            .containers
            .values()
            .flat_map(|c| c.labels.keys())
            .chain(self.inv.images.iter().flat_map(|i| i.labels.keys()));
        for text in crate::contract::former_keys_used(labels) {
            out.notice_once(text);
        }
    }

    /// Checks a request against the inventory and plans it.
    fn prepare(
        &self,
        request: &ChangeRequest,
        out: &Outbox,
    ) -> Result<(writes::Plan, Vec<FieldChange>), PlatformError> {
        let key = &request.target;
        let service = out
            .current()
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
        crate::domain::change::copy_destination(out.current(), key, &request.change)
            .map_err(|e| PlatformError::Invalid { reason: e.0 })?;
        let planned = match out.current().environment(&key.env_key()) {
            Some(env) => crate::domain::change::plan_in(env, service, &request.change),
            None => plan(service, &request.change),
        };
        let mut changes = match planned {
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
    fn start_write(&mut self, id: u64, request: ChangeRequest, out: &mut Outbox) {
        let (p, changes) = match self.prepare(&request, out) {
            Ok(x) => x,
            Err(e) => {
                out.send(PlatformEvent::Applied { id, result: Err(e) });
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
        self.publish(out);
        let (docker, done) = (self.docker.clone(), self.tx.clone());
        tokio::spawn(async move {
            let d2 = docker.clone();
            let result = worker::guarded(async move { writes::run(&d2, p, &stop).await })
                .await
                .map(|done| Applied {
                    request: request.clone(),
                    changes,
                    revision: done.join("; "),
                });
            // The answer goes out with the state the write left: listed now, so
            // that whoever reads the answer sees the end of it, not a moment of
            // the event stream that is still catching up.
            let inventory = list_all(&docker).await.ok();
            let _ = done.send(Msg::Finished(Box::new(Finished {
                id,
                key: request.target.clone(),
                result,
                inventory,
            })));
        });
    }

    /// A write ended: the superseding change waiting on it runs now, on what it left. A
    /// rollback whose release never replaced a container has nothing to undo.
    fn after_write(&mut self, running: Running, out: &mut Outbox) {
        let Some((id, mut request, target)) = running.next else {
            return;
        };
        let service = out.current().service(&request.target);
        let untouched = request.change == crate::domain::Change::Rollback
            && service.is_some_and(|s| s.rollout.is_none() && Some(&s.version) == target.as_ref());
        if untouched {
            out.send(PlatformEvent::Applied {
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
        self.start_write(id, request, out);
    }

    /// The dry run: Docker has none, so the plan and whether the engine has every image
    /// it needs (reads only).
    fn preview(&self, id: u64, request: ChangeRequest, out: &Outbox) {
        let result = self.prepare(&request, out).map(|(p, mut changes)| {
            let images: BTreeSet<&str> = p
                .steps
                .iter()
                .filter_map(|s| match s {
                    writes::Step::Replace { image, .. } | writes::Step::Create { image } => {
                        Some(image.as_str())
                    }
                    _ => None,
                })
                .collect();
            let present: Vec<String> = images.iter().map(|i| self.image_check(i)).collect();
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
        out.send(PlatformEvent::Previewed { id, result });
    }

    fn image_check(&self, image: &str) -> String {
        match self
            .inv
            .images
            .iter()
            .find(|x| x.tags.iter().any(|t| t == image))
        {
            Some(x) => format!("{image} present ({:.1} MB)", x.size as f64 / 1e6),
            None => format!("{image} missing"),
        }
    }

    /// A write; a deploy or rollback of a service with a write in flight supersedes it.
    fn apply(&mut self, id: u64, request: ChangeRequest, out: &mut Outbox) {
        if self.in_flight.contains_key(&request.target) && supersedes(&request.change) {
            self.supersede(id, request, out);
        } else {
            self.start_write(id, request, out);
        }
    }

    /// Checked now, run when the write in flight has stopped (on a step boundary), planned
    /// again on what it left.
    fn supersede(&mut self, id: u64, request: ChangeRequest, out: &mut Outbox) {
        if let Err(e) = self.prepare(&request, out) {
            out.send(PlatformEvent::Applied { id, result: Err(e) });
            return;
        }
        let target = out
            .current()
            .service(&request.target)
            .and_then(|s| s.rollback_target().map(String::from));
        let Some(running) = self.in_flight.get_mut(&request.target) else {
            return;
        };
        running
            .stop
            .store(true, std::sync::atomic::Ordering::SeqCst);
        if let Some((old, _, _)) = running.next.replace((id, request, target)) {
            out.send(PlatformEvent::Applied {
                id: old,
                result: Err(PlatformError::Invalid {
                    reason: "superseded by a newer deploy or rollback".into(),
                }),
            });
        }
    }

    fn on_watch(&mut self, msg: WatchMsg, out: &mut Outbox) {
        match msg {
            WatchMsg::Reset(inv) => {
                self.inv = inv;
                out.connection(Connection::Live);
                self.publish(out);
            }
            WatchMsg::Container(id, _, Some(c)) => {
                self.inv.containers.insert(id, *c);
                self.dirty = true;
            }
            WatchMsg::Container(id, seq, None) => {
                self.inv.containers.remove(&id);
                self.gone.insert(id, seq);
                if self.gone.len() > 4096 {
                    self.gone.pop_first();
                }
                self.dirty = true;
            }
            WatchMsg::Images(images) => {
                self.inv.images = images;
                self.dirty = true;
            }
            WatchMsg::Notice(text) => out.notice(text),
            WatchMsg::Lost(reason) => {
                out.connection(Connection::Retrying(format!("docker engine: {reason}")));
            }
        }
    }

    /// A write ended: publish what it left, answer, run what waited on it.
    fn finished(&mut self, f: Finished, out: &mut Outbox) {
        let running = self.in_flight.remove(&f.key);
        if let Some(inv) = f.inventory {
            self.inv.merge(inv, &self.gone);
        }
        self.publish(out);
        out.send(PlatformEvent::Applied {
            id: f.id,
            result: f.result,
        });
        if let Some(r) = running {
            self.after_write(r, out);
        }
    }
}

impl Backend for Worker {
    type Msg = Msg;
    const NAME: &'static str = "docker";

    fn on_message(&mut self, msg: Msg, out: &mut Outbox) {
        match msg {
            Msg::Watch(m) => self.on_watch(m, out),
            Msg::Finished(f) => self.finished(*f, out),
            // Followed again once the engine says it runs (the next publish).
            Msg::TailEnded(e) => self.tails.ended(e),
        }
    }

    fn on_request(&mut self, request: PlatformRequest, out: &mut Outbox) {
        match request {
            PlatformRequest::Preview { id, request } => self.preview(id, request, out),
            PlatformRequest::Apply { id, request } => self.apply(id, request, out),
            PlatformRequest::Logs {
                id, previous: true, ..
            } => out.send(PlatformEvent::Logs {
                id,
                lines: Vec::new(),
                note: Some(
                    "previous logs: a Docker container keeps one log across restarts, shown in the tail".into(),
                ),
            }),
            PlatformRequest::Logs { id, target, .. } => {
                let events = out.sender();
                self.tails
                    .open(id, target, &self.docker, &self.inv, &events);
            }
            PlatformRequest::StopLogs { id } => self.tails.close(id),
        }
    }

    fn on_tick(&mut self, out: &mut Outbox) {
        if self.dirty {
            self.publish(out);
        }
    }
}
