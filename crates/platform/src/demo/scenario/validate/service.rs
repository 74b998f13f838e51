//! A service: its numbers, versions, where it runs, per-environment values, calls, config
//! and secrets, canaries.

use super::{LineCtx, Seen, count, name, number};
use crate::demo::scenario::limits::{
    self, MAX_CALLS, MAX_CONFIG_KEYS, MAX_REPLICAS, MAX_SECRETS, MAX_TAG_ROUTES, MAX_VERSIONS,
};
use crate::demo::scenario::locate::{Locator, Path};
use crate::demo::scenario::text::{TOKEN, VERSION};
use crate::demo::scenario::{PerEnv, Problem, ServiceSpec};
use std::collections::{BTreeMap, HashSet};

pub(super) fn check(ctx: &LineCtx, i: usize, doc: &Locator) -> Result<(), Problem> {
    let svc = &ctx.spec.services[i];
    let path = ctx.path.key("service").index(i);
    numbers(svc, &path, doc)?;
    versions(svc, &path, doc)?;
    run_envs(ctx, svc, &path, doc)?;
    replicas(ctx, svc, &path, doc)?;
    stable_versions(ctx, svc, &path, doc)?;
    calls(ctx, svc, &path, doc)?;
    config(ctx, svc, &path, doc)?;
    secrets(svc, &path, doc)?;
    canaries(ctx, svc, &path, doc)
}

fn numbers(svc: &ServiceSpec, path: &Path, doc: &Locator) -> Result<(), Problem> {
    let sname = svc.name.get_ref();
    let checks = [
        ("capacity", svc.capacity, limits::CAPACITY),
        ("entry_rps", svc.entry_rps, limits::ENTRY_RPS),
        ("error_rate", svc.error_rate, limits::ERROR_RATE),
        ("latency_ms", svc.latency_ms, limits::LATENCY_MS),
    ];
    for (key, v, bounds) in checks {
        let what = format!("service {sname}: {key}");
        number(doc, &path.key(key), &what, v, bounds)?;
    }
    Ok(())
}

fn versions(svc: &ServiceSpec, path: &Path, doc: &Locator) -> Result<(), Problem> {
    let sname = svc.name.get_ref();
    let at = path.key("versions");
    let list = svc.versions.get_ref();
    if list.is_empty() {
        return Err((
            doc.offset(&at),
            format!("service {sname} lists no versions"),
        ));
    }
    let what = format!("versions of service {sname}");
    count(doc, &at, &what, list.len(), MAX_VERSIONS)?;
    let mut seen = Seen::new("version");
    for (i, v) in list.iter().enumerate() {
        let here = at.index(i);
        name(doc, &here, VERSION, "the version", v)?;
        seen.first(doc, v, doc.offset(&here))?;
    }
    Ok(())
}

/// `envs`: where the service runs, at least one, each once, each of the line.
fn run_envs(ctx: &LineCtx, svc: &ServiceSpec, path: &Path, doc: &Locator) -> Result<(), Problem> {
    let Some(list) = &svc.envs else {
        return Ok(());
    };
    let at = path.key("envs");
    if list.get_ref().is_empty() {
        return Err((
            doc.offset(&at),
            format!(
                "service {}: envs is empty, so it would run nowhere (leave envs out to run it everywhere)",
                svc.name.get_ref()
            ),
        ));
    }
    let mut seen = Seen::new("environment");
    for (i, env) in list.get_ref().iter().enumerate() {
        let here = doc.offset(&at.index(i));
        ctx.known_env(here, env)?;
        seen.first(doc, env, here)?;
    }
    Ok(())
}

/// The environments a per-environment table names: the line's, where the service runs.
fn per_env_keys<T: Clone>(
    ctx: &LineCtx,
    svc: &ServiceSpec,
    value: &PerEnv<T>,
    at: &Path,
    setting: &str,
    doc: &Locator,
) -> Result<(), Problem> {
    for env in value.env_names() {
        let here = doc.offset(&at.key(env));
        ctx.known_env(here, env)?;
        if !svc.runs_in(env) {
            return Err((here, not_running(svc, setting, env)));
        }
    }
    Ok(())
}

fn not_running(svc: &ServiceSpec, setting: &str, env: &str) -> String {
    format!(
        "{setting} names {env}, where service {} does not run (see its envs)",
        svc.name.get_ref()
    )
}

/// Where the value for `env` is written: its entry, the `default` entry, or the setting.
fn per_env_path<T: Clone>(value: &PerEnv<T>, at: &Path, env: &str) -> Path {
    value.key_for(env).map_or_else(|| at.clone(), |k| at.key(k))
}

fn replicas(ctx: &LineCtx, svc: &ServiceSpec, path: &Path, doc: &Locator) -> Result<(), Problem> {
    let sname = svc.name.get_ref();
    let at = path.key("replicas");
    let value = svc.replicas.get_ref();
    per_env_keys(ctx, svc, value, &at, "replicas", doc)?;
    for env in ctx.envs.iter().filter(|e| svc.runs_in(e)) {
        match value.get(env) {
            None => {
                return Err((
                    doc.offset(&at),
                    format!("service {sname} has no replica count for {env} (add a default)"),
                ));
            }
            Some(n) if n > MAX_REPLICAS => {
                return Err((
                    doc.offset(&per_env_path(value, &at, env)),
                    format!(
                        "service {sname}: replicas in {env} must be a whole number from 0 to {MAX_REPLICAS}, found {n}"
                    ),
                ));
            }
            Some(_) => {}
        }
    }
    Ok(())
}

fn stable_versions(
    ctx: &LineCtx,
    svc: &ServiceSpec,
    path: &Path,
    doc: &Locator,
) -> Result<(), Problem> {
    let sname = svc.name.get_ref();
    let at = path.key("version");
    let value = svc.version.get_ref();
    per_env_keys(ctx, svc, value, &at, "version", doc)?;
    let known = svc.versions.get_ref();
    for env in ctx.envs.iter().filter(|e| svc.runs_in(e)) {
        match value.get(env) {
            None => {
                return Err((
                    doc.offset(&at),
                    format!("service {sname} has no version for {env} (add a default)"),
                ));
            }
            Some(v) if !known.contains(&v) => {
                return Err((
                    doc.offset(&per_env_path(value, &at, env)),
                    format!("service {sname}: version {v} in {env} is not in versions"),
                ));
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// Each dependency: of the line, not the service itself, a sane factor, and running
/// wherever the caller runs (else the simulation would drop those calls silently).
fn calls(ctx: &LineCtx, svc: &ServiceSpec, path: &Path, doc: &Locator) -> Result<(), Problem> {
    let sname = svc.name.get_ref();
    let at = path.key("calls");
    let deps = svc.calls.get_ref();
    count(
        doc,
        &at,
        &format!("calls of service {sname}"),
        deps.len(),
        MAX_CALLS,
    )?;
    for (dep, factor) in deps {
        let here = at.key(dep);
        let offset = doc.offset(&here);
        let Some(&j) = ctx.services.get(dep.as_str()) else {
            return Err((
                offset,
                format!("service {sname} calls unknown service {dep:?}"),
            ));
        };
        if dep == sname {
            return Err((offset, format!("service {sname} calls itself")));
        }
        let what = format!("service {sname}: calls to {dep}");
        number(doc, &here, &what, *factor, limits::CALLS_PER_REQUEST)?;
        let callee = &ctx.spec.services[j];
        if let Some(env) = ctx
            .envs
            .iter()
            .find(|e| svc.runs_in(e) && !callee.runs_in(e))
        {
            return Err((
                offset,
                format!(
                    "service {sname} calls {dep}, which does not run in {env} (where {sname} runs)"
                ),
            ));
        }
    }
    Ok(())
}

fn config(ctx: &LineCtx, svc: &ServiceSpec, path: &Path, doc: &Locator) -> Result<(), Problem> {
    let sname = svc.name.get_ref();
    config_table(&svc.config, &path.key("config"), sname, doc)?;
    let at = path.key("config_env");
    for (env, table) in svc.config_env.get_ref() {
        let here = at.key(env);
        ctx.known_env(doc.offset(&here), env)?;
        if !svc.runs_in(env) {
            return Err((doc.offset(&here), not_running(svc, "config_env", env)));
        }
        config_table(table, &here, sname, doc)?;
    }
    Ok(())
}

fn config_table(
    table: &BTreeMap<String, String>,
    at: &Path,
    sname: &str,
    doc: &Locator,
) -> Result<(), Problem> {
    let what = format!("config entries of service {sname}");
    count(doc, at, &what, table.len(), MAX_CONFIG_KEYS)?;
    for key in table.keys() {
        name(doc, &at.key(key), TOKEN, "a config key", key)?;
    }
    Ok(())
}

/// Secrets name config keys whose values are masked: a name that is no config key is
/// most likely a typo that leaves the real secret shown, so it is rejected.
fn secrets(svc: &ServiceSpec, path: &Path, doc: &Locator) -> Result<(), Problem> {
    let sname = svc.name.get_ref();
    let at = path.key("secrets");
    let what = format!("secrets of service {sname}");
    count(doc, &at, &what, svc.secrets.len(), MAX_SECRETS)?;
    let keys: HashSet<&str> = svc
        .config
        .keys()
        .chain(svc.config_env.get_ref().values().flat_map(|t| t.keys()))
        .map(String::as_str)
        .collect();
    let mut seen = Seen::new("secret");
    for (i, secret) in svc.secrets.iter().enumerate() {
        let offset = doc.offset(&at.index(i));
        seen.first(doc, secret, offset)?;
        if !keys.contains(secret.as_str()) {
            return Err((
                offset,
                format!(
                    "secret {secret:?} of service {sname} is not a config key (secrets name the config keys whose values are hidden)"
                ),
            ));
        }
    }
    Ok(())
}

fn canaries(ctx: &LineCtx, svc: &ServiceSpec, path: &Path, doc: &Locator) -> Result<(), Problem> {
    let mut envs = Seen::new("canary for environment");
    for (i, c) in svc.canaries.iter().enumerate() {
        let at = path.key("canary").index(i);
        let spec = c.get_ref();
        let env_at = doc.offset(&at.key("env"));
        ctx.known_env(env_at, &spec.env)?;
        if !svc.runs_in(&spec.env) {
            return Err((env_at, not_running(svc, "the canary", &spec.env)));
        }
        envs.first(doc, &spec.env, env_at)?;
        canary(svc, spec, &at, doc)?;
    }
    Ok(())
}

fn canary(
    svc: &ServiceSpec,
    spec: &crate::demo::scenario::CanarySpec,
    at: &Path,
    doc: &Locator,
) -> Result<(), Problem> {
    let sname = svc.name.get_ref();
    let version_at = at.key("version");
    name(
        doc,
        &version_at,
        VERSION,
        "the canary version",
        &spec.version,
    )?;
    if !svc.versions.get_ref().contains(&spec.version) {
        return Err((
            doc.offset(&version_at),
            format!("canary version {} is not in versions", spec.version),
        ));
    }
    if svc.version.get_ref().get(&spec.env).as_deref() == Some(spec.version.as_str()) {
        return Err((
            doc.offset(&version_at),
            format!(
                "the canary of {sname} in {} runs {}, the stable version there: a canary is another version",
                spec.env, spec.version
            ),
        ));
    }
    if let Some(rate) = spec.error_rate {
        let what = format!("service {sname}: the canary's error_rate");
        number(doc, &at.key("error_rate"), &what, rate, limits::ERROR_RATE)?;
    }
    if spec.weight > 0 && spec.replicas == 0 {
        return Err((
            doc.offset(&at.key("replicas")),
            format!(
                "the canary of {sname} in {} has weight {} but 0 replicas: nothing would serve its traffic",
                spec.env, spec.weight
            ),
        ));
    }
    let routes = at.key("tag_routes");
    let what = format!("tag routes of the canary of {sname}");
    count(doc, &routes, &what, spec.tag_routes.len(), MAX_TAG_ROUTES)?;
    let mut seen = Seen::new("tag route");
    for (i, tag) in spec.tag_routes.iter().enumerate() {
        let here = routes.index(i);
        name(doc, &here, TOKEN, "a tag route", tag)?;
        seen.first(doc, tag, doc.offset(&here))?;
    }
    Ok(())
}
