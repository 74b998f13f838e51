//! One watch per object kind and scope (kube::runtime watcher with backoff). Each watch
//! reduces objects to inventory entries in its own task and sends deltas to the worker;
//! a complete (re)list arrives as one `Reset`, so the view never shows half a list.

use super::config_refs::{HELM_RELEASE_SECRET, ROOT_CA_CONFIG_MAP, SERVICE_ACCOUNT_TOKEN_SECRET};
use super::contract::*;
use super::inventory::{self, Delta, Kind, Obj, ObjKey};
use super::route::Route;
use futures::{Stream, StreamExt};
use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::core::v1::{ConfigMap, Event as KubeEvent, Namespace, Pod, Secret, Service};
use kube::api::{ApiResource, DynamicObject, GroupVersionKind};
use kube::runtime::WatchStreamExt;
use kube::runtime::watcher::{self, Event};
use kube::{Api, Client, Resource, ResourceExt};
use serde::de::DeserializeOwned;
use std::fmt::Debug;
use std::time::Duration;
use tokio::sync::mpsc;

/// What a watch tells the worker.
#[derive(Debug, Clone)]
pub enum WatchMsg {
    Delta(Delta),
    /// The watch has a complete list (first time or after a relist).
    Synced {
        context: String,
        kind: Kind,
        namespace: Option<String>,
    },
    /// The watch failed and is retrying with backoff.
    Failed {
        context: String,
        kind: Kind,
        error: String,
    },
    /// The credentials may not list this kind here: the watch has stopped and the rest of
    /// the picture goes on without it.
    Denied {
        context: String,
        kind: Kind,
        namespace: Option<String>,
        reason: String,
    },
    /// A Kubernetes Event worth a line in the events view, if its namespace is an
    /// environment's.
    Event {
        context: String,
        namespace: String,
        text: String,
    },
    /// API discovery of a context is done: which optional APIs it serves (its watches
    /// start now).
    Discovered {
        context: String,
        apis: Apis,
    },
    /// A write (or its dry run) refused because its object moved, to be planned again on
    /// the picture the watches have caught up with (see the worker's `replan`).
    Replan {
        id: u64,
        request: crate::domain::change::ChangeRequest,
        dry_run: bool,
        attempt: u8,
    },
}

/// The optional APIs a cluster may serve.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Apis {
    /// Gateway API HTTPRoutes (canary weights and tag routes).
    pub gateway: bool,
    /// Argo Rollouts `Rollout` objects (shown read-only).
    pub rollouts: bool,
}

/// What one context's watches cover.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Cluster-wide watches; namespaces found by their labels.
    All,
    /// Only these namespaces.
    Namespaces(Vec<String>),
}

pub fn rollout_resource() -> ApiResource {
    ApiResource::from_gvk(&GroupVersionKind::gvk(
        ROLLOUT_GROUP,
        ROLLOUT_VERSION,
        ROLLOUT_KIND,
    ))
}

pub fn route_resource() -> ApiResource {
    ApiResource::from_gvk(&GroupVersionKind::gvk(
        GATEWAY_GROUP,
        GATEWAY_VERSION,
        ROUTE_KIND,
    ))
}

fn key_of<K: Resource>(context: &str, o: &K) -> ObjKey {
    ObjKey::new(context, &o.namespace().unwrap_or_default(), &o.name_any())
}

fn route(context: &str, o: &DynamicObject) -> (ObjKey, Obj) {
    let rules = o
        .data
        .get("spec")
        .and_then(|s| s.get("rules"))
        .and_then(|r| r.as_array())
        .cloned()
        .unwrap_or_default();
    (
        key_of(context, o),
        Obj::Route(Route {
            uid: o.metadata.uid.clone().unwrap_or_default(),
            resource_version: o.resource_version().unwrap_or_default(),
            generation: o.metadata.generation.unwrap_or(0),
            app: o
                .labels()
                .get(LABEL_NAME)
                .cloned()
                .unwrap_or_else(|| o.name_any()),
            rules,
            parent_refs: o
                .data
                .get("spec")
                .and_then(|s| s.get("parentRefs"))
                .cloned()
                .unwrap_or_default(),
        }),
    )
}

/// How one run of a watch ended.
enum Ended {
    /// Nobody listens any more.
    Closed,
    /// Forbidden: not retried.
    Denied,
    /// Failed; `synced` says whether this run had reached a complete list.
    Failed { synced: bool },
}

/// Runs one watch until it fails. A failed watch is not resumed in place: the caller starts
/// a fresh one, so every recovery goes through a complete relist (a `Reset`) and the
/// worker knows the watch is healthy again even when nothing changes meanwhile.
async fn pump<K, S>(
    mut stream: S,
    context: &str,
    kind: Kind,
    namespace: &Option<String>,
    reduce: fn(&str, &K) -> (ObjKey, Obj),
    tx: &mpsc::UnboundedSender<WatchMsg>,
) -> Ended
where
    K: Resource + Clone + Debug + Send + 'static,
    S: Stream<Item = Result<Event<K>, watcher::Error>> + Unpin,
{
    let mut buffer = Vec::new();
    let mut synced = false;
    while let Some(item) = stream.next().await {
        let msg = match item {
            Ok(Event::Init) => {
                buffer.clear();
                continue;
            }
            Ok(Event::InitApply(o)) => {
                buffer.push(reduce(context, &o));
                continue;
            }
            Ok(Event::InitDone) => {
                synced = true;
                let reset = WatchMsg::Delta(Delta::Reset {
                    kind,
                    context: context.to_string(),
                    namespace: namespace.clone(),
                    objects: std::mem::take(&mut buffer),
                });
                if tx.send(reset).is_err() {
                    return Ended::Closed;
                }
                WatchMsg::Synced {
                    context: context.to_string(),
                    kind,
                    namespace: namespace.clone(),
                }
            }
            Ok(Event::Apply(o)) => {
                let (k, obj) = reduce(context, &o);
                WatchMsg::Delta(Delta::Upsert(k, obj))
            }
            Ok(Event::Delete(o)) => WatchMsg::Delta(Delta::Remove(kind, key_of(context, &o))),
            Err(e) if forbidden(&e) => {
                tracing::warn!(%context, ?kind, error = %e, "watch forbidden; stopped");
                let _ = tx.send(WatchMsg::Denied {
                    context: context.to_string(),
                    kind,
                    namespace: namespace.clone(),
                    reason: super::errors::describe_watch(&e),
                });
                return Ended::Denied;
            }
            Err(e) => {
                tracing::warn!(%context, ?kind, error = %e, "watch failed; restarting");
                let _ = tx.send(WatchMsg::Failed {
                    context: context.to_string(),
                    kind,
                    error: super::errors::describe_watch(&e),
                });
                return Ended::Failed { synced };
            }
        };
        if tx.send(msg).is_err() {
            return Ended::Closed;
        }
    }
    Ended::Failed { synced }
}

fn forbidden(e: &watcher::Error) -> bool {
    matches!(
        e,
        watcher::Error::InitialListFailed(kube::Error::Api(s))
            | watcher::Error::WatchStartFailed(kube::Error::Api(s)) if s.code == 403
    )
}

/// First and longest pause before a failed watch starts again.
const RETRY_FIRST: Duration = Duration::from_millis(500);
const RETRY_MAX: Duration = Duration::from_secs(15);

fn spawn_watch<K>(
    api: Api<K>,
    config: watcher::Config,
    context: &str,
    kind: Kind,
    namespace: Option<String>,
    reduce: fn(&str, &K) -> (ObjKey, Obj),
    tx: &mpsc::UnboundedSender<WatchMsg>,
) where
    K: Resource + Clone + Debug + DeserializeOwned + Send + Sync + 'static,
{
    let (context, tx) = (context.to_string(), tx.clone());
    tokio::spawn(async move {
        let mut delay = RETRY_FIRST;
        loop {
            let stream = watcher::watcher(api.clone(), config.clone()).boxed();
            match pump(stream, &context, kind, &namespace, reduce, &tx).await {
                Ended::Closed | Ended::Denied => break,
                Ended::Failed { synced } => {
                    if synced {
                        delay = RETRY_FIRST;
                    }
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(RETRY_MAX);
                    if tx.is_closed() {
                        break;
                    }
                }
            }
        }
    });
}

fn api<K>(client: &Client, namespace: Option<&str>) -> Api<K>
where
    K: Resource<Scope = k8s_openapi::NamespaceResourceScope>,
    <K as Resource>::DynamicType: Default,
{
    match namespace {
        Some(ns) => Api::namespaced(client.clone(), ns),
        None => Api::all(client.clone()),
    }
}

/// The kinds watched in one scope (the events watch is not counted: it has no list).
pub fn kinds(apis: Apis) -> Vec<Kind> {
    let mut k = vec![
        Kind::Namespace,
        Kind::Deployment,
        Kind::StatefulSet,
        Kind::ReplicaSet,
        Kind::Pod,
        Kind::Service,
        Kind::ConfigMap,
        Kind::Secret,
    ];
    if apis.gateway {
        k.push(Kind::Route);
    }
    if apis.rollouts {
        k.push(Kind::Rollout);
    }
    k
}

/// Which watches to start: the tree's (namespaces and workloads) first, the details'
/// (ReplicaSets, pods, services, config, routes, events) once those are listed, so the
/// tree does not wait behind the much longer lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Tree,
    Details,
}

/// Starts the watches of one stage of one context.
pub fn start(
    client: &Client,
    context: &str,
    scope: &Scope,
    apis: Apis,
    stage: Stage,
    tx: &mpsc::UnboundedSender<WatchMsg>,
) {
    let namespaces: Vec<Option<String>> = match scope {
        Scope::All => vec![None],
        Scope::Namespaces(list) => list.iter().cloned().map(Some).collect(),
    };
    let labelled = || watcher::Config::default().labels(LABEL_NAME);
    let plain = watcher::Config::default;
    for ns in namespaces {
        let n = ns.as_deref();
        if stage == Stage::Tree {
            let ns_config = match n {
                Some(name) => watcher::Config::default().fields(&format!("metadata.name={name}")),
                None => watcher::Config::default(),
            };
            spawn_watch(
                Api::<Namespace>::all(client.clone()),
                ns_config,
                context,
                Kind::Namespace,
                ns.clone(),
                inventory::namespace,
                tx,
            );
            spawn_watch(
                api::<Deployment>(client, n),
                plain(),
                context,
                Kind::Deployment,
                ns.clone(),
                inventory::deployment,
                tx,
            );
            spawn_watch(
                api::<StatefulSet>(client, n),
                plain(),
                context,
                Kind::StatefulSet,
                ns.clone(),
                inventory::stateful_set,
                tx,
            );
            if apis.rollouts {
                let ar = rollout_resource();
                let rollouts: Api<DynamicObject> = match n {
                    Some(name) => Api::namespaced_with(client.clone(), name, &ar),
                    None => Api::all_with(client.clone(), &ar),
                };
                spawn_watch(
                    rollouts,
                    plain(),
                    context,
                    Kind::Rollout,
                    ns.clone(),
                    inventory::rollout,
                    tx,
                );
            }
            continue;
        }
        // Every ReplicaSet and pod, labelled or not: a workload's are found by owner.
        spawn_watch(
            api::<ReplicaSet>(client, n),
            plain(),
            context,
            Kind::ReplicaSet,
            ns.clone(),
            inventory::replica_set,
            tx,
        );
        spawn_watch(
            api::<Pod>(client, n),
            plain(),
            context,
            Kind::Pod,
            ns.clone(),
            inventory::pod,
            tx,
        );
        spawn_watch(
            api::<Service>(client, n),
            labelled(),
            context,
            Kind::Service,
            ns.clone(),
            inventory::service,
            tx,
        );
        spawn_watch(
            api::<ConfigMap>(client, n),
            // The cluster's CA in every namespace is nobody's config: not even listed.
            plain().fields(&format!("metadata.name!={ROOT_CA_CONFIG_MAP}")),
            context,
            Kind::ConfigMap,
            ns.clone(),
            inventory::config_map,
            tx,
        );
        spawn_watch(
            api::<Secret>(client, n),
            // Helm's release records (the largest Secrets there are) and service account
            // tokens hold no service's settings: not even listed.
            plain().fields(&format!(
                "type!={HELM_RELEASE_SECRET},type!={SERVICE_ACCOUNT_TOKEN_SECRET}"
            )),
            context,
            Kind::Secret,
            ns.clone(),
            inventory::secret,
            tx,
        );
        if apis.gateway {
            let ar = route_resource();
            let routes: Api<DynamicObject> = match n {
                Some(name) => Api::namespaced_with(client.clone(), name, &ar),
                None => Api::all_with(client.clone(), &ar),
            };
            spawn_watch(routes, plain(), context, Kind::Route, ns.clone(), route, tx);
        }
        // Two narrow event watches rather than all events: a cluster full of pods has
        // thousands of routine ones, and their initial list is skipped anyway.
        for selector in [
            "type=Warning",
            "involvedObject.kind=Deployment,type=Normal",
            "involvedObject.kind=ReplicaSet,type=Normal",
        ] {
            spawn_events(api::<KubeEvent>(client, n), selector, context, tx);
        }
    }
}

/// Kubernetes Events into the inventory (a service shows those of its objects), and the
/// ones after the initial list as notices: warnings, and what happens to Deployments.
fn spawn_events(
    api: Api<KubeEvent>,
    selector: &'static str,
    context: &str,
    tx: &mpsc::UnboundedSender<WatchMsg>,
) {
    let tx = tx.clone();
    let context = context.to_string();
    tokio::spawn(async move {
        let mut stream = watcher::watcher(api, watcher::Config::default().fields(selector))
            .default_backoff()
            .boxed();
        let mut live = false;
        while let Some(item) = stream.next().await {
            let kept = match &item {
                Ok(Event::InitApply(e) | Event::Apply(e)) => {
                    let (key, obj) = inventory::event(&context, e);
                    Some(Delta::Upsert(key, obj))
                }
                Ok(Event::Delete(e)) => Some(Delta::Remove(Kind::Event, key_of(&context, e))),
                _ => None,
            };
            if let Some(delta) = kept
                && tx.send(WatchMsg::Delta(delta)).is_err()
            {
                break;
            }
            match item {
                Ok(Event::InitDone) => live = true,
                Ok(Event::Apply(e)) if live => {
                    let kind = e.involved_object.kind.clone().unwrap_or_default();
                    let warning = e.type_.as_deref() == Some("Warning");
                    if warning || matches!(kind.as_str(), "Deployment" | "ReplicaSet" | "HTTPRoute")
                    {
                        let text = format!(
                            "{context}: {}/{} {}: {} {}",
                            e.involved_object.namespace.as_deref().unwrap_or(""),
                            kind.to_lowercase(),
                            e.involved_object.name.as_deref().unwrap_or(""),
                            e.reason.as_deref().unwrap_or(""),
                            e.message.as_deref().unwrap_or("").trim()
                        );
                        let event = WatchMsg::Event {
                            context: context.clone(),
                            namespace: e.involved_object.namespace.clone().unwrap_or_default(),
                            text,
                        };
                        if tx.send(event).is_err() {
                            break;
                        }
                    }
                }
                _ => {}
            }
            if tx.is_closed() {
                break;
            }
        }
    });
}
