//! Changes an operator asks for, and what they would change (before → after).

use super::model::{Service, ServiceKey, TagRoute};
use serde::{Deserialize, Serialize};
use std::fmt;

pub use super::operation::Change;

/// A change aimed at a service, decided on the revision the operator saw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeRequest {
    pub target: ServiceKey,
    pub change: Change,
    /// The revision (resourceVersion) the decision was made on; a newer one on the platform
    /// means somebody else changed it since.
    pub expected_revision: String,
    pub who: String,
    pub why: String,
}

/// One field of the before → after view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldChange {
    pub field: String,
    pub before: String,
    pub after: String,
}

impl FieldChange {
    pub(crate) fn new(field: &str, before: impl Into<String>, after: impl Into<String>) -> Self {
        FieldChange {
            field: field.to_string(),
            before: before.into(),
            after: after.into(),
        }
    }
}

/// Why a change cannot be made as asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid(pub String);

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn routes(routes: &[TagRoute]) -> String {
    if routes.is_empty() {
        return "none".into();
    }
    routes
        .iter()
        .map(|r| format!("{}→{}", r.tag, r.version))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The version a deploy or a canary start names, when the platform lists the versions it
/// knows of (`known_versions` not empty) and this is not one of them: such a change is
/// refused as "not found" (exit code 4) before anything is sent.
pub fn unknown_version<'a>(service: &Service, change: &'a Change) -> Option<&'a str> {
    let version = match change {
        Change::Deploy { version }
        | Change::StartCanary { version }
        | Change::JoinLane { version, .. }
        | Change::CopyTo { version, .. } => version,
        _ => return None,
    };
    (!service.known_versions.is_empty() && !service.known_versions.contains(version))
        .then_some(version.as_str())
}

/// Where a copy goes (`env create`): an environment of the line that does not exist
/// yet, or one wheelhouse is making that lacks the service.
pub fn copy_destination(
    snapshot: &super::model::Snapshot,
    target: &super::model::ServiceKey,
    change: &Change,
) -> Result<(), Invalid> {
    let Change::CopyTo { env, .. } = change else {
        return Ok(());
    };
    let key = super::model::EnvKey {
        line: target.line.clone(),
        env: env.clone(),
    };
    match snapshot.environment(&key) {
        Some(e) if e.origin.is_none() => Err(Invalid(format!(
            "{key} exists and was not made by wheelhouse"
        ))),
        Some(e) if e.service(&target.service).is_some() => {
            Err(Invalid(format!("{key} has {} already", target.service)))
        }
        _ => Ok(()),
    }
}

/// Like [`plan`], for a service of `env`: lane changes are planned against the
/// environment's lanes.
pub fn plan_in(
    env: &super::model::Environment,
    service: &Service,
    change: &Change,
) -> Result<Vec<FieldChange>, Invalid> {
    match change {
        Change::JoinLane { .. } | Change::LeaveLane { .. } | Change::SetLaneShare { .. } => {
            if let Some(why) = service.refuses(change.op()) {
                return Err(Invalid(why));
            }
            super::lane::plan(&env.lanes, service, change)
        }
        Change::RemoveService if env.origin.is_none() => Err(Invalid(format!(
            "{} was not made by wheelhouse: its services are not removed here",
            env.name
        ))),
        Change::CopyTo { env: to, .. } if *to == env.name => Err(Invalid(format!(
            "{} cannot be copied into its own environment",
            service.name
        ))),
        _ => plan(service, change),
    }
}

/// Computes what `change` would do to `service`, or why it can't be done: one function
/// per operation.
pub fn plan(service: &Service, change: &Change) -> Result<Vec<FieldChange>, Invalid> {
    if let Some(why) = service.refuses(change.op()) {
        return Err(Invalid(why));
    }
    match change {
        Change::JoinLane { .. } | Change::LeaveLane { .. } | Change::SetLaneShare { .. } => Err(
            Invalid("a lane change is planned with its environment (plan_in)".into()),
        ),
        Change::Deploy { version } => plan_deploy(service, version),
        Change::StartCanary { version } => plan_start_canary(service, version),
        Change::SetCanaryWeight { weight } => plan_set_canary_weight(service, *weight),
        Change::AddTagRoute { tag } => plan_add_tag_route(service, tag),
        Change::RemoveTagRoute { tag } => plan_remove_tag_route(service, tag),
        Change::Promote => plan_promote(service),
        Change::Abort => plan_abort(service),
        Change::Scale { replicas } => plan_scale(service, *replicas),
        Change::Rollback => plan_rollback(service),
        Change::Restart => plan_restart(service),
        Change::Pause => plan_pause(service),
        Change::Resume => plan_resume(service),
        Change::CopyTo {
            env,
            version,
            config,
        } => plan_copy(service, env, version, config),
        Change::RemoveService => Ok(vec![FieldChange::new(
            "service",
            service.name.clone(),
            "(removed)",
        )]),
    }
}

/// A copy: where to, the version, the config keys set over the source's; the secrets the
/// copy will miss (never copied: to be provided in the new environment).
fn plan_copy(
    service: &Service,
    env: &str,
    version: &str,
    config: &std::collections::BTreeMap<String, String>,
) -> Result<Vec<FieldChange>, Invalid> {
    valid_version(version)?;
    let mut out = vec![
        FieldChange::new("environment", "", env),
        FieldChange::new("version", service.version.clone(), version),
    ];
    for (key, value) in config {
        let before = service.config.get(key).map_or("(unset)", String::as_str);
        out.push(FieldChange::new(
            &format!("config {key}"),
            super::secret::shown(key, before),
            super::secret::shown(key, value),
        ));
    }
    for key in service.secret_keys.names() {
        out.push(FieldChange::new(
            &format!("secret {key}"),
            super::secret::MASK,
            "(missing: not copied, to be provided)",
        ));
    }
    Ok(out)
}

/// The running canary's version, or why there is none.
fn canary_of(service: &Service) -> Result<String, Invalid> {
    service
        .canary
        .as_ref()
        .map(|c| c.version.clone())
        .ok_or_else(|| Invalid(format!("{} has no canary", service.name)))
}

fn plan_deploy(service: &Service, version: &str) -> Result<Vec<FieldChange>, Invalid> {
    let mut out = Vec::new();
    valid_version(version)?;
    if version == service.version {
        return Err(Invalid(format!("{} already runs {version}", service.name)));
    }
    if service
        .rollout
        .as_ref()
        .is_some_and(|r| r.to_version == version)
    {
        return Err(Invalid(format!(
            "{} is already rolling out {version}",
            service.name
        )));
    }
    out.push(FieldChange::new("version", &service.version, version));
    out.push(FieldChange::new(
        "image",
        &service.image,
        retag(&service.image, version),
    ));
    Ok(out)
}

fn plan_start_canary(service: &Service, version: &str) -> Result<Vec<FieldChange>, Invalid> {
    let mut out = Vec::new();
    valid_version(version)?;
    if version == service.version {
        return Err(Invalid(format!(
            "{} already runs {version} as the stable release",
            service.name
        )));
    }
    if service.canary.as_ref().map(|c| c.version.as_str()) == Some(version) {
        return Err(Invalid(format!("the canary already runs {version}")));
    }
    let before = match &service.canary {
        Some(c) => format!("{} ({} replicas)", c.version, c.replicas.desired),
        None => "none".into(),
    };
    let replicas = service
        .canary
        .as_ref()
        .map_or(1, |c| c.replicas.desired.max(1));
    out.push(FieldChange::new(
        "canary",
        before,
        format!("{version} ({replicas} replicas)"),
    ));
    out.push(FieldChange::new(
        "canary image",
        service
            .canary
            .as_ref()
            .map_or("none".into(), |c| c.image.clone()),
        retag(&service.image, version),
    ));
    Ok(out)
}

fn plan_set_canary_weight(service: &Service, weight: u8) -> Result<Vec<FieldChange>, Invalid> {
    let mut out = Vec::new();
    let canary = canary_of(service)?;
    if weight > 100 {
        return Err(Invalid(format!("weight {weight} is over 100")));
    }
    if weight == service.traffic.canary_weight {
        return Err(Invalid(format!("canary weight is already {weight}%")));
    }
    out.push(FieldChange::new(
        "weights (stable/canary)",
        format!(
            "{}/{} ({canary})",
            service.traffic.stable_weight(),
            service.traffic.canary_weight
        ),
        format!("{}/{} ({canary})", 100 - weight, weight),
    ));
    Ok(out)
}

fn plan_add_tag_route(service: &Service, tag: &str) -> Result<Vec<FieldChange>, Invalid> {
    let mut out = Vec::new();
    let canary = canary_of(service)?;
    valid_tag(tag)?;
    if service.traffic.tag_routes.iter().any(|r| r.tag == tag) {
        return Err(Invalid(format!("tag route {tag} exists")));
    }
    let mut after = service.traffic.tag_routes.clone();
    after.push(TagRoute {
        tag: tag.to_string(),
        version: canary,
    });
    out.push(FieldChange::new(
        "tag routes",
        routes(&service.traffic.tag_routes),
        routes(&after),
    ));
    Ok(out)
}

fn plan_remove_tag_route(service: &Service, tag: &str) -> Result<Vec<FieldChange>, Invalid> {
    let mut out = Vec::new();
    if !service.traffic.tag_routes.iter().any(|r| r.tag == tag) {
        return Err(Invalid(format!("no tag route {tag}")));
    }
    let after: Vec<TagRoute> = service
        .traffic
        .tag_routes
        .iter()
        .filter(|r| r.tag != tag)
        .cloned()
        .collect();
    out.push(FieldChange::new(
        "tag routes",
        routes(&service.traffic.tag_routes),
        routes(&after),
    ));
    Ok(out)
}

fn plan_promote(service: &Service) -> Result<Vec<FieldChange>, Invalid> {
    let mut out = Vec::new();
    let canary = canary_of(service)?;
    out.push(FieldChange::new("version", &service.version, &canary));
    out.push(weights_back_to_stable(service));
    out.push(FieldChange::new("canary", canary, "removed"));
    out.extend(tag_routes_cleared(service));
    Ok(out)
}

fn plan_abort(service: &Service) -> Result<Vec<FieldChange>, Invalid> {
    let mut out = Vec::new();
    let canary = canary_of(service)?;
    out.push(weights_back_to_stable(service));
    let replicas = service.canary.as_ref().map_or(0, |c| c.replicas.desired);
    out.push(FieldChange::new(
        "canary replicas",
        format!("{replicas} ({canary})"),
        "0",
    ));
    out.extend(tag_routes_cleared(service));
    Ok(out)
}

fn plan_scale(service: &Service, replicas: u32) -> Result<Vec<FieldChange>, Invalid> {
    let mut out = Vec::new();
    if replicas == service.replicas.desired {
        return Err(Invalid(format!(
            "{} already has {replicas} replicas",
            service.name
        )));
    }
    if replicas > 500 {
        return Err(Invalid(format!(
            "{replicas} replicas is over the limit of 500"
        )));
    }
    out.push(FieldChange::new(
        "replicas",
        service.replicas.desired.to_string(),
        replicas.to_string(),
    ));
    out.push(FieldChange::new(
        "capacity (req/s)",
        format!(
            "{:.0}",
            service.capacity_rps * service.replicas.desired as f64
        ),
        format!("{:.0}", service.capacity_rps * replicas as f64),
    ));
    Ok(out)
}

fn plan_rollback(service: &Service) -> Result<Vec<FieldChange>, Invalid> {
    let mut out = Vec::new();
    let previous = service.rollback_target().ok_or_else(|| {
        Invalid(format!(
            "{} has no earlier release to roll back to",
            service.name
        ))
    })?;
    let from = service
        .rollout
        .as_ref()
        .map_or(service.version.as_str(), |r| r.to_version.as_str());
    out.push(FieldChange::new("version", from, previous));
    out.push(FieldChange::new(
        "image",
        retag(&service.image, from),
        retag(&service.image, previous),
    ));
    Ok(out)
}

fn plan_restart(service: &Service) -> Result<Vec<FieldChange>, Invalid> {
    let mut out = Vec::new();
    if service.replicas.desired == 0 {
        return Err(Invalid(format!(
            "{} has no replicas to restart",
            service.name
        )));
    }
    out.push(FieldChange::new(
        "replicas",
        format!("{} running", service.replicas.desired),
        format!("{} restarted one at a time", service.replicas.desired),
    ));
    Ok(out)
}

fn plan_pause(service: &Service) -> Result<Vec<FieldChange>, Invalid> {
    let mut out = Vec::new();
    if service.paused {
        return Err(Invalid(format!(
            "{}'s rollout is already paused",
            service.name
        )));
    }
    out.push(FieldChange::new("rollout", "running", "paused"));
    Ok(out)
}

fn plan_resume(service: &Service) -> Result<Vec<FieldChange>, Invalid> {
    let mut out = Vec::new();
    if !service.paused {
        return Err(Invalid(format!("{}'s rollout is not paused", service.name)));
    }
    out.push(FieldChange::new("rollout", "paused", "running"));
    Ok(out)
}

/// Canary ends: all untagged traffic back to stable.
fn weights_back_to_stable(service: &Service) -> FieldChange {
    FieldChange::new(
        "weights (stable/canary)",
        format!(
            "{}/{}",
            service.traffic.stable_weight(),
            service.traffic.canary_weight
        ),
        "100/0",
    )
}

/// Canary ends: tag routes go with it.
fn tag_routes_cleared(service: &Service) -> Option<FieldChange> {
    (!service.traffic.tag_routes.is_empty())
        .then(|| FieldChange::new("tag routes", routes(&service.traffic.tag_routes), "none"))
}

/// A version as images and labels take it: 1-63 letters, digits, '.', '_' or '-',
/// starting with a letter or digit (an image tag and a Kubernetes label value both hold it).
pub fn valid_version(version: &str) -> Result<(), Invalid> {
    let ok = (1..=63).contains(&version.len())
        && version.starts_with(|c: char| c.is_ascii_alphanumeric())
        && version
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(())
    } else {
        Err(Invalid(format!(
            "version {version:?} must be 1-63 letters, digits, '.', '_' or '-', starting with a letter or digit"
        )))
    }
}

pub fn valid_tag(tag: &str) -> Result<(), Invalid> {
    let ok = !tag.is_empty()
        && tag.len() <= 63
        && tag
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.');
    if ok {
        Ok(())
    } else {
        Err(Invalid(format!(
            "tag {tag:?} must be 1-63 letters, digits, '-', '_' or '.'"
        )))
    }
}

/// Replaces the tag of an image reference (`repo/name:tag` → `repo/name:version`).
pub fn retag(image: &str, version: &str) -> String {
    let name_end = image.rfind('/').map_or(0, |i| i + 1);
    match image[name_end..].find(':') {
        Some(colon) => format!("{}:{version}", &image[..name_end + colon]),
        None => format!("{image}:{version}"),
    }
}

#[cfg(test)]
pub(crate) mod tests_support {
    use crate::model::*;
    use std::collections::BTreeMap;

    /// A service with a canary at 10 %, one release, three replicas.
    pub fn service() -> Service {
        Service {
            name: "quote".into(),
            image: "registry.local:5000/trade/quote:1.2.0".into(),
            base_image: "base/jre:21".into(),
            version: "1.2.0".into(),
            replicas: Replicas {
                desired: 3,
                ready: 3,
            },
            capacity_rps: 100.0,
            dependencies: vec![],
            config: BTreeMap::new(),
            secret_keys: Default::default(),
            canary: Some(Canary {
                version: "1.3.0".into(),
                image: "registry.local:5000/trade/quote:1.3.0".into(),
                replicas: Replicas {
                    desired: 1,
                    ready: 1,
                },
            }),
            traffic: TrafficSplit {
                canary_weight: 10,
                tag_routes: vec![],
                mode: SplitMode::Gateway,
            },
            releases: vec![Release {
                revision: 4,
                from: "1.1.0".into(),
                to: "1.2.0".into(),
                who: "ana".into(),
                when: 0,
                why: "fix".into(),
                state: ReleaseState::Complete,
            }],
            rollout: None,
            revision: "7".into(),
            known_versions: vec![],
            paused: false,
            pods: Vec::new(),
            events: Vec::new(),
            workload: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::tests_support::service;
    use super::*;

    #[test]
    fn start_canary_plans_the_new_version_and_refuses_the_same_one() {
        let plan = plan(
            &service(),
            &Change::StartCanary {
                version: "1.4.0".into(),
            },
        )
        .unwrap();
        assert_eq!(plan[0].before, "1.3.0 (1 replicas)");
        assert_eq!(plan[0].after, "1.4.0 (1 replicas)");
        assert_eq!(plan[1].after, "registry.local:5000/trade/quote:1.4.0");
        assert!(
            super::plan(
                &service(),
                &Change::StartCanary {
                    version: "1.3.0".into()
                }
            )
            .is_err()
        );
        assert!(
            super::plan(
                &service(),
                &Change::StartCanary {
                    version: "1.2.0".into()
                }
            )
            .is_err()
        );
    }

    #[test]
    fn retag_keeps_registry_port() {
        assert_eq!(
            retag("registry.local:5000/trade/quote:1.2.0", "2.0"),
            "registry.local:5000/trade/quote:2.0"
        );
        assert_eq!(retag("quote", "2.0"), "quote:2.0");
    }

    #[test]
    fn weight_plan_shows_before_and_after() {
        let plan = plan(&service(), &Change::SetCanaryWeight { weight: 30 }).unwrap();
        assert_eq!(plan[0].before, "90/10 (1.3.0)");
        assert_eq!(plan[0].after, "70/30 (1.3.0)");
    }

    #[test]
    fn weight_over_100_and_same_weight_are_refused() {
        assert!(plan(&service(), &Change::SetCanaryWeight { weight: 101 }).is_err());
        assert!(plan(&service(), &Change::SetCanaryWeight { weight: 10 }).is_err());
    }

    #[test]
    fn canary_actions_need_a_canary() {
        let mut s = service();
        s.canary = None;
        let err = plan(&s, &Change::Promote).unwrap_err();
        assert!(err.0.contains("no canary"));
    }

    #[test]
    fn rollback_targets_previous_release() {
        let plan = plan(&service(), &Change::Rollback).unwrap();
        assert_eq!(plan[0].after, "1.1.0");
        assert_eq!(plan[1].after, "registry.local:5000/trade/quote:1.1.0");
    }

    #[test]
    fn tag_route_validation() {
        assert!(
            plan(
                &service(),
                &Change::AddTagRoute {
                    tag: "bad tag".into()
                }
            )
            .is_err()
        );
        let p = plan(&service(), &Change::AddTagRoute { tag: "beta".into() }).unwrap();
        assert_eq!(p[0].after, "beta→1.3.0");
    }

    #[test]
    fn pause_and_resume_refuse_the_state_they_would_make() {
        let mut s = service();
        assert_eq!(plan(&s, &Change::Pause).unwrap()[0].after, "paused");
        assert!(plan(&s, &Change::Resume).is_err());
        s.paused = true;
        assert!(plan(&s, &Change::Pause).is_err());
        assert_eq!(plan(&s, &Change::Resume).unwrap()[0].after, "running");
    }

    #[test]
    fn scale_shows_capacity() {
        let p = plan(&service(), &Change::Scale { replicas: 5 }).unwrap();
        assert_eq!(p[1].before, "300");
        assert_eq!(p[1].after, "500");
    }
}
