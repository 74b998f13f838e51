//! wheelhouse against a real Docker engine (Debian's dockerd on a private socket, vfs
//! storage, no network) started by scripts/docker-up, with the FROM-scratch test images
//! of scripts/docker-images. Every test starts from the demo containers of
//! scripts/docker-demo-load (shop: dev web 1.1.0 ×2 + cart, test web 1.0.0 + cart).
//! scripts/test.sh sets WHEELHOUSE_E2E_DOCKER_HOST and runs these with --ignored; without
//! it they fail, never skip. The engine's own CLI checks what wheelhouse did.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test may fail loudly

mod support;

use serde_json::Value;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;
use support::cli::Cli;
use support::tmux::Tmux;

const NEEDS: &str =
    "requires the local Docker engine: scripts/test.sh starts it (scripts/docker-up)";

fn host() -> String {
    let h = std::env::var("WHEELHOUSE_E2E_DOCKER_HOST")
        .unwrap_or_else(|_| panic!("WHEELHOUSE_E2E_DOCKER_HOST is not set: {NEEDS}"));
    assert!(h.starts_with("unix://"), "{h}: {NEEDS}");
    h
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn script(name: &str, args: &[&str]) -> String {
    let out = Command::new(repo().join("scripts").join(name))
        .args(args)
        .output()
        .expect("run script");
    assert!(
        out.status.success(),
        "{name} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).to_string()
}

/// The docker CLI against the test engine.
fn docker(args: &[&str]) -> String {
    let out = Command::new("docker")
        .args(["-H", &host()])
        .args(args)
        .output()
        .expect("docker cli");
    assert!(
        out.status.success(),
        "docker {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).to_string()
}

/// Names and images of the running containers of a service, sorted: labelled with the
/// contract's keys, or with the former Docker keys (the demo's first containers).
fn running(env: &str, service: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let envs = ["wheelhouse.dev/environment", "wheelhouse.dev/env"];
    let services = ["app.kubernetes.io/name", "wheelhouse.dev/service"];
    for (env_key, service_key) in envs
        .iter()
        .flat_map(|e| services.iter().map(move |s| (*e, *s)))
    {
        let listed = docker(&[
            "ps",
            "--filter",
            &format!("label={env_key}={env}"),
            "--filter",
            &format!("label={service_key}={service}"),
            "--format",
            "{{.Names}} {{.Image}}",
        ]);
        for (n, i) in listed.lines().filter_map(|l| l.split_once(' ')) {
            let row = (n.to_string(), i.to_string());
            if !out.contains(&row) {
                out.push(row);
            }
        }
    }
    out.sort();
    out
}

/// The binary against the engine (`--docker`, DOCKER_HOST set), in a private config
/// and data dir.
struct Run(Cli);

impl std::ops::Deref for Run {
    type Target = Cli;
    fn deref(&self) -> &Cli {
        &self.0
    }
}

impl Run {
    /// A fresh start: the demo containers reset, a private config and data dir.
    fn new(name: &str) -> Run {
        script("docker-demo-load", &[]);
        let mut cli = Cli::new(&format!("docker-{name}"));
        cli.leading.push("--docker".into());
        cli.env.push(("DOCKER_HOST".into(), host().into()));
        Run(cli)
    }

    fn json(&self, args: &[&str]) -> Value {
        let out = self.wh(args);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
    }

    fn service(&self, env: &str, service: &str) -> Value {
        let s = self.json(&["status", &format!("shop/{env}"), "-o", "json"]);
        s["product_lines"][0]["environments"][0]["services"]
            .as_array()
            .and_then(|a| a.iter().find(|x| x["name"] == service).cloned())
            .unwrap_or_else(|| panic!("shop/{env}/{service} not in {s}"))
    }

    fn audit(&self) -> Vec<Value> {
        let text = std::fs::read_to_string(self.dir.join("audit.jsonl")).unwrap_or_default();
        text.lines()
            .map(|l| serde_json::from_str(l).expect("audit line"))
            .collect()
    }
}

#[test]
#[ignore = "requires the local Docker engine (scripts/docker-up); run by scripts/test.sh"]
fn labelled_containers_are_environments_and_images_are_listed() {
    let run = Run::new("list");
    let s = run.json(&["status", "-o", "json"]);
    assert_eq!(s["platform"]["kind"], "docker");
    let line = &s["product_lines"][0];
    assert_eq!(line["name"], "shop");
    let envs: Vec<&str> = line["environments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert_eq!(envs, ["dev", "test"]);
    let web = run.service("dev", "web");
    assert_eq!(web["version"], "1.1.0");
    assert_eq!(web["replicas"]["desired"], 2);
    assert_eq!(
        web["replicas"]["ready"], 2,
        "healthy from the health check: {web}"
    );
    assert_eq!(web["image"], "wh-test/web:1.1.0");
    assert_eq!(web["base_image"], "wh-test/base:1.0");
    assert_eq!(web["dependencies"][0], "cart");
    assert_eq!(web["config"]["LOG_LEVEL"], "debug");
    assert_eq!(web["secret_keys"][0], "DB_PASSWORD");
    assert!(
        !web.to_string().contains("s3cret"),
        "secret values never leave the engine"
    );
    assert_eq!(run.service("test", "web")["config"]["LOG_LEVEL"], "info");
    let images = run.json(&["images", "-o", "json"]);
    let find = |tag: &str| {
        images
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["tags"].as_array().unwrap().iter().any(|t| t == tag))
            .cloned()
            .unwrap_or_else(|| panic!("{tag} not in {images}"))
    };
    let w11 = find("wh-test/web:1.1.0");
    assert_eq!(w11["base"], "wh-test/base:1.0");
    assert_eq!(w11["used_by"], serde_json::json!(["shop/dev"]));
    assert!(w11["size_bytes"].as_u64().unwrap() > 100_000);
    assert!(w11["created"].as_i64().unwrap() > 1_700_000_000);
    assert_eq!(
        find("wh-test/cart:2.0.0")["used_by"],
        serde_json::json!(["shop/dev", "shop/test"])
    );
    assert_eq!(find("wh-test/web:1.2.0")["used_by"], serde_json::json!([]));
}

#[test]
#[ignore = "requires the local Docker engine (scripts/docker-up); run by scripts/test.sh"]
fn deploy_replaces_containers_one_by_one_and_rollback_returns() {
    let run = Run::new("deploy");
    let before = running("dev", "web");
    let out = run.ok(
        &[
            "deploy",
            "shop/dev/web",
            "1.2.0",
            "--yes",
            "--why",
            "e2e drill",
        ],
        0,
    );
    assert!(out.contains("now 1.2.0 2/2 ready"), "{out}");
    let after = running("dev", "web");
    assert_eq!(after.len(), 2);
    assert!(
        after.iter().all(|(_, image)| image == "wh-test/web:1.2.0"),
        "{after:?}"
    );
    assert!(
        after.iter().all(|c| !before.contains(c)),
        "every container was replaced: {before:?} → {after:?}"
    );
    // The new containers run the new image's own settings, with the service's config.
    let env = docker(&["inspect", &after[0].0, "--format", "{{json .Config.Env}}"]);
    assert!(
        env.contains("WH_VERSION=1.2.0") && env.contains("LOG_LEVEL=debug"),
        "{env}"
    );
    let labels = docker(&[
        "inspect",
        &after[0].0,
        "--format",
        "{{json .Config.Labels}}",
    ]);
    assert!(
        labels.contains(&format!(
            r#""wheelhouse.dev/changed-by":"{}""#,
            support::cli::who()
        )),
        "{labels}"
    );
    assert!(labels.contains("e2e drill"), "{labels}");
    let web = run.service("dev", "web");
    assert_eq!(web["releases"][0]["to"], "1.2.0");
    assert_eq!(web["releases"][0]["state"], "complete");
    // The other environment is untouched.
    assert_eq!(running("test", "web")[0].1, "wh-test/web:1.0.0");

    run.ok(&["rollback", "shop/dev/web", "--yes"], 0);
    let back = running("dev", "web");
    assert!(
        back.iter().all(|(_, image)| image == "wh-test/web:1.1.0"),
        "{back:?}"
    );
    let web = run.service("dev", "web");
    assert_eq!(web["version"], "1.1.0");
    assert_eq!(web["releases"][0]["state"], "rolled-back");
    assert_eq!(web["releases"][1]["to"], "1.1.0");
    let audit = run.audit();
    let actions: Vec<(&str, &str, &str)> = audit
        .iter()
        .filter(|a| a["phase"] == "result")
        .map(|a| {
            (
                a["action"]["action"].as_str().unwrap_or_default(),
                a["result"].as_str().unwrap_or_default(),
                a["user"]["operator"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        actions,
        [
            ("deploy", "ok", "e2e-tester"),
            ("rollback", "ok", "e2e-tester")
        ],
        "audited: {audit:?}"
    );
    assert_eq!(audit[0]["action"]["version"], "1.2.0");
}

#[test]
#[ignore = "requires the local Docker engine (scripts/docker-up); run by scripts/test.sh"]
fn an_unhealthy_version_stops_the_deploy_and_the_old_containers_keep_serving() {
    let run = Run::new("broken");
    let before = running("dev", "web");
    let out = run.ok(&["deploy", "shop/dev/web", "1.3.0", "--yes"], 2);
    assert!(out.contains("unhealthy"), "{out}");
    assert_eq!(
        running("dev", "web"),
        before,
        "nothing replaced, the broken one removed"
    );
    let web = run.service("dev", "web");
    assert_eq!(
        (web["version"].as_str(), web["replicas"]["ready"].as_u64()),
        (Some("1.1.0"), Some(2))
    );
    // A version the engine does not have is not found, before anything is touched.
    let out = run.ok(&["deploy", "shop/dev/web", "7.7.7", "--yes"], 4);
    assert!(out.contains("image wh-test/web:7.7.7 not found"), "{out}");
    // Canaries need a traffic router: refused from the platform's declared capabilities.
    let out = run.ok(&["shift", "shop/dev/web", "--start", "1.2.0", "--yes"], 2);
    assert!(
        out.contains("canary routing is not supported on Docker environments"),
        "{out}"
    );
}

#[test]
#[ignore = "requires the local Docker engine (scripts/docker-up); run by scripts/test.sh"]
fn scale_adds_and_removes_containers_and_restart_restarts_them() {
    let run = Run::new("scale");
    run.ok(&["scale", "shop/dev/web", "4", "--yes"], 0);
    let four = running("dev", "web");
    assert_eq!(four.len(), 4, "{four:?}");
    assert!(four.iter().all(|(_, i)| i == "wh-test/web:1.1.0"));
    let web = run.service("dev", "web");
    assert_eq!(
        (
            web["replicas"]["desired"].as_u64(),
            web["replicas"]["ready"].as_u64()
        ),
        (Some(4), Some(4))
    );
    run.ok(&["scale", "shop/dev/web", "1", "--yes"], 0);
    assert_eq!(running("dev", "web").len(), 1);
    let out = run.ok(&["scale", "shop/dev/web", "0", "--yes"], 2);
    assert!(out.contains("scale to 1 or more"), "{out}");

    let name = running("test", "web")[0].0.clone();
    let started = || docker(&["inspect", &name, "--format", "{{.State.StartedAt}}"]);
    let first = started();
    run.ok(&["restart", "shop/test/web", "--yes"], 0);
    assert_ne!(started(), first, "restarted");
    assert_eq!(running("test", "web")[0].0, name, "in place");
}

#[test]
#[ignore = "requires the local Docker engine (scripts/docker-up); run by scripts/test.sh"]
fn logs_tail_every_container_of_the_service() {
    let run = Run::new("logs");
    // The containers print a line a second.
    std::thread::sleep(Duration::from_secs(3));
    let v = run.json(&["logs", "shop/dev/web", "--lines", "6", "-o", "json"]);
    let lines = v["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 6, "{v}");
    assert!(
        lines
            .iter()
            .all(|l| l["text"].as_str().unwrap().contains("web 1.1.0")),
        "{v}"
    );
    let sources: std::collections::BTreeSet<&str> = lines
        .iter()
        .map(|l| l["source"].as_str().unwrap())
        .collect();
    assert!(
        sources.iter().all(|s| s.starts_with("wh-shop-dev-web-")),
        "{sources:?}"
    );
    let out = run.ok(&["logs", "shop/dev/nothing"], 4);
    assert!(out.contains("not found"), "{out}");
}

#[test]
#[ignore = "requires the local Docker engine (scripts/docker-up); run by scripts/test.sh"]
fn read_only_and_a_stale_revision_change_nothing() {
    let run = Run::new("guard");
    let before = running("dev", "web");
    let out = run.ok(
        &["--read-only", "deploy", "shop/dev/web", "1.2.0", "--yes"],
        3,
    );
    assert!(out.contains("read-only"), "{out}");
    // A dry run still shows the plan and the engine check (reads only).
    let out = run.ok(
        &[
            "--read-only",
            "deploy",
            "shop/dev/web",
            "1.2.0",
            "--dry-run",
        ],
        0,
    );
    assert!(out.contains("wh-test/web:1.2.0 present"), "{out}");
    let stale = run.service("dev", "web")["revision"]
        .as_str()
        .unwrap()
        .to_string();
    docker(&["rm", "-f", &before[1].0]);
    let out = run.ok(
        &[
            "scale",
            "shop/dev/web",
            "3",
            "--yes",
            "--if-revision",
            &stale,
        ],
        5,
    );
    assert!(out.contains("changed by someone else"), "{out}");
    assert_eq!(
        running("dev", "web"),
        before[..1].to_vec(),
        "nothing written"
    );
}

#[test]
#[ignore = "requires the local Docker engine (scripts/docker-up); run by scripts/test.sh"]
fn a_tcp_engine_address_works_too() {
    let tcp = std::env::var("WHEELHOUSE_E2E_DOCKER_TCP")
        .unwrap_or_else(|_| panic!("WHEELHOUSE_E2E_DOCKER_TCP is not set: {NEEDS}"));
    let run = Run::new("tcp");
    let out = run.ok(&["--docker-host", &tcp, "status", "shop/dev"], 0);
    assert!(
        out.contains(&format!("docker: {tcp}")) && out.contains("web"),
        "{out}"
    );
}

/// The cockpit in tmux against the engine.
fn cockpit(name: &str, run: &Run) -> Tmux {
    let t = Tmux::new(name);
    t.start(160, 45);
    let cmd = format!(
        "DOCKER_HOST={h} WHEELHOUSE_DATA_DIR={d} WHEELHOUSE_CONFIG_DIR={d}/cfg HOME={d} {bin} --docker; echo EXITED:$?",
        h = host(),
        d = run.dir.display(),
        bin = env!("CARGO_BIN_EXE_wheelhouse")
    );
    t.send(&[&cmd, "Enter"]);
    t.wait_for_within("● live", Duration::from_secs(30));
    t
}

fn goto(t: &Tmux, path: &str) {
    t.goto(path);
}

#[test]
#[ignore = "requires the local Docker engine (scripts/docker-up); run by scripts/test.sh"]
fn cockpit_follows_the_engine_through_a_restart_and_tails_logs() {
    let run = Run::new("tui");
    let t = cockpit("docker-tui", &run);
    goto(&t, "shop/dev/web");
    t.wait_for("1.1.0");
    // Logs view: lines from both containers, searchable.
    t.send(&["7"]);
    t.wait_for_within("served request", Duration::from_secs(10));
    t.send(&["/"]);
    t.send(&["-l", "wh-shop-dev-web-2"]);
    t.send(&["Enter"]);
    t.wait_for("matches");
    // A container stopped behind the cockpit's back shows through the event stream.
    t.send(&["2"]);
    t.wait_for("2/2");
    docker(&["stop", "-t", "1", "wh-shop-dev-web-2"]);
    t.wait_for_within("1/2", Duration::from_secs(15));
    // …and is told in the events panel.
    t.wait_for_within(
        "wh-shop-dev-web-2 exited with code",
        Duration::from_secs(15),
    );
    docker(&["start", "wh-shop-dev-web-2"]);
    t.wait_for_within("2/2", Duration::from_secs(20));
    // The engine goes away: the view stays and says so; it comes back on its own.
    script("docker-engine", &["stop"]);
    let s = t.wait_for_within("connection lost, retrying", Duration::from_secs(30));
    assert!(s.contains("web"), "the view stays: {s}");
    script("docker-engine", &["start"]);
    t.wait_for_within("● live", Duration::from_secs(60));
    // Changes after the reconnect arrive through the new event stream.
    docker(&["stop", "-t", "1", "wh-shop-dev-web-1"]);
    t.wait_for_within("1/2", Duration::from_secs(20));
    docker(&["start", "wh-shop-dev-web-1"]);
    t.wait_for_within("2/2", Duration::from_secs(20));
    // A restart through the confirmation, as an operator does it.
    let name = running("dev", "web")[0].0.clone();
    let started = || docker(&["inspect", &name, "--format", "{{.State.StartedAt}}"]);
    let before = started();
    t.send(&["X"]);
    t.wait_for("Confirm restart");
    // The plan, container by container, arrives with the engine check.
    t.wait_for("restart wh-shop-dev-web-");
    t.send(&["Enter"]);
    t.wait_for_within("restart applied", Duration::from_secs(60));
    assert_ne!(started(), before, "restarted on the engine");
    t.send(&["q"]);
    t.wait_for("EXITED:0");
}

/// A product line's dev and test on the Docker engine, its gray and prod on the
/// Kubernetes cluster of the kube tests: one tree, and each change goes where its
/// environment lives.
#[test]
#[ignore = "requires the local Docker engine and the local control plane; run by scripts/test.sh"]
fn a_catalog_puts_dev_and_test_on_docker_and_gray_and_prod_on_kubernetes() {
    let kubeconfig = std::env::var("WHEELHOUSE_E2E_KUBECONFIG")
        .unwrap_or_else(|_| panic!("WHEELHOUSE_E2E_KUBECONFIG is not set: {NEEDS}"));
    let run = Run::new("mixed");
    let clean = || {
        // The containers made below carry a former key (still read); the ones wheelhouse
        // makes carry the contract's.
        for key in ["wheelhouse.dev/line", "wheelhouse.dev/product-line"] {
            let ids = docker(&["ps", "-aq", "--filter", &format!("label={key}=trade")]);
            for id in ids.split_whitespace() {
                docker(&["rm", "-f", id]);
            }
        }
    };
    clean();
    for env in ["dev", "test"] {
        docker(&[
            "run",
            "-d",
            "--name",
            &format!("wh-trade-{env}-gateway-1"),
            "--network",
            "none",
            "--restart",
            "unless-stopped",
            // The image's own labels say shop/web: the contract's keys set here win; the
            // environment only under its former key (still read).
            "-l",
            "wheelhouse.dev/product-line=trade",
            "-l",
            &format!("wheelhouse.dev/env={env}"),
            "-l",
            "app.kubernetes.io/name=gateway",
            "-l",
            "wheelhouse.dev/version=1.1.0",
            "wh-test/web:1.1.0",
        ]);
    }
    let catalog = run.dir.join("catalog.toml");
    std::fs::write(
        &catalog,
        r#"
[[environment]]
line = "trade"
env = "dev"
docker = "default"
[[environment]]
line = "trade"
env = "test"
docker = "default"
[[environment]]
line = "trade"
env = "gray"
namespace = "trade-gray"
[[environment]]
line = "trade"
env = "prod"
namespace = "trade-prod"
"#,
    )
    .unwrap();
    let wh = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_wheelhouse"))
            .arg("--catalog")
            .arg(&catalog)
            .args(args)
            .env("DOCKER_HOST", host())
            .env("KUBECONFIG", &kubeconfig)
            .env("WHEELHOUSE_DATA_DIR", &run.dir)
            .env("WHEELHOUSE_CONFIG_DIR", run.dir.join("cfg"))
            .env("HOME", &run.dir)
            .args(["--as", support::cli::OPERATOR])
            .output()
            .expect("run wheelhouse")
    };
    let out = wh(&["status", "trade", "-o", "json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let s: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(s["platform"]["kind"], "docker+kube", "{s}");
    let envs = s["product_lines"][0]["environments"].as_array().unwrap();
    let where_: Vec<(&str, &str)> = envs
        .iter()
        .map(|e| {
            (
                e["name"].as_str().unwrap(),
                e["location"]["kind"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        where_,
        [
            ("dev", "docker"),
            ("test", "docker"),
            ("gray", "kube"),
            ("prod", "kube")
        ],
        "{s}"
    );
    // A change on a Docker environment goes to the engine…
    let out = wh(&["scale", "trade/dev/gateway", "2", "--yes"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(running("dev", "gateway").len(), 2);
    // …and one on a Kubernetes environment to the cluster, in the same run of the tree.
    let gray_before = envs[2]["services"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["name"] == "gateway")
        .map(|x| x["replicas"]["desired"].as_u64().unwrap())
        .unwrap();
    let want = (gray_before + 1).to_string();
    let out = wh(&["scale", "trade/gray/gateway", &want, "--yes", "--wait"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = wh(&["status", "trade/gray", "-o", "json"]);
    let s: Value = serde_json::from_slice(&out.stdout).unwrap();
    let gw = s["product_lines"][0]["environments"][0]["services"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["name"] == "gateway")
        .cloned()
        .unwrap();
    assert_eq!(
        gw["replicas"]["desired"].as_u64(),
        Some(gray_before + 1),
        "{gw}"
    );
    assert_eq!(
        running("dev", "gateway").len(),
        2,
        "the engine was not touched by it"
    );
    let back = gray_before.to_string();
    let out = wh(&["scale", "trade/gray/gateway", &back, "--yes"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    clean();
}

/// A rollback while the cockpit's own deploy is still replacing containers stops that
/// deploy and goes back to the release that ran before it (the worker in process, as the
/// cockpit drives it).
#[tokio::test(flavor = "multi_thread")]
#[ignore = "requires the local Docker engine (scripts/docker-up); run by scripts/test.sh"]
async fn a_rollback_during_a_deploy_stops_it_and_returns_to_the_release_before() {
    use wheelhouse::domain::change::{Change, ChangeRequest};
    use wheelhouse::domain::{ReleaseState, ServiceKey, Snapshot};
    use wheelhouse::platform::{PlatformEvent, PlatformRequest, docker};
    let _run = Run::new("supersede");
    let setup = docker::connect(&host(), docker::assemble::Scope::default())
        .await
        .expect("engine");
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let handle = docker::worker::spawn(setup, false, tx);
    let key = ServiceKey::new("shop", "dev", "web");
    let mut snapshot = Snapshot::default();
    let mut answers: Vec<(u64, Result<(), String>)> = Vec::new();
    // Feeds events until `done` says so (30 s at most).
    macro_rules! until {
        ($done:expr) => {{
            let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
            loop {
                if $done(&snapshot, &answers) {
                    break;
                }
                let event = tokio::time::timeout_at(deadline, rx.recv())
                    .await
                    .unwrap_or_else(|_| panic!("timed out; answers {answers:?}; {snapshot:?}"))
                    .expect("worker alive");
                match event {
                    PlatformEvent::Snapshot(s) => snapshot = (*s).clone(),
                    PlatformEvent::Applied { id, result } => {
                        answers.push((id, result.map(|_| ()).map_err(|e| e.to_string())))
                    }
                    PlatformEvent::Previewed { id, result } => {
                        answers.push((id, result.map(|_| ()).map_err(|e| e.to_string())))
                    }
                    _ => {}
                }
            }
        }};
    }
    let web = |s: &Snapshot| s.service(&key).cloned();
    until!(|s: &Snapshot, _: &Vec<_>| web(s)
        .is_some_and(|w| w.version == "1.1.0" && w.replicas.ready == 2));
    let request = |change: Change, revision: &str| ChangeRequest {
        target: key.clone(),
        change,
        expected_revision: revision.to_string(),
        who: "e2e".into(),
        why: "supersede drill".into(),
    };
    let rev = web(&snapshot).unwrap().revision;
    handle.send(PlatformRequest::Apply {
        id: 1,
        request: request(
            Change::Deploy {
                version: "1.2.0".into(),
            },
            &rev,
        ),
    });
    // One container replaced, the other not yet: a rollout in progress.
    until!(|s: &Snapshot, _: &Vec<_>| web(s).is_some_and(|w| w.rollout.is_some()));
    let rev = web(&snapshot).unwrap().revision;
    let rollback = request(Change::Rollback, &rev);
    handle.send(PlatformRequest::Preview {
        id: 2,
        request: rollback.clone(),
    });
    until!(|_: &Snapshot, a: &Vec<(u64, Result<(), String>)>| a.iter().any(|(id, _)| *id == 2));
    handle.send(PlatformRequest::Apply {
        id: 3,
        request: rollback,
    });
    until!(|_: &Snapshot, a: &Vec<(u64, Result<(), String>)>| {
        a.iter().any(|(id, _)| *id == 1) && a.iter().any(|(id, _)| *id == 3)
    });
    let answer = |n: u64| answers.iter().find(|(id, _)| *id == n).cloned();
    assert_eq!(
        answer(2).map(|a| a.1),
        Some(Ok(())),
        "the dry run: {answers:?}"
    );
    assert_eq!(
        answer(3).map(|a| a.1),
        Some(Ok(())),
        "the rollback: {answers:?}"
    );
    let deploy = answer(1).map(|a| a.1).unwrap();
    assert!(
        deploy.as_ref().is_err_and(|e| e.contains("superseded")),
        "the deploy stopped: {deploy:?}"
    );
    until!(|s: &Snapshot, _: &Vec<_>| web(s)
        .is_some_and(|w| w.rollout.is_none() && w.replicas.ready == 2));
    let w = web(&snapshot).unwrap();
    assert_eq!(w.version, "1.1.0");
    assert_eq!(running("dev", "web").len(), 2);
    assert!(
        running("dev", "web")
            .iter()
            .all(|(_, image)| image.ends_with(":1.1.0"))
    );
    let deployed = w.releases.iter().rev().find(|r| r.to == "1.2.0").unwrap();
    assert_eq!(deployed.state, ReleaseState::RolledBack, "{:?}", w.releases);
}

/// Environments on demand on the engine: `env create shop/qa --from dev` makes the
/// containers of dev again, labelled for qa and with where they came from, the secret's
/// variable left out and a config key set; `env delete` removes them all.
#[test]
#[ignore = "requires the local Docker engine (scripts/docker-up); run by scripts/test.sh"]
fn an_environment_is_made_from_another_and_deleted_on_the_engine() {
    let run = Run::new("envs");
    let out = run.ok(
        &[
            "env",
            "create",
            "shop/qa",
            "--from",
            "dev",
            "--set",
            "web.LOG_LEVEL=warn",
            "--yes",
        ],
        0,
    );
    assert!(
        out.contains("env create shop/qa from dev: done (2/2 steps)"),
        "{out}"
    );
    assert!(
        out.contains("note: web: secret DB_PASSWORD is not copied"),
        "{out}"
    );
    let web = running("qa", "web");
    assert_eq!(web.len(), 2, "as many as dev has: {web:?}");
    assert!(
        web.iter()
            .all(|(n, i)| n.starts_with("shop-qa-web-") && i == "wh-test/web:1.1.0"),
        "{web:?}"
    );
    assert_eq!(running("qa", "cart").len(), 1);
    assert_eq!(running("dev", "web").len(), 2, "the source is untouched");
    let env = docker(&["inspect", &web[0].0, "--format", "{{json .Config.Env}}"]);
    assert!(env.contains("LOG_LEVEL=warn"), "{env}");
    assert!(
        !env.contains("DB_PASSWORD"),
        "the secret is not copied: {env}"
    );
    let from = docker(&[
        "inspect",
        &web[0].0,
        "--format",
        "{{index .Config.Labels \"wheelhouse.dev/created-from\"}}",
    ]);
    assert_eq!(from.trim(), "dev");
    let qa = run.service("qa", "web");
    assert_eq!(qa["config"]["LOG_LEVEL"], "warn");
    assert_eq!(qa["replicas"]["ready"], 2, "{qa}");
    let refused = run.ok(&["env", "delete", "shop/dev", "--yes"], 3);
    assert!(refused.contains("was not made by wheelhouse"), "{refused}");
    let out = run.ok(&["env", "delete", "shop/qa", "--yes"], 0);
    assert!(
        out.contains("env delete shop/qa: done (2/2 steps)"),
        "{out}"
    );
    assert!(running("qa", "web").is_empty() && running("qa", "cart").is_empty());
    assert_eq!(running("dev", "web").len(), 2);
}
