//! Assembly and write planning on objects shaped as the API server serves them.

use super::assemble::{self, EnvBinding};
use super::contract::*;
use super::discover::{Discovery, Source};
use super::inventory::{self, Delta, Inventory, Kind, ObjKey};
use super::writes::{self, Op, ratio_replicas};
use crate::domain::change::{Change, ChangeRequest};
use crate::domain::{ReleaseState, ServiceKey, SplitMode, Tier};
use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::core::v1::{ConfigMap, Namespace, Secret};
use kube::api::DynamicObject;
use serde_json::{Value, json};

const CTX: &str = "wh-admin";

fn namespace(name: &str, line: &str, env: &str) -> Namespace {
    serde_json::from_value(json!({ "metadata": { "name": name, "labels": {
        LABEL_LINE: line, LABEL_ENV: env } } }))
    .unwrap()
}

fn deployment(ns: &str, name: &str, app: &str, track: &str, version: &str, rv: &str) -> Deployment {
    serde_json::from_value(json!({
        "metadata": { "name": name, "namespace": ns, "uid": format!("uid-{name}"), "resourceVersion": rv,
            "generation": 2,
            "labels": { LABEL_NAME: app, LABEL_TRACK: track, LABEL_VERSION: version },
            "annotations": { ANN_CAPACITY: "120", ANN_DEPENDS_ON: "ledger, ", ANN_REVISION: "2",
                             ANN_VERSIONS: "3.1.0,3.1.4,3.2.0,3.3.0", ANN_BASE_IMAGE: "base/jre:21" } },
        "spec": { "replicas": 3,
            "selector": { "matchLabels": { LABEL_NAME: app, LABEL_TRACK: track } },
            "template": { "metadata": { "labels": { LABEL_NAME: app, LABEL_TRACK: track, LABEL_VERSION: version } },
                "spec": { "containers": [{ "name": app, "image": format!("registry.local/loan/{app}:{version}") }] } } },
        "status": { "observedGeneration": 2, "replicas": 3, "readyReplicas": 3, "updatedReplicas": 3 }
    }))
    .unwrap()
}

fn replica_set(ns: &str, owner: &str, revision: u64, version: &str, who: &str) -> ReplicaSet {
    serde_json::from_value(json!({
        "metadata": { "name": format!("{owner}-{revision}"), "namespace": ns,
            "creationTimestamp": "2026-11-20T10:00:00Z",
            "ownerReferences": [{ "apiVersion": "apps/v1", "kind": "Deployment", "name": owner, "uid": format!("uid-{owner}") }],
            "annotations": { ANN_REVISION: revision.to_string(), ANN_CHANGED_BY: who, ANN_CHANGE_WHY: format!("ship {version}") } },
        "spec": { "selector": { "matchLabels": {} },
            "template": { "metadata": { "labels": { LABEL_NAME: owner, LABEL_VERSION: version, "pod-template-hash": "abc" } },
                "spec": { "containers": [{ "name": owner, "image": format!("registry.local/loan/{owner}:{version}") }] } } }
    }))
    .unwrap()
}

fn route(ns: &str, app: &str, canary: u8, tag: Option<&str>) -> DynamicObject {
    let mut rules = vec![];
    if let Some(t) = tag {
        rules.push(
            json!({ "matches": [{ "headers": [{ "name": TAG_HEADER, "value": t }] }],
                           "backendRefs": [{ "name": canary_name(app), "port": 80 }] }),
        );
    }
    rules.push(json!({ "backendRefs": [
        { "name": app, "port": 80, "weight": 100 - canary },
        { "name": canary_name(app), "port": 80, "weight": canary } ] }));
    serde_json::from_value(json!({
        "apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute",
        "metadata": { "name": app, "namespace": ns, "resourceVersion": "77", "labels": { LABEL_NAME: app } },
        "spec": { "rules": rules }
    }))
    .unwrap()
}

fn route_obj(o: &DynamicObject) -> (ObjKey, inventory::Obj) {
    let rules = o.data["spec"]["rules"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    (
        ObjKey::new(
            CTX,
            o.metadata.namespace.as_deref().unwrap_or(""),
            o.metadata.name.as_deref().unwrap_or(""),
        ),
        inventory::Obj::Route(super::route::Route {
            uid: "uid-route-scoring".into(),
            resource_version: "77".into(),
            generation: 5,
            app: "scoring".into(),
            rules,
            parent_refs: serde_json::json!([{ "name": "gw" }]),
        }),
    )
}

fn upsert(inv: &mut Inventory, (k, o): (ObjKey, inventory::Obj)) {
    inv.apply(Delta::Upsert(k, o));
}

/// loan-core/prod with scoring (stable 3.1.4, canary 3.2.0 at 10 %, tag beta-testers)
/// and a dev namespace; an unlabelled namespace and a deployment without labels.
fn inventory(gateway: bool) -> Inventory {
    let mut inv = Inventory::default();
    if gateway {
        inv.gateway_api.insert(CTX.into());
    }
    upsert(
        &mut inv,
        inventory::namespace(CTX, &namespace("loan-prod", "loan-core", "prod")),
    );
    upsert(
        &mut inv,
        inventory::namespace(CTX, &namespace("loan-dev", "loan-core", "dev")),
    );
    upsert(
        &mut inv,
        inventory::deployment(
            CTX,
            &deployment("loan-prod", "scoring", "scoring", "stable", "3.1.4", "100"),
        ),
    );
    upsert(
        &mut inv,
        inventory::deployment(
            CTX,
            &deployment(
                "loan-prod",
                "scoring-canary",
                "scoring",
                "canary",
                "3.2.0",
                "101",
            ),
        ),
    );
    upsert(
        &mut inv,
        inventory::deployment(
            CTX,
            &deployment("loan-dev", "scoring", "scoring", "stable", "3.2.0", "50"),
        ),
    );
    let mut unlabelled = deployment("loan-prod", "mystery", "x", "stable", "1", "5");
    unlabelled.metadata.labels = None;
    upsert(&mut inv, inventory::deployment(CTX, &unlabelled));
    upsert(
        &mut inv,
        inventory::replica_set(CTX, &replica_set("loan-prod", "scoring", 1, "3.1.0", "ana")),
    );
    upsert(
        &mut inv,
        inventory::replica_set(CTX, &replica_set("loan-prod", "scoring", 2, "3.1.4", "bo")),
    );
    upsert(
        &mut inv,
        route_obj(&route("loan-prod", "scoring", 10, Some("beta-testers"))),
    );
    let cm: ConfigMap = serde_json::from_value(
        json!({ "metadata": { "name": "scoring-config", "namespace": "loan-prod",
        "labels": { LABEL_NAME: "scoring" } }, "data": { "timeout_ms": "800" } }),
    )
    .unwrap();
    upsert(&mut inv, inventory::config_map(CTX, &cm));
    let secret: Secret = serde_json::from_value(
        json!({ "metadata": { "name": "scoring-secrets", "namespace": "loan-prod",
        "labels": { LABEL_NAME: "scoring" } }, "data": { "db-password": "c2VjcmV0LXZhbHVl" } }),
    )
    .unwrap();
    upsert(&mut inv, inventory::secret(CTX, &secret));
    inv
}

fn request(change: Change) -> ChangeRequest {
    ChangeRequest {
        target: ServiceKey::new("loan-core", "prod", "scoring"),
        change,
        expected_revision: String::new(),
        who: "ana".into(),
        why: "drill".into(),
    }
}

#[test]
fn namespaces_become_environments_in_promotion_order() {
    let inv = inventory(true);
    let b = assemble::bindings(&inv, &Discovery::default());
    let (snap, problems) = assemble::snapshot(&inv, &b);
    let line = snap.line("loan-core").expect("line");
    let envs: Vec<&str> = line.environments.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(envs, vec!["dev", "prod"]);
    assert_eq!(line.environments[1].tier, Tier::Production);
    // A workload without labels is a service under its own name.
    let prod = &line.environments[1];
    assert!(prod.service("mystery").is_some(), "{:?}", prod.services);
    assert!(
        !problems
            .iter()
            .any(|p| p.contains("mystery") && p.contains(LABEL_NAME)),
        "{problems:?}"
    );
    assert!(prod.found_by.contains("labelled"), "{}", prod.found_by);
}

#[test]
fn a_service_carries_canary_split_history_config_and_only_secret_keys() {
    let inv = inventory(true);
    let (snap, _) = assemble::snapshot(&inv, &assemble::bindings(&inv, &Discovery::default()));
    let s = snap
        .service(&ServiceKey::new("loan-core", "prod", "scoring"))
        .expect("scoring");
    assert_eq!(s.version, "3.1.4");
    assert_eq!(s.capacity_rps, 120.0);
    assert_eq!(s.dependencies, vec!["ledger"]);
    assert_eq!(s.base_image, "base/jre:21");
    let c = s.canary.as_ref().expect("canary");
    assert_eq!(c.version, "3.2.0");
    assert_eq!(s.traffic.mode, SplitMode::Gateway);
    assert_eq!(s.traffic.canary_weight, 10);
    assert_eq!(s.traffic.tag_routes[0].tag, "beta-testers");
    assert_eq!(s.traffic.tag_routes[0].version, "3.2.0");
    assert_eq!(s.releases.len(), 2);
    assert_eq!(
        (
            s.releases[1].from.as_str(),
            s.releases[1].to.as_str(),
            s.releases[1].who.as_str()
        ),
        ("3.1.0", "3.1.4", "bo")
    );
    assert_eq!(s.config.get("timeout_ms").map(String::as_str), Some("800"));
    assert_eq!(s.secret_keys.names().collect::<Vec<_>>(), ["db-password"]);
    assert!(
        !format!("{snap:?}").contains("c2VjcmV0"),
        "secret values never reach the model"
    );
    assert_eq!(s.revision, "2/2/5", "generations, not resourceVersions");
    assert!(s.known_versions.contains(&"3.2.0".to_string()));
}

#[test]
fn without_the_gateway_api_the_split_follows_replicas() {
    let inv = inventory(false);
    let (snap, _) = assemble::snapshot(&inv, &assemble::bindings(&inv, &Discovery::default()));
    let s = snap
        .service(&ServiceKey::new("loan-core", "prod", "scoring"))
        .unwrap();
    assert_eq!(s.traffic.mode, SplitMode::ReplicaRatio);
    assert_eq!(s.traffic.canary_weight, 50, "3 stable and 3 canary ready");
    assert!(s.traffic.tag_routes.is_empty());
}

#[test]
fn a_relist_replaces_only_its_scope() {
    let mut inv = inventory(true);
    inv.apply(Delta::Reset {
        kind: Kind::Deployment,
        context: CTX.into(),
        namespace: Some("loan-dev".into()),
        objects: vec![],
    });
    let (snap, _) = assemble::snapshot(&inv, &assemble::bindings(&inv, &Discovery::default()));
    assert!(
        snap.service(&ServiceKey::new("loan-core", "dev", "scoring"))
            .is_none()
    );
    assert!(
        snap.service(&ServiceKey::new("loan-core", "prod", "scoring"))
            .is_some()
    );
}

#[test]
fn the_catalog_names_environments_and_wins() {
    let inv = inventory(true);
    let catalog = vec![EnvBinding {
        line: "loan-core".into(),
        env: "prod".into(),
        tier: Tier::NonProduction,
        context: CTX.into(),
        namespace: "loan-prod".into(),
        part_of: None,
        source: Source::Catalog,
        found_by: "the catalog".into(),
        origin: None,
    }];
    let discovery = Discovery {
        catalog,
        ..Discovery::default()
    };
    let b = assemble::bindings(&inv, &discovery);
    assert_eq!(b.iter().filter(|b| b.namespace == "loan-prod").count(), 1);
    assert_eq!(b[0].tier, Tier::NonProduction);
}

fn ops(inv: &Inventory, change: Change) -> Result<Vec<Op>, crate::PlatformError> {
    let b = assemble::bindings(inv, &Discovery::default());
    let binding = b.iter().find(|b| b.namespace == "loan-prod").unwrap();
    let t = writes::target(inv, binding, "scoring").expect("target");
    writes::ops(&t, &request(change), "2026-11-24T10:00:00Z")
}

#[test]
fn a_version_the_deployment_does_not_list_is_not_found() {
    for change in [
        Change::Deploy {
            version: "9.9.9".into(),
        },
        Change::StartCanary {
            version: "9.9.9".into(),
        },
    ] {
        let err = ops(&inventory(true), change).unwrap_err();
        assert_eq!(err.exit_code(), 4, "{err}");
        assert!(err.to_string().contains("9.9.9"), "{err}");
    }
    // A version it ran before stays deployable even when the list has dropped it.
    assert!(
        ops(
            &inventory(true),
            Change::Deploy {
                version: "3.1.0".into()
            }
        )
        .is_ok()
    );
}

#[test]
fn deploy_is_one_apply_with_version_image_and_who_when_why() {
    let ops = ops(
        &inventory(true),
        Change::Deploy {
            version: "3.3.0".into(),
        },
    )
    .unwrap();
    let [Op::ApplyDeployment { name, body }] = ops.as_slice() else {
        panic!("{ops:?}")
    };
    assert_eq!(name, "scoring");
    assert_eq!(body["metadata"]["resourceVersion"], "100");
    assert_eq!(
        body["spec"]["template"]["spec"]["containers"][0]["image"],
        "registry.local/loan/scoring:3.3.0"
    );
    assert_eq!(
        body["spec"]["template"]["metadata"]["labels"][LABEL_VERSION],
        "3.3.0"
    );
    assert_eq!(body["metadata"]["annotations"][ANN_CHANGED_BY], "ana");
    assert_eq!(body["metadata"]["annotations"][ANN_CHANGE_WHY], "drill");
    assert!(
        body["metadata"]["annotations"][ANN_CHANGE_CAUSE]
            .as_str()
            .unwrap()
            .contains("deploy 3.3.0")
    );
}

#[test]
fn weights_and_tags_patch_the_route_on_its_resource_version() {
    let inv = inventory(true);
    let ops = ops(&inv, Change::SetCanaryWeight { weight: 30 }).unwrap();
    let [Op::PatchRoute { body, .. }] = ops.as_slice() else {
        panic!("{ops:?}")
    };
    assert_eq!(body["metadata"]["resourceVersion"], "77");
    let rules: Vec<Value> = body["spec"]["rules"].as_array().cloned().unwrap();
    assert_eq!(
        super::route::split(&rules, "scoring", "scoring-canary").canary_weight,
        30
    );
    let ops = self::ops(
        &inv,
        Change::AddTagRoute {
            tag: "staff".into(),
        },
    )
    .unwrap();
    let [Op::PatchRoute { body, .. }] = ops.as_slice() else {
        panic!()
    };
    let rules: Vec<Value> = body["spec"]["rules"].as_array().cloned().unwrap();
    assert_eq!(
        super::route::split(&rules, "scoring", "scoring-canary").tags,
        vec!["beta-testers", "staff"]
    );
}

#[test]
fn promote_and_abort() {
    let inv = inventory(true);
    let ops = ops(&inv, Change::Promote).unwrap();
    assert!(
        matches!(&ops[0], Op::ApplyDeployment { name, body } if name == "scoring"
        && body["spec"]["template"]["spec"]["containers"][0]["image"] == "registry.local/loan/scoring:3.2.0")
    );
    assert!(
        matches!(&ops[1], Op::PatchRoute { body, .. } if body["spec"]["rules"].as_array().map(Vec::len) == Some(1))
    );
    assert!(
        matches!(&ops[2], Op::DeleteDeployment { name, resource_version } if name == "scoring-canary" && resource_version == "101")
    );
    let ops = self::ops(&inv, Change::Abort).unwrap();
    assert!(
        matches!(ops.last(), Some(Op::Scale { name, body }) if name == "scoring-canary" && body["spec"]["replicas"] == 0)
    );
}

#[test]
fn tag_routes_need_the_gateway_api_and_weights_fall_back_to_replicas() {
    let inv = inventory(false);
    let e = ops(
        &inv,
        Change::AddTagRoute {
            tag: "staff".into(),
        },
    )
    .unwrap_err();
    assert!(e.to_string().contains("Gateway API"), "{e}");
    let ops = self::ops(&inv, Change::SetCanaryWeight { weight: 50 }).unwrap();
    assert!(ops.is_empty(), "3 + 3 replicas already split 50 %: {ops:?}");
    let ops = self::ops(&inv, Change::SetCanaryWeight { weight: 20 }).unwrap();
    assert!(
        matches!(&ops[..], [Op::Scale { name: a, body: x }, Op::Scale { name: b, body: y }]
            if a == "scoring" && x["spec"]["replicas"] == 5 && b == "scoring-canary" && y["spec"]["replicas"] == 1),
        "the growing side first: {ops:?}"
    );
    let ops = self::ops(&inv, Change::Abort).unwrap();
    assert!(
        matches!(&ops[..], [Op::Scale { name: a, body: x }, Op::Scale { name: b, body: y }]
            if a == "scoring" && x["spec"]["replicas"] == 6 && b == "scoring-canary" && y["spec"]["replicas"] == 0),
        "abort gives the canary's replicas back to stable: {ops:?}"
    );
    assert_eq!(ratio_replicas(3, 3, 20), (5, 1));
    assert_eq!(ratio_replicas(4, 0, 10), (3, 1));
    assert_eq!(ratio_replicas(1, 1, 100), (0, 2));
    assert_eq!(ratio_replicas(2, 2, 0), (4, 0));
}

#[test]
fn rollback_patches_the_previous_template_without_its_hash() {
    let ops = ops(&inventory(true), Change::Rollback).unwrap();
    let [Op::PatchDeployment { body, .. }] = ops.as_slice() else {
        panic!("{ops:?}")
    };
    let patch = body.as_array().expect("a JSON patch");
    assert_eq!(patch[0]["op"], "test");
    assert_eq!(
        patch[0]["value"], "100",
        "tested on the resourceVersion it was decided on"
    );
    let template = &patch
        .iter()
        .find(|p| p["path"] == "/spec/template")
        .expect("template")["value"];
    assert_eq!(
        template["spec"]["containers"][0]["image"],
        "registry.local/loan/scoring:3.1.0"
    );
    assert!(
        template["metadata"]["labels"]
            .get("pod-template-hash")
            .is_none()
    );
    assert!(patch.iter().any(
        |p| p["path"] == "/metadata/annotations/wheelhouse.dev~1rollback-to" && p["value"] == "1"
    ));
}

#[test]
fn start_canary_copies_the_stable_template() {
    let mut inv = inventory(true);
    inv.apply(Delta::Remove(
        Kind::Deployment,
        ObjKey::new(CTX, "loan-prod", "scoring-canary"),
    ));
    let ops = ops(
        &inv,
        Change::StartCanary {
            version: "3.3.0".into(),
        },
    )
    .unwrap();
    let Op::ApplyDeployment { name, body } = &ops[0] else {
        panic!("{ops:?}")
    };
    assert_eq!(name, "scoring-canary");
    assert_eq!(
        body["spec"]["selector"]["matchLabels"][LABEL_TRACK],
        TRACK_CANARY
    );
    assert_eq!(
        body["spec"]["template"]["metadata"]["labels"][LABEL_TRACK],
        TRACK_CANARY
    );
    assert_eq!(
        body["spec"]["template"]["spec"]["containers"][0]["image"],
        "registry.local/loan/scoring:3.3.0"
    );
    assert!(
        body["metadata"].get("resourceVersion").is_none(),
        "a new object has none"
    );
    assert!(
        matches!(&ops[1], Op::ApplyService { name, body } if name == "scoring-canary"
        && body["spec"]["selector"][LABEL_TRACK] == TRACK_CANARY)
    );
}

#[test]
fn history_marks_a_rolled_back_release() {
    let mut inv = inventory(true);
    let mut rs = replica_set("loan-prod", "scoring", 3, "3.1.0", "cy");
    rs.metadata
        .annotations
        .as_mut()
        .unwrap()
        .insert(ANN_ROLLBACK_TO.into(), "1".into());
    upsert(&mut inv, inventory::replica_set(CTX, &rs));
    let (snap, _) = assemble::snapshot(&inv, &assemble::bindings(&inv, &Discovery::default()));
    let s = snap
        .service(&ServiceKey::new("loan-core", "prod", "scoring"))
        .unwrap();
    assert_eq!(s.releases.len(), 3);
    assert_eq!(s.releases[1].state, ReleaseState::RolledBack);
    assert_eq!(s.releases[2].state, ReleaseState::Complete);
}

#[test]
fn a_rollout_is_old_pods_remaining_not_a_scale() {
    let inv = inventory(true);
    let key = ServiceKey::new("loan-core", "prod", "scoring");
    let (snap, _) = assemble::snapshot(&inv, &assemble::bindings(&inv, &Discovery::default()));
    assert!(snap.service(&key).unwrap().rollout.is_none());
    let mut inv = inv;
    let mut old = replica_set("loan-prod", "scoring", 1, "3.1.0", "ana");
    old.status = serde_json::from_value(json!({ "replicas": 2 })).unwrap();
    upsert(&mut inv, inventory::replica_set(CTX, &old));
    let (snap, _) = assemble::snapshot(&inv, &assemble::bindings(&inv, &Discovery::default()));
    let s = snap.service(&key).unwrap();
    let r = s.rollout.as_ref().expect("old pods remain: rolling out");
    assert_eq!(r.to_version, "3.1.4");
    assert_eq!(s.releases.last().unwrap().state, ReleaseState::Progressing);
}

#[test]
fn pause_and_resume_set_spec_paused_on_the_revision_seen() {
    for (change, want) in [(Change::Pause, true), (Change::Resume, false)] {
        let ops = ops(&inventory(true), change).unwrap();
        let [Op::PatchDeployment { name, body }] = ops.as_slice() else {
            panic!("{ops:?}")
        };
        assert_eq!(name, "scoring");
        assert_eq!(body[0]["op"], "test");
        assert_eq!(body[1]["path"], "/spec/paused");
        assert_eq!(body[1]["value"], want);
    }
}

#[test]
fn restart_adds_the_restarted_at_annotation_to_the_template() {
    let ops = ops(&inventory(true), Change::Restart).unwrap();
    let [Op::PatchDeployment { name, body }] = ops.as_slice() else {
        panic!("{ops:?}")
    };
    assert_eq!(name, "scoring");
    let patch = body.as_array().expect("a JSON patch");
    assert_eq!(patch[0]["op"], "test");
    assert_eq!(patch[0]["value"], "100");
    let stamp = patch
        .iter()
        .find(|p| {
            p["path"] == "/spec/template/metadata/annotations/kubectl.kubernetes.io~1restartedAt"
                || p["path"] == "/spec/template/metadata/annotations"
        })
        .unwrap_or_else(|| panic!("no restartedAt in {patch:?}"));
    let value = &stamp["value"];
    let at = value
        .as_str()
        .or_else(|| value["kubectl.kubernetes.io/restartedAt"].as_str());
    assert_eq!(at, Some("2026-11-24T10:00:00Z"));
    assert!(
        !patch.iter().any(|p| p["path"] == "/spec/template/spec"),
        "nothing else of the template changes"
    );
}

/// The fixture with revision 1's pods still running: revision 2 (3.1.4) is rolling out.
fn rolling_out() -> Inventory {
    let mut inv = inventory(true);
    let mut old = replica_set("loan-prod", "scoring", 1, "3.1.0", "ana");
    old.status = serde_json::from_value(json!({ "replicas": 2 })).unwrap();
    upsert(&mut inv, inventory::replica_set(CTX, &old));
    inv
}

#[test]
fn a_deploy_during_a_rollout_supersedes_it_and_history_says_so() {
    let during = ops(
        &rolling_out(),
        Change::Deploy {
            version: "3.3.0".into(),
        },
    )
    .unwrap();
    let [Op::ApplyDeployment { body, .. }] = during.as_slice() else {
        panic!("{during:?}")
    };
    assert_eq!(body["metadata"]["annotations"][ANN_SUPERSEDES], "2");
    // Not rolling out: the annotation is cleared (server-side apply drops it).
    let after = ops(
        &inventory(true),
        Change::Deploy {
            version: "3.3.0".into(),
        },
    )
    .unwrap();
    let [Op::ApplyDeployment { body, .. }] = after.as_slice() else {
        panic!("{after:?}")
    };
    assert_eq!(body["metadata"]["annotations"][ANN_SUPERSEDES], "");
    // The controller copies it to the new ReplicaSet; the history marks revision 2.
    let mut inv = rolling_out();
    let mut rs = replica_set("loan-prod", "scoring", 3, "3.3.0", "cy");
    rs.metadata
        .annotations
        .as_mut()
        .unwrap()
        .insert(ANN_SUPERSEDES.into(), "2".into());
    upsert(&mut inv, inventory::replica_set(CTX, &rs));
    let (snap, _) = assemble::snapshot(&inv, &assemble::bindings(&inv, &Discovery::default()));
    let s = snap
        .service(&ServiceKey::new("loan-core", "prod", "scoring"))
        .unwrap();
    let states: Vec<ReleaseState> = s.releases.iter().map(|r| r.state).collect();
    assert_eq!(states[1], ReleaseState::Superseded, "{states:?}");
}

#[test]
fn rollback_during_a_rollout_goes_to_the_revision_before_it() {
    let inv = rolling_out();
    let (snap, _) = assemble::snapshot(&inv, &assemble::bindings(&inv, &Discovery::default()));
    let s = snap
        .service(&ServiceKey::new("loan-core", "prod", "scoring"))
        .unwrap();
    assert!(s.rollout.is_some());
    assert_eq!(s.rollback_target(), Some("3.1.0"));
    let plan = crate::domain::change::plan(s, &Change::Rollback).unwrap();
    assert_eq!(
        (plan[0].before.as_str(), plan[0].after.as_str()),
        ("3.1.4", "3.1.0")
    );
    let ops = ops(&inv, Change::Rollback).unwrap();
    let [Op::PatchDeployment { body, .. }] = ops.as_slice() else {
        panic!("{ops:?}")
    };
    let text = body.to_string();
    assert!(text.contains("registry.local/loan/scoring:3.1.0"), "{text}");
}

#[test]
fn config_objects_keep_what_a_service_can_read_and_no_more() {
    let cm = |name: &str, data: Value| -> ConfigMap {
        serde_json::from_value(
            json!({ "metadata": { "name": name, "namespace": "loan-prod" },
            "data": data }),
        )
        .unwrap()
    };
    let data = |o: &inventory::Obj| match o {
        inventory::Obj::ConfigMap(a) => a.data.clone(),
        other => panic!("{other:?}"),
    };
    let (_, ca) = inventory::config_map(CTX, &cm("kube-root-ca.crt", json!({ "ca.crt": "PEM" })));
    assert!(data(&ca).is_empty(), "the cluster's CA is nobody's config");
    let big = "x".repeat(inventory::MAX_CONFIG_VALUE + 1);
    let (_, files) = inventory::config_map(CTX, &cm("files", json!({ "big": big, "small": "1" })));
    let files = data(&files);
    assert_eq!(files["small"], "1");
    assert!(
        files["big"].starts_with("(4097 bytes, digest "),
        "{}",
        files["big"]
    );
    let (_, other) = inventory::config_map(CTX, &cm("files", json!({ "big": "y".repeat(4097) })));
    assert_ne!(data(&other)["big"], files["big"], "a change still shows");
    let helm: Secret = serde_json::from_value(json!({ "metadata": { "name": "sh.helm.release.v1.web.v3",
        "namespace": "loan-prod" }, "type": "helm.sh/release.v1", "data": { "release": "SDRzSQ==" } }))
    .unwrap();
    match inventory::secret(CTX, &helm).1 {
        inventory::Obj::Secret(a) => assert!(a.secrets.is_empty(), "Helm's records skipped"),
        other => panic!("{other:?}"),
    }
}

/// A Deployment labelled with a lane is that lane's version of its service: the lane is
/// listed with its services, and the service keeps its baseline (no extra service).
#[test]
fn lane_deployments_make_lanes_not_services() {
    let mut inv = inventory(true);
    let mut lane = |name: &str, app: &str, version: &str, lane: &str, at: &str, who: &str| {
        let mut d = deployment("loan-prod", name, app, "stable", version, "200");
        let labels = d.metadata.labels.get_or_insert_with(Default::default);
        labels.insert(LABEL_LANE.into(), lane.into());
        let ann = d.metadata.annotations.get_or_insert_with(Default::default);
        ann.insert(ANN_CHANGED_AT.into(), at.into());
        ann.insert(ANN_CHANGED_BY.into(), who.into());
        upsert(&mut inv, inventory::deployment(CTX, &d));
    };
    lane(
        "scoring-fast",
        "scoring",
        "3.3.0",
        "fast",
        "2026-11-20T10:00:00Z",
        "ana",
    );
    lane(
        "ledger-fast",
        "ledger",
        "7.0.0",
        "fast",
        "2026-11-19T10:00:00Z",
        "bo",
    );
    lane(
        "scoring-slow",
        "scoring",
        "3.2.0",
        "slow",
        "2026-11-21T10:00:00Z",
        "cy",
    );
    let (snap, _) = assemble::snapshot(&inv, &assemble::bindings(&inv, &Discovery::default()));
    let env = snap
        .line("loan-core")
        .and_then(|l| l.environment("prod"))
        .expect("loan-core/prod");
    let names: Vec<&str> = env.services.iter().map(|s| s.name.as_str()).collect();
    assert!(
        !names
            .iter()
            .any(|n| n.contains("fast") || n.contains("slow") || *n == "ledger"),
        "lane versions are not services: {names:?}"
    );
    assert_eq!(env.lanes.len(), 2, "{:?}", env.lanes);
    let fast = &env.lanes[0];
    assert_eq!(fast.name, "fast");
    assert_eq!(fast.version_of("scoring"), Some("3.3.0"));
    assert_eq!(fast.version_of("ledger"), Some("7.0.0"));
    assert_eq!(fast.created_by, "bo", "the earliest of its workloads");
    assert_eq!(env.lanes[1].name, "slow");
    assert_eq!(env.lanes_of("scoring").count(), 2);
    let scoring = env.service("scoring").expect("scoring");
    assert_eq!(scoring.version, "3.1.4", "the baseline is unchanged");
}

/// Joining a lane writes the lane's Deployment and Service and the service's lane route
/// (attached to its Service, a header rule per lane, the rest to the baseline); leaving
/// it removes them, the route with its last lane. Without the Gateway API, refused.
#[test]
fn a_lane_is_a_deployment_a_service_and_a_rule_of_the_lane_route() {
    let inv = inventory(true);
    let join = Change::JoinLane {
        lane: "fast".into(),
        version: "3.3.0".into(),
    };
    let done = ops(&inv, join.clone()).unwrap();
    let Op::ApplyDeployment { name, body } = &done[0] else {
        panic!("{done:?}")
    };
    assert_eq!(name, "scoring-fast");
    assert_eq!(body["metadata"]["labels"][LABEL_LANE], "fast");
    assert_eq!(body["metadata"]["labels"][LABEL_VERSION], "3.3.0");
    assert!(
        body["metadata"]["labels"].get(LABEL_TRACK).is_none(),
        "{body}"
    );
    assert_eq!(body["spec"]["selector"]["matchLabels"][LABEL_LANE], "fast");
    assert_eq!(
        body["spec"]["template"]["spec"]["containers"][0]["image"],
        "registry.local/loan/scoring:3.3.0"
    );
    assert!(matches!(&done[1], Op::ApplyService { name, .. } if name == "scoring-fast"));
    let Op::ApplyRoute { name, body } = &done[2] else {
        panic!("{done:?}")
    };
    assert_eq!(name, "scoring-lanes");
    assert_eq!(body["spec"]["parentRefs"][0]["kind"], "Service");
    assert_eq!(body["spec"]["parentRefs"][0]["name"], "scoring");
    let rules = body["spec"]["rules"].as_array().unwrap();
    assert_eq!(
        rules[0]["matches"][0]["headers"][0]["name"],
        "x-traffic-tag"
    );
    assert_eq!(rules[0]["matches"][0]["headers"][0]["value"], "fast");
    assert_eq!(rules[0]["backendRefs"][0]["name"], "scoring-fast");
    assert_eq!(rules[1]["backendRefs"][0]["name"], "scoring");
    // An unknown version is not found; without the Gateway API, refused.
    let unknown = Change::JoinLane {
        lane: "fast".into(),
        version: "9.9.9".into(),
    };
    assert!(matches!(
        ops(&inv, unknown),
        Err(crate::PlatformError::NotFound { .. })
    ));
    assert!(matches!(
        ops(&inventory(false), join),
        Err(crate::PlatformError::Invalid { .. })
    ));
    // Leaving a lane the service is not in is refused.
    let leave = Change::LeaveLane {
        lane: "fast".into(),
    };
    assert!(ops(&inv, leave).is_err());
    // The share: a tagging backend in the gateway route's default rule.
    let share = Change::SetLaneShare {
        lane: "fast".into(),
        share: 5,
    };
    let done = ops(&inv, share).unwrap();
    let Op::PatchRoute { name, body } = &done[0] else {
        panic!("{done:?}")
    };
    assert_eq!(name, "scoring");
    let rules: Vec<serde_json::Value> =
        serde_json::from_value(body["spec"]["rules"].clone()).unwrap();
    assert_eq!(
        crate::kube::route::lane_shares(&rules),
        [("fast".to_string(), 5)]
    );
    assert_eq!(
        crate::kube::route::split(&rules, "scoring", "scoring-canary").canary_weight,
        10,
        "the canary keeps its share of the rest"
    );
}

#[test]
fn a_copy_makes_the_namespace_and_the_stable_objects_and_a_removal_takes_them() {
    let inv = inventory(true);
    let b = assemble::bindings(&inv, &Discovery::default());
    let binding = b.iter().find(|b| b.namespace == "loan-prod").unwrap();
    let t = writes::target(&inv, binding, "scoring").expect("target");
    let config = std::collections::BTreeMap::from([("LOG_LEVEL".to_string(), "debug".to_string())]);
    let change = Change::CopyTo {
        env: "qa".into(),
        version: "3.2.0".into(),
        config: config.clone(),
    };
    let to = writes::Destination {
        namespace: "loan-core-qa",
        create: true,
        line: "loan-core",
        env: "qa",
    };
    let ops = writes::copy_ops(
        &inv,
        &t,
        &request(change),
        "2026-11-24T10:00:00Z",
        &to,
        ("3.2.0", &config),
    )
    .unwrap();
    let [
        Op::ApplyNamespace { name, body: ns },
        Op::ApplyDeployment { body: d, .. },
        Op::ApplyRoute { body: r, .. },
    ] = ops.as_slice()
    else {
        panic!("{ops:#?}")
    };
    assert_eq!(name, "loan-core-qa");
    assert_eq!(ns["metadata"]["labels"][LABEL_ENV], "qa");
    assert_eq!(ns["metadata"]["labels"][LABEL_LINE], "loan-core");
    assert_eq!(ns["metadata"]["labels"][LABEL_CREATED_FROM], "prod");
    assert_eq!(d["metadata"]["namespace"], "loan-core-qa");
    assert_eq!(d["metadata"]["labels"][LABEL_CREATED_FROM], "prod");
    assert_eq!(d["spec"]["replicas"], 3);
    let c = &d["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(c["image"], "registry.local/loan/scoring:3.2.0");
    assert_eq!(
        c["env"][0],
        json!({ "name": "LOG_LEVEL", "value": "debug" })
    );
    assert_eq!(
        d["spec"]["template"]["metadata"]["labels"][LABEL_VERSION],
        "3.2.0"
    );
    assert_eq!(
        d["spec"]["selector"]["matchLabels"],
        json!({ LABEL_NAME: "scoring", LABEL_TRACK: "stable" })
    );
    // The route to the copy's stable Service alone; no canary, no tag route.
    let rules = r["spec"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), 1);
    assert_eq!(
        rules[0]["backendRefs"],
        json!([{ "name": "scoring", "port": 80, "weight": 100 }])
    );
    // The canary's Deployment and the Secret stay behind.
    assert!(
        !ops.iter()
            .any(|o| matches!(o, Op::ApplyDeployment { name, .. } if name.contains("canary")))
    );
    let last = writes::remove_ops(&t, true);
    assert_eq!(
        last,
        [Op::DeleteNamespace {
            name: "loan-prod".into()
        }]
    );
    let one = writes::remove_ops(&t, false);
    assert!(
        matches!(&one[..], [Op::DeleteRoute { .. }, Op::DeleteDeployment { name, resource_version }] if name == "scoring" && resource_version == "100"),
        "{one:?}"
    );
}
