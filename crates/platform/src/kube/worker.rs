//! The kube platform's worker (on the shared skeleton, `crate::worker`): owns the
//! inventory the watches fill, publishes a snapshot when something changed (at most every
//! 100 ms, and only once every watch has its first complete list), tracks the connection,
//! and serves previews and writes.

use super::assemble::{self, EnvBinding};
use super::discover::Discovery;
use super::inventory::{Delta, Inventory, Kind};
use super::watch::{self, Apis, Scope, WatchMsg};
use super::writes;
use super::{ContextSetup, KubeSetup};
use crate::domain::ServiceKey;
use crate::domain::change::{ChangeRequest, FieldChange, plan};
use crate::worker::{self, Backend, Backoff, Outbox};
use crate::{Applied, Connection, PlatformError, PlatformEvent, PlatformHandle, PlatformRequest};
use kube::Client;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;
use tokio::sync::mpsc;

/// How long the first tree waits for every watch before showing what it has.
const PARTIAL_AFTER: Duration = Duration::from_secs(10);
/// How often the tree is republished while lists are still arriving.
const LOADING_REPUBLISH: Duration = Duration::from_secs(1);

struct Worker {
    inv: Inventory,
    contexts: BTreeMap<String, (Client, Scope)>,
    discovery: Discovery,
    /// Contexts whose API discovery has not answered yet.
    discovering: BTreeSet<String>,
    /// (context, kind, namespace) that must sync before the tree is complete.
    expected: BTreeSet<(String, Kind, Option<String>)>,
    synced: BTreeSet<(String, Kind, Option<String>)>,
    failing: BTreeMap<(String, Kind), String>,
    bindings: Vec<EnvBinding>,
    tails: super::logs::LogTails,
    /// What each discovered context serves; removed once its detail watches started.
    details_pending: BTreeMap<String, Apis>,
    watches: mpsc::UnboundedSender<WatchMsg>,
    dirty: bool,
    read_only: bool,
    started: tokio::time::Instant,
    /// When the last picture went out.
    published: tokio::time::Instant,
}

pub fn spawn(
    setup: KubeSetup,
    read_only: bool,
    events: mpsc::UnboundedSender<PlatformEvent>,
) -> PlatformHandle {
    worker::spawn(setup.info.clone(), read_only, events, move |tx| {
        for c in &setup.contexts {
            start_context(c, &tx);
        }
        Worker {
            inv: Inventory::default(),
            contexts: setup
                .contexts
                .iter()
                .map(|c| (c.name.clone(), (c.client.clone(), c.scope.clone())))
                .collect(),
            discovering: setup.contexts.iter().map(|c| c.name.clone()).collect(),
            discovery: setup.discovery,
            expected: BTreeSet::new(),
            synced: BTreeSet::new(),
            failing: BTreeMap::new(),
            bindings: Vec::new(),
            tails: super::logs::LogTails::default(),
            details_pending: BTreeMap::new(),
            watches: tx.clone(),
            dirty: false,
            read_only,
            started: tokio::time::Instant::now(),
            published: tokio::time::Instant::now() - LOADING_REPUBLISH,
        }
    })
}

/// Whether the cluster serves `plural` in `group/version` (404: the group is absent).
async fn serves(
    client: &Client,
    group: &str,
    version: &str,
    plural: &str,
) -> Result<bool, kube::Error> {
    match client
        .list_api_group_resources(&format!("{group}/{version}"))
        .await
    {
        Ok(list) => Ok(list.resources.iter().any(|r| r.name == plural)),
        Err(kube::Error::Api(s)) if s.code == 404 => Ok(false),
        Err(e) => Err(e),
    }
}

/// Which optional APIs the cluster serves.
async fn detect_apis(client: &Client) -> Result<Apis, (String, kube::Error)> {
    use super::contract::*;
    let gateway = serves(client, GATEWAY_GROUP, GATEWAY_VERSION, ROUTE_PLURAL)
        .await
        .map_err(|e| (format!("apis/{GATEWAY_GROUP}"), e))?;
    let rollouts = serves(client, ROLLOUT_GROUP, ROLLOUT_VERSION, ROLLOUT_PLURAL)
        .await
        .map_err(|e| (format!("apis/{ROLLOUT_GROUP}"), e))?;
    Ok(Apis { gateway, rollouts })
}

/// API discovery of one context (retried with backoff), then its watches.
fn start_context(c: &ContextSetup, tx: &mpsc::UnboundedSender<WatchMsg>) {
    let (client, name, scope, tx) = (
        c.client.clone(),
        c.name.clone(),
        c.scope.clone(),
        tx.clone(),
    );
    tokio::spawn(async move {
        let mut backoff = Backoff::new(Duration::from_millis(500), Duration::from_secs(10));
        let apis = loop {
            match detect_apis(&client).await {
                Ok(apis) => break apis,
                Err((resource, e)) => {
                    let attempt = super::errors::Attempt {
                        verb: "get",
                        resource,
                        namespace: "(cluster)".into(),
                        target: name.clone(),
                    };
                    let error = super::errors::classify(&e, &attempt);
                    let _ = tx.send(WatchMsg::Failed {
                        context: name.clone(),
                        kind: Kind::Route,
                        error: format!("API discovery: {error}"),
                    });
                    backoff.wait().await;
                }
            }
        };
        let _ = tx.send(WatchMsg::Discovered {
            context: name.clone(),
            apis,
        });
        watch::start(&client, &name, &scope, apis, watch::Stage::Tree, &tx);
    });
}

impl Backend for Worker {
    type Msg = WatchMsg;
    const NAME: &'static str = "kube";

    fn on_message(&mut self, msg: WatchMsg, out: &mut Outbox) {
        self.on_watch(msg, out);
    }

    fn on_request(&mut self, request: PlatformRequest, out: &mut Outbox) {
        match request {
            PlatformRequest::Logs {
                id,
                target,
                previous,
            } => self.open_logs(id, target, previous, out),
            PlatformRequest::StopLogs { id } => self.tails.close(id),
            PlatformRequest::Preview { id, request } => self.preview(id, request, 0, out),
            PlatformRequest::Apply { id, request } => self.apply(id, request, 0, out),
        }
    }

    fn on_tick(&mut self, out: &mut Outbox) {
        self.start_details();
        let complete = self.discovering.is_empty() && self.expected.is_subset(&self.synced);
        self.update_connection(complete, out);
        // The tree (lines, environments, services) is shown once namespaces and workloads
        // are listed; pods, history and events fill in as their (much longer) lists
        // arrive, and the status line stays "connecting" until they have. A cluster that
        // does not answer must not blank the others: after a while the tree shows what
        // has arrived, and the status line names what has not.
        // While the lists arrive, at most once a second: each picture costs the cockpit
        // a recomputation, and keys must stay quick meanwhile.
        let loading_pause = !complete && self.published.elapsed() < LOADING_REPUBLISH;
        if self.dirty
            && !loading_pause
            && (complete || self.tree_listed() || self.started.elapsed() > PARTIAL_AFTER)
        {
            self.published = tokio::time::Instant::now();
            self.publish(out);
        }
    }
}

impl Worker {
    fn on_watch(&mut self, msg: WatchMsg, out: &mut Outbox) {
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
                let place = namespace
                    .as_ref()
                    .map(|n| format!(" in {n}"))
                    .unwrap_or_default();
                out.notice(format!(
                    "{context}: cannot watch {}{place}: {reason}; shown without them",
                    kind.resource(),
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
                let shown = self
                    .bindings
                    .iter()
                    .any(|b| b.context == context && b.namespace == namespace);
                if shown {
                    out.notice(text);
                }
            }
            WatchMsg::Discovered { context, apis } => self.discovered(context, apis, out),
            WatchMsg::Replan {
                id,
                request,
                dry_run: true,
                attempt,
            } => self.preview(id, request, attempt, out),
            WatchMsg::Replan {
                id,
                request,
                attempt,
                ..
            } => self.apply(id, request, attempt, out),
        }
    }

    /// A context answered API discovery: its watches are expected to sync now.
    fn discovered(&mut self, context: String, apis: Apis, out: &mut Outbox) {
        self.discovering.remove(&context);
        self.details_pending.insert(context.clone(), apis);
        if apis.gateway {
            self.inv.gateway_api.insert(context.clone());
        } else {
            out.notice(format!(
                "{context}: no Gateway API (HTTPRoute) in this cluster: canary traffic follows the replica ratio; tag routes are unavailable"
            ));
        }
        self.failing.remove(&(context.clone(), Kind::Route));
        let namespaces: Vec<Option<String>> = match self.contexts.get(&context).map(|c| &c.1) {
            Some(Scope::Namespaces(list)) => list.iter().cloned().map(Some).collect(),
            Some(Scope::All) | None => vec![None],
        };
        for ns in namespaces {
            for kind in watch::kinds(apis) {
                self.expected.insert((context.clone(), kind, ns.clone()));
            }
        }
        self.dirty = true;
    }

    /// Every context discovered, and its namespaces and workloads completely listed.
    fn tree_listed(&self) -> bool {
        self.discovering.is_empty() && self.contexts.keys().all(|c| self.tree_listed_in(c))
    }

    fn tree_listed_in(&self, context: &str) -> bool {
        const TREE: [Kind; 4] = [
            Kind::Namespace,
            Kind::Deployment,
            Kind::StatefulSet,
            Kind::Rollout,
        ];
        !self.discovering.contains(context)
            && self
                .expected
                .iter()
                .filter(|(c, kind, _)| c == context && TREE.contains(kind))
                .all(|e| self.synced.contains(e))
    }

    /// The detail watches of each context whose tree is listed (see `watch::Stage`).
    fn start_details(&mut self) {
        let ready: Vec<String> = self
            .details_pending
            .keys()
            .filter(|c| self.tree_listed_in(c))
            .cloned()
            .collect();
        for context in ready {
            let (Some(apis), Some((client, scope))) = (
                self.details_pending.remove(&context),
                self.contexts.get(&context),
            ) else {
                continue;
            };
            watch::start(
                client,
                &context,
                scope,
                apis,
                watch::Stage::Details,
                &self.watches,
            );
        }
    }

    fn update_connection(&mut self, complete: bool, out: &mut Outbox) {
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
        out.connection(next);
    }

    fn publish(&mut self, out: &mut Outbox) {
        self.dirty = false;
        self.bindings = assemble::bindings(&self.inv, &self.discovery);
        let (snapshot, problems) = assemble::snapshot(&self.inv, &self.bindings);
        for p in problems {
            out.notice_once(p);
        }
        out.snapshot(snapshot);
        self.tails.sync(out.current());
    }

    /// A log tail of a service's pods (see `kube::logs`).
    fn open_logs(&mut self, id: u64, target: ServiceKey, previous: bool, out: &mut Outbox) {
        let found = self.binding(&target).and_then(|b| {
            let (client, _) = self.contexts.get(&b.context)?;
            Some(super::logs::Source {
                client: client.clone(),
                namespace: b.namespace.clone(),
                previous,
            })
        });
        let Some(source) = found else {
            out.send(PlatformEvent::Logs {
                id,
                lines: Vec::new(),
                note: Some(format!("service {target} not found")),
            });
            return;
        };
        let events = out.sender();
        self.tails.open(id, target, source, out.current(), &events);
    }

    fn binding(&self, key: &ServiceKey) -> Option<&EnvBinding> {
        self.bindings
            .iter()
            .find(|b| b.line == key.line && b.env == key.env)
    }

    /// Checks a request against what the watches show and turns it into operations.
    fn prepare(&self, request: &ChangeRequest, out: &Outbox) -> Result<Prepared, PlatformError> {
        let key = &request.target;
        let not_found = || PlatformError::NotFound {
            what: format!("service {key}"),
        };
        let binding = self.binding(key).ok_or_else(not_found)?;
        let service = out.current().service(key).ok_or_else(not_found)?;
        let target = writes::target(&self.inv, binding, &key.service).ok_or_else(not_found)?;
        // Checked on the very objects the write starts from (the inventory can be newer
        // than the last published snapshot); the write itself carries their
        // resourceVersions, so the API server refuses anything that lands in between.
        if !request.expected_revision.is_empty() && request.expected_revision != target.revision() {
            return Err(PlatformError::Conflict {
                target: key.to_string(),
            });
        }
        let planned = match out.current().environment(&key.env_key()) {
            Some(env) => crate::domain::change::plan_in(env, service, &request.change),
            None => plan(service, &request.change),
        };
        let changes = planned.map_err(|e| PlatformError::Invalid { reason: e.0 })?;
        crate::domain::change::copy_destination(out.current(), key, &request.change)
            .map_err(|e| PlatformError::Invalid { reason: e.0 })?;
        let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let (namespace, ops) = match &request.change {
            crate::domain::Change::CopyTo {
                env,
                version,
                config,
            } => {
                let made = self
                    .bindings
                    .iter()
                    .find(|b| b.line == key.line && b.env == *env && b.context == binding.context);
                let namespace =
                    made.map_or_else(|| format!("{}-{env}", key.line), |b| b.namespace.clone());
                let taken = self
                    .inv
                    .of(Kind::Namespace)
                    .any(|(k, _)| k.context == binding.context && k.name == namespace);
                if made.is_none() && taken {
                    return Err(PlatformError::Invalid {
                        reason: format!(
                            "namespace {namespace} exists and is not {}/{env}: wheelhouse makes environments in namespaces of their own",
                            key.line
                        ),
                    });
                }
                let to = writes::Destination {
                    namespace: &namespace,
                    create: made.is_none(),
                    line: &key.line,
                    env,
                };
                let ops =
                    writes::copy_ops(&self.inv, &target, request, &now, &to, (version, config))?;
                (namespace, ops)
            }
            crate::domain::Change::RemoveService => {
                let last = out
                    .current()
                    .environment(&key.env_key())
                    .is_none_or(|e| e.services.len() <= 1);
                (binding.namespace.clone(), writes::remove_ops(&target, last))
            }
            _ => (
                binding.namespace.clone(),
                writes::ops(&target, request, &now)?,
            ),
        };
        let client = self
            .contexts
            .get(&binding.context)
            .map(|(c, _)| c.clone())
            .ok_or_else(|| PlatformError::Unavailable {
                reason: format!("no client for context {}", binding.context),
            })?;
        let decided =
            writes::Decided::from_inventory(&self.inv, &binding.context, &namespace, &ops);
        Ok(Prepared {
            client,
            namespace,
            ops,
            decided,
            changes,
        })
    }

    /// The dry run: the plan, then the API server's server-side dry run of every request
    /// (in read-only mode, what would be sent).
    fn preview(&self, id: u64, request: ChangeRequest, attempt: u8, out: &Outbox) {
        let prepared = self.prepare(&request, out);
        let (read_only, events, again) = (self.read_only, out.sender(), self.watches.clone());
        tokio::spawn(async move {
            let result = match prepared {
                Err(e) => Err(e),
                Ok(p) if read_only => Ok(with_dry_run(
                    p.changes,
                    format!("not sent (read-only): would {}", describe(&p.ops)),
                )),
                Ok(Prepared {
                    client,
                    namespace: ns,
                    ops,
                    decided,
                    changes,
                }) => {
                    let target = request.target.to_string();
                    // A namespace still to be made: what goes in it cannot be dry-run yet.
                    let new_namespace = ops
                        .iter()
                        .position(|op| matches!(op, writes::Op::ApplyNamespace { .. }));
                    let (checked, later) = match new_namespace {
                        Some(i) => (&ops[i..=i], describe(&ops[i + 1..])),
                        None => (&ops[..], String::new()),
                    };
                    let sent = writes::run(&client, &ns, &target, checked, decided, true).await;
                    if let Err(e) = &sent
                        && replan(&again, (id, &request, true, attempt), e).await
                    {
                        return;
                    }
                    sent.map(|done| {
                        let what: Vec<&str> = done.iter().map(|d| d.what.as_str()).collect();
                        let mut text = format!("accepted: {}", what.join(", "));
                        if !later.is_empty() {
                            text.push_str(&format!("; then, in it: {later}"));
                        }
                        with_dry_run(changes, text)
                    })
                }
            };
            let _ = events.send(PlatformEvent::Previewed { id, result });
        });
    }

    /// The write, in a task of its own; the answer carries the revision it left.
    fn apply(&self, id: u64, request: ChangeRequest, attempt: u8, out: &Outbox) {
        let prepared = self.prepare(&request, out);
        let (events, again) = (out.sender(), self.watches.clone());
        tokio::spawn(async move {
            let Prepared {
                client,
                namespace: ns,
                ops,
                decided,
                changes,
            } = match prepared {
                Ok(p) => p,
                Err(e) => {
                    let _ = events.send(PlatformEvent::Applied { id, result: Err(e) });
                    return;
                }
            };
            let target = request.target.to_string();
            let sent = worker::guarded(async move {
                writes::run(&client, &ns, &target, &ops, decided, false).await
            })
            .await;
            if let Err(e) = &sent
                && replan(&again, (id, &request, false, attempt), e).await
            {
                return;
            }
            let result = sent.map(|done| Applied {
                request: request.clone(),
                changes,
                revision: done
                    .iter()
                    .rev()
                    .map(|d| d.resource_version.clone())
                    .find(|rv| !rv.is_empty())
                    .unwrap_or_default(),
            });
            let _ = events.send(PlatformEvent::Applied { id, result });
        });
    }
}

/// How many times a refused request is planned again, and after how long.
const REPLANS: u8 = 3;
const REPLAN_AFTER: Duration = Duration::from_millis(300);

/// A request the API server refused because its object moved, with nothing of it gone
/// through, is planned again on the picture the watches catch up with meanwhile: its
/// plan may have read status that moved (a rollout's progress). `prepare`'s revision check
/// still refuses it when somebody else changed the spec, so only a request that carries
/// the revision it was decided on is planned again. True when it was sent back.
async fn replan(
    again: &mpsc::UnboundedSender<WatchMsg>,
    (id, request, dry_run, attempt): (u64, &ChangeRequest, bool, u8),
    error: &PlatformError,
) -> bool {
    let moved = matches!(error, PlatformError::Conflict { .. });
    if !moved || request.expected_revision.is_empty() || attempt >= REPLANS {
        return false;
    }
    tokio::time::sleep(REPLAN_AFTER).await;
    tracing::info!(
        id,
        attempt,
        "{}: its object moved; planned again",
        request.target
    );
    again
        .send(WatchMsg::Replan {
            id,
            request: request.clone(),
            dry_run,
            attempt: attempt + 1,
        })
        .is_ok()
}

/// A request made ready to send: where, what, and the generations it was decided on.
struct Prepared {
    client: Client,
    namespace: String,
    ops: Vec<writes::Op>,
    decided: writes::Decided,
    changes: Vec<FieldChange>,
}

fn with_dry_run(mut changes: Vec<FieldChange>, after: String) -> Vec<FieldChange> {
    changes.push(FieldChange {
        field: "server dry run".into(),
        before: String::new(),
        after,
    });
    changes
}

fn describe(ops: &[writes::Op]) -> String {
    ops.iter()
        .map(|o| format!("{} {}", o.verb(), o.resource()))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(revision: &str) -> ChangeRequest {
        ChangeRequest {
            target: ServiceKey {
                line: "trade".into(),
                env: "dev".into(),
                service: "order".into(),
            },
            change: crate::domain::Change::Scale { replicas: 3 },
            expected_revision: revision.into(),
            who: "tester".into(),
            why: String::new(),
        }
    }

    #[tokio::test]
    async fn a_request_refused_over_a_moved_object_is_planned_again_a_few_times() {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let moved = PlatformError::Conflict {
            target: "trade/dev/order".into(),
        };
        assert!(replan(&tx, (7, &request("2/-/-"), false, 0), &moved).await);
        match rx.try_recv() {
            Ok(WatchMsg::Replan {
                id: 7,
                dry_run: false,
                attempt: 1,
                request,
            }) => assert_eq!(request.expected_revision, "2/-/-"),
            other => panic!("a replan: {other:?}"),
        }
        assert!(
            !replan(&tx, (7, &request("2/-/-"), false, REPLANS), &moved).await,
            "not forever"
        );
        assert!(
            !replan(&tx, (7, &request(""), true, 0), &moved).await,
            "without the revision it was decided on, a spec change could be overwritten"
        );
        let other = PlatformError::Unavailable {
            reason: "gone".into(),
        };
        assert!(!replan(&tx, (7, &request("2/-/-"), true, 0), &other).await);
        assert!(rx.try_recv().is_err(), "nothing more sent");
    }
}
