//! From the watched objects to the cockpit's model: environments as `discover` finds them,
//! services from Deployments, StatefulSets and Rollouts (`workloads`), history from
//! ReplicaSets, traffic from HTTPRoutes (or the replica ratio), config from ConfigMaps,
//! secret key names from Secrets, pods by owner. Pure: the same inventory gives the same
//! snapshot.

use super::contract::*;
use super::inventory::*;
use super::route;
use crate::domain::*;
use std::collections::BTreeMap;

pub use super::discover::{EnvBinding, Source, bindings};

/// The snapshot, plus problems worth telling the operator (missing labels and annotations).
pub fn snapshot(inv: &Inventory, bindings: &[EnvBinding]) -> (Snapshot, Vec<String>) {
    let mut problems = Vec::new();
    let mut lines: BTreeMap<&str, Vec<Environment>> = BTreeMap::new();
    for b in bindings {
        let env = environment(inv, b, &mut problems);
        lines.entry(b.line.as_str()).or_default().push(env);
    }
    // The namespaces that follow no convention come last.
    let mut ordered: Vec<(&str, Vec<Environment>)> = lines.into_iter().collect();
    ordered.sort_by_key(|(name, _)| *name == crate::domain::OTHER_NAMESPACES);
    let product_lines = ordered
        .into_iter()
        .map(|(name, mut envs)| {
            envs.sort_by(|a, b| {
                env_rank(&a.name)
                    .cmp(&env_rank(&b.name))
                    .then(a.name.cmp(&b.name))
            });
            ProductLine {
                name: name.to_string(),
                environments: envs,
            }
        })
        .collect();
    (Snapshot { product_lines }, problems)
}

fn environment(inv: &Inventory, b: &EnvBinding, problems: &mut Vec<String>) -> Environment {
    let gateway = inv.gateway_api.contains(&b.context);
    let services = super::workloads::of(inv, b, problems)
        .iter()
        .map(|(app, found)| service(inv, b, app, found, gateway, problems))
        .collect();
    Environment {
        name: b.env.clone(),
        tier: b.tier,
        location: Location::Kube {
            context: b.context.clone(),
            namespace: b.namespace.clone(),
        },
        services,
        found_by: b.found_by.clone(),
        part_of: b.part_of.iter().flatten().cloned().collect(),
        lanes: super::workloads::lanes(inv, b),
        origin: b.origin.clone(),
    }
}

/// The revision of a service: the generations (spec changes) of the objects it is read
/// from. A status update (a pod becoming ready) does not change it; somebody else's
/// change to the stable or canary spec or to the route does.
pub fn revision(
    stable: &WorkloadInfo,
    canary: Option<&WorkloadInfo>,
    route: Option<&route::Route>,
) -> String {
    format!(
        "{}/{}/{}",
        stable.generation,
        canary.map_or("-".to_string(), |c| c.generation.to_string()),
        route.map_or("-".to_string(), |r| r.generation.to_string())
    )
}

/// Capacity from the annotation; its absence is worth a word only where the namespace
/// follows wheelhouse's contract (elsewhere nobody promised it).
fn capacity(b: &EnvBinding, key: &ObjKey, d: &WorkloadInfo, problems: &mut Vec<String>) -> f64 {
    let contract = matches!(b.source, Source::Catalog | Source::Labels);
    match d
        .annotations
        .get(ANN_CAPACITY)
        .map(|v| v.trim().parse::<f64>())
    {
        Some(Ok(c)) if c.is_finite() && c >= 0.0 => c,
        Some(_) => {
            problems.push(format!(
                "deployment {}/{}: {ANN_CAPACITY} is not a number",
                b.namespace, key.name
            ));
            0.0
        }
        None if contract => {
            problems.push(format!(
                "deployment {}/{} has no {ANN_CAPACITY} annotation: capacity unknown",
                b.namespace, key.name
            ));
            0.0
        }
        None => 0.0,
    }
}

fn service(
    inv: &Inventory,
    b: &EnvBinding,
    app: &str,
    found: &super::workloads::Found,
    gateway: bool,
    problems: &mut Vec<String>,
) -> Service {
    let (key, d) = found.stable;
    let canary = found.canary;
    let version = d
        .template_version
        .clone()
        .or_else(|| d.labels.get(LABEL_VERSION).cloned())
        .or_else(|| image_tag(&d.image).map(String::from))
        .unwrap_or_else(|| "unknown".into());
    let capacity_rps = capacity(b, key, d, problems);
    let route_key = ObjKey::new(&b.context, &b.namespace, app);
    let route = inv.route(&route_key).or_else(|| {
        inv.in_namespace(Kind::Route, &b.context, &b.namespace)
            .find_map(|(_, o)| match o {
                Obj::Route(r) if r.app == app => Some(r),
                _ => None,
            })
    });
    let canary_name = canary_name(app);
    let canary_model = canary.map(|(_, c)| Canary {
        version: c
            .template_version
            .clone()
            .or_else(|| image_tag(&c.image).map(String::from))
            .unwrap_or_else(|| "unknown".into()),
        image: c.image.clone(),
        replicas: Replicas {
            desired: c.replicas,
            ready: c.ready,
        },
    });
    let traffic = match (gateway, route) {
        (true, Some(r)) => {
            let s = route::split(&r.rules, app, &canary_name);
            let canary_version = canary_model
                .as_ref()
                .map_or("?".into(), |c| c.version.clone());
            TrafficSplit {
                canary_weight: s.canary_weight,
                tag_routes: s
                    .tags
                    .into_iter()
                    .map(|tag| TagRoute {
                        tag,
                        version: canary_version.clone(),
                    })
                    .collect(),
                mode: SplitMode::Gateway,
            }
        }
        _ => {
            let c = canary_model.as_ref().map_or(0, |c| c.replicas.ready);
            let total = d.ready + c;
            TrafficSplit {
                canary_weight: route::percent(c as u64, total as u64),
                tag_routes: Vec::new(),
                mode: SplitMode::ReplicaRatio,
            }
        }
    };
    let (config, secret_keys) = config_of(inv, b, app, d);
    let keyed_sets = replica_sets(inv, b, d);
    let sets: Vec<&ReplicaSetInfo> = keyed_sets.iter().map(|(_, rs)| *rs).collect();
    let releases = releases(&sets, d);
    let mut known_versions = list(d.annotations.get(ANN_VERSIONS));
    for r in &releases {
        for v in [&r.from, &r.to] {
            if !v.is_empty() && !known_versions.contains(v) {
                known_versions.push(v.clone());
            }
        }
    }
    if let Some(c) = &canary_model
        && !known_versions.contains(&c.version)
    {
        known_versions.push(c.version.clone());
    }
    // A rollout: pods of an older revision remain (scaling alone is not one).
    let newest = sets.iter().map(|rs| rs.revision).max().unwrap_or(0);
    let old_pods = sets
        .iter()
        .any(|rs| rs.revision < newest && rs.replicas > 0);
    let rollout = old_pods.then(|| Rollout {
        to_version: version.clone(),
        updated: d.updated.min(d.replicas),
        total: d.replicas,
        problem: d.progress_problem.clone(),
    });
    let pods = pods_of(inv, b, app, found, &version, &keyed_sets);
    Service {
        name: app.to_string(),
        image: d.image.clone(),
        base_image: d
            .annotations
            .get(ANN_BASE_IMAGE)
            .cloned()
            .unwrap_or_default(),
        version,
        replicas: Replicas {
            desired: d.replicas,
            ready: d.ready,
        },
        capacity_rps,
        dependencies: list(d.annotations.get(ANN_DEPENDS_ON)),
        config,
        secret_keys,
        revision: revision(d, canary.map(|(_, c)| c), route),
        canary: canary_model,
        traffic,
        releases,
        rollout,
        known_versions,
        paused: d.paused,
        events: events_of(
            inv,
            b,
            &key.name,
            canary.map(|(k, _)| k.name.as_str()),
            &pods,
        ),
        pods,
        workload: Some(crate::domain::workload::Workload {
            kind: d.kind,
            name: key.name.clone(),
            step: d.step.clone(),
        }),
    }
}

/// The events of a service's Deployments, their ReplicaSets (`<deployment>-<hash>`) and
/// its pods, newest first.
fn events_of(
    inv: &Inventory,
    b: &EnvBinding,
    stable: &str,
    canary: Option<&str>,
    pods: &[crate::domain::pods::Pod],
) -> Vec<crate::domain::events::ObjectEvent> {
    let pod_names: std::collections::BTreeSet<&str> =
        pods.iter().map(|p| p.name.as_str()).collect();
    let workloads: Vec<&str> = std::iter::once(stable).chain(canary).collect();
    let ours = |kind: &str, name: &str| match kind {
        "Deployment" | "StatefulSet" | "Rollout" => workloads.contains(&name),
        "ReplicaSet" => workloads.iter().any(|d| replica_set_of(d, name)),
        "Pod" => pod_names.contains(name),
        _ => false,
    };
    let events = inv
        .in_namespace(Kind::Event, &b.context, &b.namespace)
        .filter_map(|(_, o)| match o {
            Obj::Event(e) if ours(&e.kind, &e.name) => Some(e.event.clone()),
            _ => None,
        })
        .collect();
    crate::domain::events::newest(events)
}

/// Whether `name` is a ReplicaSet of Deployment `deployment` (`<deployment>-<hash>`): the
/// ReplicaSets of `order-api` are not those of `order`.
fn replica_set_of(deployment: &str, name: &str) -> bool {
    name.strip_prefix(deployment)
        .and_then(|rest| rest.strip_prefix('-'))
        .is_some_and(|hash| !hash.is_empty() && !hash.contains('-'))
}

/// The pods of a service (stable first, then canary; by name): those its workloads
/// control (through their ReplicaSets, or a StatefulSet's own), and unowned pods labelled
/// with its name. A pod's version is its label's, else its ReplicaSet's, else the
/// service's.
fn pods_of(
    inv: &Inventory,
    b: &EnvBinding,
    app: &str,
    found: &super::workloads::Found,
    version: &str,
    stable_sets: &[(&ObjKey, &ReplicaSetInfo)],
) -> Vec<crate::domain::pods::Pod> {
    // Owner name → (canary?, version of its pods).
    let mut owners: BTreeMap<&str, (bool, &str)> = BTreeMap::new();
    owners.insert(found.stable.0.name.as_str(), (false, version));
    let canary_sets = found.canary.map(|(_, w)| replica_sets(inv, b, w));
    for (rs_key, rs) in stable_sets {
        owners.insert(rs_key.name.as_str(), (false, rs.version.as_str()));
    }
    if let Some((key, _)) = found.canary {
        owners.insert(key.name.as_str(), (true, version));
    }
    for (rs_key, rs) in canary_sets.iter().flatten() {
        owners.insert(rs_key.name.as_str(), (true, rs.version.as_str()));
    }
    let mut pods: Vec<crate::domain::pods::Pod> = inv
        .in_namespace(Kind::Pod, &b.context, &b.namespace)
        .filter_map(|(_, o)| match o {
            Obj::Pod(p) => {
                let owned = p.owner.as_deref().and_then(|o| owners.get(o));
                let labelled = p.owner.is_none() && p.app.as_deref() == Some(app);
                let mut pod = match (owned, labelled) {
                    (Some(_), _) | (None, true) => p.pod.clone(),
                    _ => return None,
                };
                if let Some((canary, owner_version)) = owned {
                    pod.canary |= *canary;
                    if pod.version.is_empty() {
                        pod.version = owner_version.to_string();
                    }
                }
                Some(pod)
            }
            _ => None,
        })
        .collect();
    pods.sort_by(|a, b| (a.canary, &a.name).cmp(&(b.canary, &b.name)));
    pods
}

/// A workload's ReplicaSets, oldest revision first.
fn replica_sets<'a>(
    inv: &'a Inventory,
    b: &'a EnvBinding,
    d: &WorkloadInfo,
) -> Vec<(&'a ObjKey, &'a ReplicaSetInfo)> {
    let mut sets: Vec<(&ObjKey, &ReplicaSetInfo)> = inv
        .in_namespace(Kind::ReplicaSet, &b.context, &b.namespace)
        .filter_map(|(k, o)| match o {
            Obj::ReplicaSet(rs) if rs.owner_uid.as_deref() == Some(d.uid.as_str()) => {
                Some((k, rs.as_ref()))
            }
            _ => None,
        })
        .collect();
    sets.sort_by_key(|(_, rs)| rs.revision);
    sets
}

fn releases(sets: &[&ReplicaSetInfo], d: &WorkloadInfo) -> Vec<Release> {
    let mut out: Vec<Release> = Vec::new();
    let mut previous = String::new();
    for rs in sets {
        let when = rs
            .annotations
            .get(ANN_CHANGED_AT)
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
            .map_or(rs.created, |t| t.timestamp());
        let why = rs
            .annotations
            .get(ANN_CHANGE_WHY)
            .or_else(|| rs.annotations.get(ANN_CHANGE_CAUSE))
            .cloned()
            .unwrap_or_default();
        if let Some(rev) = rs
            .annotations
            .get(ANN_SUPERSEDES)
            .and_then(|r| r.parse::<u64>().ok())
            && let Some(replaced) = out.iter_mut().find(|r| r.revision == rev)
        {
            // It never finished: this release moves from what ran before it.
            replaced.state = ReleaseState::Superseded;
            previous = replaced.from.clone();
        }
        if let Some(to) = rs.annotations.get(ANN_ROLLBACK_TO) {
            // The release this one undid is the latest one that arrived at `previous`.
            if let Some(undone) = out
                .iter_mut()
                .rev()
                .find(|r| r.to == previous && to.parse::<u64>().is_ok())
            {
                undone.state = ReleaseState::RolledBack;
            }
        }
        out.push(Release {
            revision: rs.revision,
            from: previous.clone(),
            to: rs.version.clone(),
            who: rs
                .annotations
                .get(ANN_CHANGED_BY)
                .cloned()
                .unwrap_or_default(),
            when,
            why,
            state: ReleaseState::Complete,
        });
        previous = rs.version.clone();
    }
    if let Some(last) = out.last_mut() {
        if d.failed {
            last.state = ReleaseState::Failed;
        } else if sets
            .iter()
            .any(|rs| rs.revision < last.revision && rs.replicas > 0)
        {
            last.state = ReleaseState::Progressing;
        }
    }
    out
}

/// A service's config and secret keys: the ConfigMaps and Secrets labelled with its name
/// (the contract) and those its pod template reads (any workload), only the keys it reads
/// where a reference names one. A secret-looking key in a ConfigMap is treated as the
/// secret it is.
fn config_of(
    inv: &Inventory,
    b: &EnvBinding,
    app: &str,
    d: &WorkloadInfo,
) -> (BTreeMap<String, String>, crate::domain::secret::Secrets) {
    let refs = &d.refs;
    let mut raw = BTreeMap::new();
    for (k, o) in inv.in_namespace(Kind::ConfigMap, &b.context, &b.namespace) {
        let Obj::ConfigMap(c) = o else { continue };
        let labelled = c.app.as_deref() == Some(app);
        let read = |key: &str| labelled || refs.config_maps.iter().any(|r| r.reads(&k.name, key));
        raw.extend(
            c.data
                .iter()
                .filter(|(key, _)| read(key))
                .map(|(key, v)| (key.as_str(), v.as_str())),
        );
    }
    let declared = list(d.annotations.get(ANN_SECRET_KEYS));
    let (config, mut secret_keys) = crate::domain::secret::split_config(raw, &declared);
    for (k, o) in inv.in_namespace(Kind::Secret, &b.context, &b.namespace) {
        let Obj::Secret(s) = o else { continue };
        let labelled = s.app.as_deref() == Some(app);
        secret_keys.extend_where(&s.secrets, |key| {
            labelled || refs.secrets.iter().any(|r| r.reads(&k.name, key))
        });
    }
    (config, secret_keys)
}

#[cfg(test)]
mod names {
    #[test]
    fn a_replica_set_belongs_to_its_deployment_only() {
        assert!(super::replica_set_of("order", "order-7d9f8c"));
        assert!(!super::replica_set_of("order", "order-api-7d9f8c"));
        assert!(!super::replica_set_of("order", "order-"));
        assert!(super::replica_set_of("order-canary", "order-canary-5b6c"));
    }
}
