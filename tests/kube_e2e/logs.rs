//! Pod logs through the API server's pods/log, served by kwok from files this test writes
//! (a ClusterLogs object): two pods tailed, new lines followed, a pod added by a scale
//! joined, the previous container's logs read.

use super::*;
use k8s_openapi::api::core::v1::Namespace;
use std::io::Write as _;

const NS: &str = "chatter-dev";

fn cri(text: &str) -> String {
    format!(
        "{} stdout F {text}\n",
        chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Nanos, true)
    )
}

fn append(path: &std::path::Path, text: &str) {
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)
        .unwrap();
    f.write_all(cri(text).as_bytes()).unwrap();
}

/// The namespace (named by convention: line chatter, env dev), a Deployment of two
/// replicas, and kwok's ClusterLogs pointing at `current` and `previous`.
async fn apply(current: &std::path::Path, previous: &std::path::Path) {
    let c = client("wh-admin").await;
    // What an earlier run left goes first.
    let namespaces = Api::<Namespace>::all(c.clone());
    let _ = namespaces.delete(NS, &Default::default()).await;
    for _ in 0..120 {
        if namespaces
            .get_opt(NS)
            .await
            .expect("get namespace")
            .is_none()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let pp = PatchParams::apply("wheelhouse-test").force();
    let ns = json!({ "apiVersion": "v1", "kind": "Namespace", "metadata": { "name": NS } });
    Api::<Namespace>::all(c.clone())
        .patch(NS, &pp, &Patch::Apply(ns))
        .await
        .expect("namespace");
    let logs = json!({ "apiVersion": "kwok.x-k8s.io/v1alpha1", "kind": "ClusterLogs",
        "metadata": { "name": "wh-e2e-logs" },
        "spec": { "selector": { "matchNamespaces": [NS] },
            "logs": [{ "containers": ["app"], "logsFile": current, "previousLogsFile": previous }] } });
    let ar = ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk("kwok.x-k8s.io", "v1alpha1", "ClusterLogs"),
        "clusterlogs",
    );
    Api::<DynamicObject>::all_with(c.clone(), &ar)
        .patch("wh-e2e-logs", &pp, &Patch::Apply(logs))
        .await
        .expect("ClusterLogs");
    let deploy = json!({ "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": { "name": "talker", "labels": { "app.kubernetes.io/name": "talker" } },
        "spec": { "replicas": 2,
            "selector": { "matchLabels": { "app.kubernetes.io/name": "talker" } },
            "template": { "metadata": { "labels": { "app.kubernetes.io/name": "talker" } },
                "spec": { "containers": [{ "name": "app", "image": "registry.local/logs/talker:1.0" }] } } } });
    // Its pods crash-loop (kwok's wh-pod-crashloop stage): restarts, previous logs.
    let crasher = json!({ "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": { "name": "crasher", "labels": { "app.kubernetes.io/name": "crasher" } },
        "spec": { "replicas": 1,
            "selector": { "matchLabels": { "app.kubernetes.io/name": "crasher" } },
            "template": { "metadata": { "labels": { "app.kubernetes.io/name": "crasher",
                    "wh.test/behaviour": "crashloop" } },
                "spec": { "containers": [{ "name": "app", "image": "registry.local/logs/crasher:1.0" }] } } } });
    let api = Api::<Deployment>::namespaced(c, NS);
    for (name, body) in [("talker", deploy), ("crasher", crasher)] {
        api.patch(name, &pp, &Patch::Apply(body))
            .await
            .expect("deployment");
    }
}

fn sources(v: &Value) -> std::collections::BTreeSet<String> {
    v["lines"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|l| l["source"].as_str().map(String::from))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "requires the local control plane (scripts/kube-up); run by scripts/test.sh"]
async fn pod_logs_are_tailed_followed_joined_and_previous_ones_read() {
    let run = Run::new("logs");
    let current = run.dir.join("talker.log");
    let previous = run.dir.join("talker.previous.log");
    std::fs::write(&previous, cri("panic: the previous run crashed")).unwrap();
    append(&current, "started, listening on :8080");
    append(&current, "GET /health 200");
    apply(&current, &previous).await;
    // Both pods, each line prefixed by its pod (kwok may take a moment to serve them).
    let mut v = Value::Null;
    for _ in 0..60 {
        let out = run.ok(
            &["logs", "chatter/dev/talker", "--wait", "3", "-o", "json"],
            0,
        );
        v = serde_json::from_str(&out).unwrap();
        if sources(&v).len() == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    let seen = sources(&v);
    assert_eq!(seen.len(), 2, "{v}");
    assert!(seen.iter().all(|s| s.starts_with("talker-")), "{seen:?}");
    let texts: Vec<&str> = v["lines"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|l| l["text"].as_str())
        .collect();
    assert_eq!(
        texts.iter().filter(|t| **t == "GET /health 200").count(),
        2,
        "once per pod, no timestamps: {texts:?}"
    );
    // A live tail shows no previous lines; the previous containers' logs are asked for.
    let out = run.ok(
        &[
            "logs",
            "chatter/dev/talker",
            "--previous",
            "--wait",
            "3",
            "-o",
            "json",
        ],
        0,
    );
    let p: Value = serde_json::from_str(&out).unwrap();
    assert!(
        p["note"]
            .as_str()
            .is_some_and(|n| n.contains("no pod with a restarted container")),
        "talker never restarted: {p}"
    );
    let mut p = Value::Null;
    for _ in 0..60 {
        let out = run.ok(
            &[
                "logs",
                "chatter/dev/crasher",
                "--previous",
                "--wait",
                "3",
                "-o",
                "json",
            ],
            0,
        );
        p = serde_json::from_str(&out).unwrap();
        if !p["lines"].as_array().unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    let lines = p["lines"].as_array().unwrap();
    assert!(
        lines
            .iter()
            .any(|l| l["text"] == "panic: the previous run crashed"
                && l["source"]
                    .as_str()
                    .is_some_and(|s| s.starts_with("crasher-"))),
        "{p}"
    );
    assert!(
        !lines.iter().any(|l| l["text"] == "GET /health 200"),
        "only the previous file: {p}"
    );
    // Followed: a line written while the tail is open arrives in the same stream.
    let writer = {
        let current = current.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(2500));
            append(&current, "GET /orders 201 followed");
        })
    };
    let out = run.ok(
        &["logs", "chatter/dev/talker", "--wait", "8", "-o", "json"],
        0,
    );
    writer.join().unwrap();
    let v: Value = serde_json::from_str(&out).unwrap();
    let followed = v["lines"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["text"] == "GET /orders 201 followed")
        .count();
    assert_eq!(followed, 2, "once per pod: {v}");
    // The cockpit's logs view: both pods, and a line written while it is open.
    let t = cockpit("kube-logs", &run);
    t.wait_for("chatter 1 envs");
    goto(&t, "chatter/dev/talker");
    t.wait_for("│ chatter/dev/talker");
    t.send(&["7"]);
    t.wait_for_within("chatter/dev/talker following", Duration::from_secs(10));
    t.wait_for_within("GET /orders 201 followed", Duration::from_secs(20));
    append(&current, "GET /cockpit 200 live");
    t.wait_for_within("GET /cockpit 200 live", Duration::from_secs(20));
    // A pod added by a scale is joined.
    run.ok(&["scale", "chatter/dev/talker", "3", "--yes"], 0);
    let mut three = std::collections::BTreeSet::new();
    for _ in 0..60 {
        let out = run.ok(
            &["logs", "chatter/dev/talker", "--wait", "3", "-o", "json"],
            0,
        );
        three = sources(&serde_json::from_str(&out).unwrap());
        if three.len() == 3 {
            break;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    assert_eq!(three.len(), 3, "{three:?}");
    assert!(seen.is_subset(&three));
    // The open view joined the new pod: its lines carry its name.
    let new_pod = three.difference(&seen).next().unwrap().clone();
    t.wait_for_within(&new_pod, Duration::from_secs(20));
    t.send(&["q"]);
    t.wait_for("EXITED:0");
    let _ = Api::<Namespace>::all(client("wh-admin").await)
        .delete(NS, &Default::default())
        .await;
}

/// A user who may list and watch everything wheelhouse reads but not get pods/log (the
/// admin acting as `wh-nologs`): the logs command names what is missing.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "requires the local control plane (scripts/kube-up); run by scripts/test.sh"]
async fn reading_logs_without_pods_log_is_named_forbidden() {
    use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding};
    let c = client("wh-admin").await;
    let pp = PatchParams::apply("wheelhouse-test").force();
    let role = json!({ "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
        "metadata": { "name": "wh-test-no-logs" },
        "rules": [{ "apiGroups": ["", "apps", "gateway.networking.k8s.io", "argoproj.io", "events.k8s.io"],
            "resources": ["namespaces", "pods", "services", "configmaps", "secrets", "events",
                "deployments", "statefulsets", "replicasets", "httproutes", "rollouts"],
            "verbs": ["get", "list", "watch"] }] });
    Api::<ClusterRole>::all(c.clone())
        .patch("wh-test-no-logs", &pp, &Patch::Apply(role))
        .await
        .expect("cluster role");
    let binding = json!({ "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
        "metadata": { "name": "wh-test-no-logs" },
        "roleRef": { "apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "wh-test-no-logs" },
        "subjects": [{ "apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "wh-nologs" }] });
    Api::<ClusterRoleBinding>::all(c)
        .patch("wh-test-no-logs", &pp, &Patch::Apply(binding))
        .await
        .expect("cluster role binding");
    // The tests' kubeconfig with one more context: the admin's token acting as wh-nologs.
    let mut kc = Kubeconfig::read_from(kubeconfig()).expect("kubeconfig");
    let mut user = kc
        .auth_infos
        .iter()
        .find(|a| a.name == "wh-admin")
        .cloned()
        .expect("wh-admin user");
    user.name = "wh-nologs".into();
    if let Some(auth) = user.auth_info.as_mut() {
        auth.impersonate = Some("wh-nologs".into());
    }
    kc.auth_infos.push(user);
    let mut context = kc
        .contexts
        .iter()
        .find(|c| c.name == "wh-admin")
        .cloned()
        .expect("wh-admin context");
    context.name = "wh-nologs".into();
    if let Some(ctx) = context.context.as_mut() {
        ctx.user = Some("wh-nologs".into());
    }
    kc.contexts.push(context);
    kc.current_context = Some("wh-nologs".into());
    let mut run = Run::new("no-logs");
    let file = run.dir.join("kubeconfig");
    std::fs::write(&file, serde_json::to_string(&kc).expect("kubeconfig json")).unwrap();
    run.0.env.retain(|(k, _)| k != "KUBECONFIG");
    run.0.env.push(("KUBECONFIG".into(), file.into()));
    // The picture is readable; the logs are not, and the command says which permission.
    let status = run.ok(&["status", "trade/dev", "-o", "json"], 0);
    assert!(status.contains("inventory"), "{status}");
    let out = run.ok(&["logs", "trade/dev/inventory", "--wait", "3"], 0);
    assert!(
        out.contains("cannot read pods/log: forbidden") && out.contains("get on pods/log"),
        "{out}"
    );
}
