//! The in-process simulation behind the demo platform: rollouts progress over seconds,
//! replicas follow scaling, and traffic flows through the call graph following the canary
//! weights and tag routes. Reproducible from the scenario's seed.

use super::scenario::{Profile, Scenario, call_order};
use crate::domain::change::{Change, retag};
use crate::domain::rng::Rng;
use crate::domain::traffic::{NodeId, TrafficFrame};
use crate::domain::{
    Canary, EnvKey, Environment, Location, ProductLine, Release, ReleaseState, Replicas, Rollout,
    Service, Snapshot, SplitMode, TagRoute, Tier, TrafficSplit,
};
use crate::telemetry::aggregate::{Aggregator, LATENESS};
use crate::telemetry::record::CallRecord;
use records::Flow;
use std::collections::BTreeMap;

mod records;

/// Share of a service's traffic that carries one traffic tag.
const TAG_SHARE: f64 = 0.04;

#[derive(Debug, Clone)]
pub(super) struct SimService {
    pub svc: Service,
    entry_rps: f64,
    calls: Vec<(String, f64)>,
    error_by_version: BTreeMap<String, f64>,
    base_error: f64,
    latency_ms: f64,
    rollout_clock: f64,
    scale_clock: f64,
    revision: u64,
}

#[derive(Debug, Clone)]
pub(super) struct SimEnv {
    pub key: EnvKey,
    tier: Tier,
    location: Location,
    share: f64,
    pub services: Vec<SimService>,
    pub lanes: Vec<SimLane>,
    /// Made by `env create`: from where, by whom.
    origin: Option<String>,
}

/// A lane of an environment, and the error rate of its versions (a failing lane).
#[derive(Debug, Clone)]
pub(super) struct SimLane {
    pub lane: crate::domain::lane::Lane,
    pub error_rate: Option<f64>,
}

impl SimEnv {
    /// The classes requests travel in, with their share of entry requests: each lane
    /// (its testers' tagged requests, and the share of untagged ones the gateway tags
    /// into it), then the untagged rest.
    fn classes(&self) -> Vec<(Option<usize>, f64)> {
        let mut out = Vec::with_capacity(self.lanes.len() + 1);
        let mut left = 1.0;
        for (i, l) in self.lanes.iter().enumerate() {
            let f =
                (TAG_SHARE + f64::from(l.lane.entry_share) / 100.0 * (1.0 - TAG_SHARE)).min(left);
            left -= f;
            out.push((Some(i), f));
        }
        out.push((None, left.max(0.0)));
        out
    }
}

#[derive(Debug, Clone)]
pub struct Simulation {
    /// The same aggregation Kafka records go through: the demo's traffic views are built
    /// from its call records, not from the plan.
    aggregator: Aggregator,
    /// Call records generated so far.
    pub records: u64,
    pub(super) envs: Vec<SimEnv>,
    lines: Vec<String>,
    rng: Rng,
    /// Seconds since the simulation started.
    t: f64,
    next_frame: u64,
    /// Unix seconds at t = 0.
    epoch: i64,
    day_seconds: f64,
    step_seconds: f64,
    profiles: Vec<Profile>,
}

impl Simulation {
    pub fn new(scenario: &Scenario, epoch: i64) -> Self {
        let mut envs = Vec::new();
        for line in &scenario.lines {
            let lname = line.name.get_ref().clone();
            let order = call_order(line);
            for env in &line.environments {
                let ename = env.name.get_ref().clone();
                let mut services = Vec::new();
                for &i in &order {
                    let spec = &line.services[i];
                    if !spec.runs_in(&ename) {
                        continue;
                    }
                    services.push(build_service(line, spec, &ename, epoch));
                }
                let lanes = line
                    .lanes
                    .iter()
                    .map(|l| l.get_ref())
                    .filter(|l| l.env == ename)
                    .map(|l| SimLane {
                        lane: super::scenario::lane_of(l, epoch),
                        error_rate: l.error_rate,
                    })
                    .collect();
                envs.push(SimEnv {
                    key: EnvKey {
                        line: lname.clone(),
                        env: ename.clone(),
                    },
                    tier: env.tier,
                    location: Location::Demo {
                        cluster: env.cluster.clone(),
                        namespace: env
                            .namespace
                            .clone()
                            .unwrap_or_else(|| format!("{lname}-{ename}")),
                    },
                    share: env.share(),
                    services,
                    lanes,
                    origin: None,
                });
            }
        }
        Simulation {
            aggregator: Aggregator::new(),
            records: 0,
            envs,
            lines: scenario
                .lines
                .iter()
                .map(|l| l.name.get_ref().clone())
                .collect(),
            rng: Rng::new(scenario.scenario.seed),
            t: 0.0,
            next_frame: 1,
            epoch,
            day_seconds: scenario.scenario.day_seconds,
            step_seconds: scenario.scenario.rollout_step_seconds,
            profiles: scenario
                .profiles
                .iter()
                .map(|p| p.get_ref().clone())
                .collect(),
        }
    }

    pub fn now_unix(&self) -> i64 {
        self.epoch + self.t as i64
    }

    pub fn elapsed(&self) -> f64 {
        self.t
    }

    pub fn snapshot(&self) -> Snapshot {
        let mut product_lines: Vec<ProductLine> = self
            .lines
            .iter()
            .map(|name| ProductLine {
                name: name.clone(),
                environments: Vec::new(),
            })
            .collect();
        for env in &self.envs {
            if let Some(line) = product_lines.iter_mut().find(|l| l.name == env.key.line) {
                line.environments.push(Environment {
                    name: env.key.env.clone(),
                    tier: env.tier,
                    location: env.location.clone(),
                    services: env.services.iter().map(|s| s.svc.clone()).collect(),
                    found_by: String::new(),
                    part_of: Vec::new(),
                    lanes: env.lanes.iter().map(|l| l.lane.clone()).collect(),
                    origin: env.origin.clone(),
                });
            }
        }
        Snapshot { product_lines }
    }

    /// Makes a lane change in the service's environment (planned first).
    pub(super) fn apply_lane(
        &mut self,
        key: &crate::domain::ServiceKey,
        change: &Change,
        who: &str,
        now: i64,
    ) {
        let Some(env) = self
            .envs
            .iter_mut()
            .find(|e| e.key.line == key.line && e.key.env == key.env)
        else {
            return;
        };
        let mut lanes: Vec<crate::domain::lane::Lane> =
            env.lanes.iter().map(|l| l.lane.clone()).collect();
        crate::domain::lane::apply(&mut lanes, &key.service, change, who, now);
        let before = std::mem::take(&mut env.lanes);
        env.lanes = lanes
            .into_iter()
            .map(|lane| {
                let error_rate = before
                    .iter()
                    .find(|b| b.lane.name == lane.name)
                    .and_then(|b| b.error_rate);
                SimLane { lane, error_rate }
            })
            .collect();
    }

    /// Copies a service into `to` (an environment of its line, made with its first
    /// service right after the source, a tenth of its traffic): at `version`, `config`
    /// over its config, no secrets, no canary, its history starting with the copy.
    pub(super) fn copy_service(
        &mut self,
        source: &crate::domain::ServiceKey,
        (to, version, config): (&str, &str, &BTreeMap<String, String>),
        who: &str,
        now: i64,
    ) -> Option<String> {
        let from = self
            .envs
            .iter()
            .position(|e| e.key.line == source.line && e.key.env == source.env)?;
        let original = self.envs[from]
            .services
            .iter()
            .find(|s| s.svc.name == source.service)?
            .clone();
        let order: Vec<String> = self.envs[from]
            .services
            .iter()
            .map(|s| s.svc.name.clone())
            .collect();
        let at = match self
            .envs
            .iter()
            .position(|e| e.key.line == source.line && e.key.env == to)
        {
            Some(i) => i,
            None => {
                let s = &self.envs[from];
                let cluster = match &s.location {
                    Location::Demo { cluster, .. } => cluster.clone(),
                    other => other.to_string(),
                };
                let env = SimEnv {
                    key: EnvKey {
                        line: source.line.clone(),
                        env: to.to_string(),
                    },
                    tier: Tier::NonProduction,
                    location: Location::Demo {
                        cluster,
                        namespace: format!("{}-{to}", source.line),
                    },
                    share: s.share * 0.1,
                    services: Vec::new(),
                    lanes: Vec::new(),
                    origin: Some(format!("{}, by {who}", source.env)),
                };
                self.envs.insert(from + 1, env);
                from + 1
            }
        };
        let mut copy = original;
        let svc = &mut copy.svc;
        svc.image = retag(&svc.image, version);
        svc.version = version.to_string();
        for (k, v) in config {
            svc.config.insert(k.clone(), v.clone());
        }
        svc.secret_keys = Default::default();
        svc.canary = None;
        svc.traffic = TrafficSplit::default();
        svc.rollout = None;
        svc.paused = false;
        svc.replicas.ready = svc.replicas.desired;
        svc.revision = "1".into();
        svc.releases = vec![Release {
            revision: 1,
            from: String::new(),
            to: version.to_string(),
            who: who.to_string(),
            when: now,
            why: format!("copied from {}", source.env),
            state: ReleaseState::Complete,
        }];
        copy.revision = 1;
        copy.rollout_clock = 0.0;
        copy.scale_clock = 0.0;
        let env = &mut self.envs[at];
        env.services.retain(|s| s.svc.name != source.service);
        env.services.push(copy);
        // Callers before callees, as the source has them.
        env.services.sort_by_key(|s| {
            order
                .iter()
                .position(|n| *n == s.svc.name)
                .unwrap_or(usize::MAX)
        });
        Some("1".into())
    }

    /// Removes a service from an environment `env create` made; the environment goes with
    /// its last service.
    pub(super) fn remove_service(&mut self, key: &crate::domain::ServiceKey) {
        let Some(i) = self
            .envs
            .iter()
            .position(|e| e.key.line == key.line && e.key.env == key.env)
        else {
            return;
        };
        let env = &mut self.envs[i];
        env.services.retain(|s| s.svc.name != key.service);
        env.lanes
            .retain(|l| !l.lane.services.contains_key(&key.service));
        if env.services.is_empty() && env.origin.is_some() {
            self.envs.remove(i);
        }
    }

    pub(super) fn service_mut(
        &mut self,
        key: &crate::domain::ServiceKey,
    ) -> Option<&mut SimService> {
        self.envs
            .iter_mut()
            .find(|e| e.key.line == key.line && e.key.env == key.env)?
            .services
            .iter_mut()
            .find(|s| s.svc.name == key.service)
    }

    /// Moves time forward; returns the traffic frames of every second completed.
    pub fn advance(&mut self, dt: f64) -> Vec<(EnvKey, TrafficFrame)> {
        self.advance_with(dt, &mut |_| {})
    }

    /// Like [`Simulation::advance`], showing every call record generated to `tap`.
    pub fn advance_with(
        &mut self,
        dt: f64,
        tap: &mut dyn FnMut(&CallRecord<'_>),
    ) -> Vec<(EnvKey, TrafficFrame)> {
        let dt = dt.max(0.0);
        self.t += dt;
        let step = self.step_seconds;
        for env in &mut self.envs {
            for s in &mut env.services {
                s.progress(dt, step);
            }
        }
        let mut frames = Vec::new();
        while (self.next_frame as f64) <= self.t {
            let second = self.next_frame;
            let unix = self.epoch + second as i64;
            for i in 0..self.envs.len() {
                let flows = self.flows(i, second);
                let key = &self.envs[i].key;
                let aggregator = &mut self.aggregator;
                self.records +=
                    records::emit(&key.line, &key.env, unix, &flows, &mut self.rng, &mut |r| {
                        tap(r);
                        aggregator.add(r);
                    });
            }
            // In-process records are in order: the second closes at once.
            frames.extend(self.aggregator.close(unix + 1 + LATENESS));
            self.next_frame += 1;
        }
        frames
    }

    fn load_factor(&self, key: &EnvKey, service: &str, second: u64) -> f64 {
        let t = second as f64;
        let mut factor = 1.0;
        for p in &self.profiles {
            match p {
                Profile::Diurnal { amplitude } => {
                    let phase =
                        std::f64::consts::TAU * t / self.day_seconds + std::f64::consts::FRAC_PI_2;
                    factor *= (1.0 + amplitude * phase.sin()).max(0.05) / (1.0 + amplitude);
                }
                Profile::FlashSale {
                    line,
                    env,
                    service: target,
                    start_s,
                    duration_s,
                    factor: f,
                } if *line == key.line && *env == key.env && target == service => {
                    factor *= 1.0 + (f - 1.0) * ramp(t, *start_s, *duration_s);
                }
                Profile::FlashSale { .. } => {}
            }
        }
        factor
    }

    /// What flows over each edge of an environment in one second.
    fn flows(&mut self, env_index: usize, second: u64) -> Vec<Flow> {
        let key = self.envs[env_index].key.clone();
        let share = self.envs[env_index].share;
        let n = self.envs[env_index].services.len();
        let diurnal = self.load_factor(&key, "", second);
        // Inbound requests per service, callers first (services are in call order).
        let mut inbound: Vec<f64> = vec![0.0; n];
        let mut callers: Vec<Vec<(usize, f64)>> = vec![Vec::new(); n];
        for i in 0..n {
            let s = &self.envs[env_index].services[i];
            let flash = self.load_factor(&key, &s.svc.name, second) / diurnal.max(1e-9);
            inbound[i] = (inbound[i] + s.entry_rps * share * diurnal) * flash;
            for (dep, per_request) in &s.calls {
                if let Some(j) = self.envs[env_index]
                    .services
                    .iter()
                    .position(|d| &d.svc.name == dep)
                {
                    inbound[j] += inbound[i] * per_request;
                    callers[j].push((i, *per_request));
                }
            }
        }
        let base: Vec<Vec<VersionNode>> = self.envs[env_index]
            .services
            .iter()
            .map(|s| s.version_nodes())
            .collect();
        // Requests travel in classes: untagged, and one per lane (tagged with its name).
        // A class's share of the entry requests holds along the chain; at each hop it
        // goes where the routing rule says (the lane's version, or the baseline).
        let classes = self.envs[env_index].classes();
        let mut edges = Vec::new();
        for (lane, fraction) in &classes {
            let nodes: Vec<Vec<VersionNode>> = (0..n)
                .map(|i| {
                    let s = &self.envs[env_index].services[i].svc;
                    match lane.and_then(|l| self.envs[env_index].lanes[l].lane.version_of(&s.name))
                    {
                        Some(version) => vec![VersionNode {
                            id: NodeId::in_lane(
                                &s.name,
                                version,
                                &self.envs[env_index].lanes[lane.unwrap_or(0)].lane.name,
                            ),
                            share: 1.0,
                            ready: LANE_REPLICAS,
                        }],
                        None => base[i].clone(),
                    }
                })
                .collect();
            let tag = lane.map(|l| self.envs[env_index].lanes[l].lane.name.clone());
            let lane_error = lane.and_then(|l| self.envs[env_index].lanes[l].error_rate);
            for j in 0..n {
                let s = &self.envs[env_index].services[j];
                let flash = self.load_factor(&key, &s.svc.name, second) / diurnal.max(1e-9);
                let mut sources: Vec<(NodeId, f64)> = if s.entry_rps > 0.0 {
                    vec![(
                        NodeId::ingress(),
                        s.entry_rps * share * diurnal * flash * fraction,
                    )]
                } else {
                    Vec::new()
                };
                for &(i, per_request) in &callers[j] {
                    for caller in &nodes[i] {
                        sources.push((
                            caller.id.clone(),
                            inbound[i] * fraction * caller.share * per_request * flash,
                        ));
                    }
                }
                for target in &nodes[j] {
                    // A lane's version takes its class only; the baseline, all classes
                    // that reach it.
                    let node_rps = if target.id.lane.is_some() {
                        inbound[j] * fraction
                    } else {
                        inbound[j] * target.share
                    };
                    let capacity = target.ready * s.svc.capacity_rps;
                    let utilization = if capacity > 0.0 {
                        node_rps / capacity
                    } else if node_rps > 0.0 {
                        4.0
                    } else {
                        0.0
                    };
                    let base_error = match (&target.id.lane, lane_error) {
                        (Some(_), Some(rate)) => rate,
                        _ => s
                            .error_by_version
                            .get(&target.id.version)
                            .copied()
                            .unwrap_or(s.base_error),
                    };
                    let overload = if utilization > 1.0 {
                        ((utilization - 1.0) * 0.6).min(0.6)
                    } else {
                        0.0
                    };
                    let p50 = s.latency_ms
                        * (1.0
                            + 0.5 * utilization.min(1.0).powi(2)
                            + 4.0 * (utilization - 1.0).max(0.0));
                    for (from, rps) in &sources {
                        let rps = rps * target.share;
                        if rps <= 0.0 {
                            continue;
                        }
                        let rps = rps * self.rng.jitter(0.04);
                        let error_ratio =
                            ((base_error + overload) * self.rng.jitter(0.15)).clamp(0.0, 1.0);
                        edges.push(Flow {
                            from: from.clone(),
                            to: target.id.clone(),
                            rps,
                            error_ratio,
                            p50_ms: p50 * self.rng.jitter(0.05),
                            tag: tag.clone(),
                        });
                    }
                }
            }
        }
        edges
    }
}

/// Replicas of each lane version (a lane takes a little traffic).
const LANE_REPLICAS: f64 = 1.0;

/// 0 → 1 → 0 over a window with 10-second ramps.
fn ramp(t: f64, start: f64, duration: f64) -> f64 {
    let end = start + duration;
    if t < start || t > end {
        return 0.0;
    }
    let edge = 10.0_f64.min(duration / 2.0).max(1e-9);
    ((t - start) / edge).min((end - t) / edge).clamp(0.0, 1.0)
}

#[derive(Clone)]
struct VersionNode {
    id: NodeId,
    share: f64,
    ready: f64,
}

impl SimService {
    fn version_nodes(&self) -> Vec<VersionNode> {
        let svc = &self.svc;
        let canary = svc.canary.as_ref().filter(|c| c.replicas.ready > 0);
        let canary_share = match canary {
            None => 0.0,
            Some(c) => {
                let tagged = (svc.traffic.tag_routes.len() as f64 * TAG_SHARE).min(1.0);
                let untagged = match svc.traffic.mode {
                    SplitMode::Gateway => svc.traffic.canary_weight as f64 / 100.0,
                    SplitMode::ReplicaRatio => {
                        let total = (c.replicas.ready + svc.replicas.ready) as f64;
                        if total > 0.0 {
                            c.replicas.ready as f64 / total
                        } else {
                            0.0
                        }
                    }
                };
                tagged + (1.0 - tagged) * untagged
            }
        };
        let stable_share = 1.0 - canary_share;
        let ready = svc.replicas.ready as f64;
        let mut out = Vec::new();
        match &svc.rollout {
            Some(r) if r.total > 0 => {
                let f = r.updated.min(r.total) as f64 / r.total as f64;
                if f < 1.0 {
                    out.push(VersionNode {
                        id: NodeId::new(&svc.name, &svc.version, false),
                        share: stable_share * (1.0 - f),
                        ready: ready * (1.0 - f),
                    });
                }
                if f > 0.0 {
                    out.push(VersionNode {
                        id: NodeId::new(&svc.name, &r.to_version, false),
                        share: stable_share * f,
                        ready: ready * f,
                    });
                }
            }
            _ => out.push(VersionNode {
                id: NodeId::new(&svc.name, &svc.version, false),
                share: stable_share,
                ready,
            }),
        }
        if let Some(c) = canary
            && canary_share > 0.0
        {
            out.push(VersionNode {
                id: NodeId::new(&svc.name, &c.version, true),
                share: canary_share,
                ready: c.replicas.ready as f64,
            });
        }
        out.retain(|n| n.share > 0.0);
        out
    }

    fn progress(&mut self, dt: f64, step: f64) {
        let svc = &mut self.svc;
        if let Some(rollout) = svc.rollout.as_mut().filter(|_| !svc.paused) {
            self.rollout_clock += dt;
            while self.rollout_clock >= step && rollout.updated < rollout.total {
                self.rollout_clock -= step;
                rollout.updated += 1;
            }
            if rollout.updated >= rollout.total {
                let to = rollout.to_version.clone();
                svc.image = retag(&svc.image, &to);
                svc.version = to.clone();
                svc.rollout = None;
                self.rollout_clock = 0.0;
                if let Some(r) = svc
                    .releases
                    .iter_mut()
                    .rev()
                    .find(|r| r.to == to && r.state == ReleaseState::Progressing)
                {
                    r.state = ReleaseState::Complete;
                }
            }
        }
        self.scale_clock += dt;
        while self.scale_clock >= 1.0 {
            self.scale_clock -= 1.0;
            step_toward(&mut svc.replicas);
            if let Some(c) = &mut svc.canary {
                step_toward(&mut c.replicas);
            }
        }
    }
}

/// Scale-up brings one replica ready per second; scale-down is immediate.
fn step_toward(r: &mut Replicas) {
    if r.ready < r.desired {
        r.ready += 1;
    } else {
        r.ready = r.desired;
    }
}

fn build_service(
    line: &super::scenario::LineSpec,
    spec: &super::scenario::ServiceSpec,
    env: &str,
    epoch: i64,
) -> SimService {
    let name = spec.name.get_ref().clone();
    let version = spec.version.get_ref().get(env).unwrap_or_default();
    let replicas = spec.replicas.get_ref().get(env).unwrap_or(1);
    let image_repo = format!("{}/{}", line.registry, name);
    let mut raw = spec.config.clone();
    if let Some(over) = spec.config_env.get_ref().get(env) {
        raw.extend(over.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    // Secret values stop here: the model gets their keys and fingerprints only.
    let (config, secret_keys) = crate::domain::secret::split_config(
        raw.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        &spec.secrets,
    );
    let mut error_by_version = BTreeMap::new();
    let mut canary = None;
    let mut traffic = TrafficSplit::default();
    for c in spec
        .canaries
        .iter()
        .map(|c| c.get_ref())
        .filter(|c| c.env == env)
    {
        if let Some(rate) = c.error_rate {
            error_by_version.insert(c.version.clone(), rate);
        }
        canary = Some(Canary {
            version: c.version.clone(),
            image: format!("{image_repo}:{}", c.version),
            replicas: Replicas {
                desired: c.replicas,
                ready: c.replicas,
            },
        });
        traffic.canary_weight = c.weight;
        traffic.tag_routes = c
            .tag_routes
            .iter()
            .map(|t| TagRoute {
                tag: t.clone(),
                version: c.version.clone(),
            })
            .collect();
    }
    let mut releases: Vec<Release> = line
        .releases
        .iter()
        .map(|r| r.get_ref())
        .filter(|r| r.service == name && r.env == env)
        .map(|r| Release {
            revision: 0,
            from: r.from.clone(),
            to: r.to.clone(),
            who: r.who.clone(),
            when: epoch - (r.ago_minutes as i64) * 60,
            why: r.why.clone(),
            state: r.state,
        })
        .collect();
    releases.sort_by_key(|r| r.when);
    for (i, r) in releases.iter_mut().enumerate() {
        r.revision = i as u64 + 1;
    }
    SimService {
        svc: Service {
            name,
            image: format!("{image_repo}:{version}"),
            base_image: line.base_image.clone(),
            version,
            replicas: Replicas {
                desired: replicas,
                ready: replicas,
            },
            capacity_rps: spec.capacity,
            dependencies: spec.calls.get_ref().keys().cloned().collect(),
            config,
            secret_keys,
            canary,
            traffic,
            releases,
            rollout: None,
            revision: "1".into(),
            known_versions: spec.versions.get_ref().clone(),
            paused: false,
            pods: Vec::new(),
            events: Vec::new(),
            workload: None,
        },
        entry_rps: spec.entry_rps,
        calls: spec
            .calls
            .get_ref()
            .iter()
            .map(|(k, v)| (k.clone(), *v))
            .collect(),
        error_by_version,
        base_error: spec.error_rate,
        latency_ms: spec.latency_ms,
        rollout_clock: 0.0,
        scale_clock: 0.0,
        revision: 1,
    }
}

impl SimService {
    /// Applies a validated change (see `domain::change::plan`); returns nothing to report.
    pub(super) fn apply(&mut self, change: &Change, who: &str, why: &str, now: i64) {
        let by = By { who, why, now };
        let svc = &mut self.svc;
        match change {
            // An environment's lanes change at its level (see `Simulation::apply_lane`).
            Change::JoinLane { .. } | Change::LeaveLane { .. } | Change::SetLaneShare { .. } => {}
            // Environments made and unmade at the simulation's level (copy_service,
            // remove_service).
            Change::CopyTo { .. } | Change::RemoveService => {}
            // From what runs: a release superseded half-way is not what it moved from.
            Change::Deploy { version } => {
                let from = svc.version.clone();
                let why = why.to_string();
                start_rollout(
                    svc,
                    &by,
                    (from, version.clone()),
                    why,
                    ReleaseState::Superseded,
                );
            }
            Change::Rollback => rollback(svc, &by),
            Change::StartCanary { version } => start_canary(svc, version),
            Change::SetCanaryWeight { weight } => set_weight(svc, *weight),
            Change::AddTagRoute { tag } => {
                if let Some(c) = &svc.canary {
                    svc.traffic.tag_routes.push(TagRoute {
                        tag: tag.clone(),
                        version: c.version.clone(),
                    });
                }
            }
            Change::RemoveTagRoute { tag } => svc.traffic.tag_routes.retain(|r| &r.tag != tag),
            Change::Promote => promote(svc, &by),
            Change::Abort => {
                svc.traffic.canary_weight = 0;
                svc.traffic.tag_routes.clear();
                if let Some(c) = &mut svc.canary {
                    c.replicas.desired = 0;
                }
            }
            Change::Scale { replicas } => svc.replicas.desired = *replicas,
            // Replicas come back one per second, as after a scale-up.
            Change::Restart => svc.replicas.ready = 0,
            Change::Pause => svc.paused = true,
            Change::Resume => svc.paused = false,
        }
        self.revision += 1;
        self.svc.revision = self.revision.to_string();
    }
}

/// Who makes a change, why, and when (Unix seconds).
struct By<'a> {
    who: &'a str,
    why: &'a str,
    now: i64,
}

/// A new release rolling out from `from` to `to`. A release still rolling out when another
/// starts was superseded (by a deploy or promote) or rolled back (by a rollback), never
/// "failed": `ended` says which.
fn start_rollout(
    svc: &mut Service,
    by: &By,
    (from, to): (String, String),
    why: String,
    ended: ReleaseState,
) {
    let revision = svc.releases.last().map_or(1, |r| r.revision + 1);
    for r in svc
        .releases
        .iter_mut()
        .filter(|r| r.state == ReleaseState::Progressing)
    {
        r.state = ended;
    }
    let already = match &svc.rollout {
        // Back to the version that still runs: the replicas not yet replaced are done.
        Some(r) if r.to_version != to && to == svc.version => r.total.saturating_sub(r.updated),
        _ => 0,
    };
    svc.releases.push(Release {
        revision,
        from,
        to: to.clone(),
        who: by.who.to_string(),
        when: by.now,
        why,
        state: ReleaseState::Progressing,
    });
    svc.rollout = Some(Rollout {
        to_version: to,
        updated: already,
        total: svc.replicas.desired.max(1),
        problem: None,
    });
}

fn rollback(svc: &mut Service, by: &By) {
    let Some(prev) = svc.rollback_target().map(str::to_string) else {
        return;
    };
    // What is undone: the rollout in progress, else the running release.
    let current = svc
        .rollout
        .as_ref()
        .map_or(svc.version.clone(), |r| r.to_version.clone());
    if svc.rollout.is_none()
        && let Some(r) = svc.releases.iter_mut().rev().find(|r| r.to == current)
    {
        r.state = ReleaseState::RolledBack;
    }
    let reason = if by.why.is_empty() {
        format!("rollback from {current}")
    } else {
        format!("rollback: {}", by.why)
    };
    start_rollout(svc, by, (current, prev), reason, ReleaseState::RolledBack);
}

fn start_canary(svc: &mut Service, version: &str) {
    let replicas = svc.canary.as_ref().map_or(1, |c| c.replicas.desired.max(1));
    svc.canary = Some(Canary {
        version: version.to_string(),
        image: retag(&svc.image, version),
        replicas: Replicas {
            desired: replicas,
            ready: 0,
        },
    });
    for r in &mut svc.traffic.tag_routes {
        r.version = version.to_string();
    }
}

fn set_weight(svc: &mut Service, weight: u8) {
    svc.traffic.canary_weight = weight;
    if let Some(c) = &mut svc.canary
        && weight > 0
        && c.replicas.desired == 0
    {
        c.replicas.desired = 1;
    }
}

fn promote(svc: &mut Service, by: &By) {
    let Some(c) = svc.canary.take() else {
        return;
    };
    svc.traffic.canary_weight = 0;
    svc.traffic.tag_routes.clear();
    let reason = if by.why.is_empty() {
        format!("promote canary {}", c.version)
    } else {
        by.why.to_string()
    };
    let from = svc.version.clone();
    start_rollout(svc, by, (from, c.version), reason, ReleaseState::Superseded);
}

#[cfg(test)]
mod tests;
