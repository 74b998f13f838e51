//! The gate a train's step passes before the next one starts.
//!
//! The rule (documented in the README): the step's service must have every replica ready
//! on the new version with no unhealthy pod, within [`Gate::ready_timeout`] seconds. When
//! the environment has traffic, the service's calls are then watched for
//! [`Gate::window`] seconds and compared with the same length of time before the step:
//! the error ratio may rise by at most [`Gate::max_error_rise`] (absolute: 0.01 is one
//! percentage point), and the p99 may grow to at most [`Gate::max_p99_ratio`] times what
//! it was (and always by [`P99_SLACK_MS`]). Either side with fewer than [`MIN_CALLS`]
//! calls: the figures say nothing, the step passes on its pods alone (and says so).

use crate::traffic::TrafficFrame;
use serde::{Deserialize, Serialize};

/// Calls each side needs before figures are compared.
pub const MIN_CALLS: f64 = 50.0;
/// A p99 within this many milliseconds of before is never a failure (noise on fast calls).
pub const P99_SLACK_MS: f64 = 20.0;

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Gate {
    /// Seconds of traffic watched after the step is ready (and compared with as many
    /// seconds before it).
    pub window: u32,
    /// How much the error ratio may rise (0.01 = one percentage point).
    pub max_error_rise: f64,
    /// How many times its p99 before the step the p99 may become.
    pub max_p99_ratio: f64,
    /// Seconds a step may take to be ready.
    pub ready_timeout: u32,
}

impl Default for Gate {
    fn default() -> Self {
        Gate {
            window: 30,
            max_error_rise: 0.01,
            max_p99_ratio: 1.5,
            ready_timeout: 300,
        }
    }
}

impl Gate {
    /// "errors +1.0 pt, p99 ×1.5 over 30 s, ready within 300 s".
    pub fn describe(&self) -> String {
        format!(
            "errors +{:.1} pt, p99 ×{:.1} over {} s, ready within {} s",
            self.max_error_rise * 100.0,
            self.max_p99_ratio,
            self.window,
            self.ready_timeout
        )
    }
}

/// What one service received over a stretch of time (all its baseline versions, stable
/// and canary; lane versions are not the service's).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Figures {
    pub calls: f64,
    pub error_ratio: f64,
    pub p99_ms: f64,
}

impl Figures {
    /// The figures of `service` over `frames` (one per second); None without frames.
    pub fn of<'a>(
        service: &str,
        frames: impl IntoIterator<Item = &'a TrafficFrame>,
    ) -> Option<Figures> {
        let (mut calls, mut errors, mut p99, mut seconds) = (0.0, 0.0, 0.0_f64, 0usize);
        for f in frames {
            seconds += 1;
            for e in f
                .edges
                .iter()
                .filter(|e| e.to.service == service && e.to.lane.is_none())
            {
                calls += e.rps;
                errors += e.rps * e.error_ratio;
                if e.rps > 0.0 {
                    p99 = p99.max(e.p99_ms);
                }
            }
        }
        (seconds > 0).then(|| Figures {
            calls,
            error_ratio: if calls > 0.0 { errors / calls } else { 0.0 },
            p99_ms: p99,
        })
    }

    /// "120 calls, errors 0.4%, p99 85 ms".
    pub fn describe(&self) -> String {
        format!(
            "{:.0} calls, errors {:.1}%, p99 {:.0} ms",
            self.calls,
            self.error_ratio * 100.0,
            self.p99_ms
        )
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Judgement {
    Pass(String),
    Fail(String),
}

/// The figures after a step against those before it, by the gate's thresholds.
pub fn judge(gate: &Gate, before: Option<Figures>, after: Option<Figures>) -> Judgement {
    let (Some(b), Some(a)) = (before, after) else {
        return Judgement::Pass("no traffic seen: passed on its pods".into());
    };
    if b.calls < MIN_CALLS || a.calls < MIN_CALLS {
        return Judgement::Pass(format!(
            "too few calls to compare ({:.0} before, {:.0} after): passed on its pods",
            b.calls, a.calls
        ));
    }
    let mut why = Vec::new();
    if a.error_ratio > b.error_ratio + gate.max_error_rise {
        why.push(format!(
            "errors {:.1}% after vs {:.1}% before (more than +{:.1} pt)",
            a.error_ratio * 100.0,
            b.error_ratio * 100.0,
            gate.max_error_rise * 100.0
        ));
    }
    if a.p99_ms > b.p99_ms * gate.max_p99_ratio && a.p99_ms > b.p99_ms + P99_SLACK_MS {
        why.push(format!(
            "p99 {:.0} ms after vs {:.0} ms before (more than ×{:.1})",
            a.p99_ms, b.p99_ms, gate.max_p99_ratio
        ));
    }
    if why.is_empty() {
        Judgement::Pass(format!("{} (before: {})", a.describe(), b.describe()))
    } else {
        Judgement::Fail(why.join(", "))
    }
}
