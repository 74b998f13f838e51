//! Environments on demand on the real control plane: `env create trade/qa-e2e --from test
//! --services order+deps` makes a namespace with the contract's labels holding order and
//! everything it calls (Deployments at the source's versions, Services, ConfigMaps; no
//! Secrets); `env delete` takes it all away. Checked on the objects.

use super::*;
use k8s_openapi::api::core::v1::{ConfigMap, Namespace, Secret};

const NS: &str = "trade-qa-e2e";

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs the local control plane (scripts/test.sh)"]
async fn an_environment_is_made_from_the_dependency_graph_and_deleted_on_the_objects() {
    let run = Run::new("envs");
    let c = client("wh-admin").await;
    let out = run.ok(
        &[
            "env",
            "create",
            "trade/qa-e2e",
            "--from",
            "test",
            "--services",
            "order+deps",
            "--set",
            "order.log_level=debug",
            "--yes",
            "--why",
            "env e2e",
        ],
        0,
    );
    assert!(
        out.ends_with("env create trade/qa-e2e from test: done (3/3 steps)\n"),
        "{out}"
    );
    assert!(
        out.contains("note: order: secret db_password is not copied"),
        "{out}"
    );
    let ns = Api::<Namespace>::all(c.clone())
        .get(NS)
        .await
        .expect("the namespace is made");
    let labels = ns.metadata.labels.unwrap_or_default();
    for (k, v) in [
        ("wheelhouse.dev/product-line", "trade"),
        ("wheelhouse.dev/environment", "qa-e2e"),
        ("wheelhouse.dev/tier", "non-production"),
        ("wheelhouse.dev/created-from", "test"),
    ] {
        assert_eq!(
            labels.get(k).map(String::as_str),
            Some(v),
            "{k}: {labels:?}"
        );
    }
    // order and what it calls, at the source's versions; nothing else.
    let made: Vec<String> = Api::<Deployment>::namespaced(c.clone(), NS)
        .list(&Default::default())
        .await
        .expect("deployments")
        .items
        .into_iter()
        .filter_map(|d| d.metadata.name)
        .collect();
    assert_eq!(made, ["inventory", "order", "payment"]);
    for name in ["inventory", "order", "payment"] {
        let source = deployment("trade-test", name).await.expect("source");
        let copy = deployment(NS, name).await.expect("copy");
        assert_eq!(image(&copy), image(&source), "{name}");
        assert!(
            Api::<Service>::namespaced(c.clone(), NS)
                .get_opt(name)
                .await
                .expect("service")
                .is_some(),
            "{name}'s Service"
        );
    }
    // Config copied with the key set over it; secrets never.
    let order_config = Api::<ConfigMap>::namespaced(c.clone(), NS)
        .get("order-config")
        .await
        .expect("order's ConfigMap copied");
    assert_eq!(
        order_config
            .data
            .unwrap_or_default()
            .get("log_level")
            .map(String::as_str),
        Some("debug")
    );
    let secrets = Api::<Secret>::namespaced(c.clone(), NS)
        .list(&Default::default())
        .await
        .expect("secrets")
        .items;
    assert!(secrets.is_empty(), "no Secret is copied: {secrets:?}");
    // At once in the tree and status.
    let status = run.status("trade/qa-e2e");
    let envs = &status["product_lines"][0]["environments"];
    assert_eq!(envs[0]["name"], "qa-e2e", "{status}");
    assert!(
        envs[0]["origin"]
            .as_str()
            .is_some_and(|o| o.contains("test")),
        "{status}"
    );
    // A copy into it again is refused (it has them); deleting a source is refused.
    let refused = run.ok(&["env", "delete", "trade/test", "--yes"], 3);
    assert!(refused.contains("was not made by wheelhouse"), "{refused}");
    let out = run.ok(&["env", "delete", "trade/qa-e2e", "--yes"], 0);
    assert!(
        out.ends_with("env delete trade/qa-e2e: done (3/3 steps)\n"),
        "{out}"
    );
    // Gone, not only terminating: the tests after this one see no trace of it.
    let mut gone = false;
    for _ in 0..300 {
        if Api::<Namespace>::all(c.clone())
            .get_opt(NS)
            .await
            .expect("get")
            .is_none()
        {
            gone = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(gone, "the namespace goes with its last service");
    let audit = std::fs::read_to_string(run.dir.join("audit.jsonl")).unwrap();
    let trains: Vec<Value> = audit
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|r| r.get("title").is_some() && r["phase"] == "result")
        .collect();
    assert_eq!(trains.len(), 2, "{trains:#?}");
    assert!(trains.iter().all(|r| r["result"] == "done"), "{trains:#?}");
}
