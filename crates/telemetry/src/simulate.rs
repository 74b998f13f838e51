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
    /// Requests that reached each lane's version of the service (the hops that fall back
    /// to the baseline are counted there).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub lanes: BTreeMap<String, u64>,
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
    lanes: Vec<crate::domain::lane::Lane>,
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
            lanes: env.lanes.clone(),
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
        self.lanes = env.lanes.clone();
    }

    /// The lane an ingress request is tagged for, if any: each lane gets its testers'
    /// [`TAGGED_SHARE`] and its share of the untagged rest, as the gateway tags them.
    fn lane_of_request(&mut self) -> Option<String> {
        if self.lanes.is_empty() {
            return None;
        }
        let x = self.rng.next_f64();
        let mut from = 0.0;
        for l in &self.lanes {
            let p = TAGGED_SHARE + f64::from(l.entry_share) / 100.0 * (1.0 - TAGGED_SHARE);
            if x < from + p {
                return Some(l.name.clone());
            }
            from += p;
        }
        None
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
            let lane = self.lane_of_request();
            let tagged = lane.is_none() && self.rng.next_f64() < TAGGED_SHARE;
            let at = unix * 1000 + (self.rng.next_u64() % 1000) as i64;
            let from = Hop {
                service: INGRESS,
                version: "edge",
                lane: None,
            };
            self.call(&from, &entry, tagged, lane.as_deref(), at, 0, &mut out);
        }
        self.records += out.len() as u64;
        out
    }

    /// One call from `from` to `dst`, and what `dst` calls in turn. A request tagged for
    /// `lane` goes, at each hop, to the lane's version when the lane has one and to the
    /// baseline otherwise (the routing rule); `tagged` is a tester's request for a tag
    /// route.
    #[allow(clippy::too_many_arguments)]
    fn call(
        &mut self,
        from: &Hop<'_>,
        dst: &str,
        tagged: bool,
        lane: Option<&str>,
        at: i64,
        depth: usize,
        out: &mut Vec<CallRecord<'static>>,
    ) {
        let Some(s) = self.services.get(dst).cloned() else {
            return;
        };
        let in_lane = lane.and_then(|l| {
            self.lanes
                .iter()
                .find(|x| x.name == l)
                .and_then(|x| x.version_of(dst))
                .map(|v| (l.to_string(), v.to_string()))
        });
        let to_canary = in_lane.is_none()
            && s.canary.as_ref().is_some_and(|c| {
                c.replicas.desired > 0
                    && ((tagged && !s.traffic.tag_routes.is_empty())
                        || self.rng.next_f64() * 100.0 < s.traffic.canary_weight as f64)
            });
        let version = match (&in_lane, &s.canary, to_canary) {
            (Some((_, v)), _, _) => v.clone(),
            (None, Some(c), true) => c.version.clone(),
            _ => s.version.clone(),
        };
        // The failing drill: canaries and lane versions fail 8 % of their calls.
        let error_rate = match (self.profile, to_canary || in_lane.is_some()) {
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
            src: from.service.to_string().into(),
            src_version: from.version.to_string().into(),
            dst: dst.to_string().into(),
            dst_version: version.clone().into(),
            dst_canary: to_canary,
            latency_ms: latency,
            outcome: if failed { Outcome::Error } else { Outcome::Ok },
            status: if failed { 503 } else { 200 },
            tag: match lane {
                Some(l) => Some(l.to_string().into()),
                None => (tagged && !s.traffic.tag_routes.is_empty())
                    .then(|| s.traffic.tag_routes[0].tag.clone().into()),
            },
            src_lane: from.lane.map(|l| l.to_string().into()),
            dst_lane: in_lane.as_ref().map(|(l, _)| l.clone().into()),
            weight: 1,
        });
        let t = self.truth.entry(dst.to_string()).or_default();
        t.requests += 1;
        t.errors += failed as u64;
        t.canary += to_canary as u64;
        if let Some((l, _)) = &in_lane {
            *t.lanes.entry(l.clone()).or_default() += 1;
        }
        if depth < 8 && !failed {
            let here = Hop {
                service: dst,
                version: &version,
                lane: in_lane.as_ref().map(|(l, _)| l.as_str()),
            };
            for d in &s.dependencies {
                self.call(&here, d, tagged, lane, at, depth + 1, out);
            }
        }
    }
}

/// Where a call comes from: a service's version, in a lane or not.
struct Hop<'a> {
    service: &'a str,
    version: &'a str,
    lane: Option<&'a str>,
}
