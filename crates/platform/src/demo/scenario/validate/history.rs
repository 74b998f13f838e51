//! Release history and traffic profiles.

use super::{LineCtx, count, name, number};
use crate::demo::scenario::limits::{self, MAX_PROFILES};
use crate::demo::scenario::locate::{Locator, Path};
use crate::demo::scenario::text::{LABEL, VERSION};
use crate::demo::scenario::{Problem, Profile, ReleaseSpec, Scenario};
use crate::domain::ReleaseState;
use std::collections::HashMap;

/// Each release: of a service of the line, in an environment where it runs, from one
/// version to another, done (a scenario starts with no rollout under way). The latest
/// release of a service in an environment agrees with the version it runs there.
pub(super) fn releases(ctx: &LineCtx, doc: &Locator) -> Result<(), Problem> {
    let mut latest: HashMap<(&str, &str), usize> = HashMap::new();
    for (i, r) in ctx.spec.releases.iter().enumerate() {
        let spec = r.get_ref();
        let at = ctx.path.key("release").index(i);
        release(ctx, spec, &at, doc)?;
        let key = (spec.service.as_str(), spec.env.as_str());
        let later = latest
            .get(&key)
            .is_none_or(|&j| spec.ago_minutes <= ctx.spec.releases[j].get_ref().ago_minutes);
        if later {
            latest.insert(key, i);
        }
    }
    let mut latest: Vec<usize> = latest.into_values().collect();
    latest.sort_unstable();
    for i in latest {
        agrees_with_version(ctx, i, doc)?;
    }
    Ok(())
}

fn release(ctx: &LineCtx, spec: &ReleaseSpec, at: &Path, doc: &Locator) -> Result<(), Problem> {
    let service_at = doc.offset(&at.key("service"));
    let Some(&j) = ctx.services.get(spec.service.as_str()) else {
        return Err((
            service_at,
            format!("release of unknown service {:?}", spec.service),
        ));
    };
    let env_at = doc.offset(&at.key("env"));
    ctx.known_env(env_at, &spec.env)?;
    if !ctx.spec.services[j].runs_in(&spec.env) {
        return Err((
            env_at,
            format!(
                "release of {} in {}, where it does not run (see its envs)",
                spec.service, spec.env
            ),
        ));
    }
    name(doc, &at.key("from"), VERSION, "from", &spec.from)?;
    name(doc, &at.key("to"), VERSION, "to", &spec.to)?;
    if spec.from == spec.to {
        return Err((
            doc.offset(&at.key("to")),
            format!("a release from {} to the same version", spec.from),
        ));
    }
    name(doc, &at.key("who"), LABEL, "who", &spec.who)?;
    if spec.state == ReleaseState::Progressing {
        return Err((
            doc.offset(&at.key("state")),
            "a release in the history cannot be progressing: the demo starts with no rollout under way (complete, failed or rolled-back)".into(),
        ));
    }
    Ok(())
}

/// The latest release ends where the service is: a complete one at its `to`, a failed
/// one at its `from` (a rolled-back one is followed by the rollback, a release too).
fn agrees_with_version(ctx: &LineCtx, i: usize, doc: &Locator) -> Result<(), Problem> {
    let spec = ctx.spec.releases[i].get_ref();
    let Some(&j) = ctx.services.get(spec.service.as_str()) else {
        return Ok(());
    };
    let Some(running) = ctx.spec.services[j].version.get_ref().get(&spec.env) else {
        return Ok(());
    };
    let (key, expected) = match spec.state {
        ReleaseState::Complete => ("to", &spec.to),
        ReleaseState::Failed => ("from", &spec.from),
        ReleaseState::RolledBack | ReleaseState::Progressing => return Ok(()),
        ReleaseState::Superseded => {
            return Err((
                doc.offset(&ctx.path.key("release").index(i).key("state")),
                format!(
                    "the latest release of {} in {} is superseded, but no later release supersedes it",
                    spec.service, spec.env
                ),
            ));
        }
    };
    if *expected == running {
        return Ok(());
    }
    Err((
        doc.offset(&ctx.path.key("release").index(i).key(key)),
        format!(
            "the latest release of {} in {} ({}, {} → {}) leaves it at {expected}, but its version there is {running}",
            spec.service,
            spec.env,
            spec.state.label(),
            spec.from,
            spec.to
        ),
    ))
}

pub(super) fn profiles(s: &Scenario, doc: &Locator) -> Result<(), Problem> {
    let list = Path::root().key("profile");
    count(doc, &list, "profiles", s.profiles.len(), MAX_PROFILES)?;
    let mut diurnal: Option<usize> = None;
    for (i, p) in s.profiles.iter().enumerate() {
        let at = list.index(i);
        match p.get_ref() {
            Profile::Diurnal { amplitude } => {
                if let Some(first) = diurnal {
                    return Err((
                        doc.offset(&at),
                        format!(
                            "a second diurnal profile (the first is at line {}): their swings would multiply",
                            doc.line_of(first)
                        ),
                    ));
                }
                diurnal = Some(doc.offset(&at));
                let what = "diurnal amplitude";
                number(
                    doc,
                    &at.key("amplitude"),
                    what,
                    *amplitude,
                    limits::AMPLITUDE,
                )?;
            }
            Profile::FlashSale { .. } => flash_sale(s, p.get_ref(), &at, doc)?,
        }
    }
    Ok(())
}

fn flash_sale(s: &Scenario, p: &Profile, at: &Path, doc: &Locator) -> Result<(), Problem> {
    let Profile::FlashSale {
        line,
        env,
        service,
        start_s,
        duration_s,
        factor,
    } = p
    else {
        return Ok(());
    };
    target(s, line, env, service).map_err(|(key, reason)| (doc.offset(&at.key(key)), reason))?;
    let checks = [
        ("start_s", *start_s, limits::FLASH_START_S),
        ("duration_s", *duration_s, limits::FLASH_DURATION_S),
        ("factor", *factor, limits::FLASH_FACTOR),
    ];
    for (key, v, bounds) in checks {
        number(doc, &at.key(key), &format!("flash-sale {key}"), v, bounds)?;
    }
    Ok(())
}

/// A flash sale's target exists and runs; else the key at fault and why.
fn target(
    s: &Scenario,
    line: &str,
    env: &str,
    service: &str,
) -> Result<(), (&'static str, String)> {
    let unknown = |key| {
        (
            key,
            format!("flash-sale targets unknown {line}/{env}/{service}"),
        )
    };
    let l = s
        .lines
        .iter()
        .find(|l| l.name.get_ref() == line)
        .ok_or_else(|| unknown("line"))?;
    if !l.environments.iter().any(|e| e.name.get_ref() == env) {
        return Err(unknown("env"));
    }
    let svc = l
        .services
        .iter()
        .find(|sv| sv.name.get_ref() == service)
        .ok_or_else(|| unknown("service"))?;
    if !svc.runs_in(env) {
        return Err((
            "env",
            format!(
                "flash-sale targets {line}/{env}/{service}, but {service} does not run in {env}"
            ),
        ));
    }
    Ok(())
}
