//! Demo scenario files (TOML): product lines, environments, services, traffic profiles.
//! A bad file is rejected with its name, the line and the reason.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;
use toml::Spanned;

/// The scenario shipped with the binary.
pub const DEFAULT_SCENARIO: &str = include_str!("../../../demo/default.toml");
pub const DEFAULT_SCENARIO_NAME: &str = "demo/default.toml";
/// The large scenario (benchmarks, drills with many services).
pub const LARGE_SCENARIO: &str = include_str!("../../../demo/large.toml");
pub const LARGE_SCENARIO_NAME: &str = "demo/large.toml";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioError {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub reason: String,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file, self.line, self.column, self.reason
        )
    }
}

impl std::error::Error for ScenarioError {}

/// A value given once for all environments, or per environment with an optional `default`.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum PerEnv<T> {
    All(T),
    ByEnv(BTreeMap<String, T>),
}

impl<T: Clone> PerEnv<T> {
    pub fn get(&self, env: &str) -> Option<T> {
        match self {
            PerEnv::All(v) => Some(v.clone()),
            PerEnv::ByEnv(m) => m.get(env).or_else(|| m.get("default")).cloned(),
        }
    }

    fn env_names(&self) -> Vec<&str> {
        match self {
            PerEnv::All(_) => vec![],
            PerEnv::ByEnv(m) => m
                .keys()
                .map(String::as_str)
                .filter(|k| *k != "default")
                .collect(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    pub scenario: Meta,
    #[serde(default, rename = "line")]
    pub lines: Vec<LineSpec>,
    #[serde(default, rename = "profile")]
    pub profiles: Vec<Spanned<Profile>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Meta {
    pub name: String,
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// Wall-clock seconds one simulated day lasts (the diurnal profile's period).
    #[serde(default = "default_day")]
    pub day_seconds: f64,
    /// Seconds each replica of a rolling update takes to become ready.
    #[serde(default = "default_step")]
    pub rollout_step_seconds: f64,
}

fn default_seed() -> u64 {
    42
}
fn default_day() -> f64 {
    600.0
}
fn default_step() -> f64 {
    2.0
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LineSpec {
    pub name: Spanned<String>,
    pub base_image: String,
    pub registry: String,
    #[serde(rename = "env")]
    pub environments: Vec<EnvSpec>,
    #[serde(default, rename = "service")]
    pub services: Vec<ServiceSpec>,
    #[serde(default, rename = "release")]
    pub releases: Vec<Spanned<ReleaseSpec>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnvSpec {
    pub name: Spanned<String>,
    pub tier: crate::domain::Tier,
    pub cluster: String,
    pub namespace: Option<String>,
    /// Share of the line's entry traffic this environment receives (default: 1.0 for prod,
    /// 0.25 for other production-tier environments, 0.05 for the rest).
    pub traffic_share: Option<f64>,
}

impl EnvSpec {
    pub fn share(&self) -> f64 {
        self.traffic_share
            .unwrap_or(match (self.tier, self.name.get_ref().as_str()) {
                (_, "prod") => 1.0,
                (crate::domain::Tier::Production, _) => 0.25,
                _ => 0.05,
            })
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceSpec {
    pub name: Spanned<String>,
    /// Requests/s one replica serves.
    pub capacity: f64,
    pub replicas: Spanned<PerEnv<u32>>,
    /// Versions known to the registry, oldest first.
    pub versions: Spanned<Vec<String>>,
    pub version: Spanned<PerEnv<String>>,
    /// External requests/s at the daily peak entering through this service.
    #[serde(default)]
    pub entry_rps: f64,
    /// Dependencies: service → calls per inbound request.
    #[serde(default = "empty_spanned")]
    pub calls: Spanned<BTreeMap<String, f64>>,
    #[serde(default = "default_error_rate")]
    pub error_rate: f64,
    #[serde(default = "default_latency")]
    pub latency_ms: f64,
    #[serde(default)]
    pub config: BTreeMap<String, String>,
    /// Per-environment config overrides (environment → key → value).
    #[serde(default = "empty_spanned")]
    pub config_env: Spanned<BTreeMap<String, BTreeMap<String, String>>>,
    #[serde(default)]
    pub secrets: Vec<String>,
    /// Environments this service runs in (default: all of the line).
    pub envs: Option<Spanned<Vec<String>>>,
    #[serde(default, rename = "canary")]
    pub canaries: Vec<Spanned<CanarySpec>>,
}

fn empty_spanned<T: Default>() -> Spanned<T> {
    Spanned::new(0..0, T::default())
}

fn default_error_rate() -> f64 {
    0.002
}
fn default_latency() -> f64 {
    15.0
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CanarySpec {
    pub env: String,
    pub version: String,
    pub weight: u8,
    #[serde(default = "one")]
    pub replicas: u32,
    /// Error rate of the canary version (worse than stable in the failing-canary profile).
    pub error_rate: Option<f64>,
    #[serde(default)]
    pub tag_routes: Vec<String>,
}

fn one() -> u32 {
    1
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReleaseSpec {
    pub service: String,
    pub env: String,
    pub from: String,
    pub to: String,
    pub who: String,
    pub why: String,
    pub ago_minutes: u64,
    pub state: crate::domain::ReleaseState,
}

/// Traffic profiles layered on the baseline.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Profile {
    /// Day/night swing of all entry traffic: rate × (1 + amplitude × sin).
    Diurnal { amplitude: f64 },
    /// A burst of entry traffic into one service of one environment.
    FlashSale {
        line: String,
        env: String,
        service: String,
        start_s: f64,
        duration_s: f64,
        factor: f64,
    },
}

fn error_at(file: &str, source: &str, offset: usize, reason: String) -> ScenarioError {
    let offset = offset.min(source.len());
    let before = &source[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rfind('\n').map_or(offset, |nl| offset - nl - 1) + 1;
    ScenarioError {
        file: file.to_string(),
        line,
        column,
        reason,
    }
}

/// Parses and checks a scenario.
pub fn parse(file: &str, source: &str) -> Result<Scenario, ScenarioError> {
    let scenario: Scenario = toml::from_str(source).map_err(|e| {
        let offset = e.span().map_or(0, |s| s.start);
        error_at(file, source, offset, e.message().trim().to_string())
    })?;
    validate(&scenario).map_err(|(offset, reason)| error_at(file, source, offset, reason))?;
    Ok(scenario)
}

type Problem = (usize, String);

fn validate(s: &Scenario) -> Result<(), Problem> {
    if s.lines.is_empty() {
        return Err((0, "the scenario has no [[line]]".into()));
    }
    if s.scenario.day_seconds <= 0.0 || s.scenario.rollout_step_seconds <= 0.0 {
        return Err((
            0,
            "day_seconds and rollout_step_seconds must be positive".into(),
        ));
    }
    let mut line_names: Vec<&str> = Vec::new();
    for line in &s.lines {
        let lname = line.name.get_ref();
        if line_names.contains(&lname.as_str()) {
            return Err((
                line.name.span().start,
                format!("product line {lname} is defined twice"),
            ));
        }
        line_names.push(lname);
        validate_line(line)?;
    }
    for p in &s.profiles {
        if let Profile::FlashSale {
            line,
            env,
            service,
            factor,
            duration_s,
            ..
        } = p.get_ref()
        {
            let known = s
                .lines
                .iter()
                .find(|l| l.name.get_ref() == line)
                .is_some_and(|l| {
                    l.environments.iter().any(|e| e.name.get_ref() == env)
                        && l.services.iter().any(|sv| sv.name.get_ref() == service)
                });
            if !known {
                return Err((
                    p.span().start,
                    format!("flash-sale targets unknown {line}/{env}/{service}"),
                ));
            }
            if *factor <= 0.0 || *duration_s <= 0.0 {
                return Err((
                    p.span().start,
                    "flash-sale factor and duration must be positive".into(),
                ));
            }
        }
    }
    Ok(())
}

fn validate_line(line: &LineSpec) -> Result<(), Problem> {
    let envs: Vec<&str> = line
        .environments
        .iter()
        .map(|e| e.name.get_ref().as_str())
        .collect();
    if envs.is_empty() {
        return Err((
            line.name.span().start,
            format!("product line {} has no [[line.env]]", line.name.get_ref()),
        ));
    }
    for (i, e) in line.environments.iter().enumerate() {
        if envs[..i].contains(&e.name.get_ref().as_str()) {
            return Err((
                e.name.span().start,
                format!("environment {} is defined twice", e.name.get_ref()),
            ));
        }
    }
    let names: Vec<&str> = line
        .services
        .iter()
        .map(|s| s.name.get_ref().as_str())
        .collect();
    let check_envs = |offset: usize, list: Vec<&str>| -> Result<(), Problem> {
        match list.into_iter().find(|e| !envs.contains(e)) {
            Some(bad) => Err((
                offset,
                format!("unknown environment {bad:?} (known: {})", envs.join(", ")),
            )),
            None => Ok(()),
        }
    };
    for (i, svc) in line.services.iter().enumerate() {
        let name = svc.name.get_ref();
        if names[..i].contains(&name.as_str()) {
            return Err((
                svc.name.span().start,
                format!("service {name} is defined twice"),
            ));
        }
        if svc.capacity.is_nan() || svc.capacity <= 0.0 {
            return Err((
                svc.name.span().start,
                format!("service {name}: capacity must be positive"),
            ));
        }
        if !(0.0..=1.0).contains(&svc.error_rate) {
            return Err((
                svc.name.span().start,
                format!("service {name}: error_rate must be within 0..1"),
            ));
        }
        for (dep, factor) in svc.calls.get_ref() {
            if !names.contains(&dep.as_str()) {
                return Err((
                    svc.calls.span().start,
                    format!("service {name} calls unknown service {dep:?}"),
                ));
            }
            if dep == name {
                return Err((
                    svc.calls.span().start,
                    format!("service {name} calls itself"),
                ));
            }
            if factor.is_nan() || *factor <= 0.0 {
                return Err((
                    svc.calls.span().start,
                    format!("service {name}: calls to {dep} must be positive"),
                ));
            }
        }
        check_envs(
            svc.replicas.span().start,
            svc.replicas.get_ref().env_names(),
        )?;
        check_envs(svc.version.span().start, svc.version.get_ref().env_names())?;
        check_envs(
            svc.config_env.span().start,
            svc.config_env
                .get_ref()
                .keys()
                .map(String::as_str)
                .collect(),
        )?;
        if let Some(list) = &svc.envs {
            check_envs(
                list.span().start,
                list.get_ref().iter().map(String::as_str).collect(),
            )?;
        }
        let known = svc.versions.get_ref();
        if known.is_empty() {
            return Err((
                svc.versions.span().start,
                format!("service {name} lists no versions"),
            ));
        }
        for env in &envs {
            if let Some(v) = svc.version.get_ref().get(env) {
                if !known.contains(&v) {
                    return Err((
                        svc.version.span().start,
                        format!("service {name}: version {v} in {env} is not in versions"),
                    ));
                }
            } else if svc.runs_in(env) {
                return Err((
                    svc.version.span().start,
                    format!("service {name} has no version for {env} (add a default)"),
                ));
            }
            if svc.runs_in(env) && svc.replicas.get_ref().get(env).is_none() {
                return Err((
                    svc.replicas.span().start,
                    format!("service {name} has no replica count for {env} (add a default)"),
                ));
            }
        }
        for c in &svc.canaries {
            let spec = c.get_ref();
            check_envs(c.span().start, vec![spec.env.as_str()])?;
            if spec.weight > 100 {
                return Err((
                    c.span().start,
                    format!("canary weight {} is over 100", spec.weight),
                ));
            }
            if !known.contains(&spec.version) {
                return Err((
                    c.span().start,
                    format!("canary version {} is not in versions", spec.version),
                ));
            }
        }
    }
    if let Some(offset) = cycle(line) {
        return Err((offset, "the calls between services form a cycle".into()));
    }
    for r in &line.releases {
        let spec = r.get_ref();
        check_envs(r.span().start, vec![spec.env.as_str()])?;
        if !names.contains(&spec.service.as_str()) {
            return Err((
                r.span().start,
                format!("release of unknown service {:?}", spec.service),
            ));
        }
    }
    Ok(())
}

/// Offset of a service on a call cycle, if there is one.
fn cycle(line: &LineSpec) -> Option<usize> {
    let order = call_order(line);
    if order.len() == line.services.len() {
        return None;
    }
    line.services
        .iter()
        .enumerate()
        .find(|(i, _)| !order.contains(i))
        .map(|(_, s)| s.calls.span().start)
}

/// Service indices with every caller before its callees (Kahn); shorter than the service
/// list when the calls form a cycle.
pub fn call_order(line: &LineSpec) -> Vec<usize> {
    let index = |name: &str| line.services.iter().position(|s| s.name.get_ref() == name);
    let n = line.services.len();
    let mut indegree = vec![0usize; n];
    for s in &line.services {
        for dep in s.calls.get_ref().keys() {
            if let Some(j) = index(dep) {
                indegree[j] += 1;
            }
        }
    }
    let mut ready: Vec<usize> = (0..n).filter(|&i| indegree[i] == 0).collect();
    ready.reverse();
    let mut order = Vec::with_capacity(n);
    while let Some(i) = ready.pop() {
        order.push(i);
        for dep in line.services[i].calls.get_ref().keys() {
            if let Some(j) = index(dep) {
                indegree[j] -= 1;
                if indegree[j] == 0 {
                    ready.insert(0, j);
                }
            }
        }
    }
    order
}

impl ServiceSpec {
    pub fn runs_in(&self, env: &str) -> bool {
        self.envs
            .as_ref()
            .is_none_or(|list| list.get_ref().iter().any(|e| e == env))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_scenarios_parse() {
        let s = parse(DEFAULT_SCENARIO_NAME, DEFAULT_SCENARIO).unwrap();
        assert!(s.lines.len() >= 3);
        for line in &s.lines {
            assert!(
                (4..=6).contains(&line.environments.len()),
                "{}",
                line.name.get_ref()
            );
            assert!(
                (5..=15).contains(&line.services.len()),
                "{}",
                line.name.get_ref()
            );
        }
        let large = parse(LARGE_SCENARIO_NAME, LARGE_SCENARIO).unwrap();
        assert!(large.lines.iter().map(|l| l.services.len()).sum::<usize>() >= 50);
    }

    const MINIMAL: &str = r#"[scenario]
name = "t"

[[line]]
name = "trade"
base_image = "base:1"
registry = "reg/trade"

[[line.env]]
name = "dev"
tier = "non-production"
cluster = "c"

[[line.service]]
name = "api"
capacity = 100.0
replicas = 2
versions = ["1.0"]
version = "1.0"
calls = { db = 1.0 }

[[line.service]]
name = "db"
capacity = 100.0
replicas = 1
versions = ["1.0"]
version = "1.0"
"#;

    #[test]
    fn minimal_scenario_parses() {
        parse("t.toml", MINIMAL).unwrap();
    }

    #[test]
    fn unknown_dependency_names_file_and_line() {
        let bad = MINIMAL.replace("calls = { db = 1.0 }", "calls = { dbx = 1.0 }");
        let err = parse("t.toml", &bad).unwrap_err();
        assert_eq!(err.file, "t.toml");
        assert_eq!(err.line, 20);
        assert!(err.reason.contains("unknown service \"dbx\""), "{err}");
    }

    #[test]
    fn syntax_error_names_line() {
        let bad = MINIMAL.replace(
            "capacity = 100.0\nreplicas = 2",
            "capacity = 100.0\nreplicas = = 2",
        );
        let err = parse("t.toml", &bad).unwrap_err();
        assert_eq!(err.line, 17, "{err}");
    }

    #[test]
    fn unknown_field_and_environment_are_rejected() {
        let bad = MINIMAL.replace("replicas = 2", "replicas = 2\nreplica = 3");
        assert!(
            parse("t.toml", &bad)
                .unwrap_err()
                .reason
                .contains("unknown field")
        );
        let bad = MINIMAL.replace("replicas = 2", "replicas = { prod = 2 }");
        let err = parse("t.toml", &bad).unwrap_err();
        assert!(err.reason.contains("unknown environment \"prod\""), "{err}");
    }
}
