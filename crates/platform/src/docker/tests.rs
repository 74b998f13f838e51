//! Unit tests of the Docker platform: assembly from inventories and change plans.

use super::assemble::{Scope, assemble, revision};
use super::contract::*;
use super::inventory::{Container, Image, Inventory, repo_of, tag_of};
use super::writes::{Step, next_name, plan};
use crate::PlatformError;
use crate::domain::change::{Change, ChangeRequest};
use crate::domain::{Release, ReleaseState, ServiceKey, Tier};
use std::collections::{BTreeMap, BTreeSet};

fn container(
    name: &str,
    env: &str,
    svc: &str,
    version: &str,
    created: i64,
    ready: bool,
) -> Container {
    let mut labels = BTreeMap::new();
    labels.insert(LABEL_LINE.to_string(), "shop".to_string());
    labels.insert(LABEL_ENV.to_string(), env.to_string());
    labels.insert(LABEL_SERVICE.to_string(), svc.to_string());
    labels.insert(LABEL_VERSION.to_string(), version.to_string());
    labels.insert(LABEL_CAPACITY.to_string(), "50".to_string());
    labels.insert(LABEL_DEPENDS_ON.to_string(), "cart, ".to_string());
    Container {
        id: format!("id-{name}"),
        name: name.to_string(),
        line: "shop".into(),
        env: env.into(),
        service: svc.into(),
        version: version.into(),
        image: format!("wh-test/{svc}:{version}"),
        image_id: format!("sha256:{svc}{version}"),
        state: "running".into(),
        health: Some(if ready { "healthy" } else { "starting" }.into()),
        created,
        labels,
        env_vars: vec![
            "PATH=/bin".into(),
            "LOG_LEVEL=debug".into(),
            "DB_PASSWORD=s3cret".into(),
        ],
        seen: created as u64,
    }
}

fn image(svc: &str, version: &str, created: i64) -> Image {
    let mut labels = BTreeMap::new();
    labels.insert(LABEL_SERVICE.to_string(), svc.to_string());
    labels.insert(LABEL_VERSION.to_string(), version.to_string());
    labels.insert(OCI_BASE.to_string(), "wh-test/base:1.0".to_string());
    Image {
        id: format!("sha256:{svc}{version}"),
        tags: vec![format!("wh-test/{svc}:{version}")],
        size: 2_000_000,
        created,
        labels,
    }
}

fn inventory(containers: Vec<Container>) -> Inventory {
    Inventory {
        containers: containers.into_iter().map(|c| (c.id.clone(), c)).collect(),
        images: vec![
            image("web", "1.0.0", 1),
            image("web", "1.1.0", 2),
            image("web", "1.2.0", 3),
            image("cart", "2.0.0", 1),
        ],
        listed_at: 0,
    }
}

/// Gives a container the history label of one release 1.1.0 → 1.2.0 made at `when`.
fn released(c: &mut Container, when: i64) {
    let history = vec![Release {
        revision: 1,
        from: "1.1.0".into(),
        to: "1.2.0".into(),
        who: "ana".into(),
        when,
        why: "".into(),
        state: ReleaseState::Complete,
    }];
    c.labels.insert(
        LABEL_HISTORY.into(),
        serde_json::to_string(&history).unwrap(),
    );
}

fn request(change: Change) -> ChangeRequest {
    ChangeRequest {
        target: ServiceKey::new("shop", "dev", "web"),
        change,
        expected_revision: String::new(),
        who: "ana".into(),
        why: "drill".into(),
    }
}

#[test]
fn containers_become_environments_and_services() {
    let inv = inventory(vec![
        container("wh-shop-dev-web-1", "dev", "web", "1.1.0", 10, true),
        container("wh-shop-dev-web-2", "dev", "web", "1.1.0", 11, false),
        container("wh-shop-dev-cart-1", "dev", "cart", "2.0.0", 10, true),
        container("wh-shop-prod-web-1", "prod", "web", "1.0.0", 10, true),
    ]);
    let lines = assemble(&inv, "unix:///d.sock", &Scope::default(), &BTreeSet::new());
    assert_eq!(lines.len(), 1);
    let envs: Vec<&str> = lines[0]
        .environments
        .iter()
        .map(|e| e.name.as_str())
        .collect();
    assert_eq!(envs, ["dev", "prod"], "promotion order");
    assert_eq!(lines[0].environments[1].tier, Tier::Production);
    let web = lines[0].environments[0].service("web").unwrap();
    assert_eq!(web.version, "1.1.0");
    assert_eq!((web.replicas.desired, web.replicas.ready), (2, 1));
    assert_eq!(web.capacity_rps, 50.0);
    assert_eq!(web.dependencies, ["cart"]);
    assert_eq!(web.base_image, "wh-test/base:1.0");
    assert_eq!(web.known_versions, ["1.0.0", "1.1.0", "1.2.0"]);
    assert_eq!(
        web.config.get("LOG_LEVEL").map(String::as_str),
        Some("debug")
    );
    assert!(!web.config.contains_key("PATH"), "plumbing is not config");
    assert_eq!(
        web.secret_keys.names().collect::<Vec<_>>(),
        ["DB_PASSWORD"],
        "secret values are never carried"
    );
    assert!(web.rollout.is_none() && web.canary.is_none());
    let only_dev = Scope {
        only: vec![("shop".into(), "dev".into())],
        tiers: vec![("shop".into(), "dev".into(), Tier::Production)],
    };
    let scoped = assemble(&inv, "e", &only_dev, &BTreeSet::new());
    assert_eq!(
        scoped[0].environments[0].tier,
        Tier::Production,
        "the catalog's tier wins over the name"
    );
    assert_eq!(
        scoped[0].environments.len(),
        1,
        "a catalog scope keeps only its environments"
    );
}

#[test]
fn mixed_versions_are_a_rollout_in_progress_or_stalled() {
    let mut new = container("wh-shop-dev-web-3", "dev", "web", "1.2.0", 20, true);
    released(&mut new, 20);
    let inv = inventory(vec![
        container("wh-shop-dev-web-1", "dev", "web", "1.1.0", 10, true),
        new,
    ]);
    let key = ServiceKey::new("shop", "dev", "web");
    let writing: BTreeSet<ServiceKey> = [key.clone()].into();
    let lines = assemble(&inv, "e", &Scope::default(), &writing);
    let web = lines[0].environments[0].service("web").unwrap();
    assert_eq!(web.version, "1.1.0");
    let r = web.rollout.as_ref().unwrap();
    assert_eq!((r.to_version.as_str(), r.updated, r.total), ("1.2.0", 1, 2));
    assert_eq!(
        web.releases.last().unwrap().state,
        ReleaseState::Progressing
    );
    let lines = assemble(&inv, "e", &Scope::default(), &BTreeSet::new());
    let web = lines[0].environments[0].service("web").unwrap();
    assert_eq!(
        web.releases.last().unwrap().state,
        ReleaseState::Failed,
        "stalled"
    );
}

#[test]
fn the_revision_follows_the_set_of_containers_not_their_health() {
    let a = container("a-1", "dev", "web", "1", 1, true);
    let mut a2 = a.clone();
    a2.health = Some("unhealthy".into());
    let b = container("a-2", "dev", "web", "1", 2, true);
    assert_eq!(revision([&a, &b]), revision([&b, &a2]));
    assert_ne!(revision([&a]), revision([&a, &b]));
}

#[test]
fn deploy_replaces_each_container_with_the_new_image_and_records_the_release() {
    let inv = inventory(vec![
        container("wh-shop-dev-web-1", "dev", "web", "1.1.0", 10, true),
        container("wh-shop-dev-web-2", "dev", "web", "1.1.0", 11, true),
    ]);
    let lines = assemble(&inv, "e", &Scope::default(), &BTreeSet::new());
    let web = lines[0].environments[0].service("web").unwrap();
    let p = plan(
        &inv,
        web,
        &request(Change::Deploy {
            version: "1.2.0".into(),
        }),
        "now",
        99,
    )
    .unwrap();
    assert_eq!(p.steps.len(), 2);
    assert!(
        p.steps
            .iter()
            .all(|s| matches!(s, Step::Replace { image, .. } if image == "wh-test/web:1.2.0"))
    );
    let labels: BTreeMap<_, _> = p.labels.iter().cloned().collect();
    assert_eq!(labels[LABEL_VERSION], "1.2.0");
    assert_eq!(labels[LABEL_CHANGED_BY], "ana");
    let history: Vec<Release> = serde_json::from_str(&labels[LABEL_HISTORY]).unwrap();
    let last = history.last().unwrap();
    assert_eq!(
        (last.from.as_str(), last.to.as_str(), last.when),
        ("1.1.0", "1.2.0", 99)
    );
    // An image the engine does not have is refused before anything happens.
    let missing = plan(
        &inv,
        web,
        &request(Change::Deploy {
            version: "9.9.9".into(),
        }),
        "now",
        99,
    );
    assert!(
        matches!(&missing, Err(PlatformError::NotFound { what }) if what.contains("wh-test/web:9.9.9")),
        "{missing:?}"
    );
}

#[test]
fn rollback_goes_to_the_recorded_previous_version_and_marks_the_release() {
    let mut c = container("wh-shop-dev-web-1", "dev", "web", "1.2.0", 10, true);
    released(&mut c, 5);
    let inv = inventory(vec![c]);
    let lines = assemble(&inv, "e", &Scope::default(), &BTreeSet::new());
    let web = lines[0].environments[0].service("web").unwrap();
    let p = plan(&inv, web, &request(Change::Rollback), "now", 99).unwrap();
    assert!(matches!(&p.steps[..], [Step::Replace { image, .. }] if image == "wh-test/web:1.1.0"));
    let labels: BTreeMap<_, _> = p.labels.iter().cloned().collect();
    let history: Vec<Release> = serde_json::from_str(&labels[LABEL_HISTORY]).unwrap();
    assert_eq!(history[0].state, ReleaseState::RolledBack);
    assert_eq!(
        (history[1].from.as_str(), history[1].to.as_str()),
        ("1.2.0", "1.1.0")
    );
    // Without history there is nothing to roll back to.
    let inv = inventory(vec![container("x-1", "dev", "web", "1.1.0", 1, true)]);
    let lines = assemble(&inv, "e", &Scope::default(), &BTreeSet::new());
    let web = lines[0].environments[0].service("web").unwrap();
    assert!(plan(&inv, web, &request(Change::Rollback), "now", 1).is_err());
}

#[test]
fn scale_adds_or_removes_unready_and_newest_first_and_canaries_are_refused() {
    let inv = inventory(vec![
        container("w-1", "dev", "web", "1.1.0", 10, true),
        container("w-2", "dev", "web", "1.1.0", 11, false),
        container("w-3", "dev", "web", "1.1.0", 12, true),
    ]);
    let lines = assemble(&inv, "e", &Scope::default(), &BTreeSet::new());
    let web = lines[0].environments[0].service("web").unwrap();
    let down = plan(&inv, web, &request(Change::Scale { replicas: 1 }), "now", 1).unwrap();
    let removed: Vec<&str> = down
        .steps
        .iter()
        .map(|s| match s {
            Step::Remove { old } => old.name.as_str(),
            _ => "?",
        })
        .collect();
    assert_eq!(removed, ["w-2", "w-3"]);
    let up = plan(&inv, web, &request(Change::Scale { replicas: 5 }), "now", 1).unwrap();
    assert_eq!(up.steps.len(), 2);
    assert!(plan(&inv, web, &request(Change::Scale { replicas: 0 }), "now", 1).is_err());
    let restart = plan(&inv, web, &request(Change::Restart), "now", 1).unwrap();
    assert_eq!(restart.steps.len(), 3);
    let canary = plan(
        &inv,
        web,
        &request(Change::SetCanaryWeight { weight: 10 }),
        "now",
        1,
    );
    assert!(
        matches!(canary, Err(PlatformError::Invalid { reason }) if reason.contains("no traffic router"))
    );
    let pause = plan(&inv, web, &request(Change::Pause), "now", 1);
    assert!(
        matches!(&pause, Err(PlatformError::Invalid { reason }) if reason.starts_with("pausing a rollout is not supported on Docker")),
        "{pause:?}"
    );
}

#[test]
fn names_and_references() {
    let taken: BTreeSet<String> = ["wh-shop-dev-web-1", "wh-shop-dev-web-2"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(next_name("wh-shop-dev-web-1", &taken), "wh-shop-dev-web-3");
    assert_eq!(next_name("web", &BTreeSet::new()), "web-1");
    assert_eq!(tag_of("registry:5000/team/web:1.2.0"), "1.2.0");
    assert_eq!(tag_of("registry:5000/team/web"), "latest");
    assert_eq!(
        repo_of("registry:5000/team/web:1.2.0"),
        "registry:5000/team/web"
    );
    assert_eq!(repo_of("web"), "web");
}

#[test]
fn container_deaths_and_bad_health_are_told_in_words() {
    use super::worker::notice;
    let attrs: std::collections::HashMap<String, String> = [
        (LABEL_LINE, "shop"),
        (LABEL_ENV, "dev"),
        (LABEL_SERVICE, "web"),
        ("name", "wh-shop-dev-web-2"),
        ("exitCode", "137"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    assert_eq!(
        notice("die", &attrs).as_deref(),
        Some("shop/dev/web: wh-shop-dev-web-2 exited with code 137")
    );
    assert!(
        notice("health_status: unhealthy", &attrs)
            .unwrap()
            .ends_with("is unhealthy")
    );
    assert_eq!(notice("start", &attrs), None);
    assert_eq!(notice("health_status: healthy", &attrs), None);
}

#[test]
fn a_list_taken_during_events_does_not_undo_them() {
    // Held: a (read at 10), b (read at 30, after the list began at 20).
    let mut held = inventory(vec![
        container("a", "dev", "web", "1", 10, true),
        container("b", "dev", "web", "1", 30, false),
    ]);
    // The list (begun at 20): a and b as read then, c which was destroyed at 25.
    let mut fresh = inventory(vec![
        container("a", "dev", "web", "1", 21, false),
        container("b", "dev", "web", "1", 22, true),
        container("c", "dev", "web", "1", 23, true),
    ]);
    fresh.listed_at = 20;
    let gone: BTreeMap<String, u64> = [("id-c".to_string(), 25)].into();
    held.merge(fresh, &gone);
    let ids: Vec<&str> = held.containers.keys().map(String::as_str).collect();
    assert_eq!(ids, ["id-a", "id-b"], "c stays removed");
    assert_eq!(
        held.containers["id-a"].seen, 21,
        "the list's newer read of a"
    );
    assert_eq!(
        held.containers["id-b"].seen, 30,
        "the event's newer read of b"
    );
    // A container the list no longer has and nobody read since is gone.
    let mut held = inventory(vec![container("d", "dev", "web", "1", 5, true)]);
    let mut fresh = inventory(vec![]);
    fresh.listed_at = 20;
    held.merge(fresh, &BTreeMap::new());
    assert!(held.containers.is_empty());
}

#[test]
fn rolling_back_a_stalled_rollout_returns_to_what_the_rest_runs() {
    let mut new = container("w-3", "dev", "web", "1.2.0", 20, true);
    released(&mut new, 20);
    let inv = inventory(vec![container("w-1", "dev", "web", "1.1.0", 10, true), new]);
    let lines = assemble(&inv, "e", &Scope::default(), &BTreeSet::new());
    let web = lines[0].environments[0].service("web").unwrap();
    assert!(web.rollout.is_some());
    let p = plan(&inv, web, &request(Change::Rollback), "now", 99).unwrap();
    let replaced: Vec<&str> = p
        .steps
        .iter()
        .map(|s| match s {
            Step::Replace { old, image } if image == "wh-test/web:1.1.0" => old.name.as_str(),
            _ => "?",
        })
        .collect();
    assert_eq!(replaced, ["w-3"], "only the stalled container goes back");
    let labels: BTreeMap<_, _> = p.labels.iter().cloned().collect();
    let history: Vec<Release> = serde_json::from_str(&labels[LABEL_HISTORY]).unwrap();
    assert_eq!(history[0].state, ReleaseState::RolledBack);
    assert_eq!(
        (history[1].from.as_str(), history[1].to.as_str()),
        ("1.2.0", "1.1.0")
    );
}

#[test]
fn a_version_is_found_by_its_labels_when_the_tag_differs() {
    let mut inv = inventory(vec![container("w-1", "dev", "web", "1.1.0", 10, true)]);
    let mut odd = image("web", "2.0.0", 9);
    odd.tags = vec!["registry.local/web:build-77".into()];
    inv.images.push(odd);
    let lines = assemble(&inv, "e", &Scope::default(), &BTreeSet::new());
    let web = lines[0].environments[0].service("web").unwrap();
    assert!(web.known_versions.contains(&"2.0.0".to_string()));
    let p = plan(
        &inv,
        web,
        &request(Change::Deploy {
            version: "2.0.0".into(),
        }),
        "now",
        1,
    )
    .unwrap();
    assert!(
        matches!(&p.steps[..], [Step::Replace { image, .. }] if image == "registry.local/web:build-77")
    );
}

#[test]
fn the_former_label_keys_are_still_read_and_named() {
    let inspect = |labels: serde_json::Value| -> bollard::models::ContainerInspectResponse {
        serde_json::from_value(serde_json::json!({
            "Id": "c1", "Name": "/web-1",
            "Config": { "Image": "wh-test/web:1.1.0", "Labels": labels, "Env": ["A=1"] },
            "State": { "Status": "running" }
        }))
        .unwrap()
    };
    let former = inspect(serde_json::json!({
        "wheelhouse.dev/line": "shop", "wheelhouse.dev/env": "dev",
        "wheelhouse.dev/service": "web", "wheelhouse.dev/version": "1.1.0",
        "wheelhouse.dev/capacity": "50"
    }));
    let c = crate::docker::inventory::container(&former).expect("read");
    assert_eq!(
        (c.line.as_str(), c.env.as_str(), c.service.as_str()),
        ("shop", "dev", "web")
    );
    assert_eq!(c.version, "1.1.0");
    let notices = crate::contract::former_keys_used(c.labels.keys());
    assert_eq!(notices.len(), 5, "{notices:?}");
    assert!(
        notices
            .iter()
            .any(|n| n.contains("use wheelhouse.dev/product-line"))
    );
    let now = inspect(serde_json::json!({
        LABEL_LINE: "shop", LABEL_ENV: "dev", LABEL_SERVICE: "web", LABEL_VERSION: "1.2.0"
    }));
    let c = crate::docker::inventory::container(&now).expect("read");
    assert_eq!(c.version, "1.2.0");
    assert!(crate::contract::former_keys_used(c.labels.keys()).is_empty());
    let neither = inspect(serde_json::json!({ "app": "web" }));
    assert!(crate::docker::inventory::container(&neither).is_none());
}
