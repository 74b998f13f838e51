//! Demo scenario files (TOML): product lines, environments, services, traffic profiles.
//!
//! A file enters through [`load`] (a bounded read of a regular file) and [`parse`]: the size
//! and the nesting are checked before the TOML parser runs, every string of the file is
//! checked for control and text-direction characters, and then every number, name, list
//! and cross-reference is checked (see `limits` for the ranges and caps). A bad file is
//! rejected with its name, the line and the reason in plain words.

mod budget;
mod input;
mod limits;
mod locate;
mod messages;
mod text;
mod validate;
mod values;

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;

pub use input::load;
pub use limits::MAX_SCENARIO_BYTES;
pub use values::PerEnv;

use serde::Deserialize;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::fmt;
use toml::Spanned;

/// The scenario shipped with the binary.
pub const DEFAULT_SCENARIO: &str = include_str!("../../../../../demo/default.toml");
pub const DEFAULT_SCENARIO_NAME: &str = "demo/default.toml";
/// The large scenario (benchmarks, drills with many services).
pub const LARGE_SCENARIO: &str = include_str!("../../../../../demo/large.toml");
pub const LARGE_SCENARIO_NAME: &str = "demo/large.toml";

/// Why a scenario was rejected. `line` and `column` count from 1; a problem with the
/// file as a whole (missing, too large, not a regular file) has line 0.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioError {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub reason: String,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.file, self.reason)
        } else {
            write!(
                f,
                "{}:{}:{}: {}",
                self.file, self.line, self.column, self.reason
            )
        }
    }
}

impl std::error::Error for ScenarioError {}

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
    #[serde(default = "default_seed", deserialize_with = "values::seed")]
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
    #[serde(default, rename = "lane")]
    pub lanes: Vec<Spanned<LaneSpec>>,
}

/// A lane in one environment: some of its services at other versions, reached by the
/// requests tagged with the lane's name (see `crate::domain::lane`).
/// The lane a spec describes, created `ago_minutes` before `epoch`.
pub fn lane_of(spec: &LaneSpec, epoch: i64) -> crate::domain::lane::Lane {
    crate::domain::lane::Lane {
        name: spec.name.clone(),
        services: spec.services.clone(),
        entry_share: spec.entry_share,
        created_by: spec.who.clone(),
        created_at: epoch - (spec.ago_minutes as i64) * 60,
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LaneSpec {
    pub env: String,
    pub name: String,
    /// Service → the version it runs in the lane.
    pub services: BTreeMap<String, String>,
    /// Percent of untagged entry requests the gateway tags into the lane.
    #[serde(default, deserialize_with = "values::weight")]
    pub entry_share: u8,
    /// Error rate of the lane's versions (a failing lane).
    pub error_rate: Option<f64>,
    pub who: String,
    #[serde(deserialize_with = "values::ago_minutes")]
    pub ago_minutes: u64,
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

    /// The namespace the environment lives in (default: `<line>-<env>`).
    pub fn namespace_in(&self, line: &str) -> String {
        self.namespace
            .clone()
            .unwrap_or_else(|| format!("{line}-{}", self.name.get_ref()))
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
    /// Config keys whose values are secret (shown masked). Each must be a config key.
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

impl ServiceSpec {
    pub fn runs_in(&self, env: &str) -> bool {
        self.envs
            .as_ref()
            .is_none_or(|list| list.get_ref().iter().any(|e| e == env))
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CanarySpec {
    pub env: String,
    pub version: String,
    #[serde(deserialize_with = "values::weight")]
    pub weight: u8,
    #[serde(default = "one", deserialize_with = "values::canary_replicas")]
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
    #[serde(deserialize_with = "values::ago_minutes")]
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

/// Where in the source a problem is (a byte offset) and what it is.
type Problem = (usize, String);

/// Parses and checks a scenario (`file` names it in errors). The text is bounded by
/// [`MAX_SCENARIO_BYTES`]; parsing and checking take time linear in its size.
pub fn parse(file: &str, source: &str) -> Result<Scenario, ScenarioError> {
    let at = |(offset, reason): Problem| error_at(file, source, offset, reason);
    input::check_size(source.len()).map_err(|reason| whole_file_error(file, reason))?;
    input::check_nesting(source).map_err(at)?;
    let doc = toml::de::DeTable::parse(source).map_err(|e| at(messages::syntax(source, &e)))?;
    text::check_strings(doc.get_ref()).map_err(at)?;
    messages::check_shape(doc.get_ref()).map_err(at)?;
    let scenario = Scenario::deserialize(toml::de::Deserializer::from(doc.clone()))
        .map_err(|e| at(messages::plain(doc.get_ref(), source, &e)))?;
    validate::scenario(&scenario, &locate::Locator::new(doc.get_ref(), source)).map_err(at)?;
    Ok(scenario)
}

fn whole_file_error(file: &str, reason: String) -> ScenarioError {
    ScenarioError {
        file: file.to_string(),
        line: 0,
        column: 0,
        reason,
    }
}

fn error_at(file: &str, source: &str, offset: usize, reason: String) -> ScenarioError {
    let (line, column) = line_and_column(source, offset);
    ScenarioError {
        file: file.to_string(),
        line,
        column,
        reason,
    }
}

/// 1-based line and column (in characters) of a byte offset.
fn line_and_column(source: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(source.len());
    let before = &source.as_bytes()[..offset];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let column = source
        .get(line_start..offset)
        .map_or(offset - line_start, |s| s.chars().count());
    (line, column + 1)
}

/// Service indices with every caller before its callees (Kahn, in file order among the
/// ready ones); shorter than the service list when the calls form a cycle.
pub fn call_order(line: &LineSpec) -> Vec<usize> {
    let mut index: HashMap<&str, usize> = HashMap::with_capacity(line.services.len());
    for (i, s) in line.services.iter().enumerate() {
        index.entry(s.name.get_ref().as_str()).or_insert(i);
    }
    let callees = |i: usize| {
        line.services[i]
            .calls
            .get_ref()
            .keys()
            .filter_map(|dep| index.get(dep.as_str()).copied())
    };
    let n = line.services.len();
    let mut indegree = vec![0usize; n];
    for i in 0..n {
        for j in callees(i) {
            indegree[j] += 1;
        }
    }
    let mut ready: VecDeque<usize> = (0..n).filter(|&i| indegree[i] == 0).collect();
    let mut order = Vec::with_capacity(n);
    while let Some(i) = ready.pop_front() {
        order.push(i);
        for j in callees(i) {
            indegree[j] -= 1;
            if indegree[j] == 0 {
                ready.push_back(j);
            }
        }
    }
    order
}
