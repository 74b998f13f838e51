//! Sending the requests, for real or as a server-side dry run.

use super::Op;
use crate::PlatformError;
use crate::kube::contract::*;
use crate::kube::errors::{Attempt, classify};
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

/// Runs `ops` in order in `namespace`; a dry run asks the API server to check each one
/// without persisting it.
pub async fn run(
    client: &Client,
    namespace: &str,
    target: &str,
    ops: &[Op],
    dry_run: bool,
) -> Result<Vec<Done>, PlatformError> {
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), namespace);
    let stateful_sets: Api<StatefulSet> = Api::namespaced(client.clone(), namespace);
    let services: Api<KubeService> = Api::namespaced(client.clone(), namespace);
    let routes: Api<DynamicObject> =
        Api::namespaced_with(client.clone(), namespace, &route_resource());
    let namespaces: Api<k8s_openapi::api::core::v1::Namespace> = Api::all(client.clone());
    let config_maps: Api<k8s_openapi::api::core::v1::ConfigMap> =
        Api::namespaced(client.clone(), namespace);
    let mut apply = PatchParams::apply(FIELD_MANAGER).force();
    apply.dry_run = dry_run;
    let merge = PatchParams {
        field_manager: Some(FIELD_MANAGER.into()),
        dry_run,
        ..PatchParams::default()
    };
    let delete = |rv: Option<&str>| DeleteParams {
        dry_run,
        preconditions: rv.map(|rv| Preconditions {
            resource_version: Some(rv.to_string()),
            uid: None,
        }),
        ..DeleteParams::default()
    };
    let mut lines = Vec::new();
    for op in ops {
        let attempt = Attempt {
            verb: op.verb(),
            resource: op.resource(),
            namespace: namespace.into(),
            target: target.into(),
        };
        let call = async {
            match op {
                Op::ApplyDeployment { name, body } => deployments
                    .patch(name, &apply, &Patch::Apply(body))
                    .await
                    .map(|d| d.metadata.resource_version.unwrap_or_default()),
                Op::PatchDeployment { name, body } => {
                    let patch: json_patch::Patch =
                        serde_json::from_value(body.clone()).map_err(kube::Error::SerdeError)?;
                    deployments
                        .patch(name, &merge, &Patch::<()>::Json(patch))
                        .await
                        .map(|d| d.metadata.resource_version.unwrap_or_default())
                }
                Op::Scale { name, body } => deployments
                    .patch_scale(name, &merge, &Patch::Merge(body))
                    .await
                    .map(|s| s.metadata.resource_version.unwrap_or_default()),
                Op::DeleteDeployment {
                    name,
                    resource_version,
                } => deployments
                    .delete(name, &delete(Some(resource_version)))
                    .await
                    .map(|_| String::new()),
                Op::ApplyService { name, body } => services
                    .patch(name, &apply, &Patch::Apply(body))
                    .await
                    .map(|s| s.metadata.resource_version.unwrap_or_default()),
                Op::DeleteService { name } => services
                    .delete(name, &delete(None))
                    .await
                    .map(|_| String::new()),
                Op::ApplyStatefulSet { name, body } => stateful_sets
                    .patch(name, &apply, &Patch::Apply(body))
                    .await
                    .map(|d| d.metadata.resource_version.unwrap_or_default()),
                Op::PatchStatefulSet { name, body } => {
                    let patch: json_patch::Patch =
                        serde_json::from_value(body.clone()).map_err(kube::Error::SerdeError)?;
                    stateful_sets
                        .patch(name, &merge, &Patch::<()>::Json(patch))
                        .await
                        .map(|d| d.metadata.resource_version.unwrap_or_default())
                }
                Op::ScaleStatefulSet { name, body } => stateful_sets
                    .patch_scale(name, &merge, &Patch::Merge(body))
                    .await
                    .map(|s| s.metadata.resource_version.unwrap_or_default()),
                Op::PatchRoute { name, body } => routes
                    .patch(name, &merge, &Patch::Merge(body))
                    .await
                    .map(|r| r.metadata.resource_version.unwrap_or_default()),
                Op::ApplyRoute { name, body } => routes
                    .patch(name, &apply, &Patch::Apply(body))
                    .await
                    .map(|r| r.metadata.resource_version.unwrap_or_default()),
                Op::DeleteRoute { name } => routes
                    .delete(name, &delete(None))
                    .await
                    .map(|_| String::new()),
                Op::ApplyNamespace { name, body } => namespaces
                    .patch(name, &apply, &Patch::Apply(body))
                    .await
                    .map(|n| n.metadata.resource_version.unwrap_or_default()),
                Op::DeleteNamespace { name } => namespaces
                    .delete(name, &delete(None))
                    .await
                    .map(|_| String::new()),
                Op::ApplyConfigMap { name, body } => config_maps
                    .patch(name, &apply, &Patch::Apply(body))
                    .await
                    .map(|c| c.metadata.resource_version.unwrap_or_default()),
                Op::DeleteConfigMap { name } => config_maps
                    .delete(name, &delete(None))
                    .await
                    .map(|_| String::new()),
            }
        };
        match tokio::time::timeout(REQUEST_TIMEOUT, call).await {
            Err(_) => return Err(partial(&lines, attempt.timeout())),
            Ok(Err(e)) => return Err(partial(&lines, classify(&e, &attempt))),
            Ok(Ok(resource_version)) => lines.push(Done {
                what: format!("{} {}", op.verb(), op.resource()),
                resource_version,
            }),
        }
    }
    Ok(lines)
}
