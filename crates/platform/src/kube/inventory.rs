//! What the watches have seen, reduced to what the cockpit needs. Secret values are dropped
//! in the watch task: only key names ever reach the inventory.

use super::config_refs::{
    ConfigRefs, HELM_RELEASE_SECRET, ROOT_CA_CONFIG_MAP, SERVICE_ACCOUNT_TOKEN_SECRET,
};
use super::contract::*;
use super::route::Route;
use crate::domain::workload::{CanaryStep, WorkloadKind};
use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::core::v1::{ConfigMap, Namespace, Pod, PodTemplateSpec, Secret, Service};
use std::collections::{BTreeMap, BTreeSet};

/// One object's address: context, namespace (empty for cluster-scoped) and name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ObjKey {
    pub context: String,
    pub namespace: String,
    pub name: String,
}

impl ObjKey {
    pub fn new(context: &str, namespace: &str, name: &str) -> Self {
        ObjKey {
            context: context.into(),
            namespace: namespace.into(),
            name: name.into(),
        }
    }
}

pub type Labels = BTreeMap<String, String>;

#[derive(Debug, Clone, PartialEq)]
pub struct NamespaceInfo {
    pub labels: Labels,
}

/// A Deployment, StatefulSet or Argo Rollouts Rollout, as the model needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkloadInfo {
    pub kind: WorkloadKind,
    pub uid: String,
    pub resource_version: String,
    pub labels: Labels,
    pub annotations: Labels,
    pub generation: i64,
    pub observed_generation: i64,
    pub replicas: u32,
    pub ready: u32,
    pub updated: u32,
    pub container: String,
    pub image: String,
    pub template_version: Option<String>,
    /// The rollout passed its progress deadline.
    pub failed: bool,
    /// The Progressing condition's message while it is False (why the rollout stopped).
    pub progress_problem: Option<String>,
    /// `spec.paused`: the rollout waits (kubectl rollout pause).
    pub paused: bool,
    /// The pod template (a canary starts from the stable one).
    pub template: Option<PodTemplateSpec>,
    /// An Argo Rollouts canary's progress through its steps.
    pub step: Option<CanaryStep>,
    /// The ConfigMaps and Secrets its pod template reads.
    pub refs: ConfigRefs,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ReplicaSetInfo {
    pub owner_uid: Option<String>,
    pub revision: u64,
    pub annotations: Labels,
    pub image: String,
    pub version: String,
    pub created: i64,
    /// Pods it has (status), so a rollout is seen while old ones remain.
    pub replicas: u32,
    pub template: Option<PodTemplateSpec>,
}

/// A ConfigMap's or Secret's data for one service. Its Debug form names keys only.
#[derive(Clone, PartialEq)]
pub struct AppData {
    /// `app.kubernetes.io/name` of the service the object belongs to.
    pub app: Option<String>,
    /// Config values (ConfigMaps); empty for Secrets.
    pub data: BTreeMap<String, String>,
    /// Secret keys with the fingerprints of their values (Secrets); the values are dropped
    /// in the watch task.
    pub secrets: crate::domain::secret::Secrets,
}

impl std::fmt::Debug for AppData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppData")
            .field("app", &self.app)
            .field("keys", &self.data.keys().collect::<Vec<_>>())
            .field("secrets", &self.secrets)
            .finish()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct PodInfo {
    pub app: Option<String>,
    /// The name of its controlling owner (a ReplicaSet or StatefulSet).
    pub owner: Option<String>,
    pub track: String,
    /// What the model shows of it (see `kube::pods`).
    pub pod: crate::domain::pods::Pod,
}

/// A Kubernetes Event: what it is about, and what the model shows of it.
#[derive(Debug, Clone, PartialEq)]
pub struct EventInfo {
    /// The involved object's kind and name.
    pub kind: String,
    pub name: String,
    pub event: crate::domain::events::ObjectEvent,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ServiceInfo {
    pub app: Option<String>,
    /// `spec.ports` as served (a canary Service copies them).
    pub ports: serde_json::Value,
}

/// Every object kind the platform watches.
#[derive(Debug, Clone, PartialEq)]
pub enum Obj {
    Namespace(NamespaceInfo),
    /// A Deployment, StatefulSet or Argo Rollouts Rollout.
    Workload(Box<WorkloadInfo>),
    ReplicaSet(Box<ReplicaSetInfo>),
    Pod(Box<PodInfo>),
    Service(ServiceInfo),
    ConfigMap(AppData),
    Secret(AppData),
    Route(Route),
    Event(Box<EventInfo>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Namespace,
    Deployment,
    StatefulSet,
    Rollout,
    ReplicaSet,
    Pod,
    Service,
    ConfigMap,
    Secret,
    Route,
    Event,
}

impl Kind {
    pub fn resource(self) -> &'static str {
        match self {
            Kind::Namespace => "namespaces",
            Kind::Deployment => "deployments",
            Kind::StatefulSet => "statefulsets",
            Kind::Rollout => "rollouts",
            Kind::ReplicaSet => "replicasets",
            Kind::Pod => "pods",
            Kind::Service => "services",
            Kind::ConfigMap => "configmaps",
            Kind::Secret => "secrets",
            Kind::Route => "httproutes",
            Kind::Event => "events",
        }
    }
}

impl Obj {
    pub fn kind(&self) -> Kind {
        match self {
            Obj::Namespace(_) => Kind::Namespace,
            Obj::Workload(w) => match w.kind {
                WorkloadKind::Deployment => Kind::Deployment,
                WorkloadKind::StatefulSet => Kind::StatefulSet,
                WorkloadKind::ArgoRollout => Kind::Rollout,
            },
            Obj::ReplicaSet(_) => Kind::ReplicaSet,
            Obj::Pod(_) => Kind::Pod,
            Obj::Service(_) => Kind::Service,
            Obj::ConfigMap(_) => Kind::ConfigMap,
            Obj::Secret(_) => Kind::Secret,
            Obj::Route(_) => Kind::Route,
            Obj::Event(_) => Kind::Event,
        }
    }
}

/// A change seen by a watch.
#[derive(Debug, Clone, PartialEq)]
pub enum Delta {
    Upsert(ObjKey, Obj),
    Remove(Kind, ObjKey),
    /// A complete (re)list of `kind` in `context` (and `namespace` when the watch is
    /// namespaced): replaces everything held for that scope.
    Reset {
        kind: Kind,
        context: String,
        namespace: Option<String>,
        objects: Vec<(ObjKey, Obj)>,
    },
}

/// Everything the watches have seen, per kind.
#[derive(Debug, Clone, Default)]
pub struct Inventory {
    pub objects: BTreeMap<Kind, BTreeMap<ObjKey, Obj>>,
    /// Contexts whose cluster serves the Gateway API HTTPRoute.
    pub gateway_api: BTreeSet<String>,
}

impl Inventory {
    pub fn apply(&mut self, delta: Delta) {
        match delta {
            Delta::Upsert(key, obj) => {
                self.objects.entry(obj.kind()).or_default().insert(key, obj);
            }
            Delta::Remove(kind, key) => {
                if let Some(m) = self.objects.get_mut(&kind) {
                    m.remove(&key);
                }
            }
            Delta::Reset {
                kind,
                context,
                namespace,
                objects,
            } => {
                let m = self.objects.entry(kind).or_default();
                // A namespaced relist covers its namespace; for Namespace objects (keyed by
                // name, cluster-scoped) that is the object named like it.
                let covered = |k: &ObjKey| {
                    k.context == context
                        && namespace.as_ref().is_none_or(|ns| {
                            let of = if kind == Kind::Namespace {
                                &k.name
                            } else {
                                &k.namespace
                            };
                            ns == of
                        })
                };
                m.retain(|k, _| !covered(k));
                m.extend(objects);
            }
        }
    }

    pub fn of(&self, kind: Kind) -> impl Iterator<Item = (&ObjKey, &Obj)> {
        self.objects.get(&kind).into_iter().flat_map(|m| m.iter())
    }

    /// Objects of `kind` in one namespace of one context.
    pub fn in_namespace<'a>(
        &'a self,
        kind: Kind,
        context: &'a str,
        namespace: &'a str,
    ) -> impl Iterator<Item = (&'a ObjKey, &'a Obj)> + 'a {
        let lo = ObjKey::new(context, namespace, "");
        self.objects
            .get(&kind)
            .into_iter()
            .flat_map(move |m| m.range(lo.clone()..))
            .take_while(move |(k, _)| k.context == context && k.namespace == namespace)
    }

    pub fn get(&self, kind: Kind, key: &ObjKey) -> Option<&Obj> {
        self.objects.get(&kind)?.get(key)
    }

    /// The Deployments, StatefulSets and Rollouts of one namespace.
    pub fn workloads_in<'a>(
        &'a self,
        context: &'a str,
        namespace: &'a str,
    ) -> impl Iterator<Item = (&'a ObjKey, &'a WorkloadInfo)> + 'a {
        [Kind::Deployment, Kind::StatefulSet, Kind::Rollout]
            .into_iter()
            .flat_map(move |kind| self.in_namespace(kind, context, namespace))
            .filter_map(|(k, o)| match o {
                Obj::Workload(w) => Some((k, w.as_ref())),
                _ => None,
            })
    }

    pub fn route(&self, key: &ObjKey) -> Option<&Route> {
        match self.get(Kind::Route, key)? {
            Obj::Route(r) => Some(r),
            _ => None,
        }
    }
}

fn meta_key(
    context: &str,
    meta: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta,
) -> ObjKey {
    ObjKey::new(
        context,
        meta.namespace.as_deref().unwrap_or(""),
        meta.name.as_deref().unwrap_or(""),
    )
}

fn labels_of(meta: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta) -> Labels {
    meta.labels.clone().unwrap_or_default()
}

pub fn namespace(context: &str, ns: &Namespace) -> (ObjKey, Obj) {
    (
        meta_key(context, &ns.metadata),
        Obj::Namespace(NamespaceInfo {
            labels: labels_of(&ns.metadata),
        }),
    )
}

/// What every workload kind has: its pod template's first container, counts, labels.
struct Common<'a> {
    kind: WorkloadKind,
    meta: &'a k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta,
    template: Option<&'a PodTemplateSpec>,
    replicas: Option<i32>,
    ready: Option<i32>,
    updated: Option<i32>,
    observed_generation: Option<i64>,
    paused: bool,
}

fn workload(context: &str, c: Common) -> (ObjKey, WorkloadInfo) {
    let container = c
        .template
        .and_then(|t| t.spec.as_ref())
        .and_then(|s| s.containers.first());
    let count = |v: Option<i32>| v.unwrap_or(0).max(0) as u32;
    (
        meta_key(context, c.meta),
        WorkloadInfo {
            kind: c.kind,
            uid: c.meta.uid.clone().unwrap_or_default(),
            resource_version: c.meta.resource_version.clone().unwrap_or_default(),
            labels: labels_of(c.meta),
            annotations: c.meta.annotations.clone().unwrap_or_default(),
            generation: c.meta.generation.unwrap_or(0),
            observed_generation: c.observed_generation.unwrap_or(0),
            replicas: count(c.replicas.or(Some(1))),
            ready: count(c.ready),
            updated: count(c.updated),
            container: container.map(|c| c.name.clone()).unwrap_or_default(),
            image: container.and_then(|c| c.image.clone()).unwrap_or_default(),
            template_version: c
                .template
                .and_then(|t| t.metadata.as_ref())
                .and_then(|m| m.labels.as_ref())
                .and_then(|l| l.get(LABEL_VERSION).cloned()),
            failed: false,
            progress_problem: None,
            paused: c.paused,
            template: c.template.cloned(),
            step: None,
            refs: c.template.map(ConfigRefs::of).unwrap_or_default(),
        },
    )
}

pub fn deployment(context: &str, d: &Deployment) -> (ObjKey, Obj) {
    let spec = d.spec.as_ref();
    let status = d.status.as_ref();
    let progressing = status.and_then(|s| s.conditions.as_ref()).and_then(|cs| {
        cs.iter()
            .find(|c| c.type_ == "Progressing" && c.status == "False")
    });
    let (key, mut info) = workload(
        context,
        Common {
            kind: WorkloadKind::Deployment,
            meta: &d.metadata,
            template: spec.map(|s| &s.template),
            replicas: spec.and_then(|s| s.replicas),
            ready: status.and_then(|s| s.ready_replicas),
            updated: status.and_then(|s| s.updated_replicas),
            observed_generation: status.and_then(|s| s.observed_generation),
            paused: spec.and_then(|s| s.paused).unwrap_or(false),
        },
    );
    info.progress_problem = progressing.map(|c| {
        let message = c.message.as_deref().unwrap_or_default();
        crate::domain::text::clean_line(message).into_owned()
    });
    info.failed =
        progressing.is_some_and(|c| c.reason.as_deref() == Some("ProgressDeadlineExceeded"));
    (key, Obj::Workload(Box::new(info)))
}

pub fn stateful_set(context: &str, d: &StatefulSet) -> (ObjKey, Obj) {
    let spec = d.spec.as_ref();
    let status = d.status.as_ref();
    let (key, info) = workload(
        context,
        Common {
            kind: WorkloadKind::StatefulSet,
            meta: &d.metadata,
            template: spec.map(|s| &s.template),
            replicas: spec.and_then(|s| s.replicas),
            ready: status.and_then(|s| s.ready_replicas),
            updated: status.and_then(|s| s.updated_replicas),
            observed_generation: status.and_then(|s| s.observed_generation),
            paused: false,
        },
    );
    (key, Obj::Workload(Box::new(info)))
}

/// An Argo Rollouts `Rollout` (read as JSON: its schema is not compiled in).
pub fn rollout(context: &str, o: &kube::api::DynamicObject) -> (ObjKey, Obj) {
    let spec = o.data.get("spec");
    let status = o.data.get("status");
    let int = |v: Option<&serde_json::Value>| v.and_then(|v| v.as_i64()).map(|n| n as i32);
    fn at<'v>(root: Option<&'v serde_json::Value>, path: &str) -> Option<&'v serde_json::Value> {
        root.and_then(|r| r.pointer(path))
    }
    let template: Option<PodTemplateSpec> =
        at(spec, "/template").and_then(|t| serde_json::from_value(t.clone()).ok());
    let (key, mut info) = workload(
        context,
        Common {
            kind: WorkloadKind::ArgoRollout,
            meta: &o.metadata,
            template: template.as_ref(),
            replicas: int(at(spec, "/replicas")),
            ready: int(at(status, "/readyReplicas")),
            updated: int(at(status, "/updatedReplicas")),
            observed_generation: at(status, "/observedGeneration")
                .and_then(|v| v.as_str().and_then(|s| s.parse().ok()).or(v.as_i64())),
            paused: at(spec, "/paused").and_then(|v| v.as_bool()) == Some(true),
        },
    );
    info.step = canary_step(spec, status);
    info.progress_problem = at(status, "/message")
        .and_then(|m| m.as_str())
        .filter(|m| !m.is_empty())
        .map(|m| crate::domain::text::clean_line(m).into_owned());
    (key, Obj::Workload(Box::new(info)))
}

/// Where a Rollout's canary is: the step index from its status, the weight from the
/// traffic router's status when there is one, else from the last `setWeight` passed.
fn canary_step(
    spec: Option<&serde_json::Value>,
    status: Option<&serde_json::Value>,
) -> Option<CanaryStep> {
    let steps = spec?.pointer("/strategy/canary/steps")?.as_array()?;
    let count = steps.len() as u32;
    let index = status
        .and_then(|s| s.pointer("/currentStepIndex"))
        .and_then(|v| v.as_u64())
        .map_or(0, |i| (i as u32).min(count));
    let passed_weight = steps[..index as usize]
        .iter()
        .rev()
        .find_map(|s| s.get("setWeight").and_then(|w| w.as_u64()));
    let routed = status
        .and_then(|s| s.pointer("/canary/weights/canary/weight"))
        .and_then(|w| w.as_u64());
    let weight = if index == count {
        100
    } else {
        routed.or(passed_weight).unwrap_or(0)
    };
    Some(CanaryStep {
        index: index + 1,
        count,
        weight: weight.min(100) as u8,
        phase: status
            .and_then(|s| s.get("phase"))
            .and_then(|p| p.as_str())
            .unwrap_or_default()
            .to_string(),
    })
}

/// The owner that controls an object (the one marked controller, else the only one).
fn controller(
    owners: &[k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference],
) -> Option<&k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference> {
    owners
        .iter()
        .find(|r| r.controller == Some(true))
        .or_else(|| owners.first().filter(|_| owners.len() == 1))
}

pub fn replica_set(context: &str, rs: &ReplicaSet) -> (ObjKey, Obj) {
    let annotations = rs.metadata.annotations.clone().unwrap_or_default();
    let template = rs.spec.as_ref().and_then(|s| s.template.clone());
    let image = template
        .as_ref()
        .and_then(|t| t.spec.as_ref())
        .and_then(|s| s.containers.first())
        .and_then(|c| c.image.clone())
        .unwrap_or_default();
    let version = template
        .as_ref()
        .and_then(|t| t.metadata.as_ref())
        .and_then(|m| m.labels.as_ref())
        .and_then(|l| l.get(LABEL_VERSION).cloned())
        .or_else(|| image_tag(&image).map(String::from))
        .unwrap_or_else(|| "unknown".into());
    (
        meta_key(context, &rs.metadata),
        Obj::ReplicaSet(Box::new(ReplicaSetInfo {
            owner_uid: rs
                .metadata
                .owner_references
                .as_ref()
                .and_then(|o| controller(o))
                .map(|r| r.uid.clone()),
            revision: annotations
                .get(ANN_REVISION)
                .or_else(|| annotations.get(ANN_ROLLOUT_REVISION))
                .and_then(|r| r.parse().ok())
                .unwrap_or(0),
            annotations,
            image,
            version,
            created: rs
                .metadata
                .creation_timestamp
                .as_ref()
                .map(|t| t.0.as_second())
                .unwrap_or(0),
            replicas: rs.status.as_ref().map_or(0, |s| s.replicas.max(0) as u32),
            template,
        })),
    )
}

pub fn pod(context: &str, p: &Pod) -> (ObjKey, Obj) {
    let labels = labels_of(&p.metadata);
    let track = labels
        .get(LABEL_TRACK)
        .cloned()
        .unwrap_or_else(|| TRACK_STABLE.into());
    (
        meta_key(context, &p.metadata),
        Obj::Pod(Box::new(PodInfo {
            app: labels.get(LABEL_NAME).cloned(),
            owner: p
                .metadata
                .owner_references
                .as_ref()
                .and_then(|o| controller(o))
                .map(|r| r.name.clone()),
            pod: super::pods::read(
                p,
                track == TRACK_CANARY,
                labels.get(LABEL_VERSION).cloned().unwrap_or_default(),
            ),
            track,
        })),
    )
}

pub fn event(context: &str, e: &k8s_openapi::api::core::v1::Event) -> (ObjKey, Obj) {
    let kind = e.involved_object.kind.clone().unwrap_or_default();
    let name = e.involved_object.name.clone().unwrap_or_default();
    let last = e
        .last_timestamp
        .as_ref()
        .map(|t| t.0.as_second())
        .or_else(|| e.event_time.as_ref().map(|t| t.0.as_second()))
        .or_else(|| {
            e.metadata
                .creation_timestamp
                .as_ref()
                .map(|t| t.0.as_second())
        })
        .unwrap_or(0);
    let event = crate::domain::events::ObjectEvent {
        object: format!("{}/{name}", kind.to_lowercase()),
        warning: e.type_.as_deref() == Some("Warning"),
        reason: e.reason.clone().unwrap_or_default(),
        message: crate::domain::text::clean_line(e.message.as_deref().unwrap_or("").trim())
            .into_owned(),
        count: e.count.and_then(|c| u32::try_from(c).ok()).unwrap_or(1),
        last,
    };
    (
        meta_key(context, &e.metadata),
        Obj::Event(Box::new(EventInfo { kind, name, event })),
    )
}

pub fn service(context: &str, s: &Service) -> (ObjKey, Obj) {
    (
        meta_key(context, &s.metadata),
        Obj::Service(ServiceInfo {
            app: labels_of(&s.metadata).get(LABEL_NAME).cloned(),
            ports: s
                .spec
                .as_ref()
                .and_then(|sp| sp.ports.as_ref())
                .and_then(|p| serde_json::to_value(p).ok())
                .unwrap_or(serde_json::Value::Null),
        }),
    )
}

/// A config value longer than this is kept as its size and a fingerprint (dashboards,
/// bundles, scripts): the config diff still sees it change, the memory does not hold it.
pub const MAX_CONFIG_VALUE: usize = 4096;

pub fn config_map(context: &str, c: &ConfigMap) -> (ObjKey, Obj) {
    let key = meta_key(context, &c.metadata);
    let mut data = BTreeMap::new();
    // The cluster's CA in every namespace is nobody's config.
    if key.name != ROOT_CA_CONFIG_MAP {
        for (k, v) in c.data.iter().flatten() {
            data.insert(k.clone(), bounded(v));
        }
        for k in c.binary_data.iter().flat_map(|b| b.keys()) {
            data.insert(k.clone(), "(binary)".into());
        }
    }
    (
        key,
        Obj::ConfigMap(AppData {
            app: labels_of(&c.metadata).get(LABEL_NAME).cloned(),
            data,
            secrets: Default::default(),
        }),
    )
}

fn bounded(value: &str) -> String {
    if value.len() <= MAX_CONFIG_VALUE {
        return value.to_string();
    }
    let mut h = std::collections::hash_map::DefaultHasher::new();
    std::hash::Hasher::write(&mut h, value.as_bytes());
    format!(
        "({} bytes, digest {:016x})",
        value.len(),
        std::hash::Hasher::finish(&h)
    )
}

/// Secrets that hold no service's settings: Helm's release records and service account
/// tokens. Their keys are not kept.
fn is_bookkeeping(s: &Secret) -> bool {
    matches!(
        s.type_.as_deref(),
        Some(t) if t == HELM_RELEASE_SECRET || t == SERVICE_ACCOUNT_TOKEN_SECRET
    )
}

/// Only the key names of a secret: values are dropped here.
pub fn secret(context: &str, s: &Secret) -> (ObjKey, Obj) {
    let mut secrets = crate::domain::secret::Secrets::default();
    let keep = !is_bookkeeping(s);
    for (k, v) in s.data.iter().flatten().filter(|_| keep) {
        secrets.insert(k, &v.0);
    }
    for (k, v) in s.string_data.iter().flatten().filter(|_| keep) {
        secrets.insert(k, v.as_bytes());
    }
    (
        meta_key(context, &s.metadata),
        Obj::Secret(AppData {
            app: labels_of(&s.metadata).get(LABEL_NAME).cloned(),
            data: BTreeMap::new(),
            secrets,
        }),
    )
}
