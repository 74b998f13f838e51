//! Lanes on the real control plane: `wheelhouse lane …` makes the contract's objects
//! (Deployment and Service `<svc>-<lane>`, the service's lane route `<svc>-lanes`
//! attached to its Service), and promote and delete take them away again.

use super::*;

const NS: &str = "lanes-dev";

/// lanes/dev: front → order → payment, each a Deployment (selector name + track, as the
/// contract says) and a Service.
async fn apply_line() {
    let c = client("wh-admin").await;
    let pp = PatchParams::apply("wheelhouse-test").force();
    let namespace = json!({
        "apiVersion": "v1", "kind": "Namespace",
        "metadata": {"name": NS, "labels": {
            "wheelhouse.dev/product-line": "lanes", "wheelhouse.dev/environment": "dev"}}
    });
    Api::<k8s_openapi::api::core::v1::Namespace>::all(c.clone())
        .patch(NS, &pp, &Patch::Apply(namespace))
        .await
        .expect("namespace");
    for (name, calls) in [("front", "order"), ("order", "payment"), ("payment", "")] {
        let labels = json!({"app.kubernetes.io/name": name, "wheelhouse.dev/track": "stable",
            "app.kubernetes.io/version": "1.0.0"});
        let deployment = json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name, "labels": labels,
                "annotations": {"wheelhouse.dev/depends-on": calls,
                                "wheelhouse.dev/versions": "1.0.0,1.1.0"}},
            "spec": {"replicas": 1,
                "selector": {"matchLabels": {"app.kubernetes.io/name": name,
                                             "wheelhouse.dev/track": "stable"}},
                "template": {"metadata": {"labels": labels},
                    "spec": {"containers": [{"name": name,
                        "image": format!("registry.local/lanes/{name}:1.0.0")}]}}}
        });
        Api::<Deployment>::namespaced(c.clone(), NS)
            .patch(name, &pp, &Patch::Apply(deployment))
            .await
            .expect("deployment");
        let service = json!({
            "apiVersion": "v1", "kind": "Service",
            "metadata": {"name": name, "labels": {"app.kubernetes.io/name": name}},
            "spec": {"selector": {"app.kubernetes.io/name": name, "wheelhouse.dev/track": "stable"},
                     "ports": [{"name": "http", "port": 80, "targetPort": 8080}]}
        });
        Api::<Service>::namespaced(c.clone(), NS)
            .patch(name, &pp, &Patch::Apply(service))
            .await
            .expect("service");
    }
    // Requests enter through front's gateway route.
    let route = json!({
        "apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute",
        "metadata": {"name": "front", "labels": {"app.kubernetes.io/name": "front"}},
        "spec": {"parentRefs": [{"name": "lanes-gateway"}],
                 "rules": [{"backendRefs": [{"name": "front", "port": 80, "weight": 100}]}]}
    });
    routes()
        .await
        .patch("front", &pp, &Patch::Apply(route))
        .await
        .expect("route");
}

async fn routes() -> Api<DynamicObject> {
    let ar = ApiResource::from_gvk(&GroupVersionKind::gvk(
        "gateway.networking.k8s.io",
        "v1",
        "HTTPRoute",
    ));
    Api::namespaced_with(client("wh-admin").await, NS, &ar)
}

async fn lane_route(name: &str) -> Option<Value> {
    routes()
        .await
        .get_opt(name)
        .await
        .expect("get route")
        .map(|r| r.data["spec"].clone())
}

/// The tags front's gateway route puts on a share of its requests: (lane, weight).
async fn entry_tags() -> Vec<(String, u64)> {
    let spec = lane_route("front").await.expect("front's route");
    spec["rules"][0]["backendRefs"]
        .as_array()
        .unwrap_or(&Vec::new())
        .iter()
        .filter_map(|b| {
            let set = &b["filters"][0]["requestHeaderModifier"]["set"][0];
            (set["name"] == "x-traffic-tag").then(|| {
                (
                    set["value"].as_str().unwrap_or("").to_string(),
                    b["weight"].as_u64().unwrap_or(0),
                )
            })
        })
        .collect()
}

/// The lanes a route's rules send tagged requests to: (tag, backend).
fn tag_rules(spec: &Value) -> Vec<(String, String)> {
    spec["rules"]
        .as_array()
        .unwrap_or(&Vec::new())
        .iter()
        .filter_map(|r| {
            let tag = r["matches"][0]["headers"][0]["value"].as_str()?;
            Some((
                tag.to_string(),
                r["backendRefs"][0]["name"].as_str()?.to_string(),
            ))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "requires the local control plane (scripts/kube-up); run by scripts/test.sh"]
async fn lanes_are_created_promoted_and_deleted_as_objects() {
    apply_line().await;
    let run = Run::new("lanes");
    let deployments = Api::<Deployment>::namespaced(client("wh-admin").await, NS);
    let services = Api::<Service>::namespaced(client("wh-admin").await, NS);
    // Create: each service's lane version, its Service, its lane route.
    run.ok(
        &[
            "lane",
            "create",
            "lanes/dev/fast",
            "order=1.1.0",
            "payment=1.1.0",
            "--yes",
            "--why",
            "try fast",
        ],
        0,
    );
    for svc in ["order", "payment"] {
        let d = deployments
            .get(&format!("{svc}-fast"))
            .await
            .expect("lane deployment");
        let labels = d.metadata.labels.clone().unwrap_or_default();
        assert_eq!(
            labels.get("wheelhouse.dev/lane").map(String::as_str),
            Some("fast")
        );
        assert_eq!(
            labels.get("app.kubernetes.io/version").map(String::as_str),
            Some("1.1.0")
        );
        assert!(!labels.contains_key("wheelhouse.dev/track"), "{labels:?}");
        assert_eq!(image(&d), format!("registry.local/lanes/{svc}:1.1.0"));
        let selector = d
            .spec
            .as_ref()
            .unwrap()
            .selector
            .match_labels
            .clone()
            .unwrap_or_default();
        assert_eq!(
            selector.get("wheelhouse.dev/lane").map(String::as_str),
            Some("fast")
        );
        services
            .get(&format!("{svc}-fast"))
            .await
            .expect("lane service");
        let route = lane_route(&format!("{svc}-lanes"))
            .await
            .expect("lane route");
        assert_eq!(route["parentRefs"][0]["kind"], "Service", "{route}");
        assert_eq!(route["parentRefs"][0]["name"], svc, "{route}");
        assert_eq!(
            tag_rules(&route),
            [("fast".to_string(), format!("{svc}-fast"))]
        );
        let rules = route["rules"].as_array().unwrap();
        assert_eq!(
            rules.last().unwrap()["backendRefs"][0]["name"],
            svc,
            "the rest: baseline"
        );
    }
    assert!(
        lane_route("front-lanes").await.is_none(),
        "front is not in the lane"
    );
    let status = run.status("lanes/dev");
    let lanes = &status["product_lines"][0]["environments"][0]["lanes"];
    assert_eq!(lanes[0]["name"], "fast", "{lanes}");
    assert_eq!(lanes[0]["services"]["order"], "1.1.0", "{lanes}");
    assert_eq!(lanes[0]["created_by"], support::cli::who(), "{lanes}");
    // A second lane on payment: two tag rules; out again: one.
    run.ok(
        &["lane", "add", "lanes/dev/slow", "payment", "1.1.0", "--yes"],
        0,
    );
    let route = lane_route("payment-lanes").await.unwrap();
    assert_eq!(tag_rules(&route).len(), 2, "{route}");
    run.ok(&["lane", "remove", "lanes/dev/slow", "payment", "--yes"], 0);
    let route = lane_route("payment-lanes").await.unwrap();
    assert_eq!(
        tag_rules(&route),
        [("fast".to_string(), "payment-fast".to_string())]
    );
    assert!(deployments.get_opt("payment-slow").await.unwrap().is_none());
    assert!(services.get_opt("payment-slow").await.unwrap().is_none());
    // The entry share: front's gateway route tags 5 % of its requests for the lane.
    run.ok(&["lane", "share", "lanes/dev/fast", "5", "--yes"], 0);
    assert_eq!(
        entry_tags().await,
        [("fast".to_string(), 500)],
        "5 % of 10,000"
    );
    let status = run.status("lanes/dev");
    assert_eq!(
        status["product_lines"][0]["environments"][0]["lanes"][0]["entry_share"], 5,
        "{status}"
    );
    // Promote: callees first, each deployed and waited for, then out of the lane; the
    // lane's objects are gone and the baselines run its versions.
    let out = run.ok(&["lane", "promote", "lanes/dev/fast", "--yes"], 0);
    let (payment_at, order_at) = (
        out.find("lanes/dev/payment: deploy 1.1.0")
            .unwrap_or_else(|| panic!("{out}")),
        out.find("lanes/dev/order: deploy 1.1.0")
            .unwrap_or_else(|| panic!("{out}")),
    );
    assert!(payment_at < order_at, "callees first:\n{out}");
    assert!(entry_tags().await.is_empty(), "the share went first");
    for svc in ["order", "payment"] {
        let d = deployments.get(svc).await.unwrap();
        assert_eq!(image(&d), format!("registry.local/lanes/{svc}:1.1.0"));
        assert!(
            deployments
                .get_opt(&format!("{svc}-fast"))
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            services
                .get_opt(&format!("{svc}-fast"))
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            lane_route(&format!("{svc}-lanes")).await.is_none(),
            "{svc}-lanes gone"
        );
    }
    let status = run.status("lanes/dev");
    assert!(
        status["product_lines"][0]["environments"][0]["lanes"].is_null(),
        "{status}"
    );
    // Delete: a lane made and deleted leaves nothing.
    run.ok(
        &["lane", "create", "lanes/dev/gone", "front=1.1.0", "--yes"],
        0,
    );
    assert!(deployments.get_opt("front-gone").await.unwrap().is_some());
    run.ok(&["lane", "delete", "lanes/dev/gone", "--yes"], 0);
    assert!(deployments.get_opt("front-gone").await.unwrap().is_none());
    assert!(lane_route("front-lanes").await.is_none());
    Api::<k8s_openapi::api::core::v1::Namespace>::all(client("wh-admin").await)
        .delete(NS, &Default::default())
        .await
        .expect("namespace deleted");
}
