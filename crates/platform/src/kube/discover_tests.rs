//! Discovery on a cluster nobody labelled for wheelhouse: namespaces by naming convention,
//! lines from `app.kubernetes.io/part-of`, services from Deployments, StatefulSets and
//! Argo Rollouts, pods by owner, and the namespaces that follow nothing.

use super::assemble;
use super::contract::*;
use super::discover::{Discovery, Source};
use super::inventory::{self, Delta, Inventory, ObjKey};
use crate::domain::workload::WorkloadKind;
use crate::domain::{OTHER_NAMESPACES, ServiceKey, Snapshot, Tier};
use kube::api::DynamicObject;
use serde_json::{Value, json};

const CTX: &str = "prod-cluster";

fn upsert(inv: &mut Inventory, (k, o): (ObjKey, inventory::Obj)) {
    inv.apply(Delta::Upsert(k, o));
}

fn namespace(inv: &mut Inventory, name: &str, labels: Value) {
    let ns =
        serde_json::from_value(json!({ "metadata": { "name": name, "labels": labels } })).unwrap();
    upsert(inv, inventory::namespace(CTX, &ns));
}

/// A Helm-style workload: `app.kubernetes.io/*` labels, no wheelhouse annotations.
fn helm(name: &str, app: Option<&str>, part_of: Option<&str>, image: &str) -> Value {
    let mut labels = json!({ "helm.sh/chart": "chart-1.0.0", "app.kubernetes.io/instance": name });
    if let Some(a) = app {
        labels[LABEL_NAME] = json!(a);
    }
    if let Some(p) = part_of {
        labels[LABEL_PART_OF] = json!(p);
    }
    json!({
        "metadata": { "name": name, "uid": format!("uid-{name}"), "resourceVersion": "1",
            "generation": 1, "labels": labels },
        "spec": { "replicas": 2, "selector": { "matchLabels": { "app.kubernetes.io/instance": name } },
            "template": { "metadata": { "labels": { "app.kubernetes.io/instance": name } },
                "spec": { "containers": [{ "name": "main", "image": image }] } } },
        "status": { "replicas": 2, "readyReplicas": 2, "updatedReplicas": 2 }
    })
}

fn deployment(inv: &mut Inventory, ns: &str, mut body: Value) {
    body["metadata"]["namespace"] = json!(ns);
    upsert(
        inv,
        inventory::deployment(CTX, &serde_json::from_value(body).unwrap()),
    );
}

fn discover(inv: &Inventory, discovery: &Discovery) -> Snapshot {
    assemble::snapshot(inv, &assemble::bindings(inv, discovery)).0
}

fn names<T>(items: &[T], name: impl Fn(&T) -> &str) -> Vec<&str> {
    items.iter().map(name).collect()
}

#[test]
fn namespaces_named_by_convention_become_environments() {
    let mut inv = Inventory::default();
    for ns in [
        "shop-dev",
        "shop-staging",
        "prod-shop",
        "team-blue",
        "kube-system",
        "default",
    ] {
        namespace(&mut inv, ns, json!({}));
    }
    deployment(
        &mut inv,
        "shop-staging",
        helm("web", Some("storefront"), None, "reg/web:2.3.1"),
    );
    deployment(
        &mut inv,
        "prod-shop",
        helm("web", Some("storefront"), None, "reg/web:2.2.0"),
    );
    deployment(
        &mut inv,
        "team-blue",
        helm("tool", None, None, "reg/tool:7"),
    );
    deployment(
        &mut inv,
        "kube-system",
        helm("coredns", None, None, "reg/coredns:1.11"),
    );
    let snap = discover(&inv, &Discovery::default());
    assert_eq!(
        names(&snap.product_lines, |l| l.name.as_str()),
        vec!["shop", OTHER_NAMESPACES],
        "other namespaces come last"
    );
    let shop = snap.line("shop").unwrap();
    assert_eq!(
        names(&shop.environments, |e| e.name.as_str()),
        vec!["dev", "staging", "prod"],
        "promotion order from the words"
    );
    assert_eq!(shop.environments[2].tier, Tier::Production);
    assert_eq!(shop.environments[1].tier, Tier::NonProduction);
    assert!(
        shop.environments[1]
            .found_by
            .contains("shop-staging (<line>-<env>)"),
        "{}",
        shop.environments[1].found_by
    );
    assert!(shop.environments[2].found_by.contains("(<env>-<line>)"));
    let web = snap
        .service(&ServiceKey::new("shop", "staging", "storefront"))
        .expect("named by app.kubernetes.io/name");
    assert_eq!(web.version, "2.3.1", "version from the image tag");
    assert_eq!(web.workload.as_ref().unwrap().name, "web");
    // Matching nothing: one environment per namespace; the cluster's own hidden.
    let other = snap.line(OTHER_NAMESPACES).unwrap();
    assert_eq!(
        names(&other.environments, |e| e.name.as_str()),
        vec!["default", "team-blue"]
    );
    assert!(other.environments[1].service("tool").is_some());
    assert!(
        other.environments[1]
            .found_by
            .contains("no environment word")
    );
    assert_eq!(
        other.environments[1].tier,
        Tier::Production,
        "unknown: asks for the name"
    );
    let all = discover(
        &inv,
        &Discovery {
            system: true,
            ..Discovery::default()
        },
    );
    assert!(
        all.line(OTHER_NAMESPACES)
            .unwrap()
            .environment("kube-system")
            .is_some()
    );
}

#[test]
fn part_of_splits_a_namespace_into_lines() {
    let mut inv = Inventory::default();
    namespace(&mut inv, "platform-dev", json!({}));
    deployment(
        &mut inv,
        "platform-dev",
        helm("cart", Some("cart"), Some("checkout"), "r/cart:1.0"),
    );
    deployment(
        &mut inv,
        "platform-dev",
        helm("pay", Some("pay"), Some("checkout"), "r/pay:2.0"),
    );
    deployment(
        &mut inv,
        "platform-dev",
        helm("index", Some("index"), Some("search"), "r/i:3.0"),
    );
    deployment(
        &mut inv,
        "platform-dev",
        helm("gw", Some("gw"), None, "r/gw:4.0"),
    );
    let bindings = assemble::bindings(&inv, &Discovery::default());
    let lines: Vec<(&str, &str)> = bindings
        .iter()
        .map(|b| (b.line.as_str(), b.env.as_str()))
        .collect();
    assert_eq!(
        lines,
        vec![("checkout", "dev"), ("platform", "dev"), ("search", "dev")]
    );
    assert!(bindings.iter().all(|b| b.source == Source::Convention));
    let snap = assemble::snapshot(&inv, &bindings).0;
    let services = |line: &str| {
        let e = snap.line(line).unwrap().environment("dev").unwrap();
        names(&e.services, |s| s.name.as_str())
            .into_iter()
            .map(String::from)
            .collect::<Vec<_>>()
    };
    assert_eq!(services("checkout"), vec!["cart", "pay"]);
    assert_eq!(services("search"), vec!["index"]);
    assert_eq!(
        services("platform"),
        vec!["gw"],
        "no part-of: the line from the name"
    );
    let checkout = snap.line("checkout").unwrap().environment("dev").unwrap();
    assert_eq!(checkout.part_of, vec!["checkout"]);
    assert!(
        checkout.found_by.contains("part-of=checkout"),
        "{}",
        checkout.found_by
    );
}

#[test]
fn labels_and_the_catalog_come_before_conventions() {
    let mut inv = Inventory::default();
    namespace(
        &mut inv,
        "shop-prod",
        json!({ LABEL_LINE: "retail", LABEL_ENV: "prod" }),
    );
    namespace(&mut inv, "shop-qa", json!({}));
    let catalog = vec![assemble::EnvBinding {
        line: "retail".into(),
        env: "qa".into(),
        tier: Tier::NonProduction,
        context: CTX.into(),
        namespace: "shop-qa".into(),
        part_of: None,
        source: Source::Catalog,
        found_by: "the catalog".into(),
        origin: None,
    }];
    let snap = discover(
        &inv,
        &Discovery {
            catalog,
            ..Discovery::default()
        },
    );
    assert_eq!(
        names(&snap.product_lines, |l| l.name.as_str()),
        vec!["retail"]
    );
    let retail = snap.line("retail").unwrap();
    assert_eq!(
        names(&retail.environments, |e| e.name.as_str()),
        vec!["qa", "prod"]
    );
}

#[test]
fn the_same_line_and_environment_twice_goes_to_other_namespaces() {
    let mut inv = Inventory::default();
    namespace(&mut inv, "shop-prod", json!({}));
    namespace(&mut inv, "prod-shop", json!({}));
    let snap = discover(&inv, &Discovery::default());
    let other = snap.line(OTHER_NAMESPACES).expect("the second one");
    assert!(other.environments[0].found_by.contains("already namespace"));
}

#[test]
fn a_namespace_given_with_n_is_considered_without_its_object() {
    let inv = Inventory::default();
    let snap = discover(
        &inv,
        &Discovery {
            named: vec![(CTX.into(), "billing-uat".into())],
            ..Discovery::default()
        },
    );
    assert!(snap.line("billing").unwrap().environment("uat").is_some());
}

#[test]
fn stateful_sets_and_argo_rollouts_are_services() {
    let mut inv = Inventory::default();
    namespace(&mut inv, "data-test", json!({}));
    let mut sts = helm("db", Some("postgres"), None, "r/postgres:16.2");
    sts["metadata"]["namespace"] = json!("data-test");
    upsert(
        &mut inv,
        inventory::stateful_set(CTX, &serde_json::from_value(sts).unwrap()),
    );
    let rollout: DynamicObject = serde_json::from_value(json!({
        "apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout",
        "metadata": { "name": "api", "namespace": "data-test", "uid": "uid-api", "generation": 3,
            "labels": { LABEL_NAME: "api" } },
        "spec": { "replicas": 4,
            "template": { "metadata": { "labels": { LABEL_VERSION: "5.1.0" } },
                "spec": { "containers": [{ "name": "api", "image": "r/api:5.1.0" }] } },
            "strategy": { "canary": { "steps": [
                { "setWeight": 20 }, { "pause": {} }, { "setWeight": 50 }, { "pause": { "duration": "10m" } } ] } } },
        "status": { "replicas": 4, "readyReplicas": 4, "updatedReplicas": 1,
            "currentStepIndex": 1, "phase": "Paused" }
    }))
    .unwrap();
    upsert(&mut inv, inventory::rollout(CTX, &rollout));
    let snap = discover(&inv, &Discovery::default());
    let db = snap
        .service(&ServiceKey::new("data", "test", "postgres"))
        .unwrap();
    assert_eq!(
        db.workload.as_ref().unwrap().kind,
        WorkloadKind::StatefulSet
    );
    assert_eq!(db.version, "16.2");
    assert!(
        db.refuses(crate::domain::operation::Op::CanaryStart)
            .is_some()
    );
    assert!(db.refuses(crate::domain::operation::Op::Scale).is_none());
    let api = snap
        .service(&ServiceKey::new("data", "test", "api"))
        .unwrap();
    assert_eq!(api.version, "5.1.0");
    assert_eq!(api.replicas.desired, 4);
    let w = api.workload.as_ref().unwrap();
    assert_eq!(w.kind, WorkloadKind::ArgoRollout);
    let step = w.step.as_ref().unwrap();
    assert_eq!((step.index, step.count, step.weight), (2, 4, 20));
    assert_eq!(step.phase, "Paused");
    assert!(
        api.refuses(crate::domain::operation::Op::Scale)
            .unwrap()
            .contains("read-only")
    );
}

#[test]
fn two_workloads_claiming_one_name_are_shown_by_their_own() {
    let mut inv = Inventory::default();
    namespace(&mut inv, "cache-dev", json!({}));
    deployment(
        &mut inv,
        "cache-dev",
        helm("sessions-redis", Some("redis"), None, "r/redis:7"),
    );
    deployment(
        &mut inv,
        "cache-dev",
        helm("queue-redis", Some("redis"), None, "r/redis:7"),
    );
    let (snap, problems) =
        assemble::snapshot(&inv, &assemble::bindings(&inv, &Discovery::default()));
    let env = snap.line("cache").unwrap().environment("dev").unwrap();
    assert_eq!(
        names(&env.services, |s| s.name.as_str()),
        vec!["queue-redis", "sessions-redis"]
    );
    assert!(
        problems.iter().any(|p| p.contains("named redis")),
        "{problems:?}"
    );
}

#[test]
fn pods_without_labels_are_found_by_their_owner() {
    let mut inv = Inventory::default();
    namespace(&mut inv, "shop-dev", json!({}));
    deployment(&mut inv, "shop-dev", helm("web", None, None, "r/web:1.4"));
    let rs = json!({
        "metadata": { "name": "web-7d9f", "namespace": "shop-dev",
            "ownerReferences": [{ "apiVersion": "apps/v1", "kind": "Deployment", "name": "web",
                "uid": "uid-web", "controller": true }],
            "annotations": { ANN_REVISION: "1" } },
        "spec": { "selector": {}, "template": { "spec": { "containers": [{ "name": "main", "image": "r/web:1.4" }] } } },
        "status": { "replicas": 1 }
    });
    upsert(
        &mut inv,
        inventory::replica_set(CTX, &serde_json::from_value(rs).unwrap()),
    );
    for (name, owner) in [("web-7d9f-abcde", "web-7d9f"), ("other-1", "other-rs")] {
        let pod = json!({
            "metadata": { "name": name, "namespace": "shop-dev",
                "ownerReferences": [{ "apiVersion": "apps/v1", "kind": "ReplicaSet", "name": owner,
                    "uid": "x", "controller": true }] },
            "status": { "phase": "Running", "conditions": [{ "type": "Ready", "status": "True" }] }
        });
        upsert(
            &mut inv,
            inventory::pod(CTX, &serde_json::from_value(pod).unwrap()),
        );
    }
    let snap = discover(&inv, &Discovery::default());
    let web = snap
        .service(&ServiceKey::new("shop", "dev", "web"))
        .unwrap();
    assert_eq!(
        names(&web.pods, |p| p.name.as_str()),
        vec!["web-7d9f-abcde"]
    );
    assert_eq!(web.pods[0].version, "1.4", "from its ReplicaSet");
}
