//! wheelhouse against a real Kubernetes control plane (etcd, kube-apiserver,
//! kube-controller-manager, kube-scheduler, kwok) started by scripts/kube-up with the demo
//! manifests of demo/k8s loaded. scripts/test.sh brings it up, sets
//! WHEELHOUSE_E2E_KUBECONFIG and runs these with --ignored; without that variable they
//! fail, never skip.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test may fail loudly

mod support;

/// The tests of discovery on an unlabelled cluster (tests/kube_e2e/discovery.rs).
#[path = "kube_e2e/discovery.rs"]
mod discovery;
/// Environments on demand made and deleted as objects (tests/kube_e2e/envs.rs).
#[path = "kube_e2e/envs.rs"]
mod envs;
/// Lanes made, promoted and deleted as objects (tests/kube_e2e/lanes.rs).
#[path = "kube_e2e/lanes.rs"]
mod lanes;
/// Pod logs through the API server, served by kwok (tests/kube_e2e/logs.rs).
#[path = "kube_e2e/logs.rs"]
mod logs;
/// A release train stopped by its gate and rolled back, on the objects
/// (tests/kube_e2e/trains.rs).
#[path = "kube_e2e/trains.rs"]
mod trains;

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::Service;
use kube::api::{ApiResource, DynamicObject, GroupVersionKind, Patch, PatchParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Api, Client, Config};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;
use support::cli::Cli;
use support::tmux::Tmux;

const NEEDS: &str = "requires the local control plane: scripts/test.sh starts it (scripts/kube-up)";

fn kubeconfig() -> PathBuf {
    let path = std::env::var_os("WHEELHOUSE_E2E_KUBECONFIG")
        .map(PathBuf::from)
        .unwrap_or_else(|| panic!("WHEELHOUSE_E2E_KUBECONFIG is not set: {NEEDS}"));
    assert!(path.is_file(), "{} missing: {NEEDS}", path.display());
    path
}

fn state_dir() -> PathBuf {
    kubeconfig().parent().map(PathBuf::from).expect("state dir")
}

/// The binary against the cluster (KUBECONFIG set), in a private config and data dir.
struct Run(Cli);

impl std::ops::Deref for Run {
    type Target = Cli;
    fn deref(&self) -> &Cli {
        &self.0
    }
}

impl Run {
    fn new(name: &str) -> Run {
        let mut cli = Cli::new(&format!("kube-{name}"));
        cli.env.push(("KUBECONFIG".into(), kubeconfig().into()));
        Run(cli)
    }

    fn status(&self, target: &str) -> Value {
        let out = self.ok(&["status", target, "-o", "json"], 0);
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"))
    }

    fn service(&self, line: &str, env: &str, service: &str) -> Value {
        let s = self.status(&format!("{line}/{env}"));
        s["product_lines"][0]["environments"][0]["services"]
            .as_array()
            .and_then(|a| a.iter().find(|x| x["name"] == service).cloned())
            .unwrap_or_else(|| panic!("{line}/{env}/{service} not in {s}"))
    }
}

async fn client(context: &str) -> Client {
    let kc = Kubeconfig::read_from(kubeconfig()).expect("kubeconfig");
    let options = KubeConfigOptions {
        context: Some(context.into()),
        ..Default::default()
    };
    let config = Config::from_custom_kubeconfig(kc, &options)
        .await
        .expect("config");
    Client::try_from(config).expect("client")
}

async fn deployment(ns: &str, name: &str) -> Option<Deployment> {
    Api::<Deployment>::namespaced(client("wh-admin").await, ns)
        .get_opt(name)
        .await
        .expect("get deployment")
}

async fn route(ns: &str, name: &str) -> Value {
    let ar = ApiResource::from_gvk(&GroupVersionKind::gvk(
        "gateway.networking.k8s.io",
        "v1",
        "HTTPRoute",
    ));
    let api: Api<DynamicObject> = Api::namespaced_with(client("wh-admin").await, ns, &ar);
    api.get(name).await.expect("get route").data["spec"]["rules"].clone()
}

fn image(d: &Deployment) -> String {
    d.spec
        .as_ref()
        .unwrap()
        .template
        .spec
        .as_ref()
        .unwrap()
        .containers[0]
        .image
        .clone()
        .unwrap_or_default()
}

fn weights(rules: &Value, stable: &str) -> Vec<(String, u64)> {
    let rules = rules.as_array().expect("rules");
    let default = rules
        .iter()
        .find(|r| r.get("matches").is_none() || r["matches"][0].get("headers").is_none())
        .unwrap_or_else(|| panic!("no default rule in {rules:?}"));
    let out: Vec<(String, u64)> = default["backendRefs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["name"].as_str().unwrap_or("").to_string(),
                b["weight"].as_u64().unwrap_or(1),
            )
        })
        .collect();
    assert!(out.iter().any(|(n, _)| n == stable), "{out:?}");
    out
}

fn tags(rules: &Value) -> Vec<String> {
    rules
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["matches"][0]["headers"][0]["value"].as_str())
        .map(String::from)
        .collect()
}

#[test]
#[ignore = "requires the local control plane (scripts/kube-up); run by scripts/test.sh"]
fn status_lists_product_lines_environments_and_services() {
    let run = Run::new("status");
    let out = run.ok(&["status", "-o", "json"], 0);
    let v: Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["platform"]["kind"], "kube");
    let lines: Vec<&str> = v["product_lines"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|l| l["name"].as_str())
        .collect();
    assert!(
        lines.contains(&"trade") && lines.contains(&"loan-core"),
        "{lines:?}"
    );
    let trade = v["product_lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["name"] == "trade")
        .unwrap();
    let envs: Vec<&str> = trade["environments"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["name"].as_str())
        .collect();
    assert_eq!(&envs[..2], &["dev", "test"], "promotion order: {envs:?}");
    assert!(envs.contains(&"prod"));
    let prod = trade["environments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "prod")
        .unwrap();
    assert_eq!(prod["tier"], "production");
    assert_eq!(prod["location"]["kind"], "kube");
    assert!(
        prod["services"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["name"] == "order")
    );
    // Every fake Secret value of the demo manifests starts so (passwords, API keys…).
    assert!(
        !out.contains("not-a-real-"),
        "secret values are never shown"
    );
    let text = run.ok(&["status", "trade/gray"], 0);
    assert!(!text.contains("not-a-real-"), "{text}");
    assert!(
        text.contains("order") && text.contains("4.2.1") && text.contains("prod-tier"),
        "{text}"
    );
    // trade/test's lanes, from their Deployments `<svc>-<lane>`: listed as lanes, the
    // services keeping their baselines.
    let test = trade["environments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "test")
        .unwrap();
    let lanes = &test["lanes"];
    assert_eq!(lanes[0]["name"], "checkout-v2", "{lanes}");
    assert_eq!(lanes[0]["services"]["order"], "4.3.1", "{lanes}");
    assert_eq!(lanes[0]["services"]["payment"], "2.1.1", "{lanes}");
    assert_eq!(lanes[0]["created_by"], "mei.chen", "{lanes}");
    assert_eq!(lanes[1]["name"], "pricing-v2", "{lanes}");
    assert_eq!(lanes[1]["services"]["pricing"], "1.9.1", "{lanes}");
    let services: Vec<&str> = test["services"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["name"].as_str())
        .collect();
    assert!(
        !services
            .iter()
            .any(|s| s.contains("checkout") || s.contains("pricing-v2")),
        "lane versions are not services: {services:?}"
    );
    let text = run.ok(&["status", "trade/test"], 0);
    assert!(
        text.contains("lane checkout-v2      order 4.3.1, payment 2.1.1 · by mei.chen"),
        "{text}"
    );
}

#[test]
#[ignore = "requires the local control plane (scripts/kube-up); run by scripts/test.sh"]
fn exec_plugin_context_and_namespace_flag() {
    let run = Run::new("exec");
    let v: Value =
        serde_json::from_str(&run.ok(&["--context", "wh-exec", "status", "-o", "json"], 0))
            .unwrap();
    assert!(
        v["platform"]["target"]
            .as_str()
            .unwrap()
            .contains("wh-exec"),
        "{v}"
    );
    assert!(v["product_lines"].as_array().unwrap().len() >= 2);
    let v: Value =
        serde_json::from_str(&run.ok(&["-n", "trade-dev", "status", "-o", "json"], 0)).unwrap();
    let lines = v["product_lines"].as_array().unwrap();
    assert_eq!(lines.len(), 1, "{v}");
    assert_eq!(lines[0]["environments"].as_array().unwrap().len(), 1);
    assert_eq!(lines[0]["environments"][0]["name"], "dev");
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "requires the local control plane (scripts/kube-up); run by scripts/test.sh"]
async fn deploy_then_rollback() {
    let run = Run::new("deploy");
    let before = image(&deployment("trade-dev", "quote").await.expect("quote"));
    // A version the Deployment does not list is not found, and nothing is sent.
    run.ok(&["deploy", "trade/dev/quote", "9.9.1", "--yes"], 4);
    assert_eq!(
        image(&deployment("trade-dev", "quote").await.expect("quote")),
        before
    );
    let out = run.ok(
        &[
            "deploy",
            "trade/dev/quote",
            "2.8.0",
            "--yes",
            "--why",
            "e2e deploy",
            "--wait",
        ],
        0,
    );
    assert!(out.contains("applied"), "{out}");
    let d = deployment("trade-dev", "quote").await.unwrap();
    assert!(image(&d).ends_with(":2.8.0"), "{}", image(&d));
    let ann = d.metadata.annotations.clone().unwrap_or_default();
    assert_eq!(
        ann.get("wheelhouse.dev/changed-by").map(String::as_str),
        Some(support::cli::who().as_str())
    );
    assert_eq!(
        ann.get("wheelhouse.dev/change-why").map(String::as_str),
        Some("e2e deploy")
    );
    assert!(ann["kubernetes.io/change-cause"].contains("deploy 2.8.0"));
    assert!(
        d.metadata
            .managed_fields
            .unwrap_or_default()
            .iter()
            .any(|m| m.manager.as_deref() == Some("wheelhouse")
                && m.operation.as_deref() == Some("Apply")),
        "server-side apply by field manager wheelhouse"
    );
    let s = run.service("trade", "dev", "quote");
    assert_eq!(s["version"], "2.8.0");
    assert!(
        s["releases"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["to"] == "2.8.0" && r["who"] == support::cli::who().as_str()),
        "{s}"
    );
    let out = run.ok(
        &[
            "rollback",
            "trade/dev/quote",
            "--yes",
            "--why",
            "e2e rollback",
            "--wait",
        ],
        0,
    );
    assert!(out.contains("applied"), "{out}");
    let d = deployment("trade-dev", "quote").await.unwrap();
    assert_eq!(
        image(&d),
        before,
        "back to the previous revision's template"
    );
    let s = run.service("trade", "dev", "quote");
    let releases = s["releases"].as_array().unwrap();
    assert!(
        releases
            .iter()
            .any(|r| r["to"] == "2.8.0" && r["state"] == "rolled-back"),
        "{s}"
    );
    let audit = std::fs::read_to_string(run.dir.join("audit.jsonl")).unwrap();
    assert_eq!(
        audit.lines().count(),
        4,
        "two writes, each an intent and a result: {audit}"
    );
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "requires the local control plane (scripts/kube-up); run by scripts/test.sh"]
async fn canary_shift_tags_abort_start_and_promote() {
    let run = Run::new("canary");
    let ns = "loan-core-prod";
    let t = "loan-core/prod/scoring";
    run.ok(&["shift", t, "--weight", "30", "--yes"], 0);
    assert!(
        weights(&route(ns, "scoring").await, "scoring").contains(&("scoring-canary".into(), 30))
    );
    run.ok(&["shift", t, "--add-tag", "staff", "--yes"], 0);
    assert!(tags(&route(ns, "scoring").await).contains(&"staff".to_string()));
    run.ok(&["shift", t, "--remove-tag", "staff", "--yes"], 0);
    assert!(!tags(&route(ns, "scoring").await).contains(&"staff".to_string()));
    let s = run.service("loan-core", "prod", "scoring");
    assert_eq!(s["traffic"]["canary_weight"], 30, "{s}");
    let dry = run.ok(&["shift", t, "--abort", "--dry-run"], 0);
    assert!(
        dry.contains("server dry run") && dry.contains("accepted"),
        "{dry}"
    );
    run.ok(&["shift", t, "--abort", "--yes"], 0);
    let rules = route(ns, "scoring").await;
    assert!(weights(&rules, "scoring").contains(&("scoring-canary".into(), 0)));
    assert!(tags(&rules).is_empty(), "abort removes tag routes: {rules}");
    let c = deployment(ns, "scoring-canary").await.expect("canary kept");
    assert_eq!(c.spec.unwrap().replicas, Some(0));
    run.ok(&["shift", t, "--start", "3.3.0", "--yes"], 0);
    let c = deployment(ns, "scoring-canary").await.expect("canary");
    assert!(image(&c).ends_with(":3.3.0"));
    run.ok(&["shift", t, "--weight", "20", "--yes"], 0);
    assert!(
        weights(&route(ns, "scoring").await, "scoring").contains(&("scoring-canary".into(), 20))
    );
    let c = deployment(ns, "scoring-canary").await.expect("canary");
    assert_eq!(
        c.spec.unwrap().replicas,
        Some(1),
        "a weight above 0 brings the canary back"
    );
    let prod = run.ok(
        &["shift", t, "--promote", "--yes", "--why", "e2e promote"],
        0,
    );
    assert!(prod.contains("applied"), "{prod}");
    let d = deployment(ns, "scoring").await.unwrap();
    assert!(
        image(&d).ends_with(":3.3.0"),
        "stable takes the canary's image"
    );
    assert!(
        deployment(ns, "scoring-canary").await.is_none(),
        "canary removed"
    );
    let svc = Api::<Service>::namespaced(client("wh-admin").await, ns)
        .get_opt("scoring-canary")
        .await
        .unwrap();
    assert!(svc.is_none(), "canary service removed");
    assert_eq!(
        weights(&route(ns, "scoring").await, "scoring"),
        vec![("scoring".to_string(), 100)]
    );
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "requires the local control plane (scripts/kube-up); run by scripts/test.sh"]
async fn scale_waits_for_ready_pods_on_the_fake_nodes() {
    let run = Run::new("scale");
    let now = deployment("trade-test", "order")
        .await
        .unwrap()
        .spec
        .unwrap()
        .replicas
        .unwrap_or(1);
    let n = if now >= 4 { 2 } else { now + 2 };
    let out = run.ok(
        &[
            "scale",
            "trade/test/order",
            &n.to_string(),
            "--yes",
            "--wait",
        ],
        0,
    );
    assert!(out.contains(&format!("{n}/{n} ready")), "{out}");
    let d = deployment("trade-test", "order").await.unwrap();
    assert_eq!(d.spec.unwrap().replicas, Some(n));
    assert_eq!(d.status.unwrap().ready_replicas, Some(n));
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "requires the local control plane (scripts/kube-up); run by scripts/test.sh"]
async fn restart_rolls_the_pods_like_kubectl_rollout_restart() {
    let run = Run::new("restart");
    let stamp = |d: &Deployment| {
        d.spec
            .as_ref()
            .and_then(|s| s.template.metadata.as_ref())
            .and_then(|m| m.annotations.as_ref())
            .and_then(|a| a.get("kubectl.kubernetes.io/restartedAt").cloned())
    };
    let before = deployment("trade-test", "quote").await.unwrap();
    let generation = before.metadata.generation;
    let out = run.ok(&["restart", "trade/test/quote", "--yes", "--wait"], 0);
    assert!(out.contains("applied"), "{out}");
    let after = deployment("trade-test", "quote").await.unwrap();
    assert!(stamp(&after).is_some(), "restartedAt set on the template");
    assert_ne!(stamp(&after), stamp(&before));
    assert!(after.metadata.generation > generation, "a new rollout");
    let image = |d: &Deployment| {
        d.spec
            .as_ref()
            .unwrap()
            .template
            .spec
            .as_ref()
            .unwrap()
            .containers[0]
            .image
            .clone()
    };
    assert_eq!(image(&after), image(&before), "same version");
}

/// The reason of the Deployment's Progressing condition, once the controller sets one of
/// `want` (or the last one seen in 30 s).
async fn progressing_reason(ns: &str, name: &str, want: &[&str]) -> Option<String> {
    let mut last = None;
    for _ in 0..60 {
        let d = deployment(ns, name).await?;
        last = d
            .status
            .and_then(|s| s.conditions)
            .and_then(|cs| cs.into_iter().find(|c| c.type_ == "Progressing"))
            .and_then(|c| c.reason);
        if last.as_deref().is_some_and(|r| want.contains(&r)) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    last
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "requires the local control plane (scripts/kube-up); run by scripts/test.sh"]
async fn pause_and_resume_the_rollout_like_kubectl_rollout_pause() {
    let run = Run::new("pause");
    let paused = |d: &Deployment| d.spec.as_ref().and_then(|s| s.paused).unwrap_or(false);
    // A run stopped half-way may have left it paused.
    Api::<Deployment>::namespaced(client("wh-admin").await, "trade-dev")
        .patch(
            "inventory",
            &PatchParams::default(),
            &Patch::Merge(json!({ "spec": { "paused": false } })),
        )
        .await
        .expect("start unpaused");
    let out = run.ok(&["pause", "trade/dev/inventory", "--yes"], 0);
    assert!(out.contains("running → paused"), "{out}");
    assert!(paused(&deployment("trade-dev", "inventory").await.unwrap()));
    let reason = progressing_reason("trade-dev", "inventory", &["DeploymentPaused"]).await;
    assert_eq!(
        reason.as_deref(),
        Some("DeploymentPaused"),
        "the controller sees it"
    );
    assert_eq!(run.service("trade", "dev", "inventory")["paused"], true);
    let again = run.ok(&["pause", "trade/dev/inventory", "--yes"], 2);
    assert!(again.contains("already paused"), "{again}");
    let out = run.ok(&["resume", "trade/dev/inventory", "--yes", "--wait"], 0);
    assert!(out.contains("paused → running"), "{out}");
    assert!(!paused(
        &deployment("trade-dev", "inventory").await.unwrap()
    ));
    // Resumed, and at once complete again (nothing changed while paused).
    let resumed = ["DeploymentResumed", "NewReplicaSetAvailable"];
    let reason = progressing_reason("trade-dev", "inventory", &resumed).await;
    assert!(
        reason.as_deref().is_some_and(|r| resumed.contains(&r)),
        "{reason:?}"
    );
    assert!(
        run.service("trade", "dev", "inventory")
            .get("paused")
            .is_none()
    );
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "requires the local control plane (scripts/kube-up); run by scripts/test.sh"]
async fn a_change_by_someone_else_is_refused_not_overwritten() {
    let run = Run::new("conflict");
    let seen = run.service("trade", "dev", "payment");
    let revision = seen["revision"].as_str().expect("revision").to_string();
    // Someone else changes the Deployment's spec after we looked.
    let api = Api::<Deployment>::namespaced(client("wh-admin").await, "trade-dev");
    api.patch(
        "payment",
        &PatchParams::default(),
        &Patch::Merge(json!({ "spec": { "minReadySeconds": 1 } })),
    )
    .await
    .expect("concurrent edit");
    let out = run.ok(
        &[
            "scale",
            "trade/dev/payment",
            "4",
            "--yes",
            "--if-revision",
            &revision,
        ],
        5,
    );
    assert!(out.contains("changed by someone else"), "{out}");
    let d = deployment("trade-dev", "payment").await.unwrap();
    assert_ne!(d.spec.unwrap().replicas, Some(4), "nothing overwritten");
}

/// While someone relabels the Deployment every few milliseconds (as controllers move its
/// status), its resourceVersion keeps moving but its spec does not: writes decided on the
/// spec still go through (sent again on the new resourceVersion), nothing is refused.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "requires the local control plane (scripts/kube-up); run by scripts/test.sh"]
async fn metadata_moving_under_a_write_is_not_a_conflict() {
    let run = Run::new("churn");
    let api = Api::<Deployment>::namespaced(client("wh-admin").await, "trade-dev");
    let before = api
        .get("pricing")
        .await
        .expect("pricing")
        .spec
        .and_then(|s| s.replicas)
        .unwrap_or(1);
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let churn = {
        let (api, stop) = (api.clone(), stop.clone());
        tokio::spawn(async move {
            let mut ticks = 0u32;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let label = json!({ "metadata": { "labels": { "e2e-tick": ticks.to_string() } } });
                api.patch("pricing", &PatchParams::default(), &Patch::Merge(label))
                    .await
                    .expect("relabel");
                ticks += 1;
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            ticks
        })
    };
    for replicas in [before + 1, before, before + 1, before] {
        let replicas = replicas.to_string();
        let out = run.ok(&["scale", "trade/dev/pricing", &replicas, "--yes"], 0);
        assert!(out.contains(&format!("→ {replicas}")), "{out}");
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let ticks = churn.await.expect("churn");
    assert!(ticks > 20, "the labels kept moving: {ticks}");
    let d = api.get("pricing").await.expect("pricing");
    assert_eq!(d.spec.and_then(|s| s.replicas), Some(before));
    let restore = json!({ "metadata": { "labels": { "e2e-tick": null } } });
    api.patch("pricing", &PatchParams::default(), &Patch::Merge(restore))
        .await
        .expect("restored");
}

#[test]
#[ignore = "requires the local control plane (scripts/kube-up); run by scripts/test.sh"]
fn forbidden_is_named_and_nothing_breaks() {
    let run = Run::new("forbidden");
    let out = run.ok(
        &[
            "--context",
            "wh-viewer",
            "scale",
            "trade/dev/inventory",
            "5",
            "--yes",
        ],
        3,
    );
    assert!(out.contains("forbidden"), "{out}");
    assert!(
        out.contains("deployments/inventory") && out.contains("trade-dev"),
        "{out}"
    );
}

/// Audit-log events sent by wheelhouse (its User-Agent), as (verb, uri).
fn audited_requests() -> Vec<(String, String)> {
    let text = std::fs::read_to_string(state_dir().join("audit.log")).expect("audit log");
    text.lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|e| e["stage"] == "ResponseComplete" || e["stage"] == "ResponseStarted")
        .filter(|e| {
            e["userAgent"]
                .as_str()
                .is_some_and(|u| u.starts_with("wheelhouse/"))
        })
        .map(|e| {
            (
                e["verb"].as_str().unwrap_or("").to_string(),
                e["requestURI"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

#[test]
#[ignore = "requires the local control plane (scripts/kube-up); run by scripts/test.sh"]
fn read_only_sends_no_write_request() {
    let run = Run::new("readonly");
    let before = audited_requests().len();
    run.ok(
        &["--read-only", "scale", "trade/gray/pricing", "5", "--yes"],
        3,
    );
    run.ok(
        &[
            "--read-only",
            "deploy",
            "trade/gray/pricing",
            "1.9.1",
            "--yes",
        ],
        3,
    );
    let dry = run.ok(
        &[
            "--read-only",
            "shift",
            "loan-core/prod/scoring",
            "--start",
            "4.0.0",
            "--dry-run",
        ],
        0,
    );
    assert!(dry.contains("not sent (read-only)"), "{dry}");
    std::thread::sleep(Duration::from_secs(2)); // the audit backend flushes asynchronously
    let new: Vec<(String, String)> = audited_requests().into_iter().skip(before).collect();
    assert!(
        new.iter().any(|(v, _)| v == "list" || v == "watch"),
        "wheelhouse's reads are in the audit log: {new:?}"
    );
    let writes: Vec<_> = new
        .iter()
        .filter(|(v, _)| {
            matches!(
                v.as_str(),
                "create" | "update" | "patch" | "delete" | "deletecollection"
            )
        })
        .collect();
    assert!(writes.is_empty(), "read-only sent writes: {writes:?}");
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The cockpit in tmux against the cluster.
fn cockpit(name: &str, run: &Run) -> Tmux {
    let t = Tmux::new(name);
    t.start(160, 45);
    let cmd = format!(
        "KUBECONFIG={k} WHEELHOUSE_DATA_DIR={d} WHEELHOUSE_CONFIG_DIR={d}/cfg HOME={d} {bin}; echo EXITED:$?",
        k = kubeconfig().display(),
        d = run.dir.display(),
        bin = env!("CARGO_BIN_EXE_wheelhouse")
    );
    t.send(&[&cmd, "Enter"]);
    t.wait_for_within("kube: context wh-admin", Duration::from_secs(20));
    t.wait_for_within("● live", Duration::from_secs(30));
    t
}

fn goto(t: &Tmux, path: &str) {
    t.goto(path);
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "requires the local control plane (scripts/kube-up); run by scripts/test.sh"]
async fn cockpit_scales_a_service_and_sees_ready_replicas_from_the_watch() {
    let run = Run::new("tui-scale");
    let t = cockpit("kube-tui", &run);
    goto(&t, "trade/test/pricing");
    t.wait_for("pricing");
    t.send(&["s"]);
    t.wait_for("Replicas for");
    t.send(&["BSpace", "BSpace", "BSpace", "3", "Enter"]);
    t.wait_for("Confirm scale");
    // The server-side dry run answers after the dialog opens.
    t.wait_for("server dry run");
    t.send(&["Enter"]);
    t.wait_for_within("scale to 3 applied", Duration::from_secs(20));
    t.wait_for_within("3/3", Duration::from_secs(60));
    let d = deployment("trade-test", "pricing").await.unwrap();
    assert_eq!(d.spec.unwrap().replicas, Some(3));
    t.send(&["q"]);
    t.wait_for("EXITED:0");
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "requires the local control plane (scripts/kube-up); run by scripts/test.sh"]
async fn api_server_restart_is_survived_and_watches_catch_up() {
    let run = Run::new("tui-restart");
    let t = cockpit("kube-restart", &run);
    goto(&t, "loan-core/dev/ledger");
    t.wait_for("ledger");
    let script = repo().join("scripts/kube-apiserver");
    let stop = Command::new(&script)
        .arg("stop")
        .env("WH_KUBE_STATE", state_dir())
        .output()
        .expect("stop");
    assert!(
        stop.status.success(),
        "{}",
        String::from_utf8_lossy(&stop.stderr)
    );
    let s = t.wait_for_within("connection lost, retrying", Duration::from_secs(60));
    assert!(s.contains("ledger"), "the view stays: {s}");
    // The lost platform is a critical item on the attention view, until it is back.
    let lost = |s: &str| {
        s.lines()
            .any(|l| l.contains(" ● kube ") && l.contains("connection lost, retrying"))
    };
    t.send(&["9"]);
    t.wait_until(
        "the platform's critical item",
        Duration::from_secs(20),
        lost,
    );
    let start = Command::new(&script)
        .arg("start")
        .env("WH_KUBE_STATE", state_dir())
        .output()
        .expect("start");
    assert!(
        start.status.success(),
        "{}",
        String::from_utf8_lossy(&start.stderr)
    );
    t.wait_for_within("● live", Duration::from_secs(90));
    t.wait_until("the platform's item gone", Duration::from_secs(20), |s| {
        !lost(s)
    });
    goto(&t, "loan-core/dev/ledger");
    // A change made after the restart arrives through the resumed watches.
    let api = Api::<Deployment>::namespaced(client("wh-admin").await, "loan-core-dev");
    api.patch_scale(
        "ledger",
        &PatchParams::default(),
        &Patch::Merge(json!({ "spec": { "replicas": 2 } })),
    )
    .await
    .expect("scale ledger");
    t.wait_for_within("2/2", Duration::from_secs(60));
    t.send(&["q"]);
    t.wait_for("EXITED:0");
}

/// The second cluster's kubeconfig with every name prefixed `nogw-`, so that it merges
/// with the first one in KUBECONFIG.
fn renamed_second_cluster(dir: &std::path::Path) -> PathBuf {
    let path = std::env::var_os("WHEELHOUSE_E2E_KUBECONFIG_NO_GATEWAY")
        .map(PathBuf::from)
        .unwrap_or_else(|| panic!("WHEELHOUSE_E2E_KUBECONFIG_NO_GATEWAY is not set: {NEEDS}"));
    let mut kc = Kubeconfig::read_from(&path).expect("second kubeconfig");
    for c in &mut kc.clusters {
        c.name = format!("nogw-{}", c.name);
    }
    for u in &mut kc.auth_infos {
        u.name = format!("nogw-{}", u.name);
    }
    for c in &mut kc.contexts {
        c.name = format!("nogw-{}", c.name);
        if let Some(ctx) = &mut c.context {
            ctx.cluster = format!("nogw-{}", ctx.cluster);
            ctx.user = ctx.user.as_ref().map(|u| format!("nogw-{u}"));
        }
    }
    kc.current_context = None;
    let out = dir.join("nogw.kubeconfig");
    std::fs::write(&out, serde_json::to_string(&kc).expect("json")).expect("write");
    out
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "requires the local control plane (scripts/kube-up); run by scripts/test.sh"]
async fn a_product_line_spans_two_clusters_and_falls_back_to_replicas_without_gateway_api() {
    let run = Run::new("two-clusters");
    let second = renamed_second_cluster(&run.dir);
    let catalog = run.dir.join("catalog.toml");
    std::fs::write(
        &catalog,
        "[[environment]]\nline = \"loan-core\"\nenv = \"prod\"\ncontext = \"nogw-wh-admin\"\nnamespace = \"loan-core-prod\"\n",
    )
    .unwrap();
    let merged = std::env::join_paths([kubeconfig(), second]).unwrap();
    let wh = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_wheelhouse"))
            .arg("--catalog")
            .arg(&catalog)
            .args(args)
            .env("KUBECONFIG", &merged)
            .env("WHEELHOUSE_DATA_DIR", &run.dir)
            .env("HOME", &run.dir)
            .output()
            .expect("run")
    };
    let out = wh(&["status", "loan-core", "-o", "json"]);
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "{text} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_str(&text).unwrap();
    let envs = v["product_lines"][0]["environments"].as_array().unwrap();
    let context_of = |name: &str| {
        envs.iter()
            .find(|e| e["name"] == name)
            .map(|e| e["location"]["context"].clone())
    };
    assert_eq!(context_of("dev"), Some(json!("wh-admin")), "{v}");
    assert_eq!(context_of("prod"), Some(json!("nogw-wh-admin")), "{v}");
    let prod = envs.iter().find(|e| e["name"] == "prod").unwrap();
    let scoring = prod["services"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "scoring")
        .unwrap();
    assert_eq!(scoring["traffic"]["mode"], "replica-ratio", "{scoring}");
    // Without the Gateway API a weight is a replica ratio; tag routes are refused.
    let out = wh(&[
        "shift",
        "loan-core/prod/scoring",
        "--add-tag",
        "staff",
        "--yes",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("Gateway API"));
    let out = wh(&[
        "shift",
        "loan-core/prod/scoring",
        "--weight",
        "50",
        "--yes",
        "--wait",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let kc = Kubeconfig::read_from(
        std::env::var_os("WHEELHOUSE_E2E_KUBECONFIG_NO_GATEWAY")
            .map(PathBuf::from)
            .unwrap(),
    )
    .unwrap();
    let config = Config::from_custom_kubeconfig(kc, &KubeConfigOptions::default())
        .await
        .unwrap();
    let api = Api::<Deployment>::namespaced(Client::try_from(config).unwrap(), "loan-core-prod");
    let stable = api
        .get("scoring")
        .await
        .unwrap()
        .spec
        .unwrap()
        .replicas
        .unwrap_or(0);
    let canary = api
        .get("scoring-canary")
        .await
        .unwrap()
        .spec
        .unwrap()
        .replicas
        .unwrap_or(0);
    assert_eq!((stable, canary), (1, 2), "3 replicas split 50 %");
}

/// Deployment `rolling` at `version`; its pods behave as `behaviour` says (kwok stages).
fn rolling(version: &str, behaviour: Option<&str>) -> Value {
    let mut labels =
        json!({"app.kubernetes.io/name": "rolling", "app.kubernetes.io/version": version});
    if let Some(b) = behaviour {
        labels["wh.test/behaviour"] = json!(b);
    }
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "rolling", "labels": {
            "app.kubernetes.io/name": "rolling", "app.kubernetes.io/version": version}},
        "spec": {"replicas": 1, "progressDeadlineSeconds": 5,
            "selector": {"matchLabels": {"app.kubernetes.io/name": "rolling"}},
            "template": {"metadata": {"labels": labels},
                "spec": {"containers": [{"name": "app",
                    "image": format!("registry.local/health/rolling:{version}")}]}}}
    })
}

/// A product line of its own for the pod health test: a Deployment whose pods crash-loop
/// (kwok's `wh-pod-crashloop` stage, demo/kwok/stages.yaml) and one whose pod no node can
/// take (a nodeSelector no node has).
async fn apply_unhealthy(ns: &str) {
    let c = client("wh-admin").await;
    let pp = PatchParams::apply("wheelhouse-test").force();
    let namespace = json!({
        "apiVersion": "v1", "kind": "Namespace",
        "metadata": {"name": ns, "labels": {
            "wheelhouse.dev/product-line": "health",
            "wheelhouse.dev/environment": "dev"}}
    });
    Api::<k8s_openapi::api::core::v1::Namespace>::all(c.clone())
        .patch(ns, &pp, &Patch::Apply(namespace))
        .await
        .expect("namespace");
    let deploy = |name: &str, template: Value| {
        json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name, "labels": {
                "app.kubernetes.io/name": name, "app.kubernetes.io/version": "1.0.0"}},
            "spec": {"replicas": 1,
                "selector": {"matchLabels": {"app.kubernetes.io/name": name}},
                "template": template}
        })
    };
    let crasher = deploy(
        "crasher",
        json!({"metadata": {"labels": {"app.kubernetes.io/name": "crasher",
                "app.kubernetes.io/version": "1.0.0", "wh.test/behaviour": "crashloop"}},
            "spec": {"containers": [{"name": "app", "image": "registry.local/health/crasher:1.0.0"}]}}),
    );
    let stuck = deploy(
        "stuck",
        json!({"metadata": {"labels": {"app.kubernetes.io/name": "stuck",
                "app.kubernetes.io/version": "1.0.0"}},
            "spec": {"nodeSelector": {"wh.test/none": "x"},
                "containers": [{"name": "app", "image": "registry.local/health/stuck:1.0.0"}]}}),
    );
    let api = Api::<Deployment>::namespaced(c, ns);
    for (name, body) in [
        ("crasher", crasher),
        ("stuck", stuck),
        ("rolling", rolling("1.0.0", None)),
    ] {
        api.patch(name, &pp, &Patch::Apply(body))
            .await
            .expect("deployment");
    }
}

// Named to run last (the tests run one at a time, in name order): its namespace goes away
// at its end, but nothing else sees it meanwhile.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "requires the local control plane (scripts/kube-up); run by scripts/test.sh"]
async fn unhealthy_pods_crash_loop_or_wait_for_a_node_and_say_why() {
    let run = Run::new("pods");
    apply_unhealthy("health-dev").await;
    let pods = |s: &Value| s["pods"].as_array().cloned().unwrap_or_default();
    let mut seen = (Value::Null, Value::Null);
    for _ in 0..60 {
        let status = run.status("health/dev");
        let services = status["product_lines"][0]["environments"][0]["services"].clone();
        let find = |n: &str| {
            services
                .as_array()
                .and_then(|a| a.iter().find(|s| s["name"] == n).cloned())
                .unwrap_or(Value::Null)
        };
        seen = (find("crasher"), find("stuck"));
        let crashing = pods(&seen.0).iter().any(|p| {
            p["waiting"] == "CrashLoopBackOff" && p["restarts"].as_u64().unwrap_or(0) >= 2
        });
        let unscheduled = pods(&seen.1).iter().any(|p| {
            p["unscheduled"]
                .as_str()
                .is_some_and(|u| u.starts_with("Unschedulable"))
        });
        if crashing && unscheduled {
            break;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    let crasher = &pods(&seen.0)[0];
    assert_eq!(crasher["waiting"], "CrashLoopBackOff", "{seen:?}");
    assert!(crasher["restarts"].as_u64().unwrap_or(0) >= 2, "{crasher}");
    assert_eq!(crasher["last_exit"]["reason"], "Error", "{crasher}");
    assert_eq!(crasher["last_exit"]["code"], 1, "{crasher}");
    assert!(
        crasher["node"]
            .as_str()
            .is_some_and(|n| n.starts_with("kwok-node-"))
    );
    let stuck = &pods(&seen.1)[0];
    assert_eq!(stuck["phase"], "Pending", "{stuck}");
    assert!(
        stuck["unscheduled"]
            .as_str()
            .is_some_and(|u| u.contains("node affinity/selector")),
        "{stuck}"
    );
    // The events of its pods, repeats counted (kwok's stage and the scheduler record them).
    let events = |s: &Value| s["events"].as_array().cloned().unwrap_or_default();
    let status = run.status("health/dev");
    let services = &status["product_lines"][0]["environments"][0]["services"];
    let of = |n: &str| {
        services
            .as_array()
            .and_then(|a| a.iter().find(|s| s["name"] == n).cloned())
            .unwrap_or(Value::Null)
    };
    let backoff = events(&of("crasher"))
        .into_iter()
        .find(|e| e["reason"] == "BackOff")
        .unwrap_or_else(|| panic!("no BackOff event: {}", of("crasher")));
    assert_eq!(backoff["warning"], true, "{backoff}");
    assert!(
        backoff["object"]
            .as_str()
            .is_some_and(|o| o.starts_with("pod/crasher-"))
    );
    assert!(
        events(&of("stuck"))
            .iter()
            .any(|e| e["reason"] == "FailedScheduling"),
        "{}",
        of("stuck")
    );
    // A rollout to a version whose pods crash-loop stalls, and says why.
    Api::<Deployment>::namespaced(client("wh-admin").await, "health-dev")
        .patch(
            "rolling",
            &PatchParams::apply("wheelhouse-test").force(),
            &Patch::Apply(rolling("2.0.0", Some("crashloop"))),
        )
        .await
        .expect("rolling to 2.0.0");
    let mut text = String::new();
    // The controller gives up after the 5 s progress deadline and says so.
    for _ in 0..60 {
        text = run.ok(&["status", "health/dev"], 0);
        if text.contains("rollout stalled: new pods 0/1 ready: 1 CrashLoopBackOff")
            && text.contains("has timed out progressing")
        {
            break;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    assert!(
        text.contains("rolling out 2.0.0")
            && text.contains("rollout stalled: new pods 0/1 ready: 1 CrashLoopBackOff")
            && text.contains("has timed out progressing"),
        "{text}"
    );
    // The text status says it in words.
    let text = run.ok(&["status", "health/dev"], 0);
    assert!(
        text.contains("0/1 ready: 1 CrashLoopBackOff, restarts"),
        "{text}"
    );
    assert!(text.contains("0/1 ready: 1 Unschedulable"), "{text}");
    // `wheelhouse attention` lists all three with why, and exits as its worst item says.
    let out = run.wh(&["attention", "-o", "json"]);
    let v: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)));
    let items = v["items"].as_array().cloned().unwrap_or_default();
    let item = |target: &str| {
        items
            .iter()
            .find(|i| i["target"] == target)
            .cloned()
            .unwrap_or_else(|| panic!("{target} needs attention: {v}"))
    };
    let crasher = item("health/dev/crasher");
    assert_eq!(crasher["kind"], "unhealthy-pods", "{crasher}");
    assert_eq!(
        crasher["severity"], "warning",
        "dev is not production: {crasher}"
    );
    assert!(
        crasher["why"]
            .as_str()
            .is_some_and(|w| w.contains("CrashLoopBackOff")),
        "{crasher}"
    );
    let stuck = item("health/dev/stuck");
    assert_eq!(stuck["kind"], "unhealthy-pods", "{stuck}");
    assert!(
        stuck["why"]
            .as_str()
            .is_some_and(|w| w.contains("Unschedulable")),
        "{stuck}"
    );
    let rolling = item("health/dev/rolling");
    assert_eq!(rolling["kind"], "rollout-stalled", "{rolling}");
    assert_eq!(rolling["action"], "rollback", "{rolling}");
    let worst = if v["critical"].as_u64().unwrap_or(0) > 0 {
        9
    } else {
        8
    };
    assert_eq!(out.status.code(), Some(worst), "{v}");
    // The cockpit: the tree marks it, the service view lists its pods with the reason.
    let t = cockpit("kube-pods", &run);
    goto(&t, "health/dev/crasher");
    // (a row too long for the tree keeps its ⚠ and loses its replicas first)
    t.wait_until(
        "crasher 1.0.0 … ⚠ Crash",
        Duration::from_secs(20),
        |s| {
            s.lines()
                .any(|l| l.contains("crasher 1.0.0") && l.contains("⚠ Crash"))
        },
    );
    t.wait_for("stuck 1.0.0 0/1 ⚠ Unschedulable");
    t.send(&["1"]);
    t.wait_for("⚠ stuck@dev 0/1 ready: 1 Unschedulable");
    t.send(&["2"]);
    t.wait_for("pods      0/1 ready: 1 CrashLoopBackOff, restarts");
    t.wait_for("last exit Error (1)");
    t.wait_for("BackOff pod/crasher-");
    goto(&t, "health/dev/rolling");
    t.wait_for("stalled: new pods 0/1 ready: 1 CrashLoopBackOff");
    // The attention view lists them, with why.
    t.send(&["9"]);
    t.wait_for("health/dev/crasher");
    t.wait_for("health/dev/stuck");
    t.wait_for("rollout stalled: new pods 0/1 ready");
    t.send(&["q"]);
    t.wait_for("EXITED:0");
    Api::<k8s_openapi::api::core::v1::Namespace>::all(client("wh-admin").await)
        .delete("health-dev", &Default::default())
        .await
        .expect("namespace deleted");
}
