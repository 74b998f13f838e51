//! What each change writes to the cluster (pure: inventory + request → operations), and
//! running those operations, for real or as a server-side dry run. Every operation carries
//! the resourceVersion the change was decided on, so the API server refuses a write over
//! somebody else's newer change (and `guard` tells such a change from a status update).

mod copy;
mod guard;
mod plan;
mod run;

pub use copy::{Destination, copy_ops, remove_ops};
pub use guard::Decided;
pub use plan::{ops, ratio_replicas};
pub use run::{Done, REQUEST_TIMEOUT, run};

use super::assemble::EnvBinding;
use super::contract::*;
use super::inventory::*;
use super::route;
use serde_json::Value;

/// One request to the API server.
#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    /// Server-side apply (field manager `wheelhouse`) of a Deployment.
    ApplyDeployment {
        name: String,
        body: Value,
    },
    /// Server-side apply of a core Service.
    ApplyService {
        name: String,
        body: Value,
    },
    /// Merge patch of an HTTPRoute's rules.
    PatchRoute {
        name: String,
        body: Value,
    },
    /// Server-side apply of an HTTPRoute (a service's lane route).
    ApplyRoute {
        name: String,
        body: Value,
    },
    DeleteRoute {
        name: String,
    },
    /// The scale subresource of a Deployment.
    Scale {
        name: String,
        body: Value,
    },
    /// JSON patch of a Deployment's template (rollback).
    PatchDeployment {
        name: String,
        body: Value,
    },
    DeleteDeployment {
        name: String,
        resource_version: String,
    },
    DeleteService {
        name: String,
    },
    /// Server-side apply of a StatefulSet (a deploy).
    ApplyStatefulSet {
        name: String,
        body: Value,
    },
    /// JSON patch of a StatefulSet (a restart).
    PatchStatefulSet {
        name: String,
        body: Value,
    },
    /// The scale subresource of a StatefulSet.
    ScaleStatefulSet {
        name: String,
        body: Value,
    },
    /// Server-side apply of a Namespace (an environment made on demand).
    ApplyNamespace {
        name: String,
        body: Value,
    },
    DeleteNamespace {
        name: String,
    },
    ApplyConfigMap {
        name: String,
        body: Value,
    },
    DeleteConfigMap {
        name: String,
    },
}

impl Op {
    /// The same write addressed to a StatefulSet when the stable workload is one.
    pub fn for_workload(self, kind: crate::domain::workload::WorkloadKind) -> Op {
        if kind != crate::domain::workload::WorkloadKind::StatefulSet {
            return self;
        }
        match self {
            Op::ApplyDeployment { name, body } => Op::ApplyStatefulSet { name, body },
            Op::PatchDeployment { name, body } => Op::PatchStatefulSet { name, body },
            Op::Scale { name, body } => Op::ScaleStatefulSet { name, body },
            other => other,
        }
    }

    pub fn verb(&self) -> &'static str {
        match self {
            Op::ApplyDeployment { .. }
            | Op::ApplyService { .. }
            | Op::ApplyStatefulSet { .. }
            | Op::ApplyRoute { .. }
            | Op::ApplyNamespace { .. }
            | Op::ApplyConfigMap { .. } => "apply",
            Op::PatchRoute { .. }
            | Op::Scale { .. }
            | Op::PatchDeployment { .. }
            | Op::PatchStatefulSet { .. }
            | Op::ScaleStatefulSet { .. } => "patch",
            Op::DeleteDeployment { .. }
            | Op::DeleteService { .. }
            | Op::DeleteRoute { .. }
            | Op::DeleteNamespace { .. }
            | Op::DeleteConfigMap { .. } => "delete",
        }
    }

    pub fn resource(&self) -> String {
        match self {
            Op::ApplyDeployment { name, .. }
            | Op::PatchDeployment { name, .. }
            | Op::DeleteDeployment { name, .. } => format!("deployments/{name}"),
            Op::Scale { name, .. } => format!("deployments/{name}/scale"),
            Op::ApplyService { name, .. } | Op::DeleteService { name } => {
                format!("services/{name}")
            }
            Op::PatchRoute { name, .. }
            | Op::ApplyRoute { name, .. }
            | Op::DeleteRoute { name } => format!("httproutes/{name}"),
            Op::ApplyStatefulSet { name, .. } | Op::PatchStatefulSet { name, .. } => {
                format!("statefulsets/{name}")
            }
            Op::ScaleStatefulSet { name, .. } => format!("statefulsets/{name}/scale"),
            Op::ApplyNamespace { name, .. } | Op::DeleteNamespace { name } => {
                format!("namespaces/{name}")
            }
            Op::ApplyConfigMap { name, .. } | Op::DeleteConfigMap { name } => {
                format!("configmaps/{name}")
            }
        }
    }
}

/// The objects of one service, as the watches last saw them.
pub struct Target<'a> {
    pub binding: &'a EnvBinding,
    pub app: &'a str,
    /// The Deployments' own names (found by label, so not necessarily `app`).
    pub stable_name: &'a str,
    pub canary_deployment: String,
    pub stable: &'a WorkloadInfo,
    pub canary: Option<&'a WorkloadInfo>,
    pub route: Option<(&'a str, &'a route::Route)>,
    pub stable_service: Option<&'a ServiceInfo>,
    pub canary_service: bool,
    pub gateway: bool,
    /// ReplicaSets of the stable Deployment.
    pub history: Vec<&'a ReplicaSetInfo>,
    /// The service's lane versions: (lane, Deployment name, its resourceVersion).
    pub lanes: Vec<(String, String, String)>,
    /// The service's lane route `<svc>-lanes`, if there is one.
    pub lane_route: bool,
}

impl Target<'_> {
    /// The revision of the objects a write would start from (see [`assemble::revision`]).
    pub fn revision(&self) -> String {
        super::assemble::revision(self.stable, self.canary, self.route.map(|(_, r)| r))
    }
}

/// Finds a service's objects in the inventory.
pub fn target<'a>(inv: &'a Inventory, binding: &'a EnvBinding, app: &'a str) -> Option<Target<'a>> {
    let (ctx, ns) = (binding.context.as_str(), binding.namespace.as_str());
    let found = super::workloads::find(inv, binding, app)?;
    let (stable_key, stable) = found.stable;
    let stable_name = stable_key.name.as_str();
    let canary_deployment = found
        .canary
        .map_or_else(|| canary_name(app), |(k, _)| k.name.clone());
    let canary = found.canary.map(|(_, d)| d);
    let route = inv
        .in_namespace(Kind::Route, ctx, ns)
        .find_map(|(k, o)| match o {
            Obj::Route(r) if k.name == app => Some((k.name.as_str(), r)),
            _ => None,
        })
        .or_else(|| {
            inv.in_namespace(Kind::Route, ctx, ns)
                .find_map(|(k, o)| match o {
                    Obj::Route(r) if r.app == app => Some((k.name.as_str(), r)),
                    _ => None,
                })
        });
    let service = |name: &str| match inv.get(Kind::Service, &ObjKey::new(ctx, ns, name)) {
        Some(Obj::Service(s)) => Some(s),
        _ => None,
    };
    let history = inv
        .in_namespace(Kind::ReplicaSet, ctx, ns)
        .filter_map(|(_, o)| match o {
            Obj::ReplicaSet(rs) if rs.owner_uid.as_deref() == Some(stable.uid.as_str()) => {
                Some(rs.as_ref())
            }
            _ => None,
        })
        .collect();
    Some(Target {
        binding,
        app,
        stable_name,
        canary_deployment,
        stable,
        canary,
        route,
        stable_service: service(app),
        canary_service: service(&canary_name(app)).is_some(),
        gateway: inv.gateway_api.contains(ctx),
        history,
        lanes: inv
            .workloads_in(ctx, ns)
            .filter_map(|(k, w)| {
                let lane = w.labels.get(LABEL_LANE)?;
                let named = w.labels.get(LABEL_NAME).map(String::as_str) == Some(app);
                named.then(|| (lane.clone(), k.name.clone(), w.resource_version.clone()))
            })
            .collect(),
        lane_route: inv
            .get(Kind::Route, &ObjKey::new(ctx, ns, &lane_route_name(app)))
            .is_some(),
    })
}

/// A service's lane route: attached to its Service (east-west), one rule per lane.
pub fn lane_route_name(app: &str) -> String {
    format!("{app}-lanes")
}
