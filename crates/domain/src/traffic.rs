//! Observed traffic: per-edge call statistics of an environment, one frame per second.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A node of the call graph: one version of one service (canaries and the versions of
/// lanes are their own nodes).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct NodeId {
    pub service: String,
    pub version: String,
    pub canary: bool,
    /// The lane this version runs in (None: the baseline).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lane: Option<String>,
}

impl NodeId {
    pub fn new(service: &str, version: &str, canary: bool) -> Self {
        NodeId {
            service: service.to_string(),
            version: version.to_string(),
            canary,
            lane: None,
        }
    }

    /// The version of `service` that runs in `lane`.
    pub fn in_lane(service: &str, version: &str, lane: &str) -> Self {
        NodeId {
            lane: Some(lane.to_string()),
            ..NodeId::new(service, version, false)
        }
    }

    /// The edge (ingress) node: traffic entering the environment from outside.
    pub fn ingress() -> Self {
        NodeId::new("ingress", "", false)
    }

    pub fn is_ingress(&self) -> bool {
        self.service == "ingress" && self.version.is_empty()
    }
}

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.version.is_empty() {
            write!(f, "{}", self.service)
        } else if let Some(lane) = &self.lane {
            write!(f, "{}@{}⌁{lane}", self.service, self.version)
        } else if self.canary {
            write!(f, "{}@{}◆", self.service, self.version)
        } else {
            write!(f, "{}@{}", self.service, self.version)
        }
    }
}

/// Statistics of one directed edge over the last window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EdgeStat {
    pub from: NodeId,
    pub to: NodeId,
    pub rps: f64,
    pub error_ratio: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
}

/// One second of observed traffic in one environment.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TrafficFrame {
    /// Seconds since the start of the source (monotonic, for charts).
    pub second: u64,
    pub edges: Vec<EdgeStat>,
}

impl TrafficFrame {
    /// The mean second of a window of frames: per edge, requests/s averaged over the
    /// window's length, error ratio and latencies weighted by requests (the quantiles so
    /// merged are an approximation: per-second sketches are not kept). Edges are sorted.
    pub fn window<'a>(frames: impl IntoIterator<Item = &'a TrafficFrame>) -> TrafficFrame {
        let mut acc: std::collections::BTreeMap<(&NodeId, &NodeId), [f64; 4]> = Default::default();
        let (mut count, mut last) = (0usize, 0u64);
        for f in frames {
            count += 1;
            last = f.second;
            for e in &f.edges {
                let a = acc.entry((&e.from, &e.to)).or_default();
                a[0] += e.rps;
                a[1] += e.rps * e.error_ratio;
                a[2] += e.rps * e.p50_ms;
                a[3] += e.rps * e.p99_ms;
            }
        }
        let n = count.max(1) as f64;
        let per = |x: f64, rps: f64| if rps > 0.0 { x / rps } else { 0.0 };
        TrafficFrame {
            second: last,
            edges: acc
                .into_iter()
                .map(|((from, to), [rps, err, p50, p99])| EdgeStat {
                    from: from.clone(),
                    to: to.clone(),
                    rps: rps / n,
                    error_ratio: per(err, rps),
                    p50_ms: per(p50, rps),
                    p99_ms: per(p99, rps),
                })
                .collect(),
        }
    }

    /// Requests per second arriving at a service (all versions).
    pub fn inbound_rps(&self, service: &str) -> f64 {
        self.edges
            .iter()
            .filter(|e| e.to.service == service)
            .map(|e| e.rps)
            .fold(0.0, |a, b| a + b)
    }

    /// Requests per second arriving at one version node of a service.
    pub fn inbound_rps_node(&self, node: &NodeId) -> f64 {
        self.edges
            .iter()
            .filter(|e| &e.to == node)
            .map(|e| e.rps)
            .fold(0.0, |a, b| a + b)
    }

    /// Error ratio of calls into one node (weighted by requests).
    pub fn inbound_error_ratio(&self, node: &NodeId) -> f64 {
        let (mut rps, mut err) = (0.0, 0.0);
        for e in self.edges.iter().filter(|e| &e.to == node) {
            rps += e.rps;
            err += e.rps * e.error_ratio;
        }
        if rps > 0.0 { err / rps } else { 0.0 }
    }

    /// Highest p99 of calls into one node.
    pub fn inbound_p99(&self, node: &NodeId) -> f64 {
        self.edges
            .iter()
            .filter(|e| &e.to == node)
            .map(|e| e.p99_ms)
            .fold(0.0, f64::max)
    }

    /// Share of a service's inbound requests that reached the canary, 0..=1.
    pub fn canary_share(&self, service: &str) -> f64 {
        let total = self.inbound_rps(service);
        if total <= 0.0 {
            return 0.0;
        }
        let canary: f64 = self
            .edges
            .iter()
            .filter(|e| e.to.service == service && e.to.canary)
            .map(|e| e.rps)
            .fold(0.0, |a, b| a + b);
        canary / total
    }
}

/// A fixed-size ring of per-second samples (oldest first when iterated).
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    capacity: usize,
    values: std::collections::VecDeque<f64>,
}

impl Series {
    pub fn new(capacity: usize) -> Self {
        Series {
            capacity: capacity.max(1),
            values: std::collections::VecDeque::with_capacity(capacity.max(1)),
        }
    }

    pub fn push(&mut self, value: f64) {
        if self.values.len() == self.capacity {
            self.values.pop_front();
        }
        self.values.push_back(value);
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    pub fn last(&self) -> Option<f64> {
        self.values.back().copied()
    }

    pub fn iter(&self) -> impl Iterator<Item = f64> + '_ {
        self.values.iter().copied()
    }

    pub fn max(&self) -> f64 {
        self.values.iter().copied().fold(0.0, f64::max)
    }

    /// Mean of the newest `n` samples.
    pub fn recent_mean(&self, n: usize) -> f64 {
        let n = n.min(self.values.len());
        if n == 0 {
            return 0.0;
        }
        self.values.iter().rev().take(n).sum::<f64>() / n as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edge(to: NodeId, rps: f64, err: f64) -> EdgeStat {
        EdgeStat {
            from: NodeId::ingress(),
            to,
            rps,
            error_ratio: err,
            p50_ms: 5.0,
            p99_ms: 20.0,
        }
    }

    #[test]
    fn a_window_is_the_mean_second_weighted_by_requests() {
        let canary = NodeId::new("a", "2", true);
        let frames = [
            TrafficFrame {
                second: 1,
                edges: vec![edge(canary.clone(), 4.0, 0.0)],
            },
            TrafficFrame {
                second: 2,
                edges: vec![
                    edge(canary.clone(), 6.0, 0.5),
                    edge(NodeId::new("a", "1", false), 90.0, 0.0),
                ],
            },
        ];
        let w = TrafficFrame::window(&frames);
        assert_eq!(w.second, 2);
        assert!((w.inbound_rps_node(&canary) - 5.0).abs() < 1e-9);
        // 3 failed of 10 calls, not the mean of 0 % and 50 %.
        assert!((w.inbound_error_ratio(&canary) - 0.3).abs() < 1e-9);
        assert!((w.canary_share("a") - 10.0 / 100.0).abs() < 1e-9);
        assert_eq!(TrafficFrame::window(&[]).edges.len(), 0);
    }

    #[test]
    fn canary_share_and_inbound() {
        let frame = TrafficFrame {
            second: 1,
            edges: vec![
                edge(NodeId::new("a", "1", false), 70.0, 0.0),
                edge(NodeId::new("a", "2", true), 30.0, 0.1),
            ],
        };
        assert!((frame.inbound_rps("a") - 100.0).abs() < 1e-9);
        assert!((frame.canary_share("a") - 0.3).abs() < 1e-9);
        let canary = NodeId::new("a", "2", true);
        assert!((frame.inbound_error_ratio(&canary) - 0.1).abs() < 1e-9);
        assert_eq!(frame.canary_share("missing"), 0.0);
    }

    #[test]
    fn series_keeps_newest() {
        let mut s = Series::new(3);
        for v in 1..=5 {
            s.push(v as f64);
        }
        assert_eq!(s.iter().collect::<Vec<_>>(), vec![3.0, 4.0, 5.0]);
        assert_eq!(s.recent_mean(2), 4.5);
        assert_eq!(s.max(), 5.0);
    }
}
