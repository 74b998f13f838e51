//! The trains wheelhouse offers, planned from the platform's picture: a release train
//! (bring an environment level with the one before it), a lane's promotion, a lane's
//! deletion.

use super::gate::Gate;
use super::{Kind, Step, Train};
use crate::change::Change;
use crate::config_diff::{DiffKind, diff};
use crate::drift::compare_versions;
use crate::model::{EnvKey, Environment, ProductLine};
use crate::order::{callees_first, cycle_text};
use std::cmp::Ordering;

/// Which services a release train takes (`--only`, `--except`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    pub only: Vec<String>,
    pub except: Vec<String>,
}

/// The release train that brings `to` level with `from`: every service whose version in
/// `to` differs from `from`'s, deployed at `from`'s version, callees first. Config keys
/// that differ are noted (shown, not changed); so are cycles, downgrades and services
/// `to` lacks.
pub fn promote(
    line: &ProductLine,
    from: &str,
    to: &str,
    selection: &Selection,
    platform: &str,
    gate: Gate,
) -> Result<Train, String> {
    let find = |name: &str| {
        line.environment(name)
            .ok_or_else(|| format!("there is no environment {}/{name}", line.name))
    };
    let (source, target) = (find(from)?, find(to)?);
    if from == to {
        return Err(format!("{}/{from} is both ends of the train", line.name));
    }
    for name in selection.only.iter().chain(&selection.except) {
        if target.service(name).is_none() {
            return Err(format!("{}/{to} has no service {name}", line.name));
        }
    }
    let mut notes = Vec::new();
    let mut moving = Vec::new();
    for t in &target.services {
        let Some(s) = source.service(&t.name) else {
            continue;
        };
        let chosen = (selection.only.is_empty() || selection.only.contains(&t.name))
            && !selection.except.contains(&t.name);
        if s.version == t.version || !chosen {
            continue;
        }
        if compare_versions(&s.version, &t.version) == Ordering::Less {
            notes.push(format!(
                "{}: {to} runs {}, newer than {from}'s {}: the train takes it back",
                t.name, t.version, s.version
            ));
        }
        for d in diff(s, t, false) {
            notes.push(config_note(&t.name, from, to, &d));
        }
        moving.push((t.name.clone(), s.version.clone(), t.version.clone()));
    }
    for s in &source.services {
        if target.service(&s.name).is_none() {
            notes.push(format!(
                "{}: runs in {from}, not in {to}: a train does not create services",
                s.name
            ));
        }
    }
    let ordered = callees_first(moving.iter().map(|(n, _, _)| n.as_str()), |name| {
        calls(source, name)
            .into_iter()
            .chain(calls(target, name))
            .collect()
    });
    for cycle in &ordered.cycles {
        notes.push(format!(
            "the call graph has a cycle, {}: its services go in name order",
            cycle_text(cycle)
        ));
    }
    let steps = ordered
        .order
        .iter()
        .filter_map(|name| moving.iter().find(|(n, _, _)| n == name))
        .map(|(name, version, was)| {
            Step::new(
                name,
                Change::Deploy {
                    version: version.clone(),
                },
                Some(Change::Deploy {
                    version: was.clone(),
                }),
                true,
            )
        })
        .collect();
    let key = EnvKey {
        line: line.name.clone(),
        env: to.to_string(),
    };
    Ok(Train::new(
        Kind::Promote {
            from: from.to_string(),
        },
        &key,
        platform,
        steps,
        gate,
        notes,
    ))
}

fn calls(env: &Environment, service: &str) -> Vec<String> {
    env.service(service)
        .map(|s| s.dependencies.clone())
        .unwrap_or_default()
}

/// "order: LOG_LEVEL debug in test, info in gray (not changed)"; secrets come masked.
fn config_note(service: &str, from: &str, to: &str, d: &crate::config_diff::DiffLine) -> String {
    let side = |v: &Option<String>, env: &str| match v {
        Some(v) => format!("{v} in {env}"),
        None => format!("not in {env}"),
    };
    let what = match d.kind {
        DiffKind::Added => "only",
        DiffKind::Removed => "only",
        DiffKind::Changed | DiffKind::Same => "differs",
    };
    format!(
        "{service}: config {} {what}: {}, {} (not changed)",
        d.key,
        side(&d.left, from),
        side(&d.right, to)
    )
}

/// A lane's promotion: its share back to 0, then callees first, each service deployed
/// at its lane version (waiting for ready, through the gate) and taken out of the lane.
pub fn lane_promote(
    env: &Environment,
    key: &EnvKey,
    lane: &str,
    platform: &str,
    gate: Gate,
) -> Result<Train, String> {
    let l = find_lane(env, key, lane)?;
    let mut steps = share_back(env, key, l)?;
    let ordered = callees_first(l.services.keys().map(String::as_str), |name| {
        calls(env, name)
    });
    let mut notes: Vec<String> = ordered
        .cycles
        .iter()
        .map(|c| format!("the call graph has a cycle, {}", cycle_text(c)))
        .collect();
    for name in &ordered.order {
        let version = l.services.get(name).cloned().unwrap_or_default();
        let Some(baseline) = env.service(name).map(|s| s.version.clone()) else {
            notes.push(format!("{name}: not in {key}: only its lane copy goes"));
            continue;
        };
        steps.push(Step::new(
            name,
            Change::Deploy {
                version: version.clone(),
            },
            Some(Change::Deploy { version: baseline }),
            true,
        ));
        steps.push(Step::new(
            name,
            Change::LeaveLane {
                lane: lane.to_string(),
            },
            Some(Change::JoinLane {
                lane: lane.to_string(),
                version,
            }),
            false,
        ));
    }
    Ok(Train::new(
        Kind::LanePromote {
            lane: lane.to_string(),
        },
        key,
        platform,
        steps,
        gate,
        notes,
    ))
}

/// A lane's deletion: its share back to 0, every service out.
pub fn lane_delete(
    env: &Environment,
    key: &EnvKey,
    lane: &str,
    platform: &str,
    gate: Gate,
) -> Result<Train, String> {
    let l = find_lane(env, key, lane)?;
    let mut steps = share_back(env, key, l)?;
    for (name, version) in &l.services {
        steps.push(Step::new(
            name,
            Change::LeaveLane {
                lane: lane.to_string(),
            },
            Some(Change::JoinLane {
                lane: lane.to_string(),
                version: version.clone(),
            }),
            false,
        ));
    }
    Ok(Train::new(
        Kind::LaneDelete {
            lane: lane.to_string(),
        },
        key,
        platform,
        steps,
        gate,
        Vec::new(),
    ))
}

fn find_lane<'a>(
    env: &'a Environment,
    key: &EnvKey,
    lane: &str,
) -> Result<&'a crate::lane::Lane, String> {
    env.lanes
        .iter()
        .find(|l| l.name == lane)
        .ok_or_else(|| format!("there is no lane {lane} in {key}"))
}

/// A lane on its way out first stops taking untagged entry requests.
fn share_back(env: &Environment, key: &EnvKey, l: &crate::lane::Lane) -> Result<Vec<Step>, String> {
    if l.entry_share == 0 {
        return Ok(Vec::new());
    }
    let entry = crate::lane::entry_service(env)
        .ok_or_else(|| format!("{key}: no service takes the entry requests"))?;
    Ok(vec![Step::new(
        entry,
        Change::SetLaneShare {
            lane: l.name.clone(),
            share: 0,
        },
        Some(Change::SetLaneShare {
            lane: l.name.clone(),
            share: l.entry_share,
        }),
        false,
    )])
}

/// How far a version moves: the first dotted number that changes (1.2.3 → 2.0.0 major,
/// → 1.3.0 minor, → 1.2.4 patch), a move back to an older version, or versions that are
/// not dotted numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Bump {
    Major,
    Minor,
    Patch,
    Back,
    Other,
}

impl Bump {
    pub fn of(from: &str, to: &str) -> Bump {
        if compare_versions(to, from) == Ordering::Less {
            return Bump::Back;
        }
        let parse = |v: &str| -> Option<Vec<u64>> {
            v.trim_start_matches('v')
                .split('.')
                .map(|p| p.parse::<u64>().ok())
                .collect()
        };
        match (parse(from), parse(to)) {
            (Some(a), Some(b)) => match a.iter().zip(&b).position(|(x, y)| x != y) {
                Some(0) => Bump::Major,
                Some(1) => Bump::Minor,
                _ => Bump::Patch,
            },
            _ => Bump::Other,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Bump::Major => "major",
            Bump::Minor => "minor",
            Bump::Patch => "patch",
            Bump::Back => "back",
            Bump::Other => "other",
        }
    }
}

/// The release train that would bring an environment level with the one before it in
/// the promotion path: how many services, and how big a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Levelling {
    pub from: String,
    pub services: usize,
    /// How many services move by each kind of bump, biggest first.
    pub bumps: Vec<(Bump, usize)>,
}

impl Levelling {
    /// "2 from sandbox (1 minor, 1 patch)".
    pub fn describe(&self) -> String {
        let sizes: Vec<String> = self
            .bumps
            .iter()
            .map(|(b, n)| format!("{n} {}", b.label()))
            .collect();
        format!(
            "{} from {} ({})",
            self.services,
            self.from,
            sizes.join(", ")
        )
    }
}

/// The train that would level `env` with the environment before it; None for the first
/// environment and for one already level.
pub fn level_with_previous(line: &ProductLine, env: &str) -> Option<Levelling> {
    let at = line.environments.iter().position(|e| e.name == env)?;
    let previous = line.environments.get(at.checked_sub(1)?)?;
    let here = &line.environments[at];
    let mut bumps: Vec<(Bump, usize)> = Vec::new();
    for t in &here.services {
        let Some(s) = previous.service(&t.name) else {
            continue;
        };
        if s.version == t.version {
            continue;
        }
        let bump = Bump::of(&t.version, &s.version);
        match bumps.iter_mut().find(|(b, _)| *b == bump) {
            Some((_, n)) => *n += 1,
            None => bumps.push((bump, 1)),
        }
    }
    bumps.sort();
    let services = bumps.iter().map(|(_, n)| n).sum();
    (services > 0).then(|| Levelling {
        from: previous.name.clone(),
        services,
        bumps,
    })
}

/// What `env create` copies: which services (all, or the named ones with `+deps` for
/// everything they call, transitively), at which versions, with which config over the
/// source's.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EnvRequest {
    /// `order+deps`, `front`: empty for every service of the source.
    pub services: Vec<String>,
    /// Versions set per service (else the source's).
    pub versions: std::collections::BTreeMap<String, String>,
    /// Config keys set per service over the source's: service → key → value.
    pub config: std::collections::BTreeMap<String, std::collections::BTreeMap<String, String>>,
}

impl EnvRequest {
    /// From words as the cockpit's prompt takes them: `order+deps,front` (services),
    /// `payment=2.2.0` (a version), `order.log_level=debug` (a config key).
    pub fn from_words<'a>(words: impl IntoIterator<Item = &'a str>) -> Result<EnvRequest, String> {
        let mut r = EnvRequest::default();
        for w in words {
            match w.split_once('=') {
                Some((left, value)) => match left.split_once('.') {
                    Some((service, key)) if !service.is_empty() && !key.is_empty() => {
                        r.config
                            .entry(service.to_string())
                            .or_default()
                            .insert(key.to_string(), value.to_string());
                    }
                    None if !left.is_empty() && !value.is_empty() => {
                        crate::change::valid_version(value).map_err(|e| e.0)?;
                        r.versions.insert(left.to_string(), value.to_string());
                    }
                    _ => {
                        return Err(format!(
                            "{w:?} is neither SERVICE=VERSION nor SERVICE.KEY=VALUE"
                        ));
                    }
                },
                None => r
                    .services
                    .extend(w.split(',').filter(|s| !s.is_empty()).map(str::to_string)),
            }
        }
        Ok(r)
    }
}

/// A new environment's name: a DNS label (lowercase letters, digits, `-`), starting with
/// a letter, at most 30 characters (it names a namespace `<line>-<env>`).
pub fn valid_env_name(name: &str) -> Result<(), String> {
    if crate::text::is_dns_label(name, 30) {
        Ok(())
    } else {
        Err(format!(
            "{name:?} is not an environment name: lowercase letters, digits and -, starting with a letter, at most 30"
        ))
    }
}

/// The services `wanted` names in `env`, `S+deps` adding everything S calls,
/// transitively (by the environment's dependencies).
pub fn with_dependencies(env: &Environment, wanted: &[String]) -> Result<Vec<String>, String> {
    let mut out: Vec<String> = Vec::new();
    for w in wanted {
        let (name, deps) = match w.strip_suffix("+deps") {
            Some(n) => (n, true),
            None => (w.as_str(), false),
        };
        if env.service(name).is_none() {
            return Err(format!("{} has no service {name}", env.name));
        }
        let mut queue = vec![name.to_string()];
        while let Some(next) = queue.pop() {
            if out.contains(&next) {
                continue;
            }
            if deps {
                queue.extend(
                    calls(env, &next)
                        .into_iter()
                        .filter(|c| env.service(c).is_some()),
                );
            }
            out.push(next);
        }
    }
    out.sort();
    Ok(out)
}

/// The train that makes `line`/`name` from `from`: each service copied, callees first
/// (what a service calls is there before it), each waiting for ready. Secrets are not
/// copied (noted: to be provided).
pub fn env_create(
    line: &ProductLine,
    from: &str,
    name: &str,
    request: &EnvRequest,
    platform: &str,
    gate: Gate,
) -> Result<Train, String> {
    valid_env_name(name)?;
    let source = line
        .environment(from)
        .ok_or_else(|| format!("there is no environment {}/{from}", line.name))?;
    if line.environment(name).is_some() {
        return Err(format!("{}/{name} exists", line.name));
    }
    let chosen = if request.services.is_empty() {
        source.services.iter().map(|s| s.name.clone()).collect()
    } else {
        with_dependencies(source, &request.services)?
    };
    for s in request.versions.keys().chain(request.config.keys()) {
        if !chosen.contains(s) {
            return Err(format!("{s} is not among the services copied"));
        }
    }
    let ordered = callees_first(chosen.iter().map(String::as_str), |n| calls(source, n));
    let mut notes: Vec<String> = ordered
        .cycles
        .iter()
        .map(|c| format!("the call graph has a cycle, {}", cycle_text(c)))
        .collect();
    let mut steps = Vec::new();
    for service in &ordered.order {
        let Some(s) = source.service(service) else {
            continue;
        };
        let version = request
            .versions
            .get(service)
            .cloned()
            .unwrap_or_else(|| s.version.clone());
        for key in s.secret_keys.names() {
            notes.push(format!(
                "{service}: secret {key} is not copied: provide it in {}/{name}",
                line.name
            ));
        }
        for dep in &s.dependencies {
            if source.service(dep).is_some() && !chosen.contains(dep) {
                notes.push(format!(
                    "{service} calls {dep}, which is not copied ({dep}+deps would take it)"
                ));
            }
        }
        let mut step = Step::new(
            service,
            Change::CopyTo {
                env: name.to_string(),
                version,
                config: request.config.get(service).cloned().unwrap_or_default(),
            },
            Some(Change::RemoveService),
            true,
        );
        step.target_env = Some(from.to_string());
        steps.push(step);
    }
    let key = EnvKey {
        line: line.name.clone(),
        env: name.to_string(),
    };
    Ok(Train::new(
        Kind::EnvCreate {
            from: from.to_string(),
        },
        &key,
        platform,
        steps,
        gate,
        notes,
    ))
}

/// The train that removes an environment wheelhouse made, callers first: refused for a
/// production tier, and for an environment wheelhouse did not make.
pub fn env_delete(line: &ProductLine, name: &str, platform: &str) -> Result<Train, String> {
    let env = line
        .environment(name)
        .ok_or_else(|| format!("there is no environment {}/{name}", line.name))?;
    if env.tier == crate::model::Tier::Production {
        return Err(format!(
            "{}/{name} is a production environment: wheelhouse does not delete it",
            line.name
        ));
    }
    if env.origin.is_none() {
        return Err(format!(
            "{}/{name} was not made by wheelhouse (env create): it is not deleted here",
            line.name
        ));
    }
    let ordered = callees_first(env.services.iter().map(|s| s.name.as_str()), |n| {
        calls(env, n)
    });
    let steps = ordered
        .order
        .iter()
        .rev()
        .map(|s| Step::new(s, Change::RemoveService, None, false))
        .collect();
    let key = EnvKey {
        line: line.name.clone(),
        env: name.to_string(),
    };
    let mut notes = Vec::new();
    if !env.lanes.is_empty() {
        notes.push(format!("its {} lanes go with it", env.lanes.len()));
    }
    Ok(Train::new(
        Kind::EnvDelete,
        &key,
        platform,
        steps,
        Gate::default(),
        notes,
    ))
}
