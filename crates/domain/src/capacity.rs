//! Capacity: observed requests/s against ready replicas × per-replica capacity.

use serde::{Deserialize, Serialize};

/// Utilization above which a service is warned about, and the target a recommendation aims at.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Thresholds {
    pub warn: f64,
    pub critical: f64,
    pub target: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            warn: 0.75,
            critical: 0.95,
            target: 0.65,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Level {
    Ok,
    Warn,
    Critical,
}

/// The capacity picture of one service.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Capacity {
    pub observed_rps: f64,
    pub capacity_rps: f64,
    /// observed ÷ capacity; infinite when nothing is ready but requests arrive.
    pub utilization: f64,
    pub level: Level,
    /// Replicas that bring utilization back under the target (never below 1).
    pub recommended_replicas: u32,
}

pub fn assess(observed_rps: f64, ready: u32, per_replica_rps: f64, t: &Thresholds) -> Capacity {
    let capacity_rps = ready as f64 * per_replica_rps;
    let utilization = if capacity_rps > 0.0 {
        observed_rps / capacity_rps
    } else if observed_rps > 0.0 {
        f64::INFINITY
    } else {
        0.0
    };
    let level = if utilization >= t.critical {
        Level::Critical
    } else if utilization >= t.warn {
        Level::Warn
    } else {
        Level::Ok
    };
    Capacity {
        observed_rps,
        capacity_rps,
        utilization,
        level,
        recommended_replicas: recommend(observed_rps, per_replica_rps, t.target),
    }
}

/// Smallest replica count whose utilization stays at or under `target`.
pub fn recommend(observed_rps: f64, per_replica_rps: f64, target: f64) -> u32 {
    if per_replica_rps <= 0.0 || target <= 0.0 || !observed_rps.is_finite() {
        return 1;
    }
    let needed = (observed_rps / (per_replica_rps * target)).ceil();
    (needed.max(1.0)).min(u32::MAX as f64) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utilization_and_levels() {
        let t = Thresholds::default();
        let c = assess(150.0, 2, 100.0, &t);
        assert!((c.utilization - 0.75).abs() < 1e-9);
        assert_eq!(c.level, Level::Warn);
        assert_eq!(assess(10.0, 2, 100.0, &t).level, Level::Ok);
        assert_eq!(assess(300.0, 2, 100.0, &t).level, Level::Critical);
    }

    #[test]
    fn recommendation_brings_utilization_under_target() {
        let t = Thresholds::default();
        let c = assess(1000.0, 4, 100.0, &t);
        assert_eq!(c.recommended_replicas, 16); // 1000 / (100 * 0.65) = 15.4
        let after = assess(1000.0, c.recommended_replicas, 100.0, &t);
        assert!(after.utilization <= t.target);
        assert_eq!(recommend(0.0, 100.0, 0.65), 1);
    }

    #[test]
    fn nothing_ready_with_traffic_is_critical() {
        let c = assess(5.0, 0, 100.0, &Thresholds::default());
        assert!(c.utilization.is_infinite());
        assert_eq!(c.level, Level::Critical);
    }
}
