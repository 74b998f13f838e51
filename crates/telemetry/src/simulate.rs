//! Realistic call records for one environment, following its routing: ingress traffic
//! enters the services nobody else calls, every service calls its dependencies, the
//! canary gets its weight of untagged traffic and all tagged traffic. Profiles shape the
//! load and the errors. Used by `wheelhouse simulate` (to Kafka) for drills and tests; the
//! summary it keeps is the ground truth the tests compare the aggregates with.

use super::aggregate::INGRESS;
use super::record::{CallRecord, Outcome};
use crate::domain::rng::Rng;
use crate::domain::{Environment, Service};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Profile {
    /// Constant load, 0.2 % errors.
    Steady,
    /// Load following a day (compressed into 10 minutes), ±35 %.
    Diurnal,
    /// Three times the load during the middle third of the run.
    FlashSale,
    /// Like steady, but the canaries fail 8 % of their calls.
    FailingCanary,
}

/// Share of ingress requests carrying a traffic tag when the service has tag routes.
pub const TAGGED_SHARE: f64 = 0.05;

/// What was generated, per destination service.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Truth {
    pub requests: u64,
    pub errors: u64,
    pub canary: u64,
}

/// Services by name, and the entry services (nobody in the environment calls them).
fn routing(env: &Environment) -> (BTreeMap<String, Service>, Vec<String>) {
    let services: BTreeMap<String, Service> = env
        .services
        .iter()
        .map(|s| (s.name.clone(), s.clone()))
        .collect();
    let called: Vec<&String> = services.values().flat_map(|s| &s.dependencies).collect();
    let mut entries: Vec<String> = services
        .keys()
        .filter(|n| !called.contains(n))
        .cloned()
        .collect();
    if entries.is_empty() {
        entries = services.keys().take(1).cloned().collect();
    }
    (services, entries)
}

pub struct Generator {
    line: String,
    env: String,
    services: BTreeMap<String, Service>,
    entries: Vec<String>,
    profile: Profile,
    rate: f64,
    rng: Rng,
    /// Ground truth per destination service.
    pub truth: BTreeMap<String, Truth>,
    pub records: u64,
}

impl Generator {
    /// `rate`: ingress requests per second at the profile's baseline.
    pub fn new(line: &str, env: &Environment, profile: Profile, rate: f64, seed: u64) -> Self {
        let (services, entries) = routing(env);
        Generator {
            line: line.to_string(),
            env: env.name.clone(),
            services,
            entries,
            profile,
            rate,
            rng: Rng::new(seed),
            truth: BTreeMap::new(),
            records: 0,
        }
    }

    /// Follows a change of the environment (a canary shift, a new version).
    pub fn update(&mut self, env: &Environment) {
        (self.services, self.entries) = routing(env);
    }

    /// Ingress requests in second `i` of a run of `total` seconds.
    fn load(&self, i: u64, total: u64) -> f64 {
        let x = i as f64 / total.max(1) as f64;
        match self.profile {
            Profile::Steady | Profile::FailingCanary => self.rate,
            Profile::Diurnal => {
                self.rate * (1.0 + 0.35 * (std::f64::consts::TAU * i as f64 / 600.0).sin())
            }
            Profile::FlashSale if (1.0 / 3.0..2.0 / 3.0).contains(&x) => self.rate * 3.0,
            Profile::FlashSale => self.rate,
        }
    }

    /// The records of second `i` (of `total`), timestamped within Unix second `unix`.
    pub fn second(&mut self, i: u64, total: u64, unix: i64) -> Vec<CallRecord<'static>> {
        let n = self.load(i, total).round() as u64;
        let mut out = Vec::new();
        for _ in 0..n {
            let entry =
                self.entries[(self.rng.next_u64() % self.entries.len() as u64) as usize].clone();
            let tagged = self.rng.next_f64() < TAGGED_SHARE;
            let at = unix * 1000 + (self.rng.next_u64() % 1000) as i64;
            self.call(INGRESS, "edge", &entry, tagged, at, 0, &mut out);
        }
        self.records += out.len() as u64;
        out
    }

    #[allow(clippy::too_many_arguments)]
    fn call(
        &mut self,
        src: &str,
        src_version: &str,
        dst: &str,
        tagged: bool,
        at: i64,
        depth: usize,
        out: &mut Vec<CallRecord<'static>>,
    ) {
        let Some(s) = self.services.get(dst).cloned() else {
            return;
        };
        let to_canary = s.canary.as_ref().is_some_and(|c| {
            c.replicas.desired > 0
                && ((tagged && !s.traffic.tag_routes.is_empty())
                    || self.rng.next_f64() * 100.0 < s.traffic.canary_weight as f64)
        });
        let version = match (&s.canary, to_canary) {
            (Some(c), true) => c.version.clone(),
            _ => s.version.clone(),
        };
        let error_rate = match (self.profile, to_canary) {
            (Profile::FailingCanary, true) => 0.08,
            _ => 0.002,
        };
        let failed = self.rng.next_f64() < error_rate;
        let base = 4.0 + (dst.len() as f64) * 3.0;
        let latency = base * (0.5 + self.rng.next_f64()) * if failed { 3.0 } else { 1.0 };
        out.push(CallRecord {
            ts_ms: at,
            line: self.line.clone().into(),
            env: self.env.clone().into(),
            src: src.to_string().into(),
            src_version: src_version.to_string().into(),
            dst: dst.to_string().into(),
            dst_version: version.clone().into(),
            dst_canary: to_canary,
            latency_ms: latency,
            outcome: if failed { Outcome::Error } else { Outcome::Ok },
            status: if failed { 503 } else { 200 },
            tag: (tagged && !s.traffic.tag_routes.is_empty())
                .then(|| s.traffic.tag_routes[0].tag.clone().into()),
            src_lane: None,
            dst_lane: None,
            weight: 1,
        });
        let t = self.truth.entry(dst.to_string()).or_default();
        t.requests += 1;
        t.errors += failed as u64;
        t.canary += to_canary as u64;
        if depth < 8 && !failed {
            for d in &s.dependencies {
                self.call(dst, &version, d, tagged, at, depth + 1, out);
            }
        }
    }
}
