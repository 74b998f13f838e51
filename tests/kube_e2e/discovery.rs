//! A cluster nobody labelled for wheelhouse: namespaces named by convention, Helm-style
//! workload labels, a StatefulSet, an Argo Rollouts Rollout, a namespace that follows no
//! convention. The tree is inferred, every action works on it, and `catalog init` pins it.

use super::*;
use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::{ConfigMap, Namespace, Secret};

/// A secret value the test writes; it must never be printed.
const SECRET_VALUE: &str = "hunter2-discovery";
use std::collections::BTreeSet;

fn helm_labels(instance: &str, name: Option<&str>, part_of: Option<&str>) -> Value {
    let mut labels = json!({ "helm.sh/chart": "chart-1.2.0",
        "app.kubernetes.io/instance": instance, "app.kubernetes.io/managed-by": "Helm" });
    if let Some(n) = name {
        labels["app.kubernetes.io/name"] = json!(n);
    }
    if let Some(p) = part_of {
        labels["app.kubernetes.io/part-of"] = json!(p);
    }
    labels
}

fn template(instance: &str, image: &str) -> Value {
    json!({ "metadata": { "labels": { "app.kubernetes.io/instance": instance } },
        "spec": { "containers": [{ "name": "main", "image": image }] } })
}

fn workload(kind: &str, name: &str, labels: Value, image: &str) -> Value {
    let mut spec = json!({ "replicas": 1,
        "selector": { "matchLabels": { "app.kubernetes.io/instance": name } },
        "template": template(name, image) });
    if kind == "StatefulSet" {
        spec["serviceName"] = json!(name);
    }
    json!({ "apiVersion": "apps/v1", "kind": kind,
        "metadata": { "name": name, "labels": labels }, "spec": spec })
}

fn rollout_resource() -> ApiResource {
    ApiResource::from_gvk(&GroupVersionKind::gvk("argoproj.io", "v1alpha1", "Rollout"))
}

/// shop-dev (storefront, postgres StatefulSet, cart part-of checkout), shop-staging
/// (storefront, an Argo Rollout at step 2 of 4), team-tools (no convention, no labels).
const NAMESPACES: [&str; 3] = ["shop-dev", "shop-staging", "team-tools"];

/// Deletes the test's namespaces (of an earlier run) and waits until they are gone.
async fn delete_namespaces(wait: bool) {
    let api = Api::<Namespace>::all(client("wh-admin").await);
    for ns in NAMESPACES {
        let _ = api.delete(ns, &Default::default()).await;
    }
    for _ in 0..120 {
        let mut left = 0;
        for ns in NAMESPACES {
            left += usize::from(api.get_opt(ns).await.expect("get namespace").is_some());
        }
        if left == 0 || !wait {
            return;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    panic!("the namespaces of an earlier run are still there after 60 s");
}

async fn apply_unlabelled() {
    delete_namespaces(true).await;
    let c = client("wh-admin").await;
    let pp = PatchParams::apply("wheelhouse-test").force();
    for ns in NAMESPACES {
        let body = json!({ "apiVersion": "v1", "kind": "Namespace", "metadata": { "name": ns } });
        Api::<Namespace>::all(c.clone())
            .patch(ns, &pp, &Patch::Apply(body))
            .await
            .expect("namespace");
    }
    let deploy = |ns: &str, body: Value| {
        let api = Api::<Deployment>::namespaced(c.clone(), ns);
        let pp = pp.clone();
        async move {
            let name = body["metadata"]["name"].as_str().unwrap().to_string();
            api.patch(&name, &pp, &Patch::Apply(body))
                .await
                .expect("deployment");
        }
    };
    let storefront = |v: &str| {
        let mut body = workload(
            "Deployment",
            "web",
            helm_labels("web", Some("storefront"), None),
            &format!("registry.local/shop/storefront:{v}"),
        );
        // Config the template reads from unlabelled objects: all of web-settings, one key
        // of flags, the web-files volume, one key of the web-db Secret.
        let spec = &mut body["spec"]["template"]["spec"];
        spec["containers"][0]["envFrom"] = json!([{ "configMapRef": { "name": "web-settings" } }]);
        spec["containers"][0]["env"] = json!([
            { "name": "MODE", "valueFrom": { "configMapKeyRef": { "name": "flags", "key": "mode" } } },
            { "name": "DB_PASSWORD", "valueFrom": { "secretKeyRef": { "name": "web-db", "key": "password" } } }]);
        spec["volumes"] = json!([{ "name": "files", "configMap": { "name": "web-files" } }]);
        body
    };
    for (ns, pool, mode) in [("shop-dev", "5", "debug"), ("shop-staging", "20", "normal")] {
        let config_map = |name: &str, data: Value| json!({ "apiVersion": "v1", "kind": "ConfigMap", "metadata": { "name": name }, "data": data });
        let cms = Api::<ConfigMap>::namespaced(c.clone(), ns);
        for body in [
            config_map(
                "web-settings",
                json!({ "POOL_SIZE": pool, "REGION": "eu-1" }),
            ),
            config_map("flags", json!({ "mode": mode, "unread": "x" })),
            config_map("web-files", json!({ "banner.txt": format!("shop {ns}") })),
        ] {
            let name = body["metadata"]["name"].as_str().unwrap().to_string();
            cms.patch(&name, &pp, &Patch::Apply(body))
                .await
                .expect("configmap");
        }
        let secret = json!({ "apiVersion": "v1", "kind": "Secret", "metadata": { "name": "web-db" },
            "stringData": { "password": format!("{SECRET_VALUE}-{ns}"), "unread-key": "y" } });
        Api::<Secret>::namespaced(c.clone(), ns)
            .patch("web-db", &pp, &Patch::Apply(secret))
            .await
            .expect("secret");
    }
    deploy("shop-dev", storefront("2.3.1")).await;
    deploy("shop-staging", storefront("2.2.0")).await;
    deploy(
        "shop-dev",
        workload(
            "Deployment",
            "cart",
            helm_labels("cart", Some("cart"), Some("checkout")),
            "registry.local/checkout/cart:1.9.0",
        ),
    )
    .await;
    deploy(
        "team-tools",
        workload(
            "Deployment",
            "toolbox",
            json!({}),
            "registry.local/tools/toolbox:7",
        ),
    )
    .await;
    let db = workload(
        "StatefulSet",
        "db",
        helm_labels("db", Some("postgres"), None),
        "registry.local/postgres:16.2",
    );
    Api::<StatefulSet>::namespaced(c.clone(), "shop-dev")
        .patch("db", &pp, &Patch::Apply(db))
        .await
        .expect("statefulset");
    let ar = rollout_resource();
    let rollouts = Api::<DynamicObject>::namespaced_with(c.clone(), "shop-staging", &ar);
    let rollout = json!({ "apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout",
        "metadata": { "name": "api", "labels": helm_labels("api", Some("api"), None) },
        "spec": { "replicas": 4,
            "selector": { "matchLabels": { "app.kubernetes.io/instance": "api" } },
            "template": template("api", "registry.local/shop/api:5.1.0"),
            "strategy": { "canary": { "steps": [
                { "setWeight": 20 }, { "pause": {} }, { "setWeight": 50 }, { "pause": { "duration": "10m" } } ] } } } });
    rollouts
        .patch("api", &pp, &Patch::Apply(rollout))
        .await
        .expect("rollout");
    // No controller runs here: the status is what one would have written.
    let status = json!({ "apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout",
        "metadata": { "name": "api" },
        "status": { "replicas": 4, "readyReplicas": 4, "updatedReplicas": 1,
            "currentStepIndex": 1, "phase": "Paused" } });
    rollouts
        .patch_status("api", &pp, &Patch::Apply(status))
        .await
        .expect("rollout status");
}

fn line<'a>(v: &'a Value, name: &str) -> &'a Value {
    v["product_lines"]
        .as_array()
        .and_then(|a| a.iter().find(|l| l["name"] == name))
        .unwrap_or_else(|| panic!("no line {name} in {v}"))
}

fn env<'a>(v: &'a Value, line_name: &str, env: &str) -> &'a Value {
    line(v, line_name)["environments"]
        .as_array()
        .and_then(|a| a.iter().find(|e| e["name"] == env))
        .unwrap_or_else(|| panic!("no {line_name}/{env} in {}", line(v, line_name)))
}

fn service<'a>(v: &'a Value, l: &str, e: &str, s: &str) -> &'a Value {
    env(v, l, e)["services"]
        .as_array()
        .and_then(|a| a.iter().find(|x| x["name"] == s))
        .unwrap_or_else(|| panic!("no {l}/{e}/{s} in {}", env(v, l, e)))
}

fn env_names(v: &Value, l: &str) -> Vec<String> {
    line(v, l)["environments"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["name"].as_str().map(String::from))
        .collect()
}

/// (line, env, namespace, services) of every environment of the shop/checkout lines and
/// of team-tools, to compare trees.
fn shape(v: &Value) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for l in v["product_lines"].as_array().unwrap() {
        for e in l["environments"].as_array().unwrap() {
            let ns = e["location"]["namespace"].as_str().unwrap_or_default();
            if !["shop-dev", "shop-staging", "team-tools"].contains(&ns) {
                continue;
            }
            let services: Vec<&str> = e["services"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|s| s["name"].as_str())
                .collect();
            out.insert(format!(
                "{}/{} in {ns} tier {}: {services:?}",
                l["name"], e["name"], e["tier"]
            ));
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "requires the local control plane (scripts/kube-up); run by scripts/test.sh"]
async fn an_unlabelled_cluster_is_discovered_by_convention() {
    apply_unlabelled().await;
    let run = Run::new("discovery");
    // Pods of the unlabelled workloads are found by owner once the controllers made them.
    let mut v = Value::Null;
    for _ in 0..60 {
        v = serde_json::from_str(&run.ok(&["status", "-o", "json"], 0)).unwrap();
        let ready = |l: &str, e: &str, s: &str| {
            env(&v, l, e)["services"]
                .as_array()
                .and_then(|a| a.iter().find(|x| x["name"] == s))
                .and_then(|x| x["pods"].as_array())
                .is_some_and(|p| p.iter().any(|p| p["ready"] == true))
        };
        if line_exists(&v, "shop")
            && ready("shop", "dev", "storefront")
            && ready("shop", "dev", "postgres")
        {
            break;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    // Lines and environments from the names; the line of `cart` from its part-of.
    assert_eq!(env_names(&v, "shop"), vec!["dev", "staging"], "{v}");
    assert_eq!(env_names(&v, "checkout"), vec!["dev"]);
    let dev = env(&v, "shop", "dev");
    assert!(
        dev["found_by"]
            .as_str()
            .is_some_and(|f| f.contains("namespace name shop-dev (<line>-<env>)")),
        "{dev}"
    );
    assert_eq!(dev["tier"], "non-production");
    assert_eq!(dev["part_of"], json!([""]), "the rest of shop-dev: {dev}");
    let storefront = service(&v, "shop", "dev", "storefront");
    assert_eq!(storefront["version"], "2.3.1", "from the image tag");
    assert_eq!(storefront["workload"]["kind"], "deployment");
    assert_eq!(storefront["workload"]["name"], "web");
    let pod = &storefront["pods"][0];
    assert!(
        pod["name"].as_str().is_some_and(|n| n.starts_with("web-")),
        "pods by owner: {storefront}"
    );
    assert_eq!(pod["version"], "2.3.1");
    // Config from what the template reads: the keys it reads, nothing else; the secret
    // by name only.
    assert_eq!(
        storefront["config"],
        json!({ "POOL_SIZE": "5", "REGION": "eu-1", "mode": "debug", "banner.txt": "shop shop-dev" }),
        "{storefront}"
    );
    assert_eq!(
        storefront["secret_keys"],
        json!(["password"]),
        "{storefront}"
    );
    assert!(
        !v.to_string().contains(SECRET_VALUE),
        "a secret value in the output"
    );
    let postgres = service(&v, "shop", "dev", "postgres");
    assert_eq!(postgres["workload"]["kind"], "stateful-set");
    assert_eq!(postgres["pods"][0]["name"], "db-0");
    let cart = service(&v, "checkout", "dev", "cart");
    assert_eq!(cart["version"], "1.9.0");
    let api = service(&v, "shop", "staging", "api");
    assert_eq!(api["workload"]["kind"], "argo-rollout");
    assert_eq!(api["version"], "5.1.0");
    assert_eq!(api["replicas"]["desired"], 4);
    assert_eq!(
        api["workload"]["step"],
        json!({ "index": 2, "count": 4, "weight": 20, "phase": "Paused" })
    );
    // Matching nothing: "other namespaces", the cluster's own only with -A.
    let other = env_names(&v, "other namespaces");
    assert!(other.contains(&"team-tools".to_string()), "{other:?}");
    assert!(!other.iter().any(|n| n.starts_with("kube-")), "{other:?}");
    let toolbox = service(&v, "other namespaces", "team-tools", "toolbox");
    assert_eq!(
        toolbox["workload"]["name"], "toolbox",
        "no labels: its own name"
    );
    let all: Value = serde_json::from_str(&run.ok(&["-A", "status", "-o", "json"], 0)).unwrap();
    assert!(env_names(&all, "other namespaces").contains(&"kube-system".to_string()));

    // Actions on inferred environments, as on labelled ones.
    run.ok(&["scale", "shop/dev/storefront", "2", "--yes"], 0);
    let web = deployment("shop-dev", "web").await.unwrap();
    assert_eq!(web.spec.unwrap().replicas, Some(2));
    run.ok(&["scale", "shop/dev/postgres", "2", "--yes"], 0);
    let db = Api::<StatefulSet>::namespaced(client("wh-admin").await, "shop-dev")
        .get("db")
        .await
        .unwrap();
    assert_eq!(db.spec.unwrap().replicas, Some(2));
    run.ok(&["deploy", "shop/staging/storefront", "2.3.1", "--yes"], 0);
    let web = deployment("shop-staging", "web").await.unwrap();
    let image = web.spec.unwrap().template.spec.unwrap().containers[0]
        .image
        .clone();
    assert_eq!(
        image.as_deref(),
        Some("registry.local/shop/storefront:2.3.1")
    );
    let refused = run.ok(&["scale", "shop/staging/api", "5", "--yes"], 2);
    assert!(refused.contains("read-only"), "{refused}");
    let refused = run.ok(
        &["shift", "shop/dev/postgres", "--start", "17.0", "--yes"],
        2,
    );
    assert!(refused.contains("StatefulSet"), "{refused}");

    // `catalog init` pins what was inferred; re-read, it gives the same tree.
    let file = run.dir.join("pinned.toml");
    let wrote = run.ok(&["catalog", "init", "--output", file.to_str().unwrap()], 0);
    assert!(wrote.contains("environments"), "{wrote}");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains("namespace = \"shop-dev\""), "{text}");
    assert!(text.contains("part_of = [\"checkout\"]"), "{text}");
    assert!(text.contains("# namespace = \"team-tools\""), "{text}");
    let again = run.ok(&["catalog", "init", "--output", file.to_str().unwrap()], 3);
    assert!(again.contains("--force"), "{again}");
    let before: Value = serde_json::from_str(&run.ok(&["status", "-o", "json"], 0)).unwrap();
    let pinned: Value = serde_json::from_str(&run.ok(
        &["--catalog", file.to_str().unwrap(), "status", "-o", "json"],
        0,
    ))
    .unwrap();
    assert_eq!(shape(&pinned), shape(&before));
    assert!(
        env(&pinned, "shop", "dev")["found_by"]
            .as_str()
            .is_some_and(|f| f.starts_with("the catalog")),
        "{}",
        env(&pinned, "shop", "dev")
    );

    // The cockpit: the tree has the inferred lines and "other namespaces", and the
    // service view says how the environment was found.
    let t = cockpit("kube-discovery", &run);
    t.wait_for("other namespaces");
    goto(&t, "shop/dev/storefront");
    t.send(&["2"]);
    t.wait_for("env from  namespace name shop-dev (<line>-<env>)");
    t.wait_for("object    Deployment web");
    // The config diff between the inferred environments: the pool size and mode differ.
    t.send(&["5"]);
    t.wait_for("POOL_SIZE");
    t.wait_for("debug");
    t.wait_for("normal");
    goto(&t, "shop/staging/api");
    t.send(&["2"]);
    t.wait_for("canary step 2/4 at 20% (Paused)");
    t.send(&["q"]);
    t.wait_for("EXITED:0");

    delete_namespaces(false).await;
}

fn line_exists(v: &Value, name: &str) -> bool {
    v["product_lines"]
        .as_array()
        .is_some_and(|a| a.iter().any(|l| l["name"] == name))
}
