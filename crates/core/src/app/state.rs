//! The one owner of the cockpit's state. Only `update` changes it; `ui::draw` reads it.

use super::text_input::TextInput;
use crate::config::keymap::{Chord, Keymap};
use crate::domain::capacity::Thresholds;
use crate::domain::change::{ChangeRequest, FieldChange};
use crate::domain::traffic::{Series, TrafficFrame};
use crate::domain::{EnvKey, ServiceKey, Snapshot};
use crate::interface::{Connection, PlatformError, PlatformInfo};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::Arc;

/// Seconds of per-second history kept for charts (5 minutes).
pub const HISTORY_SECONDS: usize = 300;
/// Activity lines kept.
pub const ACTIVITY_LINES: usize = 500;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    Overview,
    Service,
    Topology,
    Capacity,
    Config,
    Events,
    Logs,
    Images,
    Attention,
}

impl View {
    pub const ALL: [View; 9] = [
        View::Overview,
        View::Service,
        View::Topology,
        View::Capacity,
        View::Config,
        View::Events,
        View::Logs,
        View::Images,
        View::Attention,
    ];

    /// Tab label when the window is narrow.
    pub fn short(self) -> &'static str {
        match self {
            View::Overview => "Ovw",
            View::Service => "Svc",
            View::Topology => "Topo",
            View::Capacity => "Cap",
            View::Config => "Cfg",
            View::Events => "Evt",
            View::Logs => "Log",
            View::Images => "Img",
            View::Attention => "Att",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            View::Overview => "Overview",
            View::Service => "Service",
            View::Topology => "Topology",
            View::Capacity => "Capacity",
            View::Config => "Config",
            View::Events => "Events",
            View::Logs => "Logs",
            View::Images => "Images",
            View::Attention => "Attention",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Info,
    Success,
    Warn,
    Error,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Activity {
    pub at: i64,
    pub level: Level,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StatusMessage {
    pub level: Level,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Prompt {
    /// The operation the prompt asks a value for (its registry input says how).
    pub op: crate::domain::operation::Op,
    pub target: ServiceKey,
    pub title: String,
    pub input: TextInput,
    pub options: Vec<String>,
    pub selected: usize,
    pub error: Option<String>,
}

/// The dry-run answer shown in a confirmation.
#[derive(Debug, Clone, PartialEq)]
pub enum Preview {
    Loading,
    Ready(Vec<FieldChange>),
    Failed(PlatformError),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Confirm {
    pub id: u64,
    pub request: ChangeRequest,
    pub preview: Preview,
    /// Set for production-tier environments: the name the user must type.
    pub type_to_confirm: Option<String>,
    pub typed: TextInput,
    /// Why, as the operator puts it (release history and audit log); optional.
    pub why: TextInput,
    /// Which text field typing goes to.
    pub field: ConfirmField,
}

/// The confirmation's text fields: the environment's name (production tier), and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfirmField {
    Name,
    Why,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PaletteState {
    pub query: TextInput,
    pub selected: usize,
    /// Browsing the palette's history: how far back (1 is the newest entry).
    pub recalled: usize,
}

impl PaletteState {
    pub fn new() -> PaletteState {
        PaletteState {
            query: TextInput::new(),
            selected: 0,
            recalled: 0,
        }
    }
}

impl Default for PaletteState {
    fn default() -> Self {
        PaletteState::new()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Mode {
    Normal,
    Filter,
    Palette(PaletteState),
    Prompt(Prompt),
    Confirm(Box<Confirm>),
    /// Confirming a train: its plan and every step's dry run.
    TrainConfirm(Box<super::trains::TrainConfirm>),
    /// Naming an environment to make from the selected one.
    EnvPrompt(Box<super::trains::EnvPrompt>),
    Help(super::help::HelpState),
    /// Typing a search in the logs view.
    LogSearch,
}

/// A write sent to the platform and not answered yet, or a rollout being watched.
#[derive(Debug, Clone, PartialEq)]
pub struct InFlight {
    pub request: ChangeRequest,
    /// Its intent record, already in the audit log; the result record follows it.
    pub intent: super::audit::AuditRecord,
}

/// Seconds of frames kept for comparisons that one second is too noisy for (canary vs
/// stable).
pub const WINDOW_SECONDS: usize = 30;

/// Traffic of one environment: the newest frame, the last [`WINDOW_SECONDS`] frames and
/// per-service history.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EnvTraffic {
    pub latest: TrafficFrame,
    /// The newest frames, oldest first.
    pub recent: std::collections::VecDeque<TrafficFrame>,
    /// Inbound requests/s per service, one sample per second.
    pub inbound: BTreeMap<String, Series>,
    /// Error ratio of inbound calls per service.
    pub errors: BTreeMap<String, Series>,
    /// The part of `inbound` and its error ratio that went to a service's canary, from
    /// the first second a canary took calls (the stable's share is the rest).
    pub canary_inbound: BTreeMap<String, Series>,
    pub canary_errors: BTreeMap<String, Series>,
    /// The part of `inbound` that went to lane versions (on replicas of their own), from
    /// the first second a lane took calls.
    pub lane_inbound: BTreeMap<String, Series>,
}

impl EnvTraffic {
    /// Takes one second of traffic: each of `services`' inbound rate and error ratio
    /// series, the recent window, the latest frame.
    pub fn push(&mut self, frame: TrafficFrame, services: &[String]) {
        for name in services {
            let (mut total, mut errs) = (0.0, 0.0);
            for e in frame.edges.iter().filter(|e| e.to.service == *name) {
                total += e.rps;
                errs += e.rps * e.error_ratio;
            }
            let ratio = if total > 0.0 { errs / total } else { 0.0 };
            let (mut canary, mut canary_errs) = (0.0, 0.0);
            for e in frame
                .edges
                .iter()
                .filter(|e| e.to.service == *name && e.to.canary)
            {
                canary += e.rps;
                canary_errs += e.rps * e.error_ratio;
            }
            let lanes: f64 = frame
                .edges
                .iter()
                .filter(|e| e.to.service == *name && e.to.lane.is_some())
                .map(|e| e.rps)
                .fold(0.0, |a, b| a + b);
            if lanes > 0.0 || self.lane_inbound.contains_key(name) {
                self.lane_inbound
                    .entry(name.clone())
                    .or_insert_with(|| Series::new(HISTORY_SECONDS))
                    .push(lanes);
            }
            if canary > 0.0 || self.canary_inbound.contains_key(name) {
                self.canary_inbound
                    .entry(name.clone())
                    .or_insert_with(|| Series::new(HISTORY_SECONDS))
                    .push(canary);
                self.canary_errors
                    .entry(name.clone())
                    .or_insert_with(|| Series::new(HISTORY_SECONDS))
                    .push(if canary > 0.0 {
                        canary_errs / canary
                    } else {
                        0.0
                    });
            }
            self.inbound
                .entry(name.clone())
                .or_insert_with(|| Series::new(HISTORY_SECONDS))
                .push(frame.inbound_rps(name));
            self.errors
                .entry(name.clone())
                .or_insert_with(|| Series::new(HISTORY_SECONDS))
                .push(ratio);
        }
        if self.recent.len() == WINDOW_SECONDS {
            self.recent.pop_front();
        }
        self.recent.push_back(frame.clone());
        self.latest = frame;
    }

    /// A service's history with its stable and canary apart (the canary's begins at
    /// its first call; all four end at the newest second).
    pub fn split(&self, service: &str) -> SplitSeries {
        let collect = |m: &BTreeMap<String, Series>| -> Vec<f64> {
            m.get(service)
                .map(|s| s.iter().collect())
                .unwrap_or_default()
        };
        let (all, all_errors) = (collect(&self.inbound), collect(&self.errors));
        let (canary_rps, canary_errors) =
            (collect(&self.canary_inbound), collect(&self.canary_errors));
        let offset = all.len().saturating_sub(canary_rps.len());
        let mut stable_rps = Vec::with_capacity(all.len());
        let mut stable_errors = Vec::with_capacity(all.len());
        for (i, total) in all.iter().enumerate() {
            let j = i.checked_sub(offset);
            let c = j.and_then(|j| canary_rps.get(j)).copied().unwrap_or(0.0);
            let ce = j.and_then(|j| canary_errors.get(j)).copied().unwrap_or(0.0);
            let e = all_errors.get(i).copied().unwrap_or(0.0);
            let rest = (total - c).max(0.0);
            stable_rps.push(rest);
            stable_errors.push(if rest > 0.0 {
                ((total * e - c * ce) / rest).clamp(0.0, 1.0)
            } else {
                0.0
            });
        }
        SplitSeries {
            stable_rps,
            stable_errors,
            canary_rps,
            canary_errors,
        }
    }

    /// The mean second of the last [`WINDOW_SECONDS`] (see [`TrafficFrame::window`]).
    pub fn window(&self) -> TrafficFrame {
        TrafficFrame::window(&self.recent)
    }
}

/// See [`EnvTraffic::split`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SplitSeries {
    pub stable_rps: Vec<f64>,
    pub stable_errors: Vec<f64>,
    pub canary_rps: Vec<f64>,
    pub canary_errors: Vec<f64>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct TopologyView {
    pub scroll_x: u16,
    pub scroll_y: u16,
    /// None: automatic (compact when the graph is large).
    pub compact: Option<bool>,
}

#[derive(Debug, Clone)]
pub struct State {
    pub platform: PlatformInfo,
    pub read_only: bool,
    pub connection: Connection,
    /// The call-record stream's state, when one is configured.
    pub telemetry: Option<crate::interface::SourceStatus>,
    /// Who acts (the OS identity, and the operator name beside it).
    pub user: super::audit::Identity,
    /// Wall-clock unix seconds, from ticks.
    pub now: i64,
    pub snapshot: Arc<Snapshot>,
    pub traffic: BTreeMap<EnvKey, EnvTraffic>,
    pub thresholds: Thresholds,
    /// Selected tree path: [line], [line, env] or [line, env, service].
    pub selected: Vec<String>,
    pub expanded: BTreeSet<Vec<String>>,
    pub filter: TextInput,
    /// What needs attention, most urgent first (recomputed as the platform and traffic
    /// change), the row selected in its view, and whether the start-up landing is over.
    pub attention: Vec<super::attention::Item>,
    pub attention_selected: usize,
    pub landed: bool,
    /// A new critical item is also sent as a desktop notification (config `notify`).
    pub notify: bool,
    /// When the cockpit started (unix seconds): the landing looks only at the first ones.
    pub started: i64,
    /// Queries run from the palette, newest last.
    pub palette_history: Vec<String>,
    pub view: View,
    pub mode: Mode,
    pub status: Option<StatusMessage>,
    pub activity: VecDeque<Activity>,
    pub inflight: BTreeMap<u64, InFlight>,
    /// Services whose rollout the user started and is watching.
    pub watching: BTreeSet<ServiceKey>,
    /// Trains, one per environment at most (finished ones stay until the next).
    pub trains: BTreeMap<EnvKey, super::trains::TrainRun>,
    pub next_id: u64,
    pub topology: TopologyView,
    /// Environment compared with the selected one in the config view.
    pub compare_env: Option<String>,
    /// The open log tail (while the logs view shows a service).
    pub logs: Option<super::logs::LogsView>,
    /// The logs view shows the previous containers' logs rather than the live tail.
    pub logs_previous: bool,
    /// The engine's image list, when the platform has one (else the services' images).
    pub images: Option<Vec<crate::domain::image::ImageInfo>>,
    pub scroll: u16,
    pub keymap: Keymap,
    pub typed: Vec<Chord>,
    pub size: (u16, u16),
    pub quit: bool,
    /// Set when something visible changed since the last frame.
    pub dirty: bool,
}

impl State {
    pub fn new(
        platform: PlatformInfo,
        read_only: bool,
        keymap: Keymap,
        user: super::audit::Identity,
        now: i64,
    ) -> State {
        State {
            platform,
            read_only,
            connection: Connection::Connecting,
            telemetry: None,
            user,
            now,
            snapshot: Arc::new(Snapshot::default()),
            traffic: BTreeMap::new(),
            thresholds: Thresholds::default(),
            selected: Vec::new(),
            expanded: BTreeSet::new(),
            filter: TextInput::new(),
            palette_history: Vec::new(),
            attention: Vec::new(),
            attention_selected: 0,
            landed: false,
            notify: false,
            started: now,
            view: View::Overview,
            mode: Mode::Normal,
            status: None,
            activity: VecDeque::new(),
            inflight: BTreeMap::new(),
            watching: BTreeSet::new(),
            trains: BTreeMap::new(),
            next_id: 1,
            topology: TopologyView::default(),
            logs: None,
            logs_previous: false,
            images: None,
            compare_env: None,
            scroll: 0,
            keymap,
            typed: Vec::new(),
            size: (80, 24),
            quit: false,
            dirty: true,
        }
    }

    pub fn selected_line(&self) -> Option<&str> {
        self.selected.first().map(String::as_str)
    }

    /// The environment in context: the selected one, or the first of the selected line.
    pub fn context_env(&self) -> Option<EnvKey> {
        let line = self.snapshot.line(self.selected.first()?)?;
        let env = match self.selected.get(1) {
            Some(e) => line.environment(e)?,
            None => line.environments.first()?,
        };
        Some(EnvKey {
            line: line.name.clone(),
            env: env.name.clone(),
        })
    }

    pub fn selected_service(&self) -> Option<ServiceKey> {
        match self.selected.as_slice() {
            [line, env, service] => {
                let key = ServiceKey::new(line, env, service);
                self.snapshot.service(&key).map(|_| key)
            }
            _ => None,
        }
    }

    /// The lane selected in the tree, with its environment.
    pub fn selected_lane(&self) -> Option<(crate::domain::EnvKey, &crate::domain::lane::Lane)> {
        match self.selected.as_slice() {
            [line, env, row] => {
                let name = row.strip_prefix(crate::domain::lane::MARK)?;
                let key = crate::domain::EnvKey {
                    line: line.clone(),
                    env: env.clone(),
                };
                let lane = self
                    .snapshot
                    .environment(&key)?
                    .lanes
                    .iter()
                    .find(|l| l.name == name)?;
                Some((key, lane))
            }
            _ => None,
        }
    }

    pub fn log(&mut self, level: Level, text: impl Into<String>) {
        if self.activity.len() == ACTIVITY_LINES {
            self.activity.pop_front();
        }
        self.activity.push_back(Activity {
            at: self.now,
            level,
            text: text.into(),
        });
        self.dirty = true;
    }

    pub fn say(&mut self, level: Level, text: impl Into<String>) {
        let text = text.into();
        self.status = Some(StatusMessage { level, text });
        self.dirty = true;
    }

    pub fn next_id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }
}

#[cfg(test)]
mod tests {
    use super::EnvTraffic;
    use crate::domain::traffic::{EdgeStat, NodeId, TrafficFrame};

    fn edge(canary: bool, rps: f64, error_ratio: f64) -> EdgeStat {
        EdgeStat {
            from: NodeId::ingress(),
            to: NodeId::new("order", if canary { "2" } else { "1" }, canary),
            rps,
            error_ratio,
            p50_ms: 1.0,
            p99_ms: 2.0,
        }
    }

    #[test]
    fn a_services_history_splits_into_stable_and_canary() {
        let mut t = EnvTraffic::default();
        let services = vec!["order".to_string()];
        t.push(
            TrafficFrame {
                second: 1,
                edges: vec![edge(false, 10.0, 0.0)],
            },
            &services,
        );
        t.push(
            TrafficFrame {
                second: 2,
                edges: vec![edge(false, 9.0, 0.0), edge(true, 1.0, 0.5)],
            },
            &services,
        );
        let split = t.split("order");
        assert_eq!(split.stable_rps, vec![10.0, 9.0]);
        assert_eq!(
            split.canary_rps,
            vec![1.0],
            "the canary's begins at its first call"
        );
        assert_eq!(split.canary_errors, vec![0.5]);
        assert!(
            split.stable_errors.iter().all(|e| e.abs() < 1e-9),
            "{split:?}"
        );
    }

    #[test]
    fn lane_calls_are_counted_apart() {
        let mut t = EnvTraffic::default();
        let services = vec!["order".to_string()];
        let lane = EdgeStat {
            to: NodeId::in_lane("order", "3", "fast"),
            ..edge(false, 2.0, 0.0)
        };
        t.push(
            TrafficFrame {
                second: 1,
                edges: vec![edge(false, 10.0, 0.0), lane],
            },
            &services,
        );
        assert_eq!(t.inbound["order"].last(), Some(12.0));
        assert_eq!(t.lane_inbound["order"].last(), Some(2.0));
    }
}
