//! The kube platform as a worker task: owns the inventory the watches fill, publishes a
//! snapshot when something changed (at most every 100 ms, and only once every watch has
//! its first complete list), tracks the connection, and serves previews and writes.

use super::assemble::{self, EnvBinding};
use super::inventory::{Delta, Inventory, Kind};
use super::watch::{self, Scope, WatchMsg};
use super::writes;
use super::{ContextSetup, KubeSetup};
use crate::domain::change::{ChangeRequest, FieldChange, plan};
use crate::domain::{ServiceKey, Snapshot};
use crate::{Applied, Connection, PlatformError, PlatformEvent, PlatformHandle, PlatformRequest};
use kube::Client;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

const PUBLISH_EVERY: Duration = Duration::from_millis(100);
/// How long the first tree waits for every watch before showing what it has.
const PARTIAL_AFTER: Duration = Duration::from_secs(10);

/// Extra messages from the per-context start-up tasks.
enum Setup {
    Gateway { context: String, present: bool },
}

struct Worker {
    inv: Inventory,
    contexts: BTreeMap<String, (Client, Scope)>,
    catalog: Vec<EnvBinding>,
    fallback: Option<EnvBinding>,
    /// (context, kind, namespace) that must sync before the tree is complete.
    expected: BTreeSet<(String, Kind, Option<String>)>,
    synced: BTreeSet<(String, Kind, Option<String>)>,
    failing: BTreeMap<(String, Kind), String>,
    connection: Connection,
    snapshot: Arc<Snapshot>,
    bindings: Vec<EnvBinding>,
    problems: BTreeSet<String>,
    dirty: bool,
    read_only: bool,
    events: mpsc::UnboundedSender<PlatformEvent>,
}

pub fn spawn(
    setup: KubeSetup,
    read_only: bool,
    events: mpsc::UnboundedSender<PlatformEvent>,
) -> PlatformHandle {
    let (tx, rx) = mpsc::unbounded_channel::<PlatformRequest>();
    let handle = PlatformHandle::new(setup.info.clone(), read_only, tx, events.clone());
    tokio::spawn(run(setup, read_only, rx, events));
    handle
}

async fn detect_gateway(client: &Client) -> Result<bool, kube::Error> {
    let group = format!(
        "{}/{}",
        super::contract::GATEWAY_GROUP,
        super::contract::GATEWAY_VERSION
    );
    match client.list_api_group_resources(&group).await {
        Ok(list) => Ok(list
            .resources
            .iter()
            .any(|r| r.name == super::contract::ROUTE_PLURAL)),
        Err(kube::Error::Api(s)) if s.code == 404 => Ok(false),
        Err(e) => Err(e),
    }
}

fn start_context(
    c: &ContextSetup,
    watch_tx: &mpsc::UnboundedSender<WatchMsg>,
    setup_tx: &mpsc::UnboundedSender<Setup>,
) {
    let (client, name, scope) = (c.client.clone(), c.name.clone(), c.scope.clone());
    let (watch_tx, setup_tx) = (watch_tx.clone(), setup_tx.clone());
    tokio::spawn(async move {
        let mut delay = Duration::from_millis(500);
        let present = loop {
            match detect_gateway(&client).await {
                Ok(p) => break p,
                Err(e) => {
                    let _ = watch_tx.send(WatchMsg::Failed {
                        context: name.clone(),
                        kind: Kind::Route,
                        error: format!(
                            "API discovery: {}",
                            super::errors::classify(
                                &e,
                                &super::errors::Attempt {
                                    verb: "get",
                                    resource: "apis/gateway.networking.k8s.io".into(),
                                    namespace: "(cluster)".into(),
                                    target: name.clone(),
                                }
                            )
                        ),
                    });
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_secs(10));
                }
            }
        };
        let _ = setup_tx.send(Setup::Gateway {
            context: name.clone(),
            present,
        });
        watch::start(&client, &name, &scope, present, &watch_tx);
    });
}

async fn run(
    setup: KubeSetup,
    read_only: bool,
    mut requests: mpsc::UnboundedReceiver<PlatformRequest>,
    events: mpsc::UnboundedSender<PlatformEvent>,
) {
    let (watch_tx, mut watch_rx) = mpsc::unbounded_channel();
    let (setup_tx, mut setup_rx) = mpsc::unbounded_channel();
    for c in &setup.contexts {
        start_context(c, &watch_tx, &setup_tx);
    }
    let mut w = Worker {
        inv: Inventory::default(),
        contexts: setup
            .contexts
            .iter()
            .map(|c| (c.name.clone(), (c.client.clone(), c.scope.clone())))
            .collect(),
        catalog: setup.catalog.clone(),
        fallback: setup.fallback.clone(),
        expected: BTreeSet::new(),
        synced: BTreeSet::new(),
        failing: BTreeMap::new(),
        connection: Connection::Connecting,
        snapshot: Arc::new(Snapshot::default()),
        bindings: Vec::new(),
        problems: BTreeSet::new(),
        dirty: false,
        read_only,
        events,
    };
    // Every context must report whether it serves the Gateway API before the tree counts as complete.
    let mut pending_contexts: BTreeSet<String> = w.contexts.keys().cloned().collect();
    let _ = w
        .events
        .send(PlatformEvent::Connection(Connection::Connecting));
    let started = tokio::time::Instant::now();
    let mut tick = tokio::time::interval(PUBLISH_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            Some(msg) = watch_rx.recv() => w.on_watch(msg),
            Some(Setup::Gateway { context, present }) = setup_rx.recv() => {
                pending_contexts.remove(&context);
                if present {
                    w.inv.gateway_api.insert(context.clone());
                } else {
                    w.notice(format!(
                        "{context}: no Gateway API (HTTPRoute) in this cluster: canary traffic follows the replica ratio; tag routes are unavailable"
                    ));
                }
                w.failing.remove(&(context.clone(), Kind::Route));
                let namespaces: Vec<Option<String>> = match &w.contexts[&context].1 {
                    Scope::All => vec![None],
                    Scope::Namespaces(list) => list.iter().cloned().map(Some).collect(),
                };
                for ns in namespaces {
                    for kind in watch::kinds(present) {
                        w.expected.insert((context.clone(), kind, ns.clone()));
                    }
                }
                w.dirty = true;
            }
            request = requests.recv() => {
                let Some(request) = request else { break };
                w.on_request(request);
            }
            _ = tick.tick() => {
                if w.events.is_closed() {
                    break;
                }
                let complete = pending_contexts.is_empty() && w.expected.is_subset(&w.synced);
                w.update_connection(complete);
                // A cluster that does not answer must not blank the others: after a while
                // the tree shows what has arrived, and the status line names what has not.
                if w.dirty && (complete || started.elapsed() > PARTIAL_AFTER) {
                    w.publish();
                }
            }
        }
    }
    tracing::info!("kube platform worker stopped");
}

impl Worker {
    fn notice(&self, text: String) {
        let _ = self.events.send(PlatformEvent::Notice(text));
    }

    fn on_watch(&mut self, msg: WatchMsg) {
        match msg {
            WatchMsg::Delta(d) => {
                if let Delta::Reset { kind, context, .. } = &d {
                    self.failing.remove(&(context.clone(), *kind));
                }
                self.inv.apply(d);
                self.dirty = true;
            }
            WatchMsg::Synced {
                context,
                kind,
                namespace,
            } => {
                self.failing.remove(&(context.clone(), kind));
                self.synced.insert((context, kind, namespace));
            }
            WatchMsg::Failed {
                context,
                kind,
                error,
            } => {
                self.failing.insert((context, kind), error);
            }
            WatchMsg::Denied {
                context,
                kind,
                namespace,
                reason,
            } => {
                self.notice(format!(
                    "{context}: cannot watch {}{}: {reason}; shown without them",
                    kind.resource(),
                    namespace
                        .as_ref()
                        .map(|n| format!(" in {n}"))
                        .unwrap_or_default()
                ));
                self.failing.remove(&(context.clone(), kind));
                self.synced.insert((context, kind, namespace));
                self.dirty = true;
            }
            WatchMsg::Event {
                context,
                namespace,
                text,
            } => {
                if self
                    .bindings
                    .iter()
                    .any(|b| b.context == context && b.namespace == namespace)
                {
                    self.notice(text);
                }
            }
        }
    }

    fn update_connection(&mut self, complete: bool) {
        let next = if let Some(((ctx, kind), error)) = self.failing.iter().next() {
            let more = self.failing.len() - 1;
            let others = if more > 0 {
                format!(" (+{more} more watches)")
            } else {
                String::new()
            };
            Connection::Retrying(format!("{ctx}: {}: {error}{others}", kind.resource()))
        } else if complete {
            Connection::Live
        } else {
            Connection::Connecting
        };
        if next != self.connection {
            self.connection = next.clone();
            let _ = self.events.send(PlatformEvent::Connection(next));
        }
    }

    fn publish(&mut self) {
        self.dirty = false;
        self.bindings = assemble::bindings(&self.inv, &self.catalog, self.fallback.as_ref());
        let (snapshot, problems) = assemble::snapshot(&self.inv, &self.bindings);
        for p in problems {
            if self.problems.insert(p.clone()) {
                self.notice(p);
            }
        }
        if *self.snapshot != snapshot {
            self.snapshot = Arc::new(snapshot);
            let _ = self
                .events
                .send(PlatformEvent::Snapshot(self.snapshot.clone()));
        }
    }

    fn binding(&self, key: &ServiceKey) -> Option<&EnvBinding> {
        self.bindings
            .iter()
            .find(|b| b.line == key.line && b.env == key.env)
    }

    /// Checks a request against what the watches show and turns it into operations.
    fn prepare(
        &self,
        request: &ChangeRequest,
    ) -> Result<(Client, String, Vec<writes::Op>, Vec<FieldChange>), PlatformError> {
        let key = &request.target;
        let not_found = || PlatformError::NotFound {
            what: format!("service {key}"),
        };
        let binding = self.binding(key).ok_or_else(not_found)?;
        let service = self.snapshot.service(key).ok_or_else(not_found)?;
        let target = writes::target(&self.inv, binding, &key.service).ok_or_else(not_found)?;
        // Checked on the very objects the write starts from (the inventory can be newer
        // than the last published snapshot); the write itself carries their
        // resourceVersions, so the API server refuses anything that lands in between.
        if !request.expected_revision.is_empty() && request.expected_revision != target.revision() {
            return Err(PlatformError::Conflict {
                target: key.to_string(),
            });
        }
        let changes =
            plan(service, &request.change).map_err(|e| PlatformError::Invalid { reason: e.0 })?;
        let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let ops = writes::ops(&target, request, &now)?;
        let client = self
            .contexts
            .get(&binding.context)
            .map(|(c, _)| c.clone())
            .ok_or_else(|| PlatformError::Unavailable {
                reason: format!("no client for context {}", binding.context),
            })?;
        Ok((client, binding.namespace.clone(), ops, changes))
    }

    fn on_request(&mut self, request: PlatformRequest) {
        let events = self.events.clone();
        match request {
            // Not asked for: the capability is declared missing (`Location::capabilities`).
            PlatformRequest::Logs { id, .. } => {
                let kube = crate::domain::Location::Kube {
                    context: String::new(),
                    namespace: String::new(),
                };
                let _ = events.send(PlatformEvent::Logs {
                    id,
                    lines: Vec::new(),
                    note: kube.logs().err().map(|e| e.to_string()),
                });
            }
            PlatformRequest::StopLogs { .. } => {}
            PlatformRequest::Preview { id, request } => {
                let prepared = self.prepare(&request);
                let read_only = self.read_only;
                tokio::spawn(async move {
                    let result = match prepared {
                        Err(e) => Err(e),
                        Ok((_, _, ops, mut changes)) if read_only => {
                            changes.push(FieldChange {
                                field: "server dry run".into(),
                                before: String::new(),
                                after: format!("not sent (read-only): would {}", describe(&ops)),
                            });
                            Ok(changes)
                        }
                        Ok((client, ns, ops, mut changes)) => {
                            writes::run(&client, &ns, &request.target.to_string(), &ops, true)
                                .await
                                .map(|lines| {
                                    changes.push(FieldChange {
                                        field: "server dry run".into(),
                                        before: String::new(),
                                        after: format!(
                                            "accepted: {}",
                                            lines
                                                .iter()
                                                .map(|d| d.what.as_str())
                                                .collect::<Vec<_>>()
                                                .join(", ")
                                        ),
                                    });
                                    changes
                                })
                        }
                    };
                    let _ = events.send(PlatformEvent::Previewed { id, result });
                });
            }
            PlatformRequest::Apply { id, request } => {
                if self.read_only {
                    let _ = events.send(PlatformEvent::Applied {
                        id,
                        result: Err(PlatformError::ReadOnly),
                    });
                    return;
                }
                let prepared = self.prepare(&request);
                tokio::spawn(async move {
                    let result = match prepared {
                        Err(e) => Err(e),
                        Ok((client, ns, ops, changes)) => {
                            writes::run(&client, &ns, &request.target.to_string(), &ops, false)
                                .await
                                .map(|done| Applied {
                                    request: request.clone(),
                                    changes,
                                    revision: done
                                        .iter()
                                        .rev()
                                        .map(|d| d.resource_version.clone())
                                        .find(|rv| !rv.is_empty())
                                        .unwrap_or_default(),
                                })
                        }
                    };
                    let _ = events.send(PlatformEvent::Applied { id, result });
                });
            }
        }
    }
}

fn describe(ops: &[writes::Op]) -> String {
    ops.iter()
        .map(|o| format!("{} {}", o.verb(), o.resource()))
        .collect::<Vec<_>>()
        .join(", ")
}
