//! Trains in the cockpit (see `domain::train`): planned from the selection (the
//! overview's environment, a lane), confirmed with every step's dry run in one dialog,
//! then run one step at a time as pictures, traffic and ticks arrive; paused, resumed,
//! aborted, rolled back. Each step's write goes the usual way (intent in the audit log
//! first); the train's own record is on disk before its first step. Its state is saved
//! on every move, so a cockpit started again picks it up (see [`loaded`]).

use super::action::Action;
use super::audit::{AuditRecord, TrainRecord};
use super::event::Command;
use super::state::{ConfirmField, InFlight, Level, Mode, Preview, State};
use super::text_input::TextInput;
use crate::domain::EnvKey;
use crate::domain::change::{ChangeRequest, FieldChange};
use crate::domain::model::Tier;
use crate::domain::train::gate::Gate;
use crate::domain::train::plan::{self, Selection};
use crate::domain::train::{Next, State as TrainState, Train};
use crate::interface::{PlatformError, PlatformRequest};

/// A train the cockpit knows: running, stopped, or finished (kept for the picture).
#[derive(Debug, Clone, PartialEq)]
pub struct TrainRun {
    pub train: Train,
    /// The record of its run under way, as written when that run started (its result
    /// record is made from it). None once a stop's or an end's result is written: the
    /// operator's next move (go on, roll back) writes a new record first, as
    /// `promote --resume` does.
    pub record: Option<TrainRecord>,
    /// The write in flight: its id and step.
    pub writing: Option<(u64, usize)>,
    /// Its end (or stop) has been said.
    pub told: Option<TrainState>,
    /// Held back: loaded from disk on a read-only cockpit, or its record not written yet.
    pub held: Option<String>,
    /// Checked against what the platform shows (a train picked up from disk is not, until
    /// a picture has its environment).
    pub reconciled: bool,
    /// Just confirmed, its first record not written yet: if that record fails, the train
    /// is dropped (it never was); any other train whose record fails is kept, held.
    pub fresh: bool,
}

impl TrainRun {
    /// Waiting for the record of its run to be written: nothing may move it meanwhile.
    pub fn recording(&self) -> bool {
        self.held.is_some() && self.record.is_some()
    }

    /// Held because the record of its run could not be written.
    pub fn unrecorded(&self) -> bool {
        self.held.is_some() && self.record.is_none()
    }
}

/// The dialog that confirms a train: the plan, each step's dry run, the name typed for
/// a production environment, why.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainConfirm {
    /// The preview ids are `first_id + step`.
    pub first_id: u64,
    pub train: Train,
    pub previews: Vec<Preview>,
    pub type_to_confirm: Option<String>,
    pub typed: TextInput,
    pub why: TextInput,
    pub field: ConfirmField,
    pub scroll: u16,
}

/// The prompt of `env-create`: the new environment's name, then optionally which
/// services, versions and config keys (`qa1 order+deps,front payment=2.2.0
/// order.log_level=debug`).
#[derive(Debug, Clone, PartialEq)]
pub struct EnvPrompt {
    pub from: EnvKey,
    pub input: TextInput,
    pub error: Option<String>,
}

/// `env-create`: asks for the name of an environment to make from the selected one.
pub fn begin_env_create(state: &mut State) -> Vec<Command> {
    if state.read_only {
        state.say(
            Level::Warn,
            "read-only: env-create is disabled (started with --read-only)",
        );
        return vec![];
    }
    let Some(from) = state.context_env() else {
        state.say(
            Level::Warn,
            "env-create: select the environment to copy first",
        );
        return vec![];
    };
    state.mode = Mode::EnvPrompt(Box::new(EnvPrompt {
        from,
        input: TextInput::new(),
        error: None,
    }));
    vec![]
}

/// The prompt's Enter: plan the environment and open its confirmation.
pub fn submit_env_prompt(state: &mut State, mut p: EnvPrompt) -> Vec<Command> {
    let text = p.input.text().trim().to_string();
    let mut words = text.split_whitespace();
    let name = words.next().unwrap_or_default().to_string();
    let planned = state.snapshot.line(&p.from.line).map(|line| {
        let request = plan::EnvRequest::from_words(words)?;
        plan::env_create(
            line,
            &p.from.env,
            &name,
            &request,
            &platform_name(state),
            Gate::default(),
        )
    });
    match planned {
        Some(Ok(train)) => confirm(state, Ok(train)),
        Some(Err(e)) => {
            p.error = Some(e);
            state.mode = Mode::EnvPrompt(Box::new(p));
            vec![]
        }
        None => vec![],
    }
}

/// `env-delete`: the selected environment, if wheelhouse made it; its name typed.
pub fn begin_env_delete(state: &mut State) -> Vec<Command> {
    let Some(key) = state.context_env().filter(|_| state.selected.len() >= 2) else {
        state.say(Level::Warn, "env-delete: select the environment first");
        return vec![];
    };
    let planned = state
        .snapshot
        .line(&key.line)
        .map(|line| plan::env_delete(line, &key.env, &platform_name(state)));
    match planned {
        Some(p) => {
            let out = confirm(state, p);
            // Deleting an environment always asks for its name.
            if let Mode::TrainConfirm(c) = &mut state.mode {
                c.type_to_confirm = Some(key.env.clone());
                c.field = ConfirmField::Name;
            }
            out
        }
        None => vec![],
    }
}

/// `train-promote`: the selected environment brought level with the one before it.
pub fn begin_promote(state: &mut State) -> Vec<Command> {
    let Some(key) = state.context_env() else {
        state.say(Level::Warn, "train-promote: select an environment first");
        return vec![];
    };
    let Some(line) = state.snapshot.line(&key.line) else {
        return vec![];
    };
    let at = line
        .environments
        .iter()
        .position(|e| e.name == key.env)
        .unwrap_or(0);
    let Some(from) = at.checked_sub(1).and_then(|i| line.environments.get(i)) else {
        state.say(
            Level::Warn,
            format!("{key} is the first of the line: nothing comes before it"),
        );
        return vec![];
    };
    let from = from.name.clone();
    let planned = plan::promote(
        line,
        &from,
        &key.env,
        &Selection::default(),
        &platform_name(state),
        Gate::default(),
    );
    confirm(state, planned)
}

/// `lane-promote` and `lane-delete` on the selected lane.
pub fn begin_lane(state: &mut State, promote: bool) -> Vec<Command> {
    let name = if promote {
        "lane-promote"
    } else {
        "lane-delete"
    };
    let Some((key, lane)) = state.selected_lane() else {
        state.say(
            Level::Warn,
            format!("{name}: select a lane in the tree first"),
        );
        return vec![];
    };
    let lane = lane.name.clone();
    let Some(env) = state.snapshot.environment(&key) else {
        return vec![];
    };
    let platform = platform_name(state);
    let planned = if promote {
        plan::lane_promote(env, &key, &lane, &platform, Gate::default())
    } else {
        plan::lane_delete(env, &key, &lane, &platform, Gate::default())
    };
    confirm(state, planned)
}

fn platform_name(state: &State) -> String {
    format!("{}: {}", state.platform.kind, state.platform.target)
}

/// Opens the train's confirmation and asks the platform for each step's dry run.
fn confirm(state: &mut State, planned: Result<Train, String>) -> Vec<Command> {
    if state.read_only {
        state.say(
            Level::Warn,
            "read-only: trains are disabled (started with --read-only)",
        );
        return vec![];
    }
    let train = match planned {
        Ok(t) => t,
        Err(e) => {
            state.say(Level::Warn, e);
            return vec![];
        }
    };
    let key = train.env_key();
    if train.steps.is_empty() {
        state.say(Level::Info, format!("{}: nothing to do", train.title()));
        return vec![];
    }
    if let Some(run) = state.trains.get(&key)
        && !run.train.state.finished()
    {
        state.say(
            Level::Warn,
            format!(
                "{key} has a train already: {} ({})",
                run.train.title(),
                run.train.state.label()
            ),
        );
        return vec![];
    }
    let production = state
        .snapshot
        .environment(&key)
        .is_some_and(|e| e.tier == Tier::Production);
    let first_id = state.next_id;
    state.next_id += train.steps.len() as u64;
    let commands = train
        .steps
        .iter()
        .enumerate()
        .map(|(i, step)| {
            Command::Platform(PlatformRequest::Preview {
                id: first_id + i as u64,
                request: request(state, &train, i, &step.change, String::new()),
            })
        })
        .collect();
    state.mode = Mode::TrainConfirm(Box::new(TrainConfirm {
        first_id,
        previews: vec![Preview::Loading; train.steps.len()],
        train,
        type_to_confirm: production.then(|| key.env.clone()),
        typed: TextInput::new(),
        why: TextInput::new(),
        field: if production {
            ConfirmField::Name
        } else {
            ConfirmField::Why
        },
        scroll: 0,
    }));
    state.dirty = true;
    commands
}

/// The request for step `i` of `train` (its change, or its undo), decided on the
/// service's revision now.
fn request(
    state: &State,
    train: &Train,
    i: usize,
    change: &crate::domain::Change,
    why: String,
) -> ChangeRequest {
    train.request(i, change, &state.snapshot, (&state.user.who(), &why))
}

/// A dry-run answer: true when it was for the train being confirmed.
pub fn previewed(
    state: &mut State,
    id: u64,
    result: &Result<Vec<FieldChange>, PlatformError>,
) -> bool {
    let Mode::TrainConfirm(c) = &mut state.mode else {
        return false;
    };
    let Some(i) = id.checked_sub(c.first_id).map(|i| i as usize) else {
        return false;
    };
    let Some(slot) = c.previews.get_mut(i) else {
        return false;
    };
    *slot = match result {
        Ok(changes) => Preview::Ready(changes.clone()),
        Err(e) => Preview::Failed(e.clone()),
    };
    state.dirty = true;
    true
}

/// The confirmation's Enter: the train starts once its record is on disk.
pub fn execute(state: &mut State, c: TrainConfirm) -> Vec<Command> {
    if state.read_only {
        state.say(Level::Warn, "read-only: nothing was changed");
        return vec![];
    }
    let waiting = c.previews.contains(&Preview::Loading);
    let refused = c.previews.iter().enumerate().find_map(|(i, p)| match p {
        Preview::Failed(e) => Some(format!("step {} cannot be applied: {e}", i + 1)),
        _ => None,
    });
    let problem = if waiting {
        Some("waiting for the dry runs".to_string())
    } else {
        refused
    };
    if let Some(p) = problem {
        state.say(Level::Warn, p);
        state.mode = Mode::TrainConfirm(Box::new(c));
        return vec![];
    }
    if let Some(name) = &c.type_to_confirm
        && c.typed.text().trim() != name
    {
        state.say(
            Level::Warn,
            format!("type {name:?} to confirm a train in a production environment"),
        );
        state.mode = Mode::TrainConfirm(Box::new(c));
        return vec![];
    }
    let mut train = c.train;
    train.id = format!("{}-{}", state.now, c.first_id);
    train.who = state.user.who();
    train.why = match c.why.text().trim() {
        "" => "wheelhouse cockpit".into(),
        why => why.to_string(),
    };
    train.now = state.now;
    // The traffic of the last seconds is the first step's "before".
    if let Some(t) = state.traffic.get(&train.env_key()) {
        let n = t.recent.len() as i64;
        for (i, frame) in t.recent.iter().enumerate() {
            train.observe(state.now - n + i as i64, frame.clone());
        }
    }
    let confirmation = match &c.type_to_confirm {
        Some(_) => format!("typed {:?}", c.typed.text().trim()),
        None => "enter".to_string(),
    };
    let dry_runs: Vec<Vec<FieldChange>> = c
        .previews
        .iter()
        .map(|p| match p {
            Preview::Ready(changes) => changes.clone(),
            _ => Vec::new(),
        })
        .collect();
    let record = TrainRecord::intent(&train, &state.user, &confirmation, &dry_runs);
    let key = train.env_key();
    state.say(Level::Info, format!("{}: starting…", train.title()));
    state.log(
        Level::Info,
        format!(
            "{} started by {} ({} steps)",
            train.title(),
            train.who,
            train.steps.len()
        ),
    );
    state.trains.insert(
        key.clone(),
        TrainRun {
            train: train.clone(),
            record: Some(record.clone()),
            writing: None,
            told: None,
            held: Some("its record is being written".into()),
            reconciled: true,
            fresh: true,
        },
    );
    vec![
        Command::SaveTrain(Box::new(train)),
        Command::TrainRecord {
            record: Box::new(record),
            answer: Some(key),
        },
    ]
}

/// The train's record was written (it may start) or not (it does not).
pub fn recorded(state: &mut State, key: &EnvKey, result: Result<(), String>) -> Vec<Command> {
    let Some(run) = state.trains.get_mut(key) else {
        return vec![];
    };
    match result {
        Ok(()) => {
            run.held = None;
            run.fresh = false;
            advance(state)
        }
        // Any train but one just confirmed stays (on disk too), held: nothing more is
        // sent without its record.
        Err(e) if !run.fresh => {
            let text = format!(
                "{}: not going on: its record cannot be written: {e}",
                run.train.title()
            );
            run.held = Some(format!("its record cannot be written: {e}"));
            run.record = None;
            state.say(Level::Error, text.clone());
            state.log(Level::Error, text);
            vec![]
        }
        Err(e) => {
            let title = run.train.title();
            state.trains.remove(key);
            let text = format!("{title} not started: {e}");
            state.say(Level::Error, text.clone());
            state.log(Level::Error, text);
            vec![Command::ForgetTrain(key.clone())]
        }
    }
}

/// Holds the train until a new record of its run, confirmed as `confirmation`, is on
/// disk; the record's answer lets it go on.
fn record_run(state: &mut State, key: &EnvKey, confirmation: &str) -> Vec<Command> {
    let user = state.user.clone();
    let Some(run) = state.trains.get_mut(key) else {
        return vec![];
    };
    let record = TrainRecord::intent(&run.train, &user, confirmation, &[]);
    run.record = Some(record.clone());
    run.held = Some("its record is being written".into());
    // A run of its own: its stop or end is said (and recorded) again.
    run.told = None;
    vec![Command::TrainRecord {
        record: Box::new(record),
        answer: Some(key.clone()),
    }]
}

/// Moves every train on: settles the step in flight, sends the next write, says how
/// it ended. Called as pictures, traffic, ticks and answers arrive.
pub fn advance(state: &mut State) -> Vec<Command> {
    let keys: Vec<EnvKey> = state.trains.keys().cloned().collect();
    let mut out = Vec::new();
    for key in keys {
        out.extend(advance_one(state, &key));
    }
    out
}

fn advance_one(state: &mut State, key: &EnvKey) -> Vec<Command> {
    let snapshot = state.snapshot.clone();
    let now = state.now;
    let Some(run) = state.trains.get_mut(key) else {
        return vec![];
    };
    if run.held.is_some() || !run.reconciled || run.told.is_some_and(TrainState::finished) {
        return vec![];
    }
    let before = (run.train.state, run.train.steps.clone());
    let next = run.train.next(now, snapshot.environment(key));
    // Saved before the write leaves: its answer may come before the next command runs.
    let mut out = Vec::new();
    if (run.train.state, run.train.steps.clone()) != before {
        out.push(Command::SaveTrain(Box::new(run.train.clone())));
        state.dirty = true;
    }
    let told = tell(state, key);
    if let Next::Apply { step, change } = next {
        out.extend(send(state, key, step, change));
    }
    out.extend(told);
    out
}

/// Sends step `step`'s change (or undo) with its intent record.
fn send(
    state: &mut State,
    key: &EnvKey,
    step: usize,
    change: crate::domain::Change,
) -> Vec<Command> {
    let Some(run) = state.trains.get(key) else {
        return vec![];
    };
    let train = run.train.clone();
    let id = state.next_id();
    let request = request(state, &train, step, &change, train.why.clone());
    if state.snapshot.service(&request.target).is_none() {
        if let Some(run) = state.trains.get_mut(key) {
            run.train
                .applied(step, Err(format!("{} is gone", request.target)));
        }
        return vec![];
    }
    let confirmation = train.step_confirmation(step);
    let intent = AuditRecord::intent(
        id,
        &state.user,
        &train.platform,
        &request,
        &confirmation,
        &[],
    );
    state.inflight.insert(
        id,
        InFlight {
            request: request.clone(),
            intent: intent.clone(),
        },
    );
    if let Some(run) = state.trains.get_mut(key) {
        run.writing = Some((id, step));
    }
    state.log(
        Level::Info,
        format!(
            "{}: step {}/{}: {} {}",
            train.title(),
            step + 1,
            train.steps.len(),
            request.target,
            request.change
        ),
    );
    vec![Command::Write {
        id,
        request,
        intent: Box::new(intent),
    }]
}

/// A write's answer (or its refusal), for the train that sent it (if one did): the train
/// moves on.
pub fn applied(state: &mut State, id: u64, result: Result<(), String>) -> Vec<Command> {
    let Some(key) = state
        .trains
        .iter()
        .find(|(_, r)| r.writing.is_some_and(|(w, _)| w == id))
        .map(|(k, _)| k.clone())
    else {
        return vec![];
    };
    if let Some(run) = state.trains.get_mut(&key)
        && let Some((_, step)) = run.writing.take()
    {
        run.train.applied(step, result);
    }
    advance(state)
}

/// Says a train's end or stop once, with a bell when it stopped, and writes the result
/// record of its run.
fn tell(state: &mut State, key: &EnvKey) -> Vec<Command> {
    let Some(run) = state.trains.get_mut(key) else {
        return vec![];
    };
    let now = run.train.state;
    let worth = matches!(
        now,
        TrainState::Stopped | TrainState::Done | TrainState::RolledBack
    );
    if !worth || run.told == Some(now) {
        if !worth {
            run.told = None;
        }
        return vec![];
    }
    run.told = Some(now);
    let train = run.train.clone();
    let record = run.record.as_ref().map(|r| r.outcome(&train));
    let mut out = Vec::new();
    let (level, text) = match now {
        TrainState::Done => (Level::Success, format!("{}: done", train.title())),
        TrainState::RolledBack => (Level::Success, format!("{}: rolled back", train.title())),
        _ => (
            Level::Error,
            format!(
                "{} stopped: {} ({} rolls back, {} tries again)",
                train.title(),
                train.why_stopped.clone().unwrap_or_default(),
                key_of(state, Action::TrainRollback),
                key_of(state, Action::TrainPause)
            ),
        ),
    };
    if level == Level::Error {
        out.push(Command::Bell {
            notification: Some(text.clone()),
        });
    }
    state.say(level, text.clone());
    state.log(level, text);
    // A stop ends the run as the CLI's does: its result is written, and going on later
    // is a run of its own.
    if let Some(r) = record {
        out.push(Command::TrainRecord {
            record: Box::new(r),
            answer: None,
        });
    }
    if let Some(run) = state.trains.get_mut(key) {
        run.record = None;
    }
    if now.finished() {
        out.push(Command::ForgetTrain(key.clone()));
    }
    out
}

/// The train the control keys act on: the selected environment's, or the only one.
fn chosen(state: &State) -> Option<EnvKey> {
    let live: Vec<&EnvKey> = state
        .trains
        .iter()
        .filter(|(_, r)| !r.train.state.finished())
        .map(|(k, _)| k)
        .collect();
    if let Some(k) = state.context_env()
        && live.contains(&&k)
    {
        return Some(k);
    }
    match live.as_slice() {
        [only] => Some((*only).clone()),
        _ => None,
    }
}

/// How the operator reaches a train control: its key as the keymap binds it, else its
/// palette command (`: train-rollback`).
pub fn key_of(state: &State, action: super::action::Action) -> String {
    state
        .keymap
        .hint(crate::config::keymap::Section::Normal, action)
        .unwrap_or_else(|| format!(": {}", action.name()))
}

/// The control keys: pause (or resume), abort, roll back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    PauseResume,
    Abort,
    RollBack,
}

pub fn control(state: &mut State, what: Control) -> Vec<Command> {
    let Some(key) = chosen(state) else {
        let text = if state.trains.values().any(|r| !r.train.state.finished()) {
            "select the environment of the train to act on"
        } else {
            "no train is running"
        };
        state.say(Level::Warn, text);
        return vec![];
    };
    if state.read_only && what != Control::Abort {
        state.say(
            Level::Warn,
            "read-only: trains are disabled (started with --read-only)",
        );
        return vec![];
    }
    let who = state.user.who();
    let roll_back_key = key_of(state, Action::TrainRollback);
    let Some(run) = state.trains.get_mut(&key) else {
        return vec![];
    };
    let title = run.train.title();
    // Its run's record is being written: only an abort (which sends nothing) may act.
    if run.recording() && what != Control::Abort {
        state.say(
            Level::Warn,
            format!("{title}: its record is being written; try again in a moment"),
        );
        return vec![];
    }
    // Held for want of its record (that write failed): going on tries the record again.
    if what == Control::PauseResume && run.unrecorded() {
        let how = match run.train.state {
            TrainState::Running => Some("go on"),
            TrainState::RollingBack => Some("roll back"),
            _ => None,
        };
        if let Some(how) = how {
            state.say(Level::Info, format!("{title}: writing its record again"));
            return record_run(state, &key, &format!("{how}, by {who}"));
        }
    }
    let result = match what {
        Control::PauseResume if run.train.state == TrainState::Running => run
            .train
            .pause()
            .map(|()| "paused: the step in flight finishes".to_string()),
        Control::PauseResume => run.train.resume().map(|()| "going on".to_string()),
        Control::Abort => run.train.abort(&who).map(|()| {
            format!(
                "aborted: stops after the step in flight; {roll_back_key} rolls the done steps back"
            )
        }),
        Control::RollBack => run
            .train
            .roll_back()
            .map(|()| "rolling back, newest step first".to_string()),
    };
    let moves_on = matches!(
        run.train.state,
        TrainState::Running | TrainState::RollingBack
    );
    let unrecorded = run.record.is_none();
    match result {
        Ok(text) => {
            let text = format!("{title}: {text}");
            state.say(Level::Info, text.clone());
            state.log(Level::Info, format!("{text} ({who})"));
            let mut out = vec![];
            if let Some(run) = state.trains.get(&key) {
                out.push(Command::SaveTrain(Box::new(run.train.clone())));
            }
            if moves_on && unrecorded {
                let how = match what {
                    Control::RollBack => "roll back",
                    _ => "go on",
                };
                out.extend(record_run(state, &key, &format!("{how}, by {who}")));
            }
            out.extend(advance(state));
            out
        }
        Err(e) => {
            state.say(Level::Warn, format!("{title}: {e}"));
            vec![]
        }
    }
}

/// A train found on disk at start (the cockpit that ran it exited): taken up once the
/// platform's picture has its environment, from what the platform shows.
pub fn loaded(state: &mut State, mut train: Train) -> Vec<Command> {
    let key = train.env_key();
    if train.platform != platform_name(state) {
        state.log(
            Level::Info,
            format!(
                "{} is saved for {} (not this platform): left for a cockpit there",
                train.title(),
                train.platform
            ),
        );
        return vec![];
    }
    let held = if state.read_only {
        Some("read-only: not going on".to_string())
    } else {
        None
    };
    train.now = state.now;
    let text = format!(
        "{}: picked up from disk ({}, {}/{} steps done)",
        train.title(),
        train.state.label(),
        train.progress().0,
        train.progress().1
    );
    state.log(Level::Info, text.clone());
    state.say(Level::Info, text);
    let goes_on =
        held.is_none() && matches!(train.state, TrainState::Running | TrainState::RollingBack);
    state.trains.insert(
        key.clone(),
        TrainRun {
            train,
            record: None,
            writing: None,
            told: None,
            held,
            reconciled: false,
            fresh: false,
        },
    );
    // One that goes on by itself is a run of its own, recorded first; a stopped or
    // paused one waits for the operator, whose move records it.
    if goes_on {
        record_run(state, &key, "resumed from disk")
    } else {
        vec![]
    }
}

/// Reconciles trains picked up from disk with the first picture that has their
/// environment.
pub fn reconcile(state: &mut State) {
    let snapshot = state.snapshot.clone();
    for (key, run) in state.trains.iter_mut().filter(|(_, r)| !r.reconciled) {
        if let Some(env) = snapshot.environment(key) {
            run.train.reconcile(env);
            run.reconciled = true;
        } else if matches!(run.train.kind, crate::domain::train::Kind::EnvCreate { .. })
            && !snapshot.product_lines.is_empty()
        {
            // An environment being made that the platform does not show: nothing of it
            // is there yet.
            run.train.reconcile_absent();
            run.reconciled = true;
        }
    }
}

/// Feeds each train its environment's second of traffic.
pub fn observe(state: &mut State, key: &EnvKey, frame: &crate::domain::traffic::TrafficFrame) {
    let now = state.now;
    if let Some(run) = state.trains.get_mut(key) {
        run.train.observe(now, frame.clone());
    }
}
