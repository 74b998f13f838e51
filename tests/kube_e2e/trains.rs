//! A release train on the real control plane: `wheelhouse promote train test gray` takes
//! four services callees first; the third step's version crash-loops (kwok's
//! wh-pod-crashloop-bad-version stage: version 6.6.6), its gate stops the train; then
//! `promote --resume --rollback` takes the applied steps back, newest first. Everything
//! is checked on the Deployments.

use super::*;

const LINE: &str = "train";
const CHAIN: [(&str, &str); 4] = [
    ("front", "order"),
    ("order", "payment"),
    ("payment", "ledger"),
    ("ledger", ""),
];

fn ns(env: &str) -> String {
    format!("{LINE}-{env}")
}

/// train/test and train/gray: front → order → payment → ledger; test runs `versions`,
/// gray 1.0.0 everywhere.
async fn apply_line(versions: &[(&str, &str)]) {
    let c = client("wh-admin").await;
    let pp = PatchParams::apply("wheelhouse-test").force();
    for env in ["test", "gray"] {
        let namespace = json!({
            "apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": ns(env), "labels": {
                "wheelhouse.dev/product-line": LINE, "wheelhouse.dev/environment": env}}
        });
        Api::<k8s_openapi::api::core::v1::Namespace>::all(c.clone())
            .patch(&ns(env), &pp, &Patch::Apply(namespace))
            .await
            .expect("namespace");
        for (name, calls) in CHAIN {
            let version = match env {
                "test" => versions
                    .iter()
                    .find(|(s, _)| *s == name)
                    .map_or("1.0.0", |(_, v)| v),
                _ => "1.0.0",
            };
            let labels = json!({"app.kubernetes.io/name": name,
                "app.kubernetes.io/version": version});
            let deployment = json!({
                "apiVersion": "apps/v1", "kind": "Deployment",
                "metadata": {"name": name, "labels": labels,
                    "annotations": {"wheelhouse.dev/depends-on": calls,
                                    "wheelhouse.dev/versions": "1.0.0,2.0.0,6.6.6"}},
                "spec": {"replicas": 1, "progressDeadlineSeconds": 600,
                    "selector": {"matchLabels": {"app.kubernetes.io/name": name}},
                    "template": {"metadata": {"labels": labels},
                        "spec": {"containers": [{"name": name,
                            "image": format!("registry.local/train/{name}:{version}")}]}}}
            });
            Api::<Deployment>::namespaced(c.clone(), &ns(env))
                .patch(name, &pp, &Patch::Apply(deployment))
                .await
                .expect("deployment");
        }
    }
}

async fn gray_images() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (name, _) in CHAIN {
        let d = deployment(&ns("gray"), name).await.expect("deployment");
        out.push((name.to_string(), image(&d)));
    }
    out
}

fn at(name: &str, version: &str) -> (String, String) {
    (
        name.to_string(),
        format!("registry.local/train/{name}:{version}"),
    )
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs the local control plane (scripts/test.sh)"]
async fn a_release_train_stops_at_a_failing_step_and_rolls_back_on_the_objects() {
    apply_line(&[
        ("ledger", "2.0.0"),
        ("payment", "2.0.0"),
        ("order", "6.6.6"),
        ("front", "2.0.0"),
    ])
    .await;
    let run = Run::new("train");
    // Both environments are read before the train is planned.
    for _ in 0..50 {
        let s = run.status(LINE);
        let ready = s["product_lines"][0]["environments"]
            .as_array()
            .is_some_and(|e| e.len() == 2);
        if ready {
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let plan = run.ok(&["promote", LINE, "test", "gray", "--dry-run"], 0);
    let order: Vec<usize> = ["ledger", "payment", "order", "front"]
        .iter()
        .map(|s| {
            plan.find(&format!("train/gray/{s}: deploy"))
                .unwrap_or_else(|| panic!("{s}:\n{plan}"))
        })
        .collect();
    assert!(
        order.windows(2).all(|w| w[0] < w[1]),
        "callees first:\n{plan}"
    );
    let out = run.wh(&[
        "promote",
        LINE,
        "test",
        "gray",
        "--yes",
        "--gate-window",
        "3",
        "--ready-timeout",
        "90",
        "--why",
        "train e2e",
    ]);
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "the gate stops it:\n{stdout}{stderr}"
    );
    assert!(
        stderr.contains("stopped: step 3 (order deploy 6.6.6): pods of 6.6.6 unhealthy"),
        "{stderr}"
    );
    assert!(
        stdout.contains("✓ step 2/4 train/gray/payment deploy 2.0.0: done"),
        "{stdout}"
    );
    // On the objects: ledger and payment moved, order's template took the bad version,
    // front was never touched.
    assert_eq!(
        gray_images().await,
        [
            at("front", "1.0.0"),
            at("order", "6.6.6"),
            at("payment", "2.0.0"),
            at("ledger", "2.0.0")
        ]
    );
    // Abort with rollback: the applied steps go back, newest first, each waited for.
    let back = run.ok(&["promote", "--resume", "--rollback", "--yes"], 0);
    let undone: Vec<usize> = ["order", "payment", "ledger"]
        .iter()
        .map(|s| {
            back.find(&format!("train/gray/{s}: deploy 1.0.0"))
                .unwrap_or_else(|| panic!("{s}:\n{back}"))
        })
        .collect();
    assert!(
        undone.windows(2).all(|w| w[0] < w[1]),
        "newest first:\n{back}"
    );
    assert!(
        back.ends_with("promote train test → gray: rolled back (3 steps undone)\n"),
        "{back}"
    );
    assert_eq!(
        gray_images().await,
        [
            at("front", "1.0.0"),
            at("order", "1.0.0"),
            at("payment", "1.0.0"),
            at("ledger", "1.0.0")
        ]
    );
    // One record for the train's run, one for its rollback, each with its end.
    let audit = std::fs::read_to_string(run.dir.join("audit.jsonl")).unwrap();
    let trains: Vec<Value> = audit
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|r| r.get("title").is_some())
        .collect();
    let results: Vec<&str> = trains
        .iter()
        .filter(|r| r["phase"] == "result")
        .map(|r| r["result"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(results.len(), 2, "{trains:#?}");
    assert!(results[0].starts_with("stopped: step 3"), "{results:?}");
    assert!(results[1].starts_with("rolled back"), "{results:?}");
    assert!(
        std::fs::read_dir(run.dir.join("trains"))
            .unwrap()
            .next()
            .is_none(),
        "the rolled-back train's file is gone"
    );
    for env in ["test", "gray"] {
        Api::<k8s_openapi::api::core::v1::Namespace>::all(client("wh-admin").await)
            .delete(&ns(env), &Default::default())
            .await
            .expect("namespace deleted");
    }
}
