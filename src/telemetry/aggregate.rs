//! Call records → one traffic frame per environment per second, the shape every view reads
//! (the demo simulation produces the same frames). Records are bucketed by their own
//! timestamp; a second is closed, and its frame emitted, once the clock is `LATENESS`
//! seconds past it; records arriving later are counted as late, not silently dropped.
//! Latency quantiles come from a DDSketch per edge and second (1 % relative accuracy).

use super::record::{CallRecord, Outcome};
use crate::domain::EnvKey;
use crate::domain::traffic::{EdgeStat, NodeId, TrafficFrame};
use sketches_ddsketch::{Config, DDSketch};
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;

/// Seconds a second stays open for records that arrive late.
pub const LATENESS: i64 = 2;

/// The service name of traffic entering an environment from outside.
pub const INGRESS: &str = "ingress";

struct EdgeAcc {
    env: usize,
    from: NodeId,
    to: NodeId,
    count: u64,
    errors: u64,
    latency: DDSketch,
}

#[derive(Default)]
struct Second {
    /// Edge key (line, env, src, version, dst, version, canary) → index into `edges`.
    index: HashMap<String, usize>,
    edges: Vec<EdgeAcc>,
}

/// Per-second aggregation of call records.
pub struct Aggregator {
    open: BTreeMap<i64, Second>,
    envs: Vec<EnvKey>,
    env_index: HashMap<String, usize>,
    key: String,
    /// Seconds before this one are closed.
    closed_before: Option<i64>,
    /// The first second seen: frames count seconds from it.
    origin: Option<i64>,
    /// Records that arrived after their second had closed.
    pub late: u64,
    /// Records aggregated.
    pub accepted: u64,
}

impl Default for Aggregator {
    fn default() -> Self {
        Self::new()
    }
}

fn node(service: &str, version: &str, canary: bool) -> NodeId {
    if service == INGRESS {
        NodeId::ingress()
    } else {
        NodeId::new(service, version, canary)
    }
}

impl Aggregator {
    pub fn new() -> Self {
        Aggregator {
            open: BTreeMap::new(),
            envs: Vec::new(),
            env_index: HashMap::new(),
            key: String::with_capacity(128),
            closed_before: None,
            origin: None,
            late: 0,
            accepted: 0,
        }
    }

    /// Adds one record; false when its second has already closed (counted in `late`).
    pub fn add(&mut self, r: &CallRecord<'_>) -> bool {
        let second = r.ts_ms.div_euclid(1000);
        if self.closed_before.is_some_and(|c| second < c) {
            self.late += 1;
            return false;
        }
        self.origin = Some(self.origin.map_or(second, |o| o.min(second)));
        self.key.clear();
        let _ = write!(
            self.key,
            "{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}",
            r.line, r.env, r.src, r.src_version, r.dst, r.dst_version, r.dst_canary as u8
        );
        let bucket = self.open.entry(second).or_default();
        let i = match bucket.index.get(self.key.as_str()) {
            Some(i) => *i,
            None => {
                let env_key = format!("{}\u{1f}{}", r.line, r.env);
                let env = match self.env_index.get(&env_key) {
                    Some(e) => *e,
                    None => {
                        self.envs.push(EnvKey {
                            line: r.line.to_string(),
                            env: r.env.to_string(),
                        });
                        self.env_index.insert(env_key, self.envs.len() - 1);
                        self.envs.len() - 1
                    }
                };
                bucket.edges.push(EdgeAcc {
                    env,
                    from: node(&r.src, &r.src_version, false),
                    to: node(&r.dst, &r.dst_version, r.dst_canary),
                    count: 0,
                    errors: 0,
                    latency: DDSketch::new(Config::new(0.01, 2048, 1e-3)),
                });
                bucket
                    .index
                    .insert(self.key.clone(), bucket.edges.len() - 1);
                bucket.edges.len() - 1
            }
        };
        let e = &mut bucket.edges[i];
        e.count += 1;
        if r.outcome == Outcome::Error {
            e.errors += 1;
        }
        e.latency.add(r.latency_ms.max(1e-3));
        self.accepted += 1;
        true
    }

    /// Closes every second up to `now_second - LATENESS` and returns their frames, oldest
    /// first (an environment with no records in a second gets no frame for it).
    pub fn close(&mut self, now_second: i64) -> Vec<(EnvKey, TrafficFrame)> {
        let until = now_second - LATENESS;
        let mut out = Vec::new();
        while let Some(entry) = self.open.first_entry() {
            if *entry.key() >= until {
                break;
            }
            let (second, bucket) = entry.remove_entry();
            out.extend(self.frames(second, bucket));
        }
        self.closed_before = Some(self.closed_before.map_or(until, |c| c.max(until)));
        out
    }

    /// Closes everything still open (end of a replay).
    pub fn flush(&mut self) -> Vec<(EnvKey, TrafficFrame)> {
        let last = self.open.last_key_value().map(|(s, _)| *s);
        match last {
            Some(s) => self.close(s + 1 + LATENESS),
            None => Vec::new(),
        }
    }

    fn frames(&self, second: i64, bucket: Second) -> Vec<(EnvKey, TrafficFrame)> {
        let number = (second - self.origin.unwrap_or(second)).max(0) as u64;
        let mut by_env: BTreeMap<usize, Vec<EdgeStat>> = BTreeMap::new();
        for e in bucket.edges {
            let q = |p: f64| e.latency.quantile(p).ok().flatten().unwrap_or(0.0);
            by_env.entry(e.env).or_default().push(EdgeStat {
                rps: e.count as f64,
                error_ratio: if e.count > 0 {
                    e.errors as f64 / e.count as f64
                } else {
                    0.0
                },
                p50_ms: q(0.5),
                p99_ms: q(0.99),
                from: e.from,
                to: e.to,
            });
        }
        by_env
            .into_iter()
            .map(|(env, mut edges)| {
                edges.sort_by(|a, b| (&a.from, &a.to).cmp(&(&b.from, &b.to)));
                (
                    self.envs[env].clone(),
                    TrafficFrame {
                        second: number,
                        edges,
                    },
                )
            })
            .collect()
    }
}

#[cfg(test)]
mod tests;
