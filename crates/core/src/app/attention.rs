//! What needs attention now, across every platform and environment open: most urgent
//! first, each item with why (in words and figures) and the operation that acts on it.
//! The cockpit's attention view, its status line counts and `wheelhouse attention` read
//! the same list.

use super::derived;
use super::state::EnvTraffic;
use super::state::State;
use crate::domain::capacity::Level;
use crate::domain::operation::Op;
use crate::domain::traffic::NodeId;
use crate::domain::traffic::TrafficFrame;
use crate::domain::verdict::{self, Observed, Verdict};
use crate::domain::{EnvKey, Environment, ProductLine, Service, SplitMode, Tier};
use crate::interface::Connection;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    Critical,
    Warning,
    Notice,
}

impl Severity {
    pub fn label(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::Warning => "warning",
            Severity::Notice => "notice",
        }
    }
}

/// What kind of trouble, in the order items of one severity are listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    PlatformDown,
    StreamDown,
    TrainStopped,
    CanaryWorse,
    OverCapacity,
    RolloutStalled,
    UnhealthyPods,
    CapacitySoon,
    UntestedVersion,
    ConfigDiffers,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Item {
    pub severity: Severity,
    pub kind: Kind,
    /// LINE/ENV/SERVICE (or LINE/ENV, or empty for the platform itself).
    pub target: String,
    pub why: String,
    /// The operation that acts on it (its usual confirmation follows).
    #[serde(serialize_with = "op_name")]
    pub action: Option<Op>,
}

fn op_name<S: serde::Serializer>(op: &Option<Op>, s: S) -> Result<S::Ok, S::Error> {
    match op {
        Some(op) => s.serialize_some(op.name()),
        None => s.serialize_none(),
    }
}

impl Item {
    /// The tree path of its target.
    pub fn path(&self) -> Vec<String> {
        if self.target.is_empty() {
            return Vec::new();
        }
        self.target.split('/').map(String::from).collect()
    }
}

/// A train stopped halfway leaves an environment between two releases: said until it is
/// rolled back or goes on (critical in a production environment); a paused one is noted.
fn trains(state: &State, out: &mut Vec<Item>) {
    use crate::domain::train::State as TrainState;
    for (key, run) in &state.trains {
        let t = &run.train;
        let production = state
            .snapshot
            .environment(key)
            .is_some_and(|e| e.tier == Tier::Production);
        let (done, all) = t.progress();
        let between = if production {
            Severity::Critical
        } else {
            Severity::Warning
        };
        let (severity, why) = match t.state {
            TrainState::Stopped => (between, "stopped"),
            TrainState::Paused => (Severity::Notice, "paused"),
            // Held because the record of its run cannot be written: it is between two
            // releases as much as a stopped one.
            _ if run.unrecorded() && !state.read_only => (between, "held"),
            _ => continue,
        };
        let because = t
            .why_stopped
            .as_ref()
            .or(run.held.as_ref().filter(|_| run.unrecorded()))
            .map(|w| format!(": {w}"))
            .unwrap_or_default();
        out.push(item(
            severity,
            Kind::TrainStopped,
            &key.to_string(),
            format!(
                "{} {why} after {done} of {all} steps{because} ({} rolls back, {} goes on)",
                t.title(),
                super::trains::key_of(state, super::action::Action::TrainRollback),
                super::trains::key_of(state, super::action::Action::TrainPause)
            ),
            None,
        ));
    }
}

/// Seconds ahead a capacity forecast looks.
pub const FORECAST_SECONDS: f64 = 300.0;

/// Every item, most urgent first (severity, then kind, then target).
pub fn items(state: &State) -> Vec<Item> {
    let mut out = Vec::new();
    trains(state, &mut out);
    if let Connection::Retrying(why) = &state.connection {
        out.push(item(
            Severity::Critical,
            Kind::PlatformDown,
            "",
            format!("{} connection lost, retrying: {why}", state.platform.kind),
            None,
        ));
    }
    if let Some(t) = &state.telemetry {
        if let Some(e) = &t.error {
            out.push(item(
                Severity::Critical,
                Kind::StreamDown,
                "",
                format!("call-record stream: {e}"),
                None,
            ));
        } else if t.received > 0 && t.idle_seconds >= 30 {
            out.push(item(
                Severity::Warning,
                Kind::StreamDown,
                "",
                format!("no call records for {} s", t.idle_seconds),
                None,
            ));
        }
    }
    for line in &state.snapshot.product_lines {
        for (i, env) in line.environments.iter().enumerate() {
            let key = EnvKey {
                line: line.name.clone(),
                env: env.name.clone(),
            };
            let mut here = Here {
                line: &line.name,
                env,
                traffic: state.traffic.get(&key),
                window: None,
            };
            for s in &env.services {
                service_items(state, &mut here, s, &mut out);
                if env.tier == Tier::Production {
                    untested(line, i, s, &here, &mut out);
                }
            }
        }
        config_between_gray_and_prod(line, &mut out);
    }
    out.sort_by(|a, b| (a.severity, a.kind, &a.target).cmp(&(b.severity, b.kind, &b.target)));
    out
}

/// Counts by severity: (critical, warning, notice).
pub fn counts(items: &[Item]) -> (usize, usize, usize) {
    let n = |s: Severity| items.iter().filter(|i| i.severity == s).count();
    (
        n(Severity::Critical),
        n(Severity::Warning),
        n(Severity::Notice),
    )
}

fn item(severity: Severity, kind: Kind, target: &str, why: String, action: Option<Op>) -> Item {
    Item {
        severity,
        kind,
        target: target.to_string(),
        why,
        action,
    }
}

/// The environment whose services are being looked at: its traffic, and the window of
/// its last seconds (merged once, when a canary needs it).
struct Here<'a> {
    line: &'a str,
    env: &'a Environment,
    traffic: Option<&'a EnvTraffic>,
    window: Option<(TrafficFrame, f64)>,
}

impl Here<'_> {
    fn target(&self, s: &Service) -> String {
        format!("{}/{}/{}", self.line, self.env.name, s.name)
    }

    /// What `node` received over the traffic window (merged on first use), if the
    /// environment has traffic.
    fn observed(&mut self, node: &NodeId) -> Option<Observed> {
        let t = self.traffic?;
        let (f, seconds) = self
            .window
            .get_or_insert_with(|| (t.window(), t.recent.len() as f64));
        Some(Observed {
            calls: f.inbound_rps_node(node) * *seconds,
            error_ratio: f.inbound_error_ratio(node),
            p99_ms: f.inbound_p99(node),
        })
    }
}

fn service_items(state: &State, here: &mut Here, s: &Service, out: &mut Vec<Item>) {
    let serious = if here.env.tier == Tier::Production {
        Severity::Critical
    } else {
        Severity::Warning
    };
    if let Some(v) = canary_verdict(here, s) {
        out.push(item(
            serious,
            Kind::CanaryWorse,
            &here.target(s),
            v,
            Some(Op::Abort),
        ));
    }
    for v in lane_verdicts(here, s) {
        out.push(item(
            serious,
            Kind::CanaryWorse,
            &here.target(s),
            v,
            Some(Op::LaneLeave),
        ));
    }
    if let Some(c) = here
        .traffic
        .and_then(|t| derived::capacity_in(t, s, &state.thresholds))
    {
        let why = format!(
            "{:.0} req/s on {} ready × {:.0} = {:.0}% of capacity; recommended {} replicas",
            c.observed_rps,
            s.replicas.ready + s.canary.as_ref().map_or(0, |c| c.replicas.ready),
            s.capacity_rps,
            c.utilization * 100.0,
            c.recommended_replicas
        );
        let scale = Some(Op::ScaleRecommended);
        match c.level {
            Level::Critical => out.push(item(
                serious,
                Kind::OverCapacity,
                &here.target(s),
                why,
                scale,
            )),
            Level::Warn => out.push(item(
                Severity::Warning,
                Kind::OverCapacity,
                &here.target(s),
                why,
                scale,
            )),
            Level::Ok => {
                if let Some(why) = forecast(state, here, s) {
                    out.push(item(
                        Severity::Warning,
                        Kind::CapacitySoon,
                        &here.target(s),
                        why,
                        scale,
                    ));
                }
            }
        }
    }
    if let Some(why) = s.rollout_stalled() {
        out.push(item(
            serious,
            Kind::RolloutStalled,
            &here.target(s),
            format!("rollout stalled: {why}"),
            Some(Op::Rollback),
        ));
    } else if s.pods.iter().any(|p| p.trouble().is_some())
        && let Some(why) = s.pod_health()
    {
        out.push(item(
            serious,
            Kind::UnhealthyPods,
            &here.target(s),
            why,
            None,
        ));
    }
}

/// The canary against stable over the traffic window, when it is worse.
fn canary_verdict(here: &mut Here, s: &Service) -> Option<String> {
    let c = s.canary.as_ref()?;
    let stable = here.observed(&NodeId::new(&s.name, &s.version, false))?;
    let canary = here.observed(&NodeId::new(&s.name, &c.version, true))?;
    match verdict::compare(stable, canary) {
        Verdict::Worse(why) => Some(format!("{} worse than stable: {why}", subject(s, c))),
        _ => None,
    }
}

/// Each lane's version of the service against its stable, over the traffic window, when
/// it is worse (the same rule as a canary's).
fn lane_verdicts(here: &mut Here, s: &Service) -> Vec<String> {
    let env = here.env;
    let lanes: Vec<(&str, &str)> = env
        .lanes_of(&s.name)
        .filter_map(|l| Some((l.name.as_str(), l.version_of(&s.name)?)))
        .collect();
    let Some(stable) = lanes
        .first()
        .and_then(|_| here.observed(&NodeId::new(&s.name, &s.version, false)))
    else {
        return Vec::new();
    };
    lanes
        .into_iter()
        .filter_map(|(lane, version)| {
            let seen = here.observed(&NodeId::in_lane(&s.name, version, lane))?;
            match verdict::compare(stable, seen) {
                Verdict::Worse(why) => {
                    Some(format!("lane {lane}'s {version} worse than stable: {why}"))
                }
                _ => None,
            }
        })
        .collect()
}

/// What sends calls to the canary, as the verdict names it: the canary itself (a share
/// of untagged calls), its tag routes, or both.
fn subject(s: &Service, c: &crate::domain::Canary) -> String {
    let tags: Vec<&str> = s
        .traffic
        .tag_routes
        .iter()
        .filter(|t| t.version == c.version)
        .map(|t| t.tag.as_str())
        .collect();
    let untagged = s.traffic.canary_weight > 0 || s.traffic.mode == SplitMode::ReplicaRatio;
    let routes = if tags.len() == 1 { "route" } else { "routes" };
    match (untagged, tags.is_empty()) {
        (_, true) => format!("canary {}", c.version),
        (false, false) => format!("tag {routes} {} → {}", tags.join(", "), c.version),
        (true, false) => format!("canary {} and tag {routes} {}", c.version, tags.join(", ")),
    }
}

/// Load rising fast enough to reach the critical threshold within [`FORECAST_SECONDS`]:
/// the trend of the last minute (mean of its last 10 s against its first 10 s).
fn forecast(state: &State, here: &Here, s: &Service) -> Option<String> {
    let series = here.traffic?.inbound.get(&s.name)?;
    let values: Vec<f64> = series.iter().collect();
    if values.len() < 60 {
        return None;
    }
    let last = &values[values.len() - 60..];
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let (early, late) = (mean(&last[..10]), mean(&last[50..]));
    let slope = (late - early) / 50.0;
    let ready = s.replicas.ready + s.canary.as_ref().map_or(0, |c| c.replicas.ready);
    let limit = ready as f64 * s.capacity_rps * state.thresholds.critical;
    if slope <= 0.0 || limit <= late {
        return None;
    }
    let seconds = (limit - late) / slope;
    (seconds <= FORECAST_SECONDS).then(|| {
        let c = crate::domain::capacity::assess(
            late + slope * FORECAST_SECONDS,
            ready,
            s.capacity_rps,
            &state.thresholds,
        );
        format!(
            "load rising {:+.1} req/s per s: over capacity in ~{:.0} min; recommended {} replicas",
            slope,
            (seconds / 60.0).ceil(),
            c.recommended_replicas
        )
    })
}

/// A version in a production environment that no environment before it ran (now or in
/// its release history).
fn untested(line: &ProductLine, at: usize, s: &Service, here: &Here, out: &mut Vec<Item>) {
    let earlier = &line.environments[..at];
    if earlier.is_empty() {
        return;
    }
    let ran = earlier.iter().filter_map(|e| e.service(&s.name)).any(|e| {
        e.version == s.version
            || e.releases
                .iter()
                .any(|r| r.to == s.version || r.from == s.version)
    });
    if !ran {
        out.push(item(
            Severity::Warning,
            Kind::UntestedVersion,
            &here.target(s),
            format!(
                "{} runs {} in production; no earlier environment ran it",
                s.name, s.version
            ),
            Some(Op::Rollback),
        ));
    }
}

/// Config keys whose values differ between the line's gray and prod environments.
fn config_between_gray_and_prod(line: &ProductLine, out: &mut Vec<Item>) {
    let (Some(gray), Some(prod)) = (line.environment("gray"), line.environment("prod")) else {
        return;
    };
    for s in &prod.services {
        let Some(g) = gray.service(&s.name) else {
            continue;
        };
        let mut keys: Vec<&str> = s
            .config
            .iter()
            .filter(|(k, v)| g.config.get(*k) != Some(*v))
            .map(|(k, _)| k.as_str())
            .chain(
                g.config
                    .keys()
                    .filter(|k| !s.config.contains_key(*k))
                    .map(String::as_str),
            )
            .collect();
        keys.sort_unstable();
        keys.dedup();
        if !keys.is_empty() {
            out.push(item(
                Severity::Notice,
                Kind::ConfigDiffers,
                &format!("{}/{}/{}", line.name, prod.name, s.name),
                format!("config differs from gray: {}", keys.join(", ")),
                None,
            ));
        }
    }
}

/// Seconds after start during which the cockpit lands on the attention view as soon as
/// something needs attention (traffic-based items take a few seconds to appear).
pub const LANDING_SECONDS: i64 = 15;

/// Recomputes the list after the platform or the traffic changed: keeps the selection
/// on its item, lands on the attention view at start-up when anything needs attention,
/// and rings the bell (with a desktop notification when enabled) for a critical item
/// that was not there before.
pub fn refresh(state: &mut State) -> Vec<super::Command> {
    let before = std::mem::take(&mut state.attention);
    let selected = before
        .get(state.attention_selected)
        .map(|i| (i.kind, i.target.clone()));
    let now = items(state);
    let new_critical: Vec<&Item> = now
        .iter()
        .filter(|i| i.severity == Severity::Critical)
        // New, or a warning that became critical.
        .filter(|i| {
            !before.iter().any(|b| {
                b.kind == i.kind && b.target == i.target && b.severity == Severity::Critical
            })
        })
        .collect();
    let mut commands = Vec::new();
    // At start-up everything is new: the landing says it, not a bell per item.
    if state.landed
        && let Some(first) = new_critical.first()
    {
        let body = format!("{}: {}", first.target, first.why);
        commands.push(super::Command::Bell {
            notification: state.notify.then(|| body.clone()),
        });
        state.log(
            super::state::Level::Error,
            format!("needs attention: {body}"),
        );
    }
    if !state.landed {
        if !now.is_empty() && state.view != super::state::View::Attention {
            state.view = super::state::View::Attention;
            state.attention = now.clone();
            state.attention_selected = 0;
            follow(state);
            state.dirty = true;
        }
        if !now.is_empty() || state.now - state.started >= LANDING_SECONDS {
            state.landed = true;
        }
    }
    state.attention_selected = selected
        .and_then(|(kind, target)| {
            now.iter()
                .position(|i| i.kind == kind && i.target == target)
        })
        .unwrap_or(0)
        .min(now.len().saturating_sub(1));
    if now != before {
        state.dirty = true;
    }
    state.attention = now;
    commands
}

/// Moves the selection in the attention view; the tree follows it, so that an
/// operation's key acts on the item's service.
pub fn move_selection(state: &mut State, delta: isize) {
    if state.attention.is_empty() {
        return;
    }
    let last = state.attention.len() as isize - 1;
    state.attention_selected = (state.attention_selected as isize + delta).clamp(0, last) as usize;
    follow(state);
    state.dirty = true;
}

/// Selects the selected item's target in the tree.
pub fn follow(state: &mut State) {
    if let Some(item) = state.attention.get(state.attention_selected) {
        let path = item.path();
        if !path.is_empty() {
            super::navigation::jump(state, path);
        }
    }
}

/// Enter on an item: its target, in the view that shows what is wrong.
pub fn open(state: &mut State) {
    let Some(item) = state.attention.get(state.attention_selected) else {
        return;
    };
    let view = match item.kind {
        Kind::PlatformDown | Kind::StreamDown => super::state::View::Events,
        Kind::OverCapacity | Kind::CapacitySoon => super::state::View::Capacity,
        Kind::ConfigDiffers => super::state::View::Config,
        Kind::TrainStopped => super::state::View::Overview,
        Kind::CanaryWorse | Kind::RolloutStalled | Kind::UnhealthyPods | Kind::UntestedVersion => {
            super::state::View::Service
        }
    };
    follow(state);
    state.view = view;
    state.dirty = true;
}
