//! The delivery model: product lines, environments, services, releases and traffic splits.
//! Pure data; every platform (demo, kube, docker) produces a [`Snapshot`] of these.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// Production tier or not: production environments need the environment's name typed to confirm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Tier {
    Production,
    NonProduction,
}

impl Tier {
    pub fn label(self) -> &'static str {
        match self {
            Tier::Production => "prod-tier",
            Tier::NonProduction => "non-prod",
        }
    }
}

/// Where an environment lives: a kube context and namespace, or a Docker engine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Location {
    Kube { context: String, namespace: String },
    Docker { engine: String },
    Demo { cluster: String, namespace: String },
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Kube { context, namespace } => write!(f, "{context}/{namespace}"),
            Location::Docker { engine } => write!(f, "docker:{engine}"),
            Location::Demo { cluster, namespace } => write!(f, "{cluster}/{namespace}"),
        }
    }
}

/// Something an environment's platform may or may not do. The UI and the CLI say "not
/// supported" from [`Location::supports`]; no platform worker answers with a stub.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Capability {
    /// Log tails of a service's replicas.
    Logs,
    /// A traffic router: canaries with weights and tag routes.
    CanaryRouting,
    /// A rollout that can be paused and resumed.
    RolloutPause,
    /// Lanes: versions of several services reached by tagged requests, hop by hop.
    Lanes,
}

impl Capability {
    /// What the capability is, as a sentence names it.
    pub fn what(self) -> &'static str {
        match self {
            Capability::Logs => "tailing logs",
            Capability::CanaryRouting => "canary routing",
            Capability::RolloutPause => "pausing a rollout",
            Capability::Lanes => "changing lanes",
        }
    }

    /// Why a platform without it lacks it, and what to do instead.
    fn why_not(self) -> &'static str {
        match self {
            Capability::Lanes => {
                "no router between services: a lane needs each hop routed by its tag"
            }
            Capability::Logs => "pod logs come in a later version; kubectl logs -f works meanwhile",
            Capability::CanaryRouting => {
                "no traffic router: canaries and tag routes need a Kubernetes environment"
            }
            Capability::RolloutPause => {
                "containers are replaced one by one, with no rollout object to pause"
            }
        }
    }
}

/// A capability an environment's platform lacks: `what` is not supported there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsupported {
    pub what: &'static str,
    pub platform: &'static str,
    pub why: &'static str,
}

impl fmt::Display for Unsupported {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} is not supported on {} environments ({})",
            self.what, self.platform, self.why
        )
    }
}

impl Location {
    /// The platform's name as users say it.
    pub fn platform(&self) -> &'static str {
        match self {
            Location::Kube { .. } => "Kubernetes",
            Location::Docker { .. } => "Docker",
            Location::Demo { .. } => "demo",
        }
    }

    /// The capabilities each platform declares.
    pub fn supports(&self, capability: Capability) -> bool {
        use Capability::*;
        match self {
            Location::Kube { .. } => {
                matches!(capability, Logs | CanaryRouting | RolloutPause | Lanes)
            }
            Location::Docker { .. } => matches!(capability, Logs),
            Location::Demo { .. } => {
                matches!(capability, Logs | CanaryRouting | RolloutPause | Lanes)
            }
        }
    }

    /// Log tails, or why not.
    pub fn logs(&self) -> Result<(), Unsupported> {
        self.require(Capability::Logs)
    }

    /// Canary routing, or why not.
    pub fn canary_routing(&self) -> Result<(), Unsupported> {
        self.require(Capability::CanaryRouting)
    }

    /// Ok when the platform has `capability`, else what is not supported and why.
    pub fn require(&self, capability: Capability) -> Result<(), Unsupported> {
        if self.supports(capability) {
            Ok(())
        } else {
            Err(Unsupported {
                what: capability.what(),
                platform: self.platform(),
                why: capability.why_not(),
            })
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Replicas {
    pub desired: u32,
    pub ready: u32,
}

/// A canary deployment next to the stable one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Canary {
    pub version: String,
    pub image: String,
    pub replicas: Replicas,
}

/// Requests carrying `header: tag` go to the canary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TagRoute {
    pub tag: String,
    pub version: String,
}

/// How the platform splits traffic between stable and canary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SplitMode {
    /// Weighted backends on a gateway route (exact weights).
    Gateway,
    /// No gateway: the split follows the ratio of ready replicas.
    ReplicaRatio,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrafficSplit {
    /// Share of untagged traffic for the canary, 0..=100. Stable gets the rest.
    pub canary_weight: u8,
    pub tag_routes: Vec<TagRoute>,
    pub mode: SplitMode,
}

impl Default for TrafficSplit {
    fn default() -> Self {
        TrafficSplit {
            canary_weight: 0,
            tag_routes: Vec::new(),
            mode: SplitMode::Gateway,
        }
    }
}

impl TrafficSplit {
    pub fn stable_weight(&self) -> u8 {
        100 - self.canary_weight.min(100)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReleaseState {
    Progressing,
    Complete,
    Failed,
    RolledBack,
    /// Replaced by a newer release before it finished.
    Superseded,
}

impl ReleaseState {
    pub fn label(self) -> &'static str {
        match self {
            ReleaseState::Progressing => "progressing",
            ReleaseState::Complete => "complete",
            ReleaseState::Failed => "failed",
            ReleaseState::RolledBack => "rolled back",
            ReleaseState::Superseded => "superseded",
        }
    }
}

/// One change of a service's version in one environment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Release {
    pub revision: u64,
    pub from: String,
    pub to: String,
    pub who: String,
    /// Unix seconds.
    pub when: i64,
    pub why: String,
    pub state: ReleaseState,
}

/// A rollout in progress: `updated` of `total` replicas run the target version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rollout {
    pub to_version: String,
    pub updated: u32,
    pub total: u32,
    /// What the platform says stops it (Kubernetes: the Progressing condition's message,
    /// e.g. a progress deadline exceeded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
}

impl Rollout {
    pub fn percent(&self) -> u16 {
        if self.total == 0 {
            return 100;
        }
        ((self.updated.min(self.total) as u64 * 100) / self.total as u64) as u16
    }
}

/// A deployable unit in one environment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Service {
    pub name: String,
    pub image: String,
    /// The base image the service image is built on (lineage).
    pub base_image: String,
    pub version: String,
    pub replicas: Replicas,
    /// Requests per second one replica can serve.
    pub capacity_rps: f64,
    pub dependencies: Vec<String>,
    pub config: BTreeMap<String, String>,
    /// Secret keys only (serialized as names); values never reach the model.
    pub secret_keys: super::secret::Secrets,
    pub canary: Option<Canary>,
    pub traffic: TrafficSplit,
    /// Newest last.
    pub releases: Vec<Release>,
    pub rollout: Option<Rollout>,
    /// Opaque revision of the platform object the service was read from (resourceVersion).
    pub revision: String,
    /// Versions the platform knows of for this service (for the deploy picker), newest last.
    pub known_versions: Vec<String>,
    /// The rollout is paused (template changes wait until it is resumed).
    #[serde(default, skip_serializing_if = "is_false")]
    pub paused: bool,
    /// Its replicas as the platform reports them, stable and canary (Kubernetes pods;
    /// empty where the platform has none to show).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pods: Vec<super::pods::Pod>,
    /// What the platform recorded about its objects, newest first (Kubernetes Events).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<super::events::ObjectEvent>,
    /// The platform object it is read from, where the platform has one (Kubernetes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workload: Option<super::workload::Workload>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

impl Service {
    /// Why not every replica is ready, in words ("2/3 ready: 1 CrashLoopBackOff, restarts
    /// 14"); None when they are, or when the platform shows no pods.
    pub fn pod_health(&self) -> Option<String> {
        super::pods::health(&self.pods)
    }

    /// Why its rollout does not progress: the new version's pods, and what the platform
    /// says (None when there is no rollout, or nothing holds it).
    /// Why `op` cannot be done on this service's kind of object, if it cannot.
    pub fn refuses(&self, op: super::operation::Op) -> Option<String> {
        self.workload.as_ref().and_then(|w| w.refuses(op))
    }

    pub fn rollout_stalled(&self) -> Option<String> {
        let rollout = self.rollout.as_ref()?;
        let pods = super::pods::stalled(&self.pods, &rollout.to_version)
            .map(|why| format!("new pods {why}"));
        match (pods, &rollout.problem) {
            (Some(p), Some(problem)) => Some(format!("{p} ({problem})")),
            (Some(p), None) => Some(p),
            (None, problem) => problem.clone(),
        }
    }

    pub fn healthy(&self) -> bool {
        self.replicas.ready >= self.replicas.desired && self.rollout.is_none()
    }

    /// The version a rollback returns to, as `kubectl rollout undo` does: while a rollout
    /// is in progress, the release that ran before it; otherwise the previous release.
    pub fn rollback_target(&self) -> Option<&str> {
        match &self.rollout {
            // The platform reports the version that still runs (demo, Docker).
            Some(r) if r.to_version != self.version => Some(&self.version),
            // The platform reports the target's version (Kubernetes: the template).
            _ => self.previous_version(),
        }
    }

    /// What ran before the release that brought the current version (releases superseded
    /// half-way never ran: they are skipped).
    pub fn previous_version(&self) -> Option<&str> {
        self.releases
            .iter()
            .rev()
            .filter(|r| r.state != ReleaseState::Superseded)
            .find(|r| r.to == self.version && r.from != r.to)
            .map(|r| r.from.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Environment {
    pub name: String,
    pub tier: Tier,
    pub location: Location,
    pub services: Vec<Service>,
    /// How the platform knows this is an environment, and of which line ("namespace
    /// labels", "the catalog", "namespace name shop-staging: <line>-<env>"…).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub found_by: String,
    /// Only the workloads of its namespace with one of these `app.kubernetes.io/part-of`
    /// values (`""`: without the label); empty: all of them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub part_of: Vec<String>,
    /// Its lanes: tag-routed versions of some of its services (see [`crate::lane`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lanes: Vec<crate::lane::Lane>,
    /// Made by wheelhouse (`env create`): from which environment, by whom ("test, by
    /// ana"). Only such an environment can be deleted by wheelhouse.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
}

impl Environment {
    pub fn service(&self, name: &str) -> Option<&Service> {
        self.services.iter().find(|s| s.name == name)
    }

    /// The lanes that hold a version of `service`.
    pub fn lanes_of<'a>(&'a self, service: &'a str) -> impl Iterator<Item = &'a crate::lane::Lane> {
        self.lanes
            .iter()
            .filter(move |l| l.services.contains_key(service))
    }

    /// Healthy when every service has its desired replicas ready and no rollout is stuck.
    pub fn health(&self) -> Health {
        let unready = self
            .services
            .iter()
            .filter(|s| s.replicas.ready < s.replicas.desired)
            .count();
        if unready == 0 {
            Health::Ok
        } else if unready * 3 >= self.services.len().max(1) {
            Health::Down
        } else {
            Health::Degraded
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Health {
    Ok,
    Degraded,
    Down,
}

impl Health {
    pub fn symbol(self) -> &'static str {
        match self {
            Health::Ok => "●",
            Health::Degraded => "◐",
            Health::Down => "○",
        }
    }
}

/// The group of namespaces that follow no convention (one environment per namespace).
pub const OTHER_NAMESPACES: &str = "other namespaces";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProductLine {
    pub name: String,
    /// In promotion order.
    pub environments: Vec<Environment>,
}

impl ProductLine {
    pub fn environment(&self, name: &str) -> Option<&Environment> {
        self.environments.iter().find(|e| e.name == name)
    }

    /// Service names in first-seen order across environments.
    pub fn service_names(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for env in &self.environments {
            for s in &env.services {
                if !names.contains(&s.name) {
                    names.push(s.name.clone());
                }
            }
        }
        names
    }
}

/// Everything a platform currently knows.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    pub product_lines: Vec<ProductLine>,
}

impl Snapshot {
    pub fn line(&self, name: &str) -> Option<&ProductLine> {
        self.product_lines.iter().find(|l| l.name == name)
    }

    pub fn environment(&self, key: &EnvKey) -> Option<&Environment> {
        self.line(&key.line)?.environment(&key.env)
    }

    pub fn service(&self, key: &ServiceKey) -> Option<&Service> {
        self.environment(&key.env_key())?.service(&key.service)
    }

    pub fn service_count(&self) -> usize {
        self.product_lines
            .iter()
            .flat_map(|l| l.environments.iter())
            .map(|e| e.services.len())
            .sum()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct EnvKey {
    pub line: String,
    pub env: String,
}

impl fmt::Display for EnvKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.line, self.env)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ServiceKey {
    pub line: String,
    pub env: String,
    pub service: String,
}

impl ServiceKey {
    pub fn new(line: &str, env: &str, service: &str) -> Self {
        ServiceKey {
            line: line.to_string(),
            env: env.to_string(),
            service: service.to_string(),
        }
    }

    pub fn env_key(&self) -> EnvKey {
        EnvKey {
            line: self.line.clone(),
            env: self.env.clone(),
        }
    }

    /// Parses `line/env/service`.
    pub fn parse(text: &str) -> Option<ServiceKey> {
        let mut parts = text.split('/');
        let (line, env, service) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() || line.is_empty() || env.is_empty() || service.is_empty() {
            return None;
        }
        Some(ServiceKey::new(line, env, service))
    }
}

impl fmt::Display for ServiceKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}/{}", self.line, self.env, self.service)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capabilities_are_declared_per_platform_and_say_why_not() {
        let docker = Location::Docker { engine: "e".into() };
        let kube = Location::Kube {
            context: "c".into(),
            namespace: "n".into(),
        };
        let demo = Location::Demo {
            cluster: "c".into(),
            namespace: "n".into(),
        };
        assert!(docker.logs().is_ok() && demo.logs().is_ok() && demo.canary_routing().is_ok());
        let e = docker.canary_routing().unwrap_err().to_string();
        assert!(
            e.starts_with("canary routing is not supported on Docker environments"),
            "{e}"
        );
        assert!(kube.logs().is_ok() && kube.canary_routing().is_ok());
        let e = docker
            .require(Capability::RolloutPause)
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("pausing a rollout is not supported on Docker"),
            "{e}"
        );
    }
}
