//! What each change writes: pure, from the service's objects to the requests.

use super::{Op, Target};
use crate::PlatformError;
use crate::domain::change::{Change, ChangeRequest, retag};
use crate::kube::contract::*;
use crate::kube::inventory::*;
use crate::kube::route;
use serde_json::{Value, json};

/// Annotations recording who changed what, when and why.
fn change_annotations(cause: &str, req: &ChangeRequest, now: &str, rollback_to: &str) -> Value {
    json!({
        ANN_CHANGE_CAUSE: cause,
        ANN_CHANGED_BY: req.who,
        ANN_CHANGED_AT: now,
        ANN_CHANGE_WHY: req.why,
        ANN_ROLLBACK_TO: rollback_to,
        ANN_SUPERSEDES: "",
    })
}

/// A deploy or canary start names a version the service knows of: when the Deployment
/// lists its deployable versions (annotation), one of them or one it ran before. Without
/// the annotation the cluster cannot tell (images are not looked up in registries).
fn check_known_version(t: &Target, version: &str) -> Result<(), PlatformError> {
    let Some(list) = t.stable.annotations.get(ANN_VERSIONS) else {
        return Ok(());
    };
    let mut known = list.split(',').map(str::trim).filter(|v| !v.is_empty());
    if known.clone().next().is_none()
        || known.any(|v| v == version)
        || t.history.iter().any(|rs| rs.version == version)
    {
        return Ok(());
    }
    Err(PlatformError::NotFound {
        what: format!(
            "version {version} of {} (deployable: {})",
            t.app,
            list.trim()
        ),
    })
}

/// The stable Deployment's revision while it is still rolling out (pods of an older
/// revision remain): a new version applied now supersedes it.
fn unfinished_revision(t: &Target) -> Option<u64> {
    let current: u64 = t.stable.annotations.get(ANN_REVISION)?.parse().ok()?;
    t.history
        .iter()
        .any(|rs| rs.revision < current && rs.replicas > 0)
        .then_some(current)
}

fn cause(req: &ChangeRequest) -> String {
    if req.why.is_empty() {
        format!("wheelhouse: {} by {}", req.change, req.who)
    } else {
        format!("wheelhouse: {} by {}: {}", req.change, req.who, req.why)
    }
}

/// Server-side apply body moving a Deployment to `version` (image retagged).
fn version_body(
    t: &Target,
    name: &str,
    d: &WorkloadInfo,
    image: &str,
    version: &str,
    rv: &str,
    ann: Value,
) -> Value {
    let kind = match d.kind {
        crate::domain::workload::WorkloadKind::StatefulSet => "StatefulSet",
        _ => "Deployment",
    };
    json!({
        "apiVersion": "apps/v1",
        "kind": kind,
        "metadata": {
            "name": name,
            "namespace": t.binding.namespace,
            "resourceVersion": rv,
            "labels": { LABEL_VERSION: version },
            "annotations": ann,
        },
        "spec": {
            "template": {
                "metadata": { "labels": { LABEL_VERSION: version } },
                "spec": { "containers": [{ "name": d.container, "image": image }] }
            }
        }
    })
}

fn scale_body(replicas: u32, rv: &str) -> Value {
    json!({ "metadata": { "resourceVersion": rv }, "spec": { "replicas": replicas } })
}

fn route_body(rv: &str, rules: Vec<Value>) -> Value {
    json!({ "metadata": { "resourceVersion": rv }, "spec": { "rules": rules } })
}

fn no_canary(t: &Target) -> PlatformError {
    PlatformError::Invalid {
        reason: format!("{} has no canary in {}", t.app, t.binding.namespace),
    }
}

fn needs_gateway(t: &Target) -> PlatformError {
    PlatformError::Invalid {
        reason: format!(
            "tag routes need the Gateway API (HTTPRoute); context {} does not serve it, so traffic follows the replica ratio",
            t.binding.context
        ),
    }
}

fn route_of<'a>(t: &'a Target) -> Result<(&'a str, &'a route::Route), PlatformError> {
    t.route.ok_or_else(|| PlatformError::NotFound {
        what: format!(
            "HTTPRoute of {} in namespace {}",
            t.app, t.binding.namespace
        ),
    })
}

/// A key as a JSON pointer segment.
fn pointer(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// Scales of stable and canary to `(stable, canary)`, the growing one first so capacity
/// never dips between the two requests.
fn scale_pair(t: &Target, stable: u32, canary: u32) -> Vec<Op> {
    let Some(c) = t.canary else {
        return Vec::new();
    };
    let mut ops = Vec::new();
    if stable != t.stable.replicas {
        ops.push((
            stable > t.stable.replicas,
            Op::Scale {
                name: t.stable_name.into(),
                body: scale_body(stable, &t.stable.resource_version),
            },
        ));
    }
    if canary != c.replicas {
        ops.push((
            canary > c.replicas,
            Op::Scale {
                name: t.canary_deployment.clone(),
                body: scale_body(canary, &c.resource_version),
            },
        ));
    }
    ops.sort_by_key(|(grows, _)| !grows);
    ops.into_iter().map(|(_, op)| op).collect()
}

/// Replica counts (stable, canary) that give the canary `w` % of the replicas.
pub fn ratio_replicas(stable: u32, canary: u32, w: u8) -> (u32, u32) {
    let total = (stable + canary).max(1);
    let mut c = ((total as u64 * w as u64 + 50) / 100) as u32;
    if w > 0 {
        c = c.max(1);
    }
    if w < 100 && total > 1 {
        c = c.min(total - 1);
    }
    (total.saturating_sub(c), c.min(total))
}

/// The operations that carry out `req` on `t`. `now` is RFC 3339. One function per change.
pub fn ops(t: &Target, req: &ChangeRequest, now: &str) -> Result<Vec<Op>, PlatformError> {
    match &req.change {
        Change::Deploy { version } => deploy(t, req, now, version),
        Change::StartCanary { version } => start_canary(t, req, now, version),
        Change::SetCanaryWeight { weight } => set_weight(t, *weight),
        Change::AddTagRoute { tag } => add_tag_route(t, tag),
        Change::RemoveTagRoute { tag } => remove_tag_route(t, tag),
        Change::Promote => promote(t, req, now),
        Change::Abort => abort(t),
        Change::Scale { replicas } => scale(t, *replicas),
        Change::Rollback => rollback(t, req, now),
        Change::Restart => restart(t, now),
        Change::Pause => set_paused(t, true),
        Change::Resume => set_paused(t, false),
        Change::JoinLane { lane, version } => join_lane(t, req, now, lane, version),
        Change::LeaveLane { lane } => leave_lane(t, lane),
        Change::SetLaneShare { lane, share } => set_lane_share(t, lane, *share),
        // Made with the inventory and a destination (see `copy`).
        Change::CopyTo { .. } | Change::RemoveService => Err(PlatformError::Invalid {
            reason: "an environment's copy is planned with its destination".into(),
        }),
    }
}

/// The stable pod template at `version` (image retagged, version label set, `label`
/// added) and the annotations of a workload made from it (who/when/why, and the stable's
/// capacity, dependencies and base image): what a canary and a lane version start from.
fn stable_copy(
    t: &Target,
    req: &ChangeRequest,
    now: &str,
    version: &str,
    (key, value): (&str, &str),
) -> Result<(Value, Value), PlatformError> {
    let s = t.stable;
    let mut template = serde_json::to_value(&s.template).unwrap_or(Value::Null);
    if !template.is_object() {
        return Err(PlatformError::Invalid {
            reason: format!("deployment {} has no pod template to copy", t.app),
        });
    }
    template["metadata"]["labels"][key] = json!(value);
    template["metadata"]["labels"][LABEL_VERSION] = json!(version);
    if let Some(cs) = template["spec"]["containers"].as_array_mut() {
        for c in cs.iter_mut().filter(|c| c["name"] == json!(s.container)) {
            c["image"] = json!(retag(&s.image, version));
        }
    }
    let mut ann = change_annotations(&cause(req), req, now, "");
    for k in [ANN_CAPACITY, ANN_DEPENDS_ON, ANN_BASE_IMAGE] {
        if let Some(v) = s.annotations.get(k) {
            ann[k] = json!(v);
        }
    }
    Ok((template, ann))
}

/// The stable Service's ports, for a Service of the same pods' copy (else 80 → 8080).
fn stable_ports(t: &Target) -> Value {
    t.stable_service
        .map(|svc| svc.ports.clone())
        .filter(Value::is_array)
        .unwrap_or_else(|| json!([{ "name": "http", "port": 80, "targetPort": 8080 }]))
}

/// `share` % of the requests entering through the service's gateway route tagged into
/// `lane`: a backend of the route's default rule with a RequestHeaderModifier setting the
/// tag header (to the lane's own Service when the lane has a version of this service).
fn set_lane_share(t: &Target, lane: &str, share: u8) -> Result<Vec<Op>, PlatformError> {
    if !t.gateway {
        return Err(PlatformError::Invalid {
            reason: "a lane's share is set on the gateway route: this cluster has no Gateway API"
                .into(),
        });
    }
    let (name, r) = route_of(t)?;
    let backend = if t.lanes.iter().any(|(l, _, _)| l == lane) {
        format!("{}-{lane}", t.app)
    } else {
        t.app.to_string()
    };
    let rules = route::with_lane_share(
        &r.rules,
        (t.app, &canary_name(t.app)),
        lane,
        &backend,
        share,
    )
    .map_err(|reason| PlatformError::Invalid { reason })?;
    Ok(vec![Op::PatchRoute {
        name: name.into(),
        body: route_body(&r.resource_version, rules),
    }])
}

/// The port a service's route sends to (its Service's first port, else 80).
fn service_port(t: &Target) -> Value {
    t.stable_service
        .and_then(|s| s.ports.as_array())
        .and_then(|p| p.first())
        .and_then(|p| p.get("port").cloned())
        .unwrap_or_else(|| json!(80))
}

/// The version of the service in `lane`: Deployment and Service `<svc>-<lane>` (the
/// stable template at `version`, labelled with the lane), and the service's lane route
/// with a rule for it.
fn join_lane(
    t: &Target,
    req: &ChangeRequest,
    now: &str,
    lane: &str,
    version: &str,
) -> Result<Vec<Op>, PlatformError> {
    if !t.gateway {
        return Err(PlatformError::Invalid {
            reason: "lanes are routed by HTTPRoutes: this cluster has no Gateway API".into(),
        });
    }
    check_known_version(t, version)?;
    let (app, s) = (t.app, t.stable);
    let name = format!("{app}-{lane}");
    let mut labels = s.labels.clone();
    labels.remove(LABEL_TRACK);
    labels.insert(LABEL_VERSION.into(), version.to_string());
    labels.insert(LABEL_LANE.into(), lane.to_string());
    let (mut template, ann) = stable_copy(t, req, now, version, (LABEL_LANE, lane))?;
    if let Some(l) = template["metadata"]["labels"].as_object_mut() {
        l.remove(LABEL_TRACK);
    }
    let selector = json!({ LABEL_NAME: app, LABEL_LANE: lane });
    let ports = stable_ports(t);
    let mut lanes: Vec<String> = t.lanes.iter().map(|(l, _, _)| l.clone()).collect();
    if !lanes.iter().any(|l| l == lane) {
        lanes.push(lane.to_string());
    }
    Ok(vec![
        Op::ApplyDeployment {
            name: name.clone(),
            body: json!({
                "apiVersion": "apps/v1", "kind": "Deployment",
                "metadata": { "name": name, "namespace": t.binding.namespace,
                              "labels": labels, "annotations": ann },
                "spec": { "replicas": 1, "selector": { "matchLabels": selector },
                          "template": template }
            }),
        },
        Op::ApplyService {
            name: name.clone(),
            body: json!({
                "apiVersion": "v1", "kind": "Service",
                "metadata": { "name": name, "namespace": t.binding.namespace,
                              "labels": { LABEL_NAME: app, LABEL_LANE: lane } },
                "spec": { "selector": selector, "ports": ports }
            }),
        },
        lane_route(t, &lanes),
    ])
}

/// The service out of `lane`: its lane route without the lane's rule (deleted with the
/// last lane), then the lane's Deployment and Service.
fn leave_lane(t: &Target, lane: &str) -> Result<Vec<Op>, PlatformError> {
    let Some((_, name, rv)) = t.lanes.iter().find(|(l, _, _)| l == lane) else {
        return Err(PlatformError::Invalid {
            reason: format!("{} has no version in lane {lane}", t.app),
        });
    };
    let rest: Vec<String> = t
        .lanes
        .iter()
        .map(|(l, _, _)| l.clone())
        .filter(|l| l != lane)
        .collect();
    let mut out = Vec::new();
    if !rest.is_empty() {
        out.push(lane_route(t, &rest));
    } else if t.lane_route {
        out.push(Op::DeleteRoute {
            name: super::lane_route_name(t.app),
        });
    }
    out.push(Op::DeleteDeployment {
        name: name.clone(),
        resource_version: rv.clone(),
    });
    out.push(Op::DeleteService { name: name.clone() });
    Ok(out)
}

/// The service's lane route (server-side applied whole): attached to its Service as the
/// Gateway API mesh profile does, one rule per lane matching the tag header to the lane's
/// Service, and the rest to the baseline.
fn lane_route(t: &Target, lanes: &[String]) -> Op {
    let (app, port) = (t.app, service_port(t));
    let name = super::lane_route_name(app);
    let mut rules: Vec<Value> = lanes
        .iter()
        .map(|l| {
            json!({
                "matches": [{ "headers": [{ "name": TAG_HEADER, "value": l }] }],
                "backendRefs": [{ "name": format!("{app}-{l}"), "port": port }]
            })
        })
        .collect();
    rules.push(json!({ "backendRefs": [{ "name": app, "port": port }] }));
    Op::ApplyRoute {
        name: name.clone(),
        body: json!({
            "apiVersion": format!("{GATEWAY_GROUP}/{GATEWAY_VERSION}"), "kind": "HTTPRoute",
            "metadata": { "name": name, "namespace": t.binding.namespace,
                          "labels": { LABEL_LANE_ROUTE: app } },
            "spec": {
                "parentRefs": [{ "group": "", "kind": "Service", "name": app, "port": port }],
                "rules": rules
            }
        }),
    }
}

fn deploy(
    t: &Target,
    req: &ChangeRequest,
    now: &str,
    version: &str,
) -> Result<Vec<Op>, PlatformError> {
    let s = t.stable;
    let mut out = Vec::new();
    check_known_version(t, version)?;
    let mut ann = change_annotations(&cause(req), req, now, "");
    if let Some(rev) = unfinished_revision(t) {
        ann[ANN_SUPERSEDES] = json!(rev.to_string());
    }
    out.push(
        Op::ApplyDeployment {
            name: t.stable_name.into(),
            body: version_body(
                t,
                t.stable_name,
                s,
                &retag(&s.image, version),
                version,
                &s.resource_version,
                ann,
            ),
        }
        .for_workload(s.kind),
    );
    Ok(out)
}

fn start_canary(
    t: &Target,
    req: &ChangeRequest,
    now: &str,
    version: &str,
) -> Result<Vec<Op>, PlatformError> {
    let app = t.app;
    let canary = canary_name(t.app);
    let s = t.stable;
    let mut out = Vec::new();
    check_known_version(t, version)?;
    let mut labels = s.labels.clone();
    labels.insert(LABEL_TRACK.into(), TRACK_CANARY.into());
    labels.insert(LABEL_VERSION.into(), version.to_string());
    let (template, ann) = stable_copy(t, req, now, version, (LABEL_TRACK, TRACK_CANARY))?;
    let mut metadata = json!({
        "name": t.canary_deployment, "namespace": t.binding.namespace,
        "labels": labels, "annotations": ann,
    });
    if let Some(c) = t.canary {
        metadata["resourceVersion"] = json!(c.resource_version);
    }
    let replicas = t.canary.map_or(1, |c| c.replicas.max(1));
    out.push(Op::ApplyDeployment {
        name: t.canary_deployment.clone(),
        body: json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": metadata,
            "spec": {
                "replicas": replicas,
                "selector": { "matchLabels": { LABEL_NAME: app, LABEL_TRACK: TRACK_CANARY } },
                "template": template,
            }
        }),
    });
    if !t.canary_service {
        let ports = stable_ports(t);
        out.push(Op::ApplyService {
                name: canary.clone(),
                body: json!({
                    "apiVersion": "v1", "kind": "Service",
                    "metadata": { "name": canary, "namespace": t.binding.namespace,
                                  "labels": { LABEL_NAME: app, LABEL_TRACK: TRACK_CANARY } },
                    "spec": { "selector": { LABEL_NAME: app, LABEL_TRACK: TRACK_CANARY }, "ports": ports }
                }),
            });
    }
    if t.gateway
        && let Some((name, r)) = t.route
    {
        let current = route::split(&r.rules, app, &canary).canary_weight;
        let rules = route::with_weight(&r.rules, app, &canary, current, false)
            .map_err(|reason| PlatformError::Invalid { reason })?;
        if rules != r.rules {
            out.push(Op::PatchRoute {
                name: name.into(),
                body: route_body(&r.resource_version, rules),
            });
        }
    }
    Ok(out)
}

fn set_weight(t: &Target, weight: u8) -> Result<Vec<Op>, PlatformError> {
    let app = t.app;
    let canary = canary_name(t.app);
    let s = t.stable;
    let mut out = Vec::new();
    let c = t.canary.ok_or_else(|| no_canary(t))?;
    if t.gateway {
        let (name, r) = route_of(t)?;
        let rules = route::with_weight(&r.rules, app, &canary, weight, false)
            .map_err(|reason| PlatformError::Invalid { reason })?;
        // A canary at 0 replicas gets one before it gets traffic.
        if weight > 0 && c.replicas == 0 {
            out.push(Op::Scale {
                name: t.canary_deployment.clone(),
                body: scale_body(1, &c.resource_version),
            });
        }
        out.push(Op::PatchRoute {
            name: name.into(),
            body: route_body(&r.resource_version, rules),
        });
    } else {
        let (sr, cr) = ratio_replicas(s.replicas, c.replicas, weight);
        out.extend(scale_pair(t, sr, cr));
    }
    Ok(out)
}

fn add_tag_route(t: &Target, tag: &str) -> Result<Vec<Op>, PlatformError> {
    let app = t.app;
    let canary = canary_name(t.app);
    let mut out = Vec::new();
    t.canary.ok_or_else(|| no_canary(t))?;
    if !t.gateway {
        return Err(needs_gateway(t));
    }
    let (name, r) = route_of(t)?;
    let rules = route::with_tag(&r.rules, app, &canary, tag);
    out.push(Op::PatchRoute {
        name: name.into(),
        body: route_body(&r.resource_version, rules),
    });
    Ok(out)
}

fn remove_tag_route(t: &Target, tag: &str) -> Result<Vec<Op>, PlatformError> {
    let mut out = Vec::new();
    if !t.gateway {
        return Err(needs_gateway(t));
    }
    let (name, r) = route_of(t)?;
    let rules = route::without_tag(&r.rules, Some(tag));
    out.push(Op::PatchRoute {
        name: name.into(),
        body: route_body(&r.resource_version, rules),
    });
    Ok(out)
}

fn promote(t: &Target, req: &ChangeRequest, now: &str) -> Result<Vec<Op>, PlatformError> {
    let canary = canary_name(t.app);
    let s = t.stable;
    let mut out = Vec::new();
    let c = t.canary.ok_or_else(|| no_canary(t))?;
    let version = c
        .template_version
        .clone()
        .or_else(|| image_tag(&c.image).map(String::from))
        .unwrap_or_default();
    let mut ann = change_annotations(&cause(req), req, now, "");
    if let Some(rev) = unfinished_revision(t) {
        ann[ANN_SUPERSEDES] = json!(rev.to_string());
    }
    let mut body = version_body(
        t,
        t.stable_name,
        s,
        &c.image,
        &version,
        &s.resource_version,
        ann,
    );
    if !t.gateway {
        // Replica-ratio split: the stable takes back the canary's replicas.
        body["spec"]["replicas"] = json!(s.replicas + c.replicas);
    }
    out.push(Op::ApplyDeployment {
        name: t.stable_name.into(),
        body,
    });
    out.extend(route_to_stable(t, true)?);
    out.push(Op::DeleteDeployment {
        name: t.canary_deployment.clone(),
        resource_version: c.resource_version.clone(),
    });
    if t.canary_service {
        out.push(Op::DeleteService { name: canary });
    }
    Ok(out)
}

/// The route back to all-stable: tag rules gone, the canary at weight 0 (its backend
/// removed when `drop_canary`); none without the Gateway API.
fn route_to_stable(t: &Target, drop_canary: bool) -> Result<Option<Op>, PlatformError> {
    let Some((name, r)) = t.route.filter(|_| t.gateway) else {
        return Ok(None);
    };
    let canary = canary_name(t.app);
    let rules = route::with_weight(
        &route::without_tag(&r.rules, None),
        t.app,
        &canary,
        0,
        drop_canary,
    )
    .map_err(|reason| PlatformError::Invalid { reason })?;
    Ok(Some(Op::PatchRoute {
        name: name.into(),
        body: route_body(&r.resource_version, rules),
    }))
}

fn abort(t: &Target) -> Result<Vec<Op>, PlatformError> {
    let s = t.stable;
    let mut out = Vec::new();
    let c = t.canary.ok_or_else(|| no_canary(t))?;
    if t.gateway {
        out.extend(route_to_stable(t, false)?);
        out.push(Op::Scale {
            name: t.canary_deployment.clone(),
            body: scale_body(0, &c.resource_version),
        });
    } else {
        // The stable takes back the canary's share of the replicas.
        out.extend(scale_pair(t, s.replicas + c.replicas, 0));
    }
    Ok(out)
}

fn scale(t: &Target, replicas: u32) -> Result<Vec<Op>, PlatformError> {
    Ok(vec![
        Op::Scale {
            name: t.stable_name.into(),
            body: scale_body(replicas, &t.stable.resource_version),
        }
        .for_workload(t.stable.kind),
    ])
}

fn rollback(t: &Target, req: &ChangeRequest, now: &str) -> Result<Vec<Op>, PlatformError> {
    let app = t.app;
    let s = t.stable;
    let mut out = Vec::new();
    let current: u64 = s
        .annotations
        .get(ANN_REVISION)
        .and_then(|r| r.parse().ok())
        .unwrap_or(u64::MAX);
    let running = s.template_version.as_deref();
    // Revisions superseded half-way never ran: not a place to go back to.
    let superseded: Vec<u64> = t
        .history
        .iter()
        .filter_map(|rs| rs.annotations.get(ANN_SUPERSEDES)?.parse().ok())
        .collect();
    let earlier = || {
        t.history.iter().filter(|rs| {
            rs.revision < current && rs.template.is_some() && !superseded.contains(&rs.revision)
        })
    };
    // The last revision that ran another version (as the release history shows),
    // else the one before.
    let previous = earlier()
        .filter(|rs| Some(rs.version.as_str()) != running)
        .max_by_key(|rs| rs.revision)
        .or_else(|| earlier().max_by_key(|rs| rs.revision))
        .ok_or_else(|| PlatformError::Invalid {
            reason: format!("{app} has no earlier revision to roll back to"),
        })?;
    let mut template = serde_json::to_value(&previous.template).unwrap_or(Value::Null);
    if let Some(labels) = template["metadata"]["labels"].as_object_mut() {
        labels.remove("pod-template-hash");
    }
    let ann = change_annotations(
        &format!(
            "{} (to revision {}, {})",
            cause(req),
            previous.revision,
            previous.version
        ),
        req,
        now,
        &previous.revision.to_string(),
    );
    // A JSON patch replaces the whole template (a merge patch would keep fields
    // the old template did not have), after testing the resourceVersion.
    let mut patch = vec![
        json!({ "op": "test", "path": "/metadata/resourceVersion", "value": s.resource_version }),
        json!({ "op": "replace", "path": "/spec/template", "value": template }),
    ];
    for (k, v) in ann.as_object().into_iter().flatten() {
        patch.push(json!({ "op": "add", "path": format!("/metadata/annotations/{}", pointer(k)), "value": v }));
    }
    patch.push(json!({ "op": "add", "path": format!("/metadata/labels/{}", pointer(LABEL_VERSION)), "value": previous.version }));
    out.push(
        Op::PatchDeployment {
            name: t.stable_name.into(),
            body: Value::Array(patch),
        }
        .for_workload(s.kind),
    );
    Ok(out)
}

/// As `kubectl rollout pause` / `resume`: `spec.paused`, on the revision decided on.
fn set_paused(t: &Target, paused: bool) -> Result<Vec<Op>, PlatformError> {
    let s = t.stable;
    let patch = vec![
        json!({ "op": "test", "path": "/metadata/resourceVersion", "value": s.resource_version }),
        json!({ "op": "add", "path": "/spec/paused", "value": paused }),
    ];
    Ok(vec![Op::PatchDeployment {
        name: t.stable_name.into(),
        body: Value::Array(patch),
    }])
}

fn restart(t: &Target, now: &str) -> Result<Vec<Op>, PlatformError> {
    let s = t.stable;
    let mut out = Vec::new();
    // As `kubectl rollout restart`: a new template annotation rolls every pod.
    let has_annotations = s
        .template
        .as_ref()
        .and_then(|t| t.metadata.as_ref())
        .and_then(|m| m.annotations.as_ref())
        .is_some();
    let restarted = if has_annotations {
        json!({ "op": "add", "path": format!("/spec/template/metadata/annotations/{}", pointer(RESTARTED_AT)), "value": now })
    } else {
        json!({ "op": "add", "path": "/spec/template/metadata/annotations", "value": { RESTARTED_AT: now } })
    };
    let patch = vec![
        json!({ "op": "test", "path": "/metadata/resourceVersion", "value": s.resource_version }),
        restarted,
    ];
    out.push(
        Op::PatchDeployment {
            name: t.stable_name.into(),
            body: Value::Array(patch),
        }
        .for_workload(s.kind),
    );
    Ok(out)
}
