//! Write actions: prompts, confirmations with the platform's dry run, execution, audit.
//! Read-only is enforced here: no write command leaves `update` when it is on.

use super::action::Action;
use super::audit::AuditRecord;
use super::derived;
use super::event::Command;
use super::state::{
    Confirm, ConfirmField, InFlight, Level, Mode, Preview, Prompt, PromptKind, State,
};
use crate::domain::ServiceKey;
use crate::domain::change::{Change, ChangeRequest, plan};
use crate::domain::drift::compare_versions;
use crate::platform::{Applied, PlatformError, PlatformRequest};

/// Starts a write action on the selected service (a prompt or a confirmation).
pub fn begin(state: &mut State, action: Action) -> Vec<Command> {
    if state.read_only {
        state.say(
            Level::Warn,
            format!(
                "read-only: {} is disabled (started with --read-only)",
                action.name()
            ),
        );
        return vec![];
    }
    let Some(key) = state.selected_service() else {
        state.say(
            Level::Warn,
            format!("{}: select a service in the tree first", action.name()),
        );
        return vec![];
    };
    let Some(service) = state.snapshot.service(&key).cloned() else {
        return vec![];
    };
    let prompt = |kind: PromptKind, title: String, input: String, options: Vec<String>| Prompt {
        kind,
        target: key.clone(),
        title,
        input,
        options,
        selected: 0,
        error: None,
    };
    let needs_canary = matches!(
        action,
        Action::CanaryWeight
            | Action::CanaryStepUp
            | Action::CanaryStepDown
            | Action::AddTagRoute
            | Action::Promote
            | Action::Abort
    );
    let routes_traffic =
        needs_canary || matches!(action, Action::StartCanary | Action::RemoveTagRoute);
    if routes_traffic
        && let Some(env) = state.snapshot.environment(&key.env_key())
        && let Err(e) = env.location.canary_routing()
    {
        state.say(Level::Warn, format!("{key}: {e}"));
        return vec![];
    }
    if needs_canary && service.canary.is_none() {
        state.say(Level::Warn, format!("{key} has no canary"));
        return vec![];
    }
    match action {
        Action::Deploy | Action::StartCanary => {
            // Versions other than the stable one (and the running canary), newest first.
            let canary = service.canary.as_ref().map(|c| c.version.as_str());
            let deploy = action == Action::Deploy;
            let mut options: Vec<String> = service
                .known_versions
                .iter()
                .filter(|v| **v != service.version && (deploy || Some(v.as_str()) != canary))
                .cloned()
                .collect();
            options.sort_by(|a, b| compare_versions(b, a));
            if options.is_empty() {
                state.say(Level::Warn, format!("{key}: no other version known"));
                return vec![];
            }
            let (kind, title) = if deploy {
                (
                    PromptKind::Version,
                    format!("Deploy {key} (now {})", service.version),
                )
            } else {
                (
                    PromptKind::CanaryVersion,
                    format!("Canary version for {key} (stable {})", service.version),
                )
            };
            state.mode = Mode::Prompt(prompt(kind, title, String::new(), options));
        }
        Action::CanaryWeight => {
            let title = format!("Canary weight for {key} (0-100)");
            let current = service.traffic.canary_weight.to_string();
            state.mode = Mode::Prompt(prompt(PromptKind::CanaryWeight, title, current, vec![]));
        }
        Action::CanaryStepUp | Action::CanaryStepDown => {
            let up = action == Action::CanaryStepUp;
            match derived::next_step(service.traffic.canary_weight, up) {
                Some(weight) => return confirm(state, key, Change::SetCanaryWeight { weight }),
                None => state.say(
                    Level::Warn,
                    "canary weight is already at the end of the steps",
                ),
            }
        }
        Action::AddTagRoute => {
            let title = format!("Traffic tag to route to the canary of {key}");
            state.mode = Mode::Prompt(prompt(PromptKind::Tag, title, String::new(), vec![]));
        }
        Action::RemoveTagRoute => {
            let options: Vec<String> = service
                .traffic
                .tag_routes
                .iter()
                .map(|r| r.tag.clone())
                .collect();
            if options.is_empty() {
                state.say(Level::Warn, format!("{key} has no tag routes"));
                return vec![];
            }
            let title = format!("Remove a tag route of {key}");
            state.mode = Mode::Prompt(prompt(PromptKind::RemoveTag, title, String::new(), options));
        }
        Action::Promote => return confirm(state, key, Change::Promote),
        Action::Abort => return confirm(state, key, Change::Abort),
        Action::Rollback => return confirm(state, key, Change::Rollback),
        Action::Restart => return confirm(state, key, Change::Restart),
        Action::Scale => {
            let title = format!("Replicas for {key} (now {})", service.replicas.desired);
            let current = service.replicas.desired.to_string();
            state.mode = Mode::Prompt(prompt(PromptKind::Replicas, title, current, vec![]));
        }
        Action::ScaleRecommended => match derived::capacity(state, &key) {
            Some(c) => {
                return confirm(
                    state,
                    key,
                    Change::Scale {
                        replicas: c.recommended_replicas,
                    },
                );
            }
            None => state.say(
                Level::Warn,
                format!("{key}: no traffic seen yet, nothing to recommend"),
            ),
        },
        _ => {}
    }
    state.dirty = true;
    vec![]
}

/// The prompt's Enter: turn the input into a change and ask for confirmation.
pub fn submit_prompt(state: &mut State, prompt: Prompt) -> Vec<Command> {
    let change = match prompt.kind {
        PromptKind::Version => prompt
            .options
            .get(prompt.selected)
            .map(|v| Change::Deploy { version: v.clone() })
            .ok_or("pick a version"),
        PromptKind::CanaryVersion => prompt
            .options
            .get(prompt.selected)
            .map(|v| Change::StartCanary { version: v.clone() })
            .ok_or("pick a version"),
        PromptKind::RemoveTag => prompt
            .options
            .get(prompt.selected)
            .map(|t| Change::RemoveTagRoute { tag: t.clone() })
            .ok_or("pick a tag route"),
        PromptKind::CanaryWeight => match prompt.input.trim().parse::<u8>() {
            Ok(w) if w <= 100 => Ok(Change::SetCanaryWeight { weight: w }),
            _ => Err("enter a weight from 0 to 100"),
        },
        PromptKind::Replicas => match prompt.input.trim().parse::<u32>() {
            Ok(n) => Ok(Change::Scale { replicas: n }),
            _ => Err("enter a whole number of replicas"),
        },
        PromptKind::Tag => Ok(Change::AddTagRoute {
            tag: prompt.input.trim().to_string(),
        }),
    };
    match change {
        Ok(change) => confirm(state, prompt.target.clone(), change),
        Err(e) => {
            let mut p = prompt;
            p.error = Some(e.to_string());
            state.mode = Mode::Prompt(p);
            state.dirty = true;
            vec![]
        }
    }
}

/// Opens the confirmation for a change and asks the platform for the dry run.
pub fn confirm(state: &mut State, key: ServiceKey, change: Change) -> Vec<Command> {
    let Some(service) = state.snapshot.service(&key) else {
        state.say(Level::Error, format!("{key} is gone"));
        state.mode = Mode::Normal;
        return vec![];
    };
    if let Err(e) = plan(service, &change) {
        state.say(Level::Warn, format!("{key}: {e}"));
        state.mode = Mode::Normal;
        return vec![];
    }
    if change.routes_traffic()
        && let Some(env) = state.snapshot.environment(&key.env_key())
        && let Err(e) = env.location.canary_routing()
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
    state.mode = Mode::Confirm(Confirm {
        id,
        request: request.clone(),
        preview: Preview::Loading,
        type_to_confirm,
        typed: String::new(),
        why: String::new(),
        field,
    });
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
        state.mode = Mode::Confirm(confirm);
        return vec![];
    };
    if let Some(name) = &confirm.type_to_confirm
        && confirm.typed.trim() != name
    {
        state.say(
            Level::Warn,
            format!("type {name:?} to confirm a change in a production environment"),
        );
        state.mode = Mode::Confirm(confirm);
        return vec![];
    }
    let mut request = confirm.request.clone();
    request.why = match confirm.why.trim() {
        "" => "wheelhouse cockpit".into(),
        why => why.to_string(),
    };
    let confirmation = match &confirm.type_to_confirm {
        Some(_) => format!("typed {:?}", confirm.typed.trim()),
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
        intent,
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
