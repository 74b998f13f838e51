//! A train: several changes to one environment run one at a time, in an order that
//! respects the call graph, each waiting for its rollout and passing a [`gate`] before
//! the next starts. A release train (promote a line from one environment to the next),
//! a lane's promotion and a lane's deletion are trains.
//!
//! The train is a state machine without I/O: whoever drives it (the cockpit, the CLI)
//! feeds it the platform's picture and the traffic seen, asks [`Train::next`] what to
//! do, and reports each write's result with [`Train::applied`]. It serializes whole, so
//! a train interrupted (the cockpit exited) is picked up again from disk with
//! [`Train::reconcile`], which checks every step against what the platform shows.

pub mod gate;
pub mod plan;
#[cfg(test)]
mod tests;

use crate::change::Change;
use crate::model::{Environment, ReleaseState, Service};
use crate::traffic::TrafficFrame;
use gate::{Figures, Gate, Judgement};
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Kind {
    /// Bring the environment level with `from` (the one before it in the promotion path).
    Promote { from: String },
    /// Make a lane's versions the baseline, then remove the lane.
    LanePromote { lane: String },
    /// Take a lane's share back and every service out of it.
    LaneDelete { lane: String },
    /// Make the environment: its services copied from `from`.
    EnvCreate { from: String },
    /// Remove an environment wheelhouse made, service by service.
    EnvDelete,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StepState {
    Pending,
    /// Sent; the platform has not answered.
    Applying,
    /// Applied; waiting for ready and the gate.
    Settling,
    Done,
    Failed,
    /// Its undo sent (rolling back).
    Undoing,
    /// Its undo applied; waiting for ready.
    UndoSettling,
    Undone,
    UndoFailed,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Step {
    pub service: String,
    /// The environment the change is sent to, when not the train's (a copy is sent to
    /// its source's service; what it makes is checked in the train's environment).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_env: Option<String>,
    pub change: Change,
    /// The change that takes it back (rolling back the train).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub undo: Option<Change>,
    /// The version the service must run, ready, before the step is done (and the gate
    /// judged); None: done once applied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settle_on: Option<String>,
    pub state: StepState,
    /// What happened: figures, why it failed.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
    /// The platform took the change (a rollback undoes it).
    #[serde(default)]
    pub applied: bool,
    /// When it was sent, and when the service was first seen ready (train clock).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ready_at: Option<i64>,
    /// The service's figures over the gate's window before the step.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<Figures>,
}

impl Step {
    pub fn new(service: &str, change: Change, undo: Option<Change>, settle: bool) -> Step {
        let settle_on = match (&change, settle) {
            (Change::Deploy { version } | Change::CopyTo { version, .. }, true) => {
                Some(version.clone())
            }
            _ => None,
        };
        Step {
            service: service.to_string(),
            target_env: None,
            change,
            undo,
            settle_on,
            state: StepState::Pending,
            note: String::new(),
            applied: false,
            since: None,
            ready_at: None,
            before: None,
        }
    }

    fn in_flight(&self) -> bool {
        matches!(
            self.state,
            StepState::Applying
                | StepState::Settling
                | StepState::Undoing
                | StepState::UndoSettling
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum State {
    Running,
    /// No step starts; one in flight finishes.
    Paused,
    /// A step failed, its gate failed, or the train was aborted: nothing more starts;
    /// the done steps can be rolled back.
    Stopped,
    RollingBack,
    Done,
    RolledBack,
}

impl State {
    pub fn label(self) -> &'static str {
        match self {
            State::Running => "running",
            State::Paused => "paused",
            State::Stopped => "stopped",
            State::RollingBack => "rolling back",
            State::Done => "done",
            State::RolledBack => "rolled back",
        }
    }

    pub fn finished(self) -> bool {
        matches!(self, State::Done | State::RolledBack)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Train {
    /// Unique in the audit log (the start time in milliseconds, with the process's id).
    pub id: String,
    #[serde(flatten)]
    pub kind: Kind,
    pub line: String,
    /// The environment it changes.
    pub env: String,
    /// The platform it runs on ("kube: kind-e2e"); a train is resumed only there.
    pub platform: String,
    pub steps: Vec<Step>,
    pub state: State,
    /// Why it stopped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub why_stopped: Option<String>,
    pub gate: Gate,
    pub who: String,
    pub why: String,
    /// Things shown, not changed (config keys that differ, cycles in the call graph).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// The train's clock (seconds): the caller's, given with every call.
    #[serde(default)]
    pub now: i64,
    /// Traffic of the environment seen lately, with the clock when it came.
    #[serde(skip)]
    seen: VecDeque<(i64, TrafficFrame)>,
}

/// What the driver does next.
#[derive(Debug, Clone, PartialEq)]
pub enum Next {
    /// Send this change to the service of step `step` (the step's change, or its undo).
    Apply { step: usize, change: Change },
    /// Nothing to send now: call again when the platform or the traffic moves.
    Wait,
    /// The train is over (done or rolled back).
    Finished,
}

impl Train {
    pub fn new(
        kind: Kind,
        env: &crate::model::EnvKey,
        platform: &str,
        steps: Vec<Step>,
        gate: Gate,
        notes: Vec<String>,
    ) -> Train {
        Train {
            id: String::new(),
            kind,
            line: env.line.clone(),
            env: env.env.clone(),
            platform: platform.to_string(),
            steps,
            state: State::Running,
            why_stopped: None,
            gate,
            who: String::new(),
            why: String::new(),
            notes,
            now: 0,
            seen: VecDeque::new(),
        }
    }

    /// The service a change of step `i` is sent to: the step's own change to its target
    /// environment (a copy's source), anything else (an undo) to the train's.
    pub fn target(&self, i: usize, change: &Change) -> crate::model::ServiceKey {
        let step = &self.steps[i];
        let env = match &step.target_env {
            Some(env) if *change == step.change => env.as_str(),
            _ => self.env.as_str(),
        };
        crate::model::ServiceKey::new(&self.line, env, &step.service)
    }

    /// How step `i`'s write is confirmed in the audit log: by this train, as that step (or
    /// its undo), e.g. "train 42-7 step 2/4".
    pub fn step_confirmation(&self, i: usize) -> String {
        let undo = self
            .steps
            .get(i)
            .is_some_and(|s| s.state == StepState::Undoing);
        format!(
            "train {} {} {}/{}",
            self.id,
            if undo { "undo of step" } else { "step" },
            i + 1,
            self.steps.len()
        )
    }

    /// The request for step `i` (its change, or its undo), decided on the revision of the
    /// service it goes to as `snapshot` shows it.
    pub fn request(
        &self,
        i: usize,
        change: &Change,
        snapshot: &crate::model::Snapshot,
        (who, why): (&str, &str),
    ) -> crate::change::ChangeRequest {
        let target = self.target(i, change);
        let expected_revision = snapshot
            .service(&target)
            .map(|s| s.revision.clone())
            .unwrap_or_default();
        crate::change::ChangeRequest {
            target,
            change: change.clone(),
            expected_revision,
            who: who.to_string(),
            why: why.to_string(),
        }
    }

    pub fn env_key(&self) -> crate::model::EnvKey {
        crate::model::EnvKey {
            line: self.line.clone(),
            env: self.env.clone(),
        }
    }

    /// "promote trade test → gray", "lane promote trade/integration/checkout-v2".
    pub fn title(&self) -> String {
        match &self.kind {
            Kind::Promote { from } => format!("promote {} {from} → {}", self.line, self.env),
            Kind::LanePromote { lane } => {
                format!("lane promote {}/{}/{lane}", self.line, self.env)
            }
            Kind::LaneDelete { lane } => format!("lane delete {}/{}/{lane}", self.line, self.env),
            Kind::EnvCreate { from } => {
                format!("env create {}/{} from {from}", self.line, self.env)
            }
            Kind::EnvDelete => format!("env delete {}/{}", self.line, self.env),
        }
    }

    /// Steps done (or skipped as already there) and in all.
    pub fn progress(&self) -> (usize, usize) {
        let done = self
            .steps
            .iter()
            .filter(|s| s.state == StepState::Done)
            .count();
        (done, self.steps.len())
    }

    /// One second of the environment's traffic, seen at `now`.
    pub fn observe(&mut self, now: i64, frame: TrafficFrame) {
        self.now = self.now.max(now);
        self.seen.push_back((now, frame));
        let keep = i64::from(self.gate.window) * 2 + 10;
        while self
            .seen
            .front()
            .is_some_and(|(at, _)| *at < self.now - keep)
        {
            self.seen.pop_front();
        }
    }

    /// The service's figures over the traffic seen in `[from, to)`; None when none was.
    fn figures(&self, service: &str, from: i64, to: i64) -> Option<Figures> {
        let frames: Vec<&TrafficFrame> = self
            .seen
            .iter()
            .filter(|(at, _)| *at >= from && *at < to)
            .map(|(_, f)| f)
            .collect();
        if frames.is_empty() {
            return None;
        }
        Figures::of(service, frames)
    }

    /// Whether any traffic was seen at all (without, the gate is the pods alone).
    pub fn has_seen_traffic(&self) -> bool {
        self.seen.iter().any(|(_, f)| !f.edges.is_empty())
    }

    /// What to do next, at `now`, with the environment as the platform shows it.
    pub fn next(&mut self, now: i64, env: Option<&Environment>) -> Next {
        self.now = self.now.max(now);
        if self.state.finished() {
            return Next::Finished;
        }
        if let Some(i) = self.steps.iter().position(Step::in_flight) {
            self.settle(i, env);
            if self.steps[i].in_flight() {
                return Next::Wait;
            }
        }
        match self.state {
            State::Running => self.start_next(),
            State::RollingBack => self.undo_next(),
            _ => Next::Wait,
        }
    }

    fn start_next(&mut self) -> Next {
        let Some(i) = self
            .steps
            .iter()
            .position(|s| s.state == StepState::Pending)
        else {
            self.state = State::Done;
            return Next::Finished;
        };
        let window = i64::from(self.gate.window);
        let before = self.figures(&self.steps[i].service, self.now - window, self.now);
        let now = self.now;
        let step = &mut self.steps[i];
        step.before = before;
        step.state = StepState::Applying;
        step.since = Some(now);
        step.ready_at = None;
        Next::Apply {
            step: i,
            change: step.change.clone(),
        }
    }

    fn undo_next(&mut self) -> Next {
        let candidate = self
            .steps
            .iter()
            .rposition(|s| s.applied && matches!(s.state, StepState::Done | StepState::Failed));
        let Some(i) = candidate else {
            self.state = State::RolledBack;
            return Next::Finished;
        };
        let now = self.now;
        let step = &mut self.steps[i];
        match step.undo.clone() {
            Some(change) => {
                step.state = StepState::Undoing;
                step.since = Some(now);
                step.ready_at = None;
                Next::Apply { step: i, change }
            }
            None => {
                step.state = StepState::Undone;
                step.note = "nothing to undo".into();
                self.undo_next()
            }
        }
    }

    /// The platform's answer to the change sent for step `i`.
    pub fn applied(&mut self, i: usize, result: Result<(), String>) {
        let Some(step) = self.steps.get_mut(i) else {
            return;
        };
        let undoing = step.state == StepState::Undoing;
        match (result, undoing) {
            (Ok(()), false) => {
                step.applied = true;
                step.state = StepState::Settling;
            }
            (Ok(()), true) => {
                step.state = StepState::UndoSettling;
            }
            (Err(e), false) => {
                step.state = StepState::Failed;
                step.note = e.clone();
                let why = format!(
                    "step {} ({} {}) failed: {e}",
                    i + 1,
                    step.service,
                    step.change
                );
                self.stop(why);
            }
            (Err(e), true) => {
                step.state = StepState::UndoFailed;
                step.note = format!("undo failed: {e}");
                // The rest of the rollback goes on: each undo stands alone.
            }
        }
    }

    fn stop(&mut self, why: String) {
        if self.state != State::RollingBack {
            self.state = State::Stopped;
            self.why_stopped = Some(why);
        }
    }

    /// Checks the step in flight against the platform: ready, healthy, the gate.
    fn settle(&mut self, i: usize, env: Option<&Environment>) {
        let state = self.steps[i].state;
        if !matches!(state, StepState::Settling | StepState::UndoSettling) {
            return;
        }
        let undo = state == StepState::UndoSettling;
        let target = if undo {
            match &self.steps[i].undo {
                Some(Change::Deploy { version }) if self.steps[i].settle_on.is_some() => {
                    Some(version.clone())
                }
                _ => None,
            }
        } else {
            self.steps[i].settle_on.clone()
        };
        let Some(version) = target else {
            self.steps[i].state = if undo {
                StepState::Undone
            } else {
                StepState::Done
            };
            return;
        };
        let service = env.and_then(|e| e.service(&self.steps[i].service));
        // What a copy makes appears with the platform's next picture.
        let appearing = !undo && matches!(self.steps[i].change, Change::CopyTo { .. });
        let status = match service {
            None if appearing => Rollout::Going(format!("waiting for {version} to appear")),
            // A copy's pods that wait for the secrets it was made without: made, and
            // waiting for someone to provide them (the plan said so).
            Some(s) if appearing && waits_for_secrets(s, &version) => {
                return self.settled(
                    i,
                    false,
                    Ok("made; its pods wait for the secrets to be provided".into()),
                );
            }
            _ => rollout_status(service, &version),
        };
        let (now, window, timeout) = (
            self.now,
            i64::from(self.gate.window),
            i64::from(self.gate.ready_timeout),
        );
        let since = self.steps[i].since.unwrap_or(now);
        match status {
            Rollout::Broken(why) => self.settled(i, undo, Err(why)),
            Rollout::Going(how) if now - since > timeout => {
                self.settled(i, undo, Err(format!("not ready after {timeout} s: {how}")))
            }
            Rollout::Going(how) => self.steps[i].note = how,
            Rollout::Ready => {
                let ready_at = *self.steps[i].ready_at.get_or_insert(now);
                if undo || !self.has_seen_traffic() {
                    let note = if undo {
                        format!("back on {version}")
                    } else {
                        "ready; no traffic seen: passed on its pods".into()
                    };
                    return self.settled(i, undo, Ok(note));
                }
                if now - ready_at < window {
                    self.steps[i].note = format!(
                        "ready; watching its traffic {} of {window} s",
                        now - ready_at
                    );
                    return;
                }
                let service_name = self.steps[i].service.clone();
                let after = self.figures(&service_name, ready_at, now + 1);
                match gate::judge(&self.gate, self.steps[i].before, after) {
                    Judgement::Pass(note) => self.settled(i, false, Ok(note)),
                    Judgement::Fail(why) => self.settled(i, false, Err(format!("gate: {why}"))),
                }
            }
        }
    }

    fn settled(&mut self, i: usize, undo: bool, result: Result<String, String>) {
        let step = &mut self.steps[i];
        match (result, undo) {
            (Ok(note), false) => {
                step.state = StepState::Done;
                step.note = note;
            }
            (Ok(note), true) => {
                step.state = StepState::Undone;
                step.note = note;
            }
            (Err(why), false) => {
                step.state = StepState::Failed;
                step.note = why.clone();
                let why = format!("step {} ({} {}): {why}", i + 1, step.service, step.change);
                self.stop(why);
            }
            (Err(why), true) => {
                step.state = StepState::UndoFailed;
                step.note = format!("undo: {why}");
            }
        }
    }

    /// Stop starting steps (the one in flight finishes).
    pub fn pause(&mut self) -> Result<(), String> {
        match self.state {
            State::Running => {
                self.state = State::Paused;
                Ok(())
            }
            s => Err(format!("the train is {}", s.label())),
        }
    }

    /// Go on: after a pause, or after a stop: a failed step is tried again — sent again
    /// when the platform refused it, judged again (ready, gate) when it was applied.
    pub fn resume(&mut self) -> Result<(), String> {
        match self.state {
            State::Paused => {}
            State::Stopped if self.steps.iter().all(|s| !s.in_flight()) => {
                let now = self.now;
                for s in self
                    .steps
                    .iter_mut()
                    .filter(|s| s.state == StepState::Failed)
                {
                    s.note = format!("tried again (it failed: {})", s.note);
                    if s.applied {
                        s.state = StepState::Settling;
                        s.since = Some(now);
                        s.ready_at = None;
                    } else {
                        s.state = StepState::Pending;
                    }
                }
                self.why_stopped = None;
            }
            s => return Err(format!("the train is {}", s.label())),
        }
        self.state = State::Running;
        Ok(())
    }

    /// Stop after the step in flight; the done steps can then be rolled back.
    pub fn abort(&mut self, who: &str) -> Result<(), String> {
        match self.state {
            State::Running | State::Paused => {
                self.state = State::Stopped;
                self.why_stopped = Some(format!("aborted by {who}"));
                Ok(())
            }
            s => Err(format!("the train is {}", s.label())),
        }
    }

    /// Undo the steps applied, newest first, each waiting for ready. A step still
    /// settling is counted as applied (and undone).
    pub fn roll_back(&mut self) -> Result<(), String> {
        if self.state != State::Stopped {
            return Err(format!(
                "the train is {}: abort it first",
                self.state.label()
            ));
        }
        if self.steps.iter().any(|s| s.state == StepState::Applying) {
            return Err("a step is being applied: wait for its answer".into());
        }
        for s in self
            .steps
            .iter_mut()
            .filter(|s| s.state == StepState::Settling)
        {
            s.state = StepState::Failed;
            s.note = "rolled back before its gate".into();
        }
        self.state = State::RollingBack;
        Ok(())
    }

    /// Whether anything was applied that a rollback would undo.
    pub fn can_roll_back(&self) -> bool {
        self.state == State::Stopped
            && self.steps.iter().any(|s| {
                s.applied
                    && matches!(
                        s.state,
                        StepState::Done | StepState::Failed | StepState::Settling
                    )
            })
    }

    /// Picks up a train whose environment the platform does not show (an environment being
    /// made whose first copy never arrived): nothing it would make is there.
    pub fn reconcile_absent(&mut self) {
        let empty = Environment {
            name: self.env.clone(),
            tier: crate::model::Tier::NonProduction,
            location: crate::model::Location::Demo {
                cluster: String::new(),
                namespace: String::new(),
            },
            services: Vec::new(),
            found_by: String::new(),
            part_of: Vec::new(),
            lanes: Vec::new(),
            origin: None,
        };
        self.reconcile(&empty);
    }

    /// Picks a train up from what the platform shows (after the process that ran it
    /// exited): a step whose change the platform already shows is done (its gate is not
    /// judged again); a step that was in flight and is not shown is sent again.
    pub fn reconcile(&mut self, env: &Environment) {
        for step in &mut self.steps {
            let shown = shows(env, &step.service, &step.change);
            let undo_shown = step
                .undo
                .as_ref()
                .is_some_and(|u| shows(env, &step.service, u));
            step.state = match step.state {
                StepState::Applying | StepState::Settling if shown => {
                    step.applied = true;
                    step.note = "found applied on resume".into();
                    StepState::Settling
                }
                StepState::Applying | StepState::Settling => StepState::Pending,
                StepState::Undoing | StepState::UndoSettling if undo_shown => {
                    StepState::UndoSettling
                }
                StepState::Undoing | StepState::UndoSettling => StepState::Done,
                StepState::Pending if shown => {
                    step.note = "already so on the platform".into();
                    StepState::Done
                }
                s => s,
            };
            if step.state == StepState::Settling || step.state == StepState::UndoSettling {
                step.since = Some(self.now);
                step.ready_at = None;
            }
        }
    }
}

/// Whether the platform shows `change` made on `service`.
fn shows(env: &Environment, service: &str, change: &Change) -> bool {
    let svc = env.service(service);
    let lane = |name: &str| env.lanes.iter().find(|l| l.name == name);
    match change {
        Change::Deploy { version } => svc.is_some_and(|s| {
            s.version == *version || s.rollout.as_ref().is_some_and(|r| r.to_version == *version)
        }),
        Change::JoinLane { lane: l, version } => {
            lane(l).is_some_and(|l| l.services.get(service) == Some(version))
        }
        Change::LeaveLane { lane: l } => lane(l).is_none_or(|l| !l.services.contains_key(service)),
        Change::SetLaneShare { lane: l, share } => {
            lane(l).map_or(*share == 0, |l| l.entry_share == *share)
        }
        Change::CopyTo { version, .. } => svc.is_some_and(|s| s.version == *version),
        Change::RemoveService => svc.is_none(),
        _ => false,
    }
}

enum Rollout {
    Ready,
    /// Still going, and how far.
    Going(String),
    /// It will not get there by itself: why.
    Broken(String),
}

/// How the service's rollout to `version` stands.
fn rollout_status(service: Option<&Service>, version: &str) -> Rollout {
    let Some(s) = service else {
        return Rollout::Broken("the service is gone".into());
    };
    if let Some(why) = unhealthy(s, version) {
        return Rollout::Broken(why);
    }
    if s.releases
        .last()
        .is_some_and(|r| r.to == version && r.state == ReleaseState::Failed)
    {
        return Rollout::Broken("the rollout failed".into());
    }
    if let Some(problem) = s.rollout.as_ref().and_then(|r| r.problem.clone()) {
        return Rollout::Broken(problem);
    }
    let at_version =
        s.version == version || s.rollout.as_ref().is_some_and(|r| r.to_version == version);
    if !at_version {
        return Rollout::Going(format!("waiting for {version} (runs {})", s.version));
    }
    if s.version == version && s.rollout.is_none() && s.replicas.ready >= s.replicas.desired {
        return Rollout::Ready;
    }
    Rollout::Going(match &s.rollout {
        Some(r) => format!("rolling out {} {}/{}", r.to_version, r.updated, r.total),
        None => format!("{}/{} ready", s.replicas.ready, s.replicas.desired),
    })
}

/// Whether the pods of `version` that are not ready all wait for config they lack
/// (CreateContainerConfigError: a Secret or key missing), and some do.
fn waits_for_secrets(s: &Service, version: &str) -> bool {
    let waiting: Vec<Option<String>> = s
        .pods
        .iter()
        .filter(|p| !p.canary && p.version == version && !p.ready)
        .map(crate::pods::Pod::trouble)
        .collect();
    !waiting.is_empty()
        && waiting
            .iter()
            .all(|t| t.as_deref() == Some("CreateContainerConfigError"))
}

/// Troubles that do not pass by themselves, in the new version's pods.
const BAD: [&str; 8] = [
    "CrashLoopBackOff",
    "ImagePullBackOff",
    "ErrImagePull",
    "CreateContainerConfigError",
    "CreateContainerError",
    "InvalidImageName",
    "Unschedulable",
    "Failed",
];

/// Why the pods of `version` are unhealthy: a trouble that does not pass by itself, or
/// restarts.
fn unhealthy(s: &Service, version: &str) -> Option<String> {
    let pods: Vec<&crate::pods::Pod> = s
        .pods
        .iter()
        .filter(|p| !p.canary && p.version == version)
        .collect();
    let bad = pods
        .iter()
        .any(|p| p.restarts > 0 || p.trouble().is_some_and(|t| BAD.contains(&t.as_str())));
    bad.then(|| {
        let owned: Vec<crate::pods::Pod> = pods.into_iter().cloned().collect();
        format!(
            "pods of {version} unhealthy: {}",
            crate::pods::health(&owned).unwrap_or_else(|| "restarting".into())
        )
    })
}
