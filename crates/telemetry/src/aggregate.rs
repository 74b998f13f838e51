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

#[derive(Clone)]
enum Latency {
    /// From raw records.
    Sketch(Box<DDSketch>),
    /// From a published aggregate.
    Known { p50: f64, p99: f64 },
}

impl Latency {
    fn quantiles(&self) -> (f64, f64) {
        match self {
            Latency::Sketch(s) => {
                let q = |p: f64| s.quantile(p).ok().flatten().unwrap_or(0.0);
                (q(0.5), q(0.99))
            }
            Latency::Known { p50, p99 } => (*p50, *p99),
        }
    }
}

#[derive(Clone)]
struct EdgeAcc {
    env: usize,
    from: NodeId,
    to: NodeId,
    count: u64,
    errors: u64,
    latency: Latency,
}

/// One edge in one second: what `wheelhouse aggregate` publishes to the aggregates topic
/// (keyed by [`EdgeSecond::key`], so a compacted topic keeps the latest of each).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct EdgeSecond {
    pub line: String,
    pub env: String,
    /// Unix second.
    pub second: i64,
    pub from: NodeId,
    pub to: NodeId,
    pub count: u64,
    pub errors: u64,
    pub p50_ms: f64,
    pub p99_ms: f64,
}

impl EdgeSecond {
    pub fn key(&self) -> String {
        format!(
            "{}/{}/{}/{}>{}{}",
            self.line,
            self.env,
            self.second,
            self.from,
            self.to,
            if self.to.canary { "+c" } else { "" }
        )
    }
}

#[derive(Clone, Default)]
struct Second {
    /// Edge key (line, env, src, version, dst, version, canary) → index into `edges`.
    index: HashMap<String, usize>,
    edges: Vec<EdgeAcc>,
}

/// Event time across partitions: each partition's newest second; the stream as a whole
/// has reached only the oldest of them (a replay reads partitions at different speeds).
#[derive(Debug, Clone, Default)]
pub struct Watermark {
    newest: HashMap<i32, i64>,
}

impl Watermark {
    pub fn seen(&mut self, partition: i32, second: i64) {
        let n = self.newest.entry(partition).or_insert(second);
        *n = (*n).max(second);
    }

    /// The second every partition has reached, if any record was seen.
    pub fn low(&self) -> Option<i64> {
        self.newest.values().min().copied()
    }
}

/// How much a stream may make the aggregation hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caps {
    /// Seconds open at once (records far in the future would otherwise each open one).
    pub open_seconds: usize,
    /// Distinct edges in one second.
    pub edges_per_second: usize,
    /// Edges held across all open seconds (each holds a latency sketch).
    pub open_edges: usize,
    /// Distinct product line / environment pairs over the whole run.
    pub environments: usize,
}

impl Default for Caps {
    fn default() -> Self {
        Caps {
            open_seconds: 600,
            edges_per_second: 100_000,
            open_edges: 200_000,
            environments: 4096,
        }
    }
}

/// Per-second aggregation of call records.
#[derive(Clone)]
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
    /// Records dropped because a cap was reached (open seconds, edges in one second or
    /// in all, environments): a stream cannot make the cockpit's memory grow without bound.
    pub dropped: u64,
    /// Edges held in open seconds.
    open_edges: usize,
    caps: Caps,
    /// Records aggregated.
    pub accepted: u64,
}

impl std::fmt::Debug for Aggregator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Aggregator")
            .field("open_seconds", &self.open.len())
            .field("environments", &self.envs.len())
            .field("closed_before", &self.closed_before)
            .field("accepted", &self.accepted)
            .field("late", &self.late)
            .field("dropped", &self.dropped)
            .finish()
    }
}

impl Default for Aggregator {
    fn default() -> Self {
        Self::new()
    }
}

/// One end of an edge as the records name it: service, version, canary, lane.
type End<'a> = (&'a str, &'a str, bool, Option<&'a str>);

fn node((service, version, canary, lane): End<'_>) -> NodeId {
    match lane {
        _ if service == INGRESS => NodeId::ingress(),
        Some(lane) => NodeId::in_lane(service, version, lane),
        None => NodeId::new(service, version, canary),
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
            dropped: 0,
            open_edges: 0,
            caps: Caps::default(),
            accepted: 0,
        }
    }

    /// An aggregator holding at most what `caps` allow.
    pub fn with_caps(caps: Caps) -> Self {
        Aggregator {
            caps,
            ..Self::new()
        }
    }

    /// The accumulator of one edge in one second, created on first use; None when the
    /// second has already closed (counted in `late`).
    #[allow(clippy::too_many_arguments)]
    fn slot(
        &mut self,
        second: i64,
        line: &str,
        env: &str,
        from: End<'_>,
        to: End<'_>,
        latency: impl FnOnce() -> Latency,
    ) -> Option<&mut EdgeAcc> {
        if self.closed_before.is_some_and(|c| second < c) {
            self.late += 1;
            return None;
        }
        if !self.open.contains_key(&second) && self.open.len() >= self.caps.open_seconds {
            // Earlier seconds displace the farthest-future one (a producer with a broken
            // clock cannot hold every slot); a later one is dropped.
            match self.open.last_entry() {
                Some(last) if *last.key() > second => {
                    let bucket = last.remove();
                    self.open_edges = self.open_edges.saturating_sub(bucket.edges.len());
                    self.dropped += bucket.edges.iter().map(|e| e.count.max(1)).sum::<u64>();
                }
                _ => {
                    self.dropped += 1;
                    return None;
                }
            }
        }
        self.origin = Some(self.origin.map_or(second, |o| o.min(second)));
        self.key.clear();
        let _ = write!(
            self.key,
            "{line}\u{1f}{env}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}",
            from.0,
            from.1,
            from.2 as u8,
            from.3.unwrap_or(""),
            to.0,
            to.1,
            to.2 as u8,
            to.3.unwrap_or(""),
        );
        let bucket = self.open.entry(second).or_default();
        let i = match bucket.index.get(self.key.as_str()) {
            Some(i) => *i,
            None if bucket.edges.len() >= self.caps.edges_per_second
                || self.open_edges >= self.caps.open_edges =>
            {
                self.dropped += 1;
                return None;
            }
            None => {
                let env_key = format!("{line}\u{1f}{env}");
                if !self.env_index.contains_key(&env_key)
                    && self.envs.len() >= self.caps.environments
                {
                    self.dropped += 1;
                    return None;
                }
                let env_index = match self.env_index.get(&env_key) {
                    Some(e) => *e,
                    None => {
                        self.envs.push(EnvKey {
                            line: line.to_string(),
                            env: env.to_string(),
                        });
                        self.env_index.insert(env_key, self.envs.len() - 1);
                        self.envs.len() - 1
                    }
                };
                bucket.edges.push(EdgeAcc {
                    env: env_index,
                    from: node(from),
                    to: node(to),
                    count: 0,
                    errors: 0,
                    latency: latency(),
                });
                self.open_edges += 1;
                bucket
                    .index
                    .insert(self.key.clone(), bucket.edges.len() - 1);
                bucket.edges.len() - 1
            }
        };
        bucket.edges.get_mut(i)
    }

    /// Adds one record; false when its second has already closed (counted in `late`).
    pub fn add(&mut self, r: &CallRecord<'_>) -> bool {
        let Some(e) = self.slot(
            r.ts_ms.div_euclid(1000),
            &r.line,
            &r.env,
            (&r.src, &r.src_version, false, r.src_lane.as_deref()),
            (&r.dst, &r.dst_version, r.dst_canary, r.dst_lane.as_deref()),
            || Latency::Sketch(Box::new(DDSketch::new(Config::new(0.01, 2048, 1e-3)))),
        ) else {
            return false;
        };
        let weight = u64::from(r.weight.max(1));
        e.count += weight;
        if r.outcome == Outcome::Error {
            e.errors += weight;
        }
        // A sampled record's latency is one sample of the calls it stands for.
        if let Latency::Sketch(s) = &mut e.latency {
            s.add(r.latency_ms.max(1e-3));
        }
        self.accepted += weight;
        true
    }

    /// Adds a published edge-second (the latest of a key wins); false when late.
    pub fn add_edge(&mut self, a: &EdgeSecond) -> bool {
        let known = || Latency::Known {
            p50: a.p50_ms,
            p99: a.p99_ms,
        };
        let Some(e) = self.slot(
            a.second,
            &a.line,
            &a.env,
            (
                &a.from.service,
                &a.from.version,
                a.from.canary,
                a.from.lane.as_deref(),
            ),
            (
                &a.to.service,
                &a.to.version,
                a.to.canary,
                a.to.lane.as_deref(),
            ),
            known,
        ) else {
            return false;
        };
        e.count = a.count;
        e.errors = a.errors;
        e.latency = Latency::Known {
            p50: a.p50_ms,
            p99: a.p99_ms,
        };
        self.accepted += a.count;
        true
    }

    fn take_closed(&mut self, now_second: i64) -> Vec<(i64, Second)> {
        let until = now_second - LATENESS;
        let mut out = Vec::new();
        while let Some(entry) = self.open.first_entry() {
            if *entry.key() >= until {
                break;
            }
            let (second, bucket) = entry.remove_entry();
            self.open_edges = self.open_edges.saturating_sub(bucket.edges.len());
            out.push((second, bucket));
        }
        self.closed_before = Some(self.closed_before.map_or(until, |c| c.max(until)));
        out
    }

    /// Closes every second up to `now_second - LATENESS` and returns their frames, oldest
    /// first (an environment with no records in a second gets no frame for it).
    pub fn close(&mut self, now_second: i64) -> Vec<(EnvKey, TrafficFrame)> {
        let closed = self.take_closed(now_second);
        closed
            .into_iter()
            .flat_map(|(second, bucket)| self.frames(second, bucket))
            .collect()
    }

    /// Closes like [`Aggregator::close`] and returns the edge-seconds (for publishing).
    pub fn close_edges(&mut self, now_second: i64) -> Vec<EdgeSecond> {
        let closed = self.take_closed(now_second);
        let mut out = Vec::new();
        for (second, bucket) in closed {
            for e in bucket.edges {
                let (p50_ms, p99_ms) = e.latency.quantiles();
                let env = &self.envs[e.env];
                out.push(EdgeSecond {
                    line: env.line.clone(),
                    env: env.env.clone(),
                    second,
                    from: e.from,
                    to: e.to,
                    count: e.count,
                    errors: e.errors,
                    p50_ms,
                    p99_ms,
                });
            }
        }
        out
    }

    /// The second after which everything open is closed (end of a replay).
    fn end(&self) -> Option<i64> {
        self.open.last_key_value().map(|(s, _)| *s + 1 + LATENESS)
    }

    /// Closes everything still open (the stream went quiet: a replay ended, or the broker
    /// went away). Unlike a close on the records' clock it does not make those seconds
    /// late: a record for one of them that comes after all (a producer's buffer drained
    /// once the broker is back) opens it again, and its frame follows, so totals stay
    /// whole. (Edge-seconds are published once per key, so `flush_edges` does close.)
    pub fn flush(&mut self) -> Vec<(EnvKey, TrafficFrame)> {
        let kept = self.closed_before;
        let frames = self.end().map_or_else(Vec::new, |s| self.close(s));
        self.closed_before = kept;
        frames
    }

    /// Closes everything still open, as edge-seconds.
    pub fn flush_edges(&mut self) -> Vec<EdgeSecond> {
        self.end().map_or_else(Vec::new, |s| self.close_edges(s))
    }

    fn frames(&self, second: i64, bucket: Second) -> Vec<(EnvKey, TrafficFrame)> {
        let number = (second - self.origin.unwrap_or(second)).max(0) as u64;
        let mut by_env: BTreeMap<usize, Vec<EdgeStat>> = BTreeMap::new();
        for e in bucket.edges {
            let (p50_ms, p99_ms) = e.latency.quantiles();
            by_env.entry(e.env).or_default().push(EdgeStat {
                rps: e.count as f64,
                error_ratio: if e.count > 0 {
                    e.errors as f64 / e.count as f64
                } else {
                    0.0
                },
                p50_ms,
                p99_ms,
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
