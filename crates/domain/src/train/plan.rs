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
