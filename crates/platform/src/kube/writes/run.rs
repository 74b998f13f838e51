//! Sending the requests, for real or as a server-side dry run.

use super::Op;
use super::guard::{Decided, Seen};
use crate::PlatformError;
use crate::kube::contract::*;
use crate::kube::errors::{Attempt, classify};
use crate::kube::inventory::Kind;
use crate::kube::watch::route_resource;
use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use k8s_openapi::api::core::v1::Service as KubeService;
use kube::api::{DeleteParams, DynamicObject, Patch, PatchParams, Preconditions};
use kube::{Api, Client};
use std::time::Duration;

/// How long one API request may take before the operator is told it timed out.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);

/// The error, with what had already gone through when it is not the first request.
fn partial(done: &[Done], error: PlatformError) -> PlatformError {
    if done.is_empty() {
        error
    } else {
        PlatformError::Partial {
            done: done.iter().map(|d| d.what.clone()).collect(),
            failed: Box::new(error),
        }
    }
}

/// One operation done: what, and the object's resourceVersion after it (empty for deletes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Done {
    pub what: String,
    pub resource_version: String,
}

/// How many times one operation is sent again when only its object's status moved.
const STATUS_RETRIES: usize = 5;

/// Runs `ops` in order in `namespace`; a dry run asks the API server to check each one
/// without persisting it. An operation refused because its object moved is sent again on
/// the new resourceVersion when the object's generation is still the one `decided` holds
/// (only its status moved; see `guard`).
pub async fn run(
    client: &Client,
    namespace: &str,
    target: &str,
    ops: &[Op],
    mut decided: Decided,
    dry_run: bool,
) -> Result<Vec<Done>, PlatformError> {
    let apis = Apis::new(client, namespace, dry_run);
    let mut lines = Vec::new();
    for op in ops {
        let attempt = Attempt {
            verb: op.verb(),
            resource: op.resource(),
            namespace: namespace.into(),
            target: target.into(),
        };
        let mut op = op.clone();
        let mut retries = 0;
        let resource_version = loop {
            let error = match tokio::time::timeout(REQUEST_TIMEOUT, apis.send(&op)).await {
                Err(_) => attempt.timeout(),
                Ok(Ok(resource_version)) => break resource_version,
                Ok(Err(e)) => classify(&e, &attempt),
            };
            let unchanged = match (&error, op.guarded()) {
                (PlatformError::Conflict { .. }, Some((kind, name)))
                    if retries < STATUS_RETRIES =>
                {
                    match decided.seen(kind, name) {
                        Some(seen) => {
                            tokio::time::timeout(REQUEST_TIMEOUT, apis.still_at(kind, name, seen))
                                .await
                                .ok()
                                .flatten()
                        }
                        None => None,
                    }
                }
                _ => None,
            };
            match unchanged {
                Some(fresh) => {
                    tracing::info!(
                        "{} {}: only its status moved; sent again on resourceVersion {fresh}",
                        op.verb(),
                        op.resource()
                    );
                    op = op.with_resource_version(&fresh);
                    retries += 1;
                }
                None => return Err(partial(&lines, error)),
            }
        };
        if let Some((kind, name)) = op.guarded() {
            decided.forget(kind, name);
        }
        lines.push(Done {
            what: format!("{} {}", op.verb(), op.resource()),
            resource_version,
        });
    }
    Ok(lines)
}

/// The APIs one run writes to, with its parameters.
struct Apis {
    deployments: Api<Deployment>,
    stateful_sets: Api<StatefulSet>,
    services: Api<KubeService>,
    routes: Api<DynamicObject>,
    namespaces: Api<k8s_openapi::api::core::v1::Namespace>,
    config_maps: Api<k8s_openapi::api::core::v1::ConfigMap>,
    apply: PatchParams,
    merge: PatchParams,
    dry_run: bool,
}

impl Apis {
    fn new(client: &Client, namespace: &str, dry_run: bool) -> Apis {
        let mut apply = PatchParams::apply(FIELD_MANAGER).force();
        apply.dry_run = dry_run;
        Apis {
            deployments: Api::namespaced(client.clone(), namespace),
            stateful_sets: Api::namespaced(client.clone(), namespace),
            services: Api::namespaced(client.clone(), namespace),
            routes: Api::namespaced_with(client.clone(), namespace, &route_resource()),
            namespaces: Api::all(client.clone()),
            config_maps: Api::namespaced(client.clone(), namespace),
            apply,
            merge: PatchParams {
                field_manager: Some(FIELD_MANAGER.into()),
                dry_run,
                ..PatchParams::default()
            },
            dry_run,
        }
    }

    fn delete(&self, rv: Option<&str>) -> DeleteParams {
        DeleteParams {
            dry_run: self.dry_run,
            preconditions: rv.map(|rv| Preconditions {
                resource_version: Some(rv.to_string()),
                uid: None,
            }),
            ..DeleteParams::default()
        }
    }

    /// The object's resourceVersion now, if it is still the object `seen` (same uid) at
    /// the same generation.
    async fn still_at(&self, kind: Kind, name: &str, seen: &Seen) -> Option<String> {
        let meta = match kind {
            Kind::Deployment => self
                .deployments
                .get_metadata(name)
                .await
                .map(|m| m.metadata),
            Kind::StatefulSet => self
                .stateful_sets
                .get_metadata(name)
                .await
                .map(|m| m.metadata),
            Kind::Route => self.routes.get_metadata(name).await.map(|m| m.metadata),
            _ => return None,
        };
        let meta = meta.ok()?;
        let same = meta.uid.as_deref() == Some(seen.uid.as_str())
            && meta.generation == Some(seen.generation);
        same.then_some(meta.resource_version).flatten()
    }

    /// Sends one operation; the object's resourceVersion after it (empty for deletes).
    async fn send(&self, op: &Op) -> Result<String, kube::Error> {
        let (apply, merge) = (&self.apply, &self.merge);
        match op {
            Op::ApplyDeployment { name, body } => self
                .deployments
                .patch(name, apply, &Patch::Apply(body))
                .await
                .map(|d| d.metadata.resource_version.unwrap_or_default()),
            Op::PatchDeployment { name, body } => {
                let patch: json_patch::Patch =
                    serde_json::from_value(body.clone()).map_err(kube::Error::SerdeError)?;
                self.deployments
                    .patch(name, merge, &Patch::<()>::Json(patch))
                    .await
                    .map(|d| d.metadata.resource_version.unwrap_or_default())
            }
            Op::Scale { name, body } => self
                .deployments
                .patch_scale(name, merge, &Patch::Merge(body))
                .await
                .map(|s| s.metadata.resource_version.unwrap_or_default()),
            Op::DeleteDeployment {
                name,
                resource_version,
            } => self
                .deployments
                .delete(name, &self.delete(Some(resource_version)))
                .await
                .map(|_| String::new()),
            Op::ApplyService { name, body } => self
                .services
                .patch(name, apply, &Patch::Apply(body))
                .await
                .map(|s| s.metadata.resource_version.unwrap_or_default()),
            Op::DeleteService { name } => self
                .services
                .delete(name, &self.delete(None))
                .await
                .map(|_| String::new()),
            Op::ApplyStatefulSet { name, body } => self
                .stateful_sets
                .patch(name, apply, &Patch::Apply(body))
                .await
                .map(|d| d.metadata.resource_version.unwrap_or_default()),
            Op::PatchStatefulSet { name, body } => {
                let patch: json_patch::Patch =
                    serde_json::from_value(body.clone()).map_err(kube::Error::SerdeError)?;
                self.stateful_sets
                    .patch(name, merge, &Patch::<()>::Json(patch))
                    .await
                    .map(|d| d.metadata.resource_version.unwrap_or_default())
            }
            Op::ScaleStatefulSet { name, body } => self
                .stateful_sets
                .patch_scale(name, merge, &Patch::Merge(body))
                .await
                .map(|s| s.metadata.resource_version.unwrap_or_default()),
            Op::PatchRoute { name, body } => self
                .routes
                .patch(name, merge, &Patch::Merge(body))
                .await
                .map(|r| r.metadata.resource_version.unwrap_or_default()),
            Op::ApplyRoute { name, body } => self
                .routes
                .patch(name, apply, &Patch::Apply(body))
                .await
                .map(|r| r.metadata.resource_version.unwrap_or_default()),
            Op::DeleteRoute { name } => self
                .routes
                .delete(name, &self.delete(None))
                .await
                .map(|_| String::new()),
            Op::ApplyNamespace { name, body } => self
                .namespaces
                .patch(name, apply, &Patch::Apply(body))
                .await
                .map(|n| n.metadata.resource_version.unwrap_or_default()),
            Op::DeleteNamespace { name } => self
                .namespaces
                .delete(name, &self.delete(None))
                .await
                .map(|_| String::new()),
            Op::ApplyConfigMap { name, body } => self
                .config_maps
                .patch(name, apply, &Patch::Apply(body))
                .await
                .map(|c| c.metadata.resource_version.unwrap_or_default()),
            Op::DeleteConfigMap { name } => self
                .config_maps
                .delete(name, &self.delete(None))
                .await
                .map(|_| String::new()),
        }
    }
}
