//! Write actions: prompts, confirmations with the platform's dry run, execution, audit.
//! Read-only is enforced here: no write command leaves `update` when it is on.

use super::audit::AuditRecord;
use super::derived;
use super::event::Command;
use super::state::{Confirm, ConfirmField, InFlight, Level, Mode, Preview, Prompt, State};
use super::text_input::TextInput;
use crate::domain::change::{Change, ChangeRequest, plan};
use crate::domain::drift::compare_versions;
use crate::domain::operation::{Input, Op, Spec, Value};
use crate::domain::{Service, ServiceKey};
use crate::interface::{Applied, PlatformError, PlatformRequest};

/// Starts a write operation on the selected service: a prompt for its value, or the
/// confirmation when the value is computed (or there is none). What to ask, and what the
/// operation needs, come from its registry entry.
pub fn begin(state: &mut State, op: Op) -> Vec<Command> {
    let spec = op.spec();
    if state.read_only {
        state.say(
            Level::Warn,
            format!(
                "read-only: {} is disabled (started with --read-only)",
                spec.name
            ),
        );
        return vec![];
    }
    let Some(key) = state.selected_service() else {
        state.say(
            Level::Warn,
            format!("{}: select a service in the tree first", spec.name),
        );
        return vec![];
    };
    let Some(service) = state.snapshot.service(&key).cloned() else {
        return vec![];
    };
    if let Err(why) = refusal(state, &key, &service, spec) {
        state.say(Level::Warn, why);
        return vec![];
    }
    match ask(state, &key, &service, spec) {
        Ask::Prompt(prompt) => {
            state.mode = Mode::Prompt(prompt);
            state.dirty = true;
            vec![]
        }
        Ask::Confirm(change) => confirm(state, key, change),
        Ask::Nothing(why) => {
            state.say(Level::Warn, why);
            vec![]
        }
    }
}

/// Why the operation cannot start on this service (the platform lacks what it needs, or
/// there is no canary to act on).
fn refusal(state: &State, key: &ServiceKey, service: &Service, spec: &Spec) -> Result<(), String> {
    if let Some(capability) = spec.needs
        && let Some(env) = state.snapshot.environment(&key.env_key())
    {
        env.location
            .require(capability)
            .map_err(|e| format!("{key}: {e}"))?;
    }
    if let Some(why) = service.refuses(spec.op) {
        return Err(format!("{key}: {why}"));
    }
    if spec.needs_canary && service.canary.is_none() {
        return Err(format!("{key} has no canary"));
    }
    Ok(())
}

/// What beginning an operation leads to.
enum Ask {
    Prompt(Prompt),
    Confirm(Change),
    Nothing(String),
}

/// The prompt for the operation's value, or its change when the value is computed.
fn ask(state: &State, key: &ServiceKey, service: &Service, spec: &Spec) -> Ask {
    let prompt = |title: String, input: String, options: Vec<String>| {
        Ask::Prompt(Prompt {
            op: spec.op,
            target: key.clone(),
            title,
            input: TextInput::prefilled(&input),
            options,
            selected: 0,
            error: None,
        })
    };
    let computed = |value: Option<u32>, why: String| match value {
        Some(n) => spec
            .op
            .change(Value::Number(n))
            .map_or_else(Ask::Nothing, Ask::Confirm),
        None => Ask::Nothing(why),
    };
    match spec.input {
        Input::Planned => Ask::Nothing(format!(
            "{} is a step of env create / env delete, not an action of its own",
            spec.name
        )),
        Input::None => spec
            .op
            .change(Value::None)
            .map_or_else(Ask::Nothing, Ask::Confirm),
        Input::Version { canary } => {
            let options = other_versions(service, canary);
            if options.is_empty() {
                return Ask::Nothing(format!("{key}: no other version known"));
            }
            let title = if canary {
                format!("Canary version for {key} (stable {})", service.version)
            } else {
                format!("Deploy {key} (now {})", service.version)
            };
            prompt(title, String::new(), options)
        }
        Input::Weight => prompt(
            format!("Canary weight for {key} (0-100)"),
            service.traffic.canary_weight.to_string(),
            vec![],
        ),
        Input::Step { up } => computed(
            derived::next_step(service.traffic.canary_weight, up).map(u32::from),
            "canary weight is already at the end of the steps".into(),
        ),
        Input::NewTag => prompt(
            format!("Traffic tag to route to the canary of {key}"),
            String::new(),
            vec![],
        ),
        Input::RouteTag => {
            let options: Vec<String> = service
                .traffic
                .tag_routes
                .iter()
                .map(|r| r.tag.clone())
                .collect();
            if options.is_empty() {
                return Ask::Nothing(format!("{key} has no tag routes"));
            }
            prompt(
                format!("Remove a tag route of {key}"),
                String::new(),
                options,
            )
        }
        Input::Replicas => prompt(
            format!("Replicas for {key} (now {})", service.replicas.desired),
            service.replicas.desired.to_string(),
            vec![],
        ),
        Input::Recommended => computed(
            derived::capacity(state, key).map(|c| c.recommended_replicas),
            format!("{key}: no traffic seen yet, nothing to recommend"),
        ),
        Input::LaneVersion => {
            let newest = other_versions(service, false).into_iter().next();
            prompt(
                format!(
                    "Lane and version for {key} (baseline {}): name a new lane or an existing one",
                    service.version
                ),
                newest.map(|v| format!("lane-name {v}")).unwrap_or_default(),
                vec![],
            )
        }
        Input::Lane => {
            let options: Vec<String> = state
                .snapshot
                .environment(&key.env_key())
                .map(|e| e.lanes_of(&service.name).map(|l| l.name.clone()).collect())
                .unwrap_or_default();
            if options.is_empty() {
                return Ask::Nothing(format!("{key} is in no lane"));
            }
            prompt(format!("Take {key} out of a lane"), String::new(), options)
        }
        Input::LaneShare => {
            let lanes: Vec<String> = state
                .snapshot
                .environment(&key.env_key())
                .map(|e| {
                    e.lanes
                        .iter()
                        .map(|l| format!("{} {}%", l.name, l.entry_share))
                        .collect()
                })
                .unwrap_or_default();
            if lanes.is_empty() {
                return Ask::Nothing(format!("{} has no lanes", key.env_key()));
            }
            prompt(
                format!(
                    "Lane and % of untagged requests entering through {key} to tag into it (now {})",
                    lanes.join(", ")
                ),
                String::new(),
                vec![],
            )
        }
    }
}

/// Versions other than the stable one (and, for a canary, the running canary's), newest
/// first.
fn other_versions(service: &Service, canary: bool) -> Vec<String> {
    let running_canary = service.canary.as_ref().map(|c| c.version.as_str());
    let mut options: Vec<String> = service
        .known_versions
        .iter()
        .filter(|v| **v != service.version && (!canary || Some(v.as_str()) != running_canary))
        .cloned()
        .collect();
    options.sort_by(|a, b| compare_versions(b, a));
    options
}

/// The prompt's Enter: turn the input into a change and ask for confirmation.
pub fn submit_prompt(state: &mut State, prompt: Prompt) -> Vec<Command> {
    let input = prompt.op.spec().input;
    let value = if input.picks() {
        prompt
            .options
            .get(prompt.selected)
            .cloned()
            .map(Value::Text)
    } else {
        Some(Value::Text(prompt.input.text().trim().to_string()))
    };
    let change = match value {
        Some(v) => prompt.op.change(v).map_err(|e| hint(input, e)),
        None => Err(hint(input, String::new())),
    };
    match change {
        Ok(change) => confirm(state, prompt.target.clone(), change),
        Err(e) => {
            let mut p = prompt;
            p.error = Some(e);
            state.mode = Mode::Prompt(p);
            state.dirty = true;
            vec![]
        }
    }
}

/// What the prompt says when its value is not usable.
fn hint(input: Input, error: String) -> String {
    match input {
        Input::Version { .. } => "pick a version".into(),
        Input::RouteTag => "pick a tag route".into(),
        Input::Weight => "enter a weight from 0 to 100".into(),
        Input::Replicas => "enter a whole number of replicas".into(),
        Input::Lane => "pick a lane".into(),
        _ => error,
    }
}

/// Opens the confirmation for a change and asks the platform for the dry run.
pub fn confirm(state: &mut State, key: ServiceKey, change: Change) -> Vec<Command> {
    let Some(service) = state.snapshot.service(&key) else {
        state.say(Level::Error, format!("{key} is gone"));
        state.mode = Mode::Normal;
        return vec![];
    };
    let planned = match state.snapshot.environment(&key.env_key()) {
        Some(env) => crate::domain::change::plan_in(env, service, &change),
        None => plan(service, &change),
    };
    if let Err(e) = planned {
        state.say(Level::Warn, format!("{key}: {e}"));
        state.mode = Mode::Normal;
        return vec![];
    }
    if let Some(capability) = change.spec().needs
        && let Some(env) = state.snapshot.environment(&key.env_key())
        && let Err(e) = env.location.require(capability)
    {
        state.say(Level::Warn, format!("{key}: {e}"));
        state.mode = Mode::Normal;
        return vec![];
    }
    let request = ChangeRequest {
        target: key.clone(),
        change,
        expected_revision: service.revision.clone(),
        who: state.user.who(),
        why: String::new(),
    };
    let id = state.next_id();
    let type_to_confirm = derived::is_production(state, &key).then(|| key.env.clone());
    let field = if type_to_confirm.is_some() {
        ConfirmField::Name
    } else {
        ConfirmField::Why
    };
    state.mode = Mode::Confirm(Box::new(Confirm {
        id,
        request: request.clone(),
        preview: Preview::Loading,
        type_to_confirm,
        typed: TextInput::new(),
        why: TextInput::new(),
        field,
    }));
    state.dirty = true;
    vec![Command::Platform(PlatformRequest::Preview { id, request })]
}

/// The confirmation's Enter.
pub fn execute(state: &mut State, confirm: Confirm) -> Vec<Command> {
    if state.read_only {
        state.mode = Mode::Normal;
        state.say(Level::Warn, "read-only: nothing was changed");
        return vec![];
    }
    let Preview::Ready(before) = &confirm.preview else {
        let msg = match &confirm.preview {
            Preview::Loading => "waiting for the dry run".to_string(),
            Preview::Failed(e) => format!("cannot apply: {e}"),
            Preview::Ready(_) => String::new(),
        };
        state.say(Level::Warn, msg);
        state.mode = Mode::Confirm(Box::new(confirm));
        return vec![];
    };
    if let Some(name) = &confirm.type_to_confirm
        && confirm.typed.text().trim() != name
    {
        state.say(
            Level::Warn,
            format!("type {name:?} to confirm a change in a production environment"),
        );
        state.mode = Mode::Confirm(Box::new(confirm));
        return vec![];
    }
    let mut request = confirm.request.clone();
    request.why = match confirm.why.text().trim() {
        "" => "wheelhouse cockpit".into(),
        why => why.to_string(),
    };
    let confirmation = match &confirm.type_to_confirm {
        Some(_) => format!("typed {:?}", confirm.typed.text().trim()),
        None => "enter".to_string(),
    };
    let intent = AuditRecord::intent(
        confirm.id,
        &state.user,
        &platform_name(state),
        &request,
        &confirmation,
        before,
    );
    state.inflight.insert(
        confirm.id,
        InFlight {
            request: request.clone(),
            intent: intent.clone(),
        },
    );
    state.mode = Mode::Normal;
    state.say(
        Level::Info,
        format!("{}: applying {}…", request.target, request.change),
    );
    vec![Command::Write {
        id: confirm.id,
        request,
        intent: Box::new(intent),
    }]
}

fn platform_name(state: &State) -> String {
    format!("{}: {}", state.platform.kind, state.platform.target)
}

/// The audit log could not take a write's intent: nothing was sent.
pub fn refused(state: &mut State, id: u64, reason: &str) {
    let Some(inflight) = state.inflight.remove(&id) else {
        return;
    };
    let req = &inflight.request;
    let text = format!("{}: {} not applied: {reason}", req.target, req.change);
    state.say(Level::Error, text.clone());
    state.log(Level::Error, text);
}

pub fn previewed(
    state: &mut State,
    id: u64,
    result: Result<Vec<crate::domain::change::FieldChange>, PlatformError>,
) {
    if let Mode::Confirm(c) = &mut state.mode
        && c.id == id
    {
        c.preview = match result {
            Ok(changes) => Preview::Ready(changes),
            Err(e) => Preview::Failed(e),
        };
        state.dirty = true;
    }
}

pub fn applied(state: &mut State, id: u64, result: Result<Applied, PlatformError>) -> Vec<Command> {
    let inflight = state.inflight.remove(&id);
    match result {
        Ok(applied) => {
            let req = &applied.request;
            let text = format!("{}: {} applied", req.target, req.change);
            state.say(Level::Success, text.clone());
            state.log(Level::Success, format!("{text} by {}", req.who));
            if req.change.is_long() {
                state.watching.insert(req.target.clone());
            }
            inflight
                .map(|f| Command::Audit(f.intent.outcome(Ok(&applied.changes))))
                .into_iter()
                .collect()
        }
        Err(e) => {
            let Some(inflight) = inflight else {
                state.say(Level::Error, e.to_string());
                return vec![];
            };
            let req = &inflight.request;
            let text = format!("{}: {} failed: {e}", req.target, req.change);
            state.say(Level::Error, text.clone());
            state.log(Level::Error, text);
            vec![Command::Audit(inflight.intent.outcome(Err(e.to_string())))]
        }
    }
}

/// Reports finished rollouts of watched services.
pub fn follow_rollouts(state: &mut State) {
    let done: Vec<ServiceKey> = state
        .watching
        .iter()
        .filter(|k| {
            state
                .snapshot
                .service(k)
                .is_none_or(|s| s.rollout.is_none() && s.replicas.ready >= s.replicas.desired)
        })
        .cloned()
        .collect();
    for key in done {
        state.watching.remove(&key);
        if let Some(s) = state.snapshot.service(&key) {
            let text = format!(
                "{key}: {} running, {}/{} ready",
                s.version, s.replicas.ready, s.replicas.desired
            );
            state.log(Level::Success, text);
        }
    }
}
