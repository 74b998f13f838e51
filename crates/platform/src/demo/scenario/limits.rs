//! The ranges and caps a scenario is held to, in one place.
//!
//! Numbers are finite and within a stated range. The caps keep everything the demo
//! platform builds from a file bounded: the simulation copies a service's versions, config
//! and secrets into every environment it runs in, plans per simulated second one flow per
//! (caller version, callee version) pair, and each flow becomes at most
//! `sim::records::MAX_RECORDS_PER_FLOW` call records; the logs view lists one pod per
//! replica. So the work per simulated second grows with service instances and call edges,
//! and memory with instances × copied entries.

use std::fmt;

/// Largest scenario file read (checked on the file's size and again while reading).
pub const MAX_SCENARIO_BYTES: usize = 4 * 1024 * 1024;
/// Deepest nesting of `[ ]` and `{ }` (a scenario needs two or three).
pub(super) const MAX_NESTING: usize = 32;

/// Names: product lines, environments, services, versions, tags, clusters, namespaces,
/// config keys, release authors.
pub(super) const MAX_NAME_CHARS: usize = 64;
/// Any string of the file: free text (release reasons, config values) and images.
pub(super) const MAX_TEXT_CHARS: usize = 256;

pub(super) const MAX_LINES: usize = 64;
pub(super) const MAX_ENVS_PER_LINE: usize = 32;
pub(super) const MAX_SERVICES_PER_LINE: usize = 512;
pub(super) const MAX_RELEASES_PER_LINE: usize = 1_000;
pub(super) const MAX_LANES_PER_LINE: usize = 256;
pub(super) const MAX_PROFILES: usize = 64;
pub(super) const MAX_VERSIONS: usize = 64;
pub(super) const MAX_CALLS: usize = 64;
pub(super) const MAX_CONFIG_KEYS: usize = 128;
pub(super) const MAX_SECRETS: usize = 64;
/// Each tag route takes 4 % of a service's traffic: 16 take 64 %.
pub(super) const MAX_TAG_ROUTES: usize = 16;

/// Replicas of a service in one environment, and of a canary.
pub(super) const MAX_REPLICAS: u32 = 1_000;
/// Canary weight, in percent of the untagged traffic.
pub(super) const MAX_WEIGHT: u8 = 100;
/// How long ago a release in the history happened: 10 years.
pub(super) const MAX_AGO_MINUTES: u64 = 10 * 525_960;

/// A service running in one environment: what the simulation builds and copies into.
pub(super) const MAX_SERVICE_INSTANCES: usize = 2_000;
/// Calls (caller → callee) summed over the environments the caller runs in: bounds the
/// flows, hence the records, planned per simulated second.
pub(super) const MAX_CALL_EDGES: usize = 10_000;
/// Stable and canary replicas summed over all environments.
pub(super) const MAX_TOTAL_REPLICAS: u64 = 100_000;
/// Versions, config entries and secrets copied into every environment a service runs in,
/// summed over the scenario.
pub(super) const MAX_COPIED_ENTRIES: usize = 100_000;
/// Requests/s one service may receive at the peak (entry rate × share × flash-sale factors,
/// multiplied along the calls): keeps a call record's weight in range.
pub(super) const MAX_PEAK_RPS: f64 = 1e9;

const YEAR_SECONDS: f64 = 365.0 * 86_400.0;

/// A closed (or, at the low end, open) range a number of the file must be in.
#[derive(Debug, Clone, Copy)]
pub(super) struct Bounds {
    low: f64,
    low_open: bool,
    high: f64,
}

impl Bounds {
    const fn closed(low: f64, high: f64) -> Self {
        Bounds {
            low,
            low_open: false,
            high,
        }
    }

    const fn above(low: f64, high: f64) -> Self {
        Bounds {
            low,
            low_open: true,
            high,
        }
    }

    pub(super) fn contains(&self, v: f64) -> bool {
        let above_low = if self.low_open {
            v > self.low
        } else {
            v >= self.low
        };
        v.is_finite() && above_low && v <= self.high
    }

    /// `what must be …, found …` when `v` is outside (NaN and infinities are outside).
    pub(super) fn check(&self, what: &str, v: f64) -> Result<(), String> {
        if self.contains(v) {
            return Ok(());
        }
        let found = if v.is_nan() {
            "nan (not a number)".to_string()
        } else if v.is_infinite() {
            format!("{v} (infinite)")
        } else {
            v.to_string()
        };
        Err(format!("{what} must be a number {self}, found {found}"))
    }
}

impl fmt::Display for Bounds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.low_open {
            write!(f, "above {} and at most {}", self.low, self.high)
        } else {
            write!(f, "from {} to {}", self.low, self.high)
        }
    }
}

/// Requests/s one replica serves.
pub(super) const CAPACITY: Bounds = Bounds::above(0.0, 1e6);
/// External requests/s entering through a service at the daily peak.
pub(super) const ENTRY_RPS: Bounds = Bounds::closed(0.0, 1e6);
/// Calls to a dependency per inbound request.
pub(super) const CALLS_PER_REQUEST: Bounds = Bounds::above(0.0, 100.0);
/// Share of requests that fail (stable and canary).
pub(super) const ERROR_RATE: Bounds = Bounds::closed(0.0, 1.0);
/// Median latency of a service.
pub(super) const LATENCY_MS: Bounds = Bounds::closed(0.0, 60_000.0);
/// Share of the line's entry traffic an environment receives.
pub(super) const TRAFFIC_SHARE: Bounds = Bounds::closed(0.0, 1.0);
/// Day/night swing of the diurnal profile.
pub(super) const AMPLITUDE: Bounds = Bounds::closed(0.0, 1.0);
/// Flash sale: start (seconds after the demo starts), duration and traffic factor.
pub(super) const FLASH_START_S: Bounds = Bounds::closed(0.0, YEAR_SECONDS);
pub(super) const FLASH_DURATION_S: Bounds = Bounds::above(0.0, YEAR_SECONDS);
pub(super) const FLASH_FACTOR: Bounds = Bounds::above(0.0, 1_000.0);
/// Wall-clock seconds one simulated day lasts.
pub(super) const DAY_SECONDS: Bounds = Bounds::closed(1.0, YEAR_SECONDS);
/// Seconds each replica of a rolling update takes.
pub(super) const ROLLOUT_STEP_SECONDS: Bounds = Bounds::closed(0.01, 3_600.0);
