//! The checks a deserialized scenario goes through: every number in its range, names,
//! duplicates and contradictions, each located at its line. Lists are counted against
//! their caps before anything walks them, and lookups go through maps, so checking takes
//! time linear in the file.

mod history;
mod lanes;
mod service;

use super::limits::{
    self, Bounds, MAX_ENVS_PER_LINE, MAX_LINES, MAX_RELEASES_PER_LINE, MAX_SERVICES_PER_LINE,
};
use super::locate::{Locator, Path};
use super::text::{IMAGE, LABEL, NAME, NameRule, TOKEN};
use super::{EnvSpec, LineSpec, Meta, Problem, Scenario, call_order};
use std::collections::HashMap;

pub(super) fn scenario(s: &Scenario, doc: &Locator) -> Result<(), Problem> {
    meta(&s.scenario, doc)?;
    let lines = Path::root().key("line");
    count(doc, &lines, "product lines", s.lines.len(), MAX_LINES)?;
    if s.lines.is_empty() {
        return Err((0, "the scenario has no [[line]]".into()));
    }
    let mut seen = Seen::new("product line");
    for (i, line) in s.lines.iter().enumerate() {
        let path = lines.index(i);
        seen.first(doc, line.name.get_ref(), doc.offset(&path.key("name")))?;
        check_line(line, &path, doc)?;
    }
    locations(s, doc)?;
    history::profiles(s, doc)?;
    super::budget::check(s, doc)
}

fn meta(m: &Meta, doc: &Locator) -> Result<(), Problem> {
    let path = Path::root().key("scenario");
    name(doc, &path.key("name"), LABEL, "the scenario name", &m.name)?;
    number(
        doc,
        &path.key("day_seconds"),
        "day_seconds",
        m.day_seconds,
        limits::DAY_SECONDS,
    )?;
    number(
        doc,
        &path.key("rollout_step_seconds"),
        "rollout_step_seconds",
        m.rollout_step_seconds,
        limits::ROLLOUT_STEP_SECONDS,
    )
}

/// A product line and what it knows: its environments and services by name.
pub(super) struct LineCtx<'a> {
    pub spec: &'a LineSpec,
    pub path: Path,
    pub envs: Vec<&'a str>,
    pub services: HashMap<&'a str, usize>,
}

impl LineCtx<'_> {
    fn name(&self) -> &str {
        self.spec.name.get_ref()
    }

    pub(super) fn has_env(&self, env: &str) -> bool {
        self.envs.contains(&env)
    }

    /// `unknown environment "x" (known: …)` unless `env` is one of the line's.
    pub(super) fn known_env(&self, offset: usize, env: &str) -> Result<(), Problem> {
        if self.has_env(env) {
            Ok(())
        } else {
            Err((
                offset,
                format!(
                    "unknown environment {env:?} (known in line {}: {})",
                    self.name(),
                    self.envs.join(", ")
                ),
            ))
        }
    }
}

fn check_line(line: &LineSpec, path: &Path, doc: &Locator) -> Result<(), Problem> {
    let lname = line.name.get_ref();
    name(doc, &path.key("name"), NAME, "the product line name", lname)?;
    name(
        doc,
        &path.key("base_image"),
        IMAGE,
        "base_image",
        &line.base_image,
    )?;
    name(
        doc,
        &path.key("registry"),
        IMAGE,
        "registry",
        &line.registry,
    )?;
    let (envs, services) = (path.key("env"), path.key("service"));
    let what = format!("environments in line {lname}");
    count(
        doc,
        &envs,
        &what,
        line.environments.len(),
        MAX_ENVS_PER_LINE,
    )?;
    let what = format!("services in line {lname}");
    count(
        doc,
        &services,
        &what,
        line.services.len(),
        MAX_SERVICES_PER_LINE,
    )?;
    let what = format!("releases in line {lname}");
    let releases = path.key("release");
    count(
        doc,
        &releases,
        &what,
        line.releases.len(),
        MAX_RELEASES_PER_LINE,
    )?;
    if line.environments.is_empty() {
        return Err((
            doc.offset(path),
            format!("product line {lname} has no [[line.env]]"),
        ));
    }
    let mut seen = Seen::new("environment");
    for (i, env) in line.environments.iter().enumerate() {
        let at = envs.index(i);
        seen.first(doc, env.name.get_ref(), doc.offset(&at.key("name")))?;
        check_env(env, &at, doc)?;
    }
    let ctx = line_ctx(line, path, doc)?;
    for i in 0..line.services.len() {
        service::check(&ctx, i, doc)?;
    }
    if let Some(i) = on_a_cycle(line) {
        let at = doc.offset(&services.index(i).key("calls"));
        return Err((at, "the calls between services form a cycle".into()));
    }
    history::releases(&ctx, doc)?;
    lanes::check(&ctx, doc)
}

/// The line's names; service names checked, and defined once.
fn line_ctx<'a>(line: &'a LineSpec, path: &Path, doc: &Locator) -> Result<LineCtx<'a>, Problem> {
    let mut seen = Seen::new("service");
    let mut services = HashMap::with_capacity(line.services.len());
    for (i, svc) in line.services.iter().enumerate() {
        let at = path.key("service").index(i).key("name");
        name(doc, &at, NAME, "the service name", svc.name.get_ref())?;
        seen.first(doc, svc.name.get_ref(), doc.offset(&at))?;
        services.insert(svc.name.get_ref().as_str(), i);
    }
    Ok(LineCtx {
        spec: line,
        path: path.clone(),
        envs: line
            .environments
            .iter()
            .map(|e| e.name.get_ref().as_str())
            .collect(),
        services,
    })
}

fn check_env(env: &EnvSpec, path: &Path, doc: &Locator) -> Result<(), Problem> {
    let ename = env.name.get_ref();
    let at_name = path.key("name");
    name(doc, &at_name, NAME, "the environment name", ename)?;
    if ename == "default" {
        return Err((
            doc.offset(&at_name),
            "an environment cannot be called \"default\": per-environment tables use `default` for the other environments".into(),
        ));
    }
    name(doc, &path.key("cluster"), TOKEN, "cluster", &env.cluster)?;
    if let Some(ns) = &env.namespace {
        name(doc, &path.key("namespace"), TOKEN, "namespace", ns)?;
    }
    if let Some(share) = env.traffic_share {
        let at = path.key("traffic_share");
        number(doc, &at, "traffic_share", share, limits::TRAFFIC_SHARE)?;
    }
    Ok(())
}

/// Two environments in one cluster and namespace would be one place.
fn locations(s: &Scenario, doc: &Locator) -> Result<(), Problem> {
    let mut seen: HashMap<(String, String), (String, usize)> = HashMap::new();
    for (li, line) in s.lines.iter().enumerate() {
        let lname = line.name.get_ref();
        for (ei, env) in line.environments.iter().enumerate() {
            let path = Path::root().key("line").index(li).key("env").index(ei);
            let key = if env.namespace.is_some() {
                "namespace"
            } else {
                "name"
            };
            let at = doc.offset(&path.key(key));
            let here = format!("{lname}/{}", env.name.get_ref());
            let namespace = env.namespace_in(lname);
            let key = (env.cluster.clone(), namespace.clone());
            if let Some((other, first)) = seen.get(&key) {
                return Err((
                    at,
                    format!(
                        "environment {here} is in cluster {} namespace {namespace}, like {other} (line {})",
                        env.cluster,
                        doc.line_of(*first)
                    ),
                ));
            }
            seen.insert(key, (here, at));
        }
    }
    Ok(())
}

/// A service on a call cycle, if there is one.
fn on_a_cycle(line: &LineSpec) -> Option<usize> {
    let order = call_order(line);
    if order.len() == line.services.len() {
        return None;
    }
    let mut ordered = vec![false; line.services.len()];
    for i in order {
        ordered[i] = true;
    }
    ordered.iter().position(|done| !done)
}

/// Names given so far and where, to reject one given twice.
pub(super) struct Seen<'a> {
    what: &'static str,
    first: HashMap<&'a str, usize>,
}

impl<'a> Seen<'a> {
    pub(super) fn new(what: &'static str) -> Self {
        Seen {
            what,
            first: HashMap::new(),
        }
    }

    pub(super) fn first(&mut self, doc: &Locator, name: &'a str, at: usize) -> Result<(), Problem> {
        if let Some(&first) = self.first.get(name) {
            return Err((
                at,
                format!(
                    "{} {name} is defined twice (first at line {})",
                    self.what,
                    doc.line_of(first)
                ),
            ));
        }
        self.first.insert(name, at);
        Ok(())
    }
}

pub(super) fn number(
    doc: &Locator,
    path: &Path,
    what: &str,
    v: f64,
    bounds: Bounds,
) -> Result<(), Problem> {
    bounds.check(what, v).map_err(|r| (doc.offset(path), r))
}

pub(super) fn name(
    doc: &Locator,
    path: &Path,
    rule: NameRule,
    what: &str,
    value: &str,
) -> Result<(), Problem> {
    rule.check(what, value).map_err(|r| (doc.offset(path), r))
}

pub(super) fn count(
    doc: &Locator,
    path: &Path,
    what: &str,
    n: usize,
    max: usize,
) -> Result<(), Problem> {
    if n > max {
        // At the first entry over the cap, if the path is a list.
        let at = doc.offset(&path.index(max));
        Err((at, format!("too many {what}: {n} (at most {max})")))
    } else {
        Ok(())
    }
}
