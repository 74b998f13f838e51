//! The services of an environment: its workloads (Deployments, StatefulSets, Rollouts),
//! each named by `app.kubernetes.io/name`, else the `app` label, else its own name; a
//! Deployment labelled `wheelhouse.dev/track: canary` is the canary of the service of the
//! same name. Two workloads claiming one name are both shown under their own names.

use super::assemble::EnvBinding;
use super::contract::*;
use super::inventory::*;
use crate::domain::workload::WorkloadKind;
use std::collections::BTreeMap;

/// One service's workloads.
#[derive(Debug, Clone, Copy)]
pub struct Found<'a> {
    pub stable: (&'a ObjKey, &'a WorkloadInfo),
    pub canary: Option<(&'a ObjKey, &'a WorkloadInfo)>,
}

/// The name a workload's labels give its service.
fn label_name(w: &WorkloadInfo) -> Option<&String> {
    w.labels.get(LABEL_NAME).or_else(|| w.labels.get(LABEL_APP))
}

fn is_canary(w: &WorkloadInfo) -> bool {
    w.kind == WorkloadKind::Deployment
        && w.labels.get(LABEL_TRACK).map(String::as_str) == Some(TRACK_CANARY)
}

/// The lane a workload runs in, if it is a lane's version of a service.
fn lane_of(w: &WorkloadInfo) -> Option<&str> {
    w.labels
        .get(LABEL_LANE)
        .map(String::as_str)
        .filter(|l| !l.is_empty())
}

/// The lanes of one environment, from their workloads: each lane's services at the
/// versions its workloads run, who made it and when (its earliest workload's change).
pub fn lanes(inv: &Inventory, b: &EnvBinding) -> Vec<crate::domain::lane::Lane> {
    let mut out: BTreeMap<&str, crate::domain::lane::Lane> = BTreeMap::new();
    for (key, w) in inv
        .workloads_in(&b.context, &b.namespace)
        .filter(|(_, w)| b.includes(&w.labels))
    {
        let Some(lane) = lane_of(w) else { continue };
        let service = label_name(w).unwrap_or(&key.name).clone();
        let version = w
            .labels
            .get(LABEL_VERSION)
            .cloned()
            .or_else(|| w.template_version.clone())
            .unwrap_or_default();
        let at = w
            .annotations
            .get(ANN_CHANGED_AT)
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
            .map_or(0, |t| t.timestamp());
        let by = w
            .annotations
            .get(ANN_CHANGED_BY)
            .cloned()
            .unwrap_or_default();
        let entry = out
            .entry(lane)
            .or_insert_with(|| crate::domain::lane::Lane {
                name: lane.to_string(),
                services: BTreeMap::new(),
                entry_share: 0,
                created_by: by.clone(),
                created_at: at,
            });
        if at != 0 && (entry.created_at == 0 || at < entry.created_at) {
            entry.created_at = at;
            entry.created_by = by;
        }
        entry.services.insert(service, version);
    }
    // Their shares of entry requests, from the gateway routes' tagging backends.
    for (_, o) in inv.in_namespace(Kind::Route, &b.context, &b.namespace) {
        if let Obj::Route(r) = o {
            for (lane, share) in super::route::lane_shares(&r.rules) {
                if let Some(l) = out.get_mut(lane.as_str()) {
                    l.entry_share = share;
                }
            }
        }
    }
    out.into_values().collect()
}

/// The services of one environment, by name; `problems` gets what cannot be paired.
pub fn of<'a>(
    inv: &'a Inventory,
    b: &'a EnvBinding,
    problems: &mut Vec<String>,
) -> BTreeMap<String, Found<'a>> {
    // A lane's workloads are versions of services, not services (see `lanes`).
    let workloads: Vec<(&ObjKey, &WorkloadInfo)> = inv
        .workloads_in(&b.context, &b.namespace)
        .filter(|(_, w)| b.includes(&w.labels) && lane_of(w).is_none())
        .collect();
    let mut claims: BTreeMap<&str, usize> = BTreeMap::new();
    for (key, w) in workloads.iter().filter(|(_, w)| !is_canary(w)) {
        let name = label_name(w).unwrap_or(&key.name);
        *claims.entry(name.as_str()).or_default() += 1;
    }
    let mut out: BTreeMap<String, Found> = BTreeMap::new();
    let mut canaries = Vec::new();
    for (key, w) in workloads {
        if is_canary(w) {
            canaries.push((key, w));
            continue;
        }
        let claimed = label_name(w).unwrap_or(&key.name);
        let name = if claims.get(claimed.as_str()).copied().unwrap_or(0) > 1 {
            problems.push(format!(
                "{} workloads in {} are named {claimed}: each shown under its own name",
                claims.get(claimed.as_str()).copied().unwrap_or(0),
                b.namespace
            ));
            &key.name
        } else {
            claimed
        };
        out.entry(name.clone()).or_insert(Found {
            stable: (key, w),
            canary: None,
        });
    }
    for (key, w) in canaries {
        let name = label_name(w).unwrap_or(&key.name);
        match out.get_mut(name) {
            Some(found) => found.canary = Some((key, w)),
            None => problems.push(format!(
                "canary deployment {}/{} has no stable deployment of {name}",
                b.namespace, key.name
            )),
        }
    }
    out
}

/// One service's workloads.
pub fn find<'a>(inv: &'a Inventory, b: &'a EnvBinding, app: &str) -> Option<Found<'a>> {
    of(inv, b, &mut Vec::new()).remove(app)
}
