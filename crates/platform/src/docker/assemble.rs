//! Inventory → product lines (pure): containers grouped by their line, environment and
//! service labels; a service's version is what most of its containers run, and a mix
//! of versions is a rollout (in progress while wheelhouse is replacing containers,
//! stalled otherwise). History comes from the label every wheelhouse-made container
//! carries.

use super::contract::*;
use super::inventory::{Container, Image, Inventory};
use crate::domain::secret::split_config;
use crate::domain::{
    Environment, Location, ProductLine, Release, ReleaseState, Replicas, Rollout, Service,
    ServiceKey, SplitMode, TrafficSplit,
};
use crate::kube::contract::{env_rank, tier};
use std::collections::{BTreeMap, BTreeSet};
use std::hash::{Hash, Hasher};

/// Product lines and environments shown: all labelled containers, or only the listed
/// (line, env) pairs when a catalog puts some environments on this engine.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    pub only: Vec<(String, String)>,
    /// Tiers the catalog gives (ahead of the label and the name).
    pub tiers: Vec<(String, String, crate::domain::Tier)>,
}

impl Scope {
    pub fn shows(&self, line: &str, env: &str) -> bool {
        self.only.is_empty() || self.only.iter().any(|(l, e)| l == line && e == env)
    }

    fn tier(&self, line: &str, env: &str) -> Option<crate::domain::Tier> {
        self.tiers
            .iter()
            .find(|(l, e, _)| l == line && e == env)
            .map(|(_, _, t)| *t)
    }
}

/// The revision of a service: its set of containers. Replacing, adding or removing one
/// changes it; a container turning healthy does not.
pub fn revision<'a>(containers: impl IntoIterator<Item = &'a Container>) -> String {
    let mut ids: Vec<&str> = containers.into_iter().map(|c| c.id.as_str()).collect();
    ids.sort_unstable();
    let mut h = std::collections::hash_map::DefaultHasher::new();
    ids.hash(&mut h);
    format!("c{}-{:016x}", ids.len(), h.finish())
}

/// The containers of one service, oldest first.
pub fn service_containers<'a>(inv: &'a Inventory, key: &ServiceKey) -> Vec<&'a Container> {
    let mut out: Vec<&Container> = inv
        .containers
        .values()
        .filter(|c| c.line == key.line && c.env == key.env && c.service == key.service)
        .collect();
    out.sort_by(|a, b| (a.created, &a.name).cmp(&(b.created, &b.name)));
    out
}

/// The release history a container carries (empty when none or unreadable).
pub fn history(c: &Container) -> Vec<Release> {
    c.labels
        .get(LABEL_HISTORY)
        .and_then(|h| serde_json::from_str(h).ok())
        .unwrap_or_default()
}

pub fn assemble(
    inv: &Inventory,
    engine: &str,
    scope: &Scope,
    in_flight: &BTreeSet<ServiceKey>,
) -> Vec<ProductLine> {
    let mut groups: BTreeMap<(String, String), BTreeMap<String, Vec<&Container>>> = BTreeMap::new();
    for c in inv.containers.values() {
        if !scope.shows(&c.line, &c.env) {
            continue;
        }
        groups
            .entry((c.line.clone(), c.env.clone()))
            .or_default()
            .entry(c.service.clone())
            .or_default()
            .push(c);
    }
    let mut lines: BTreeMap<String, Vec<Environment>> = BTreeMap::new();
    for ((line, env), services) in groups {
        let tier_label = services
            .values()
            .flatten()
            .find_map(|c| label(&c.labels, LABEL_TIER).cloned());
        let origin = services
            .values()
            .flatten()
            .find_map(|c| c.labels.get(LABEL_CREATED_FROM).cloned())
            .map(|from| format!("made from {from} by wheelhouse"));
        let services = services
            .into_iter()
            .map(|(name, mut containers)| {
                containers.sort_by(|a, b| (a.created, &a.name).cmp(&(b.created, &b.name)));
                let key = ServiceKey::new(&line, &env, &name);
                service(inv, &name, &containers, in_flight.contains(&key))
            })
            .collect();
        let env_tier = scope
            .tier(&line, &env)
            .unwrap_or_else(|| tier(tier_label.as_deref(), &env));
        let found_by = format!(
            "container labels {}={line}, {}={env}",
            crate::contract::LINE,
            crate::contract::ENV
        );
        lines.entry(line).or_default().push(Environment {
            tier: env_tier,
            name: env,
            location: Location::Docker {
                engine: engine.to_string(),
            },
            services,
            found_by,
            part_of: Vec::new(),
            lanes: Vec::new(),
            origin,
        });
    }
    lines
        .into_iter()
        .map(|(name, mut environments)| {
            environments
                .sort_by(|a, b| (env_rank(&a.name), &a.name).cmp(&(env_rank(&b.name), &b.name)));
            ProductLine { name, environments }
        })
        .collect()
}

fn image_named<'a>(inv: &'a Inventory, reference: &str) -> Option<&'a Image> {
    inv.images
        .iter()
        .find(|i| i.tags.iter().any(|t| t == reference))
}

/// One service from its containers (oldest first, at least one).
fn service(inv: &Inventory, name: &str, containers: &[&Container], writing: bool) -> Service {
    // Versions by how many containers run them; the newest container's version is the
    // target of a rollout when they differ.
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for c in containers {
        *counts.entry(c.version.as_str()).or_default() += 1;
    }
    let newest = containers.last().copied();
    let newest_version = newest.map(|c| c.version.as_str()).unwrap_or_default();
    let stable = if counts.len() > 1 {
        counts
            .iter()
            .filter(|(v, _)| **v != newest_version)
            .max_by_key(|(_, n)| **n)
            .map(|(v, _)| *v)
            .unwrap_or(newest_version)
    } else {
        newest_version
    };
    let representative = containers
        .iter()
        .rev()
        .find(|c| c.version == stable)
        .or(newest.as_ref())
        .copied();
    let desired = containers.len() as u32;
    let ready = containers.iter().filter(|c| c.ready()).count() as u32;
    let rollout = (counts.len() > 1).then(|| Rollout {
        problem: None,
        to_version: newest_version.to_string(),
        updated: containers
            .iter()
            .filter(|c| c.version == newest_version && c.ready())
            .count() as u32,
        total: desired,
    });
    let mut releases = newest.map(history).unwrap_or_default();
    if let (Some(r), Some(last)) = (&rollout, releases.last_mut())
        && last.to == r.to_version
    {
        last.state = if writing {
            ReleaseState::Progressing
        } else {
            ReleaseState::Failed
        };
    }
    let env_vars = representative
        .into_iter()
        .flat_map(|c| c.env_vars.iter())
        .map(|kv| kv.split_once('=').unwrap_or((kv.as_str(), "")))
        .filter(|(k, _)| !is_plumbing(k));
    let label = |k: &str| representative.and_then(|c| super::contract::label(&c.labels, k));
    let declared = crate::contract::list(label(LABEL_SECRET_KEYS));
    let (config, secret_keys) = split_config(env_vars, &declared);
    let image = representative.map(|c| c.image.clone()).unwrap_or_default();
    let line = representative.map(|c| c.line.as_str()).unwrap_or_default();
    let mut known: Vec<(&Image, String)> = inv
        .images
        .iter()
        .filter(|i| {
            i.service() == Some(name)
                && super::contract::label(&i.labels, LABEL_LINE).is_none_or(|l| l.as_str() == line)
        })
        .filter_map(|i| i.version().map(|v| (i, v)))
        .collect();
    known.sort_by(|a, b| (a.0.created, &a.1).cmp(&(b.0.created, &b.1)));
    let mut known_versions: Vec<String> = Vec::new();
    for (_, v) in known {
        if !known_versions.contains(&v) {
            known_versions.push(v);
        }
    }
    Service {
        name: name.to_string(),
        base_image: image_named(inv, &image)
            .and_then(|i| i.base())
            .unwrap_or_default()
            .to_string(),
        image,
        version: stable.to_string(),
        replicas: Replicas { desired, ready },
        capacity_rps: label(LABEL_CAPACITY)
            .and_then(|v| v.parse::<f64>().ok())
            .filter(|v| v.is_finite() && *v >= 0.0)
            .unwrap_or(0.0),
        dependencies: crate::contract::list(label(LABEL_DEPENDS_ON)),
        config,
        secret_keys,
        canary: None,
        traffic: TrafficSplit {
            mode: SplitMode::ReplicaRatio,
            ..TrafficSplit::default()
        },
        releases,
        rollout,
        revision: revision(containers.iter().copied()),
        known_versions,
        paused: false,
        pods: Vec::new(),
        events: Vec::new(),
        workload: None,
    }
}
