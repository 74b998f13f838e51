//! `update(&mut State, Event) -> Vec<Command>`: the only place state changes.

use super::action::Action;
use super::event::{Command, Event};
use super::navigation;
use super::operations;
use super::palette::{self, PaletteKind};
use super::state::{ConfirmField, Level, Mode, PaletteState, Prompt, State, View};
use super::text_input::{Edit, TextInput};
use crate::config::keymap::{Chord, Lookup, Section};
use crate::domain::traffic::NodeId;
use crate::interface::{Connection, PlatformEvent, SourceStatus};
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind};

pub fn update(state: &mut State, event: Event) -> Vec<Command> {
    let mut commands = handle(state, event);
    // The log tail follows what the logs view shows, whatever changed it.
    commands.extend(super::logs::sync(state));
    commands
}

fn handle(state: &mut State, event: Event) -> Vec<Command> {
    match event {
        Event::Key(key) => {
            if key.kind == KeyEventKind::Release {
                return vec![];
            }
            on_key(state, key)
        }
        Event::Resize(w, h) => {
            state.size = (w, h);
            state.dirty = true;
            vec![]
        }
        Event::Tick(now) => {
            if now / 60 != state.now / 60 {
                state.dirty = true;
            }
            state.now = now;
            super::trains::advance(state)
        }
        Event::Problem(text) => {
            state.say(Level::Error, text.clone());
            state.log(Level::Error, text);
            vec![]
        }
        Event::WriteRefused { id, reason } => {
            operations::refused(state, id, &reason);
            super::trains::applied(state, id, Err(reason))
        }
        Event::TrainRecorded { env, result } => super::trains::recorded(state, &env, result),
        Event::TrainLoaded(train) => super::trains::loaded(state, *train),
        Event::Platform(event) => {
            let changes_attention = matches!(
                *event,
                PlatformEvent::Snapshot(_)
                    | PlatformEvent::Traffic(_)
                    | PlatformEvent::Connection(_)
                    | PlatformEvent::Telemetry(_)
            );
            let mut commands = on_platform(state, *event);
            if changes_attention {
                commands.extend(super::attention::refresh(state));
                commands.extend(super::trains::advance(state));
            }
            commands
        }
    }
}

fn on_platform(state: &mut State, event: PlatformEvent) -> Vec<Command> {
    match event {
        PlatformEvent::Snapshot(snapshot) => {
            state.snapshot = snapshot;
            navigation::repair_selection(state);
            operations::follow_rollouts(state);
            super::trains::reconcile(state);
            state.dirty = true;
            vec![]
        }
        PlatformEvent::Logs { id, lines, note } => {
            super::logs::on_lines(state, id, lines, note);
            vec![]
        }
        PlatformEvent::Images(images) => {
            state.images = Some(images);
            if state.view == View::Images {
                state.dirty = true;
            }
            vec![]
        }
        PlatformEvent::Traffic(frames) => {
            for (env_key, frame) in frames {
                super::trains::observe(state, &env_key, &frame);
                let services: Vec<String> = state
                    .snapshot
                    .environment(&env_key)
                    .map(|e| e.services.iter().map(|s| s.name.clone()).collect())
                    .unwrap_or_default();
                let shown = state.context_env().as_ref() == Some(&env_key);
                state
                    .traffic
                    .entry(env_key)
                    .or_default()
                    .push(frame, &services);
                state.dirty |= shown;
            }
            vec![]
        }
        PlatformEvent::Previewed { id, result } => {
            if !super::trains::previewed(state, id, &result) {
                operations::previewed(state, id, result);
            }
            vec![]
        }
        PlatformEvent::Applied { id, result } => {
            let outcome = result.as_ref().map(|_| ()).map_err(|e| e.to_string());
            let mut commands = operations::applied(state, id, result);
            commands.extend(super::trains::applied(state, id, outcome));
            commands
        }
        PlatformEvent::Connection(c) => {
            connection(state, c);
            vec![]
        }
        PlatformEvent::Notice(text) => {
            state.log(Level::Info, text);
            vec![]
        }
        PlatformEvent::Telemetry(status) => {
            telemetry(state, status);
            vec![]
        }
    }
}

/// The platform's connection changed: said in the events view when it is news.
fn connection(state: &mut State, c: Connection) {
    if c == state.connection {
        return;
    }
    match &c {
        Connection::Live => state.log(Level::Success, "platform connected"),
        Connection::Retrying(why) => state.log(
            Level::Error,
            format!("platform connection lost: {why}; retrying"),
        ),
        Connection::Connecting => {}
    }
    state.connection = c;
    state.dirty = true;
}

/// The call-record source's second: a new error or new rejected records are logged.
fn telemetry(state: &mut State, status: SourceStatus) {
    if let Some(e) = &status.error
        && state.telemetry.as_ref().and_then(|t| t.error.as_ref()) != Some(e)
    {
        state.log(Level::Warn, format!("{}: {e}", status.source));
    }
    let before = state.telemetry.as_ref().map_or(0, |t| t.rejects.total());
    if status.rejects.total() > before {
        let reasons: Vec<String> = status
            .rejects
            .nonzero()
            .map(|(r, n)| format!("{n} {r}"))
            .collect();
        state.log(
            Level::Warn,
            format!(
                "{}: rejected records: {}",
                status.source,
                reasons.join(", ")
            ),
        );
    }
    state.telemetry = Some(status);
    state.dirty = true;
}

fn section(mode: &Mode) -> Section {
    match mode {
        Mode::Help(h) if h.searching => Section::Input,
        Mode::Normal | Mode::Help(_) => Section::Normal,
        _ => Section::Input,
    }
}

fn on_key(state: &mut State, key: KeyEvent) -> Vec<Command> {
    // The user is in control: the start-up landing on the attention view is over.
    state.landed = true;
    let chord = Chord::from_event(&key);
    let section = section(&state.mode);
    state.typed.push(chord);
    // The logs view's own keys come before the browsing ones.
    if section == Section::Normal
        && state.mode == Mode::Normal
        && state.view == super::state::View::Logs
    {
        match state.keymap.lookup(Section::Logs, &state.typed) {
            Lookup::Action(a) => {
                state.typed.clear();
                return dispatch(state, a);
            }
            Lookup::Pending => return vec![],
            Lookup::None => {}
        }
    }
    let found = match state.keymap.lookup(section, &state.typed) {
        Lookup::Pending => return vec![],
        Lookup::Action(a) => Some(a),
        Lookup::None if state.typed.len() > 1 => {
            state.typed = vec![chord];
            match state.keymap.lookup(section, &state.typed) {
                Lookup::Action(a) => Some(a),
                Lookup::Pending => return vec![],
                Lookup::None => None,
            }
        }
        Lookup::None => None,
    };
    state.typed.clear();
    match found {
        Some(action) => dispatch(state, action),
        None => {
            if section == Section::Input {
                edit_text(state, &key);
            } else if matches!(state.mode, Mode::Help(_)) {
                state.mode = Mode::Normal;
                state.dirty = true;
            } else {
                state.say(
                    Level::Info,
                    format!("{chord} is not bound; ? shows the keys"),
                );
            }
            vec![]
        }
    }
}

/// Typing into the text field of the active input mode: shell editing keys everywhere
/// (see [`TextInput`]).
fn edit_text(state: &mut State, key: &KeyEvent) {
    let field: Option<&mut TextInput> = match &mut state.mode {
        Mode::Filter => Some(&mut state.filter),
        Mode::Help(h) if h.searching => Some(&mut h.search),
        Mode::LogSearch => state.logs.as_mut().map(|l| &mut l.search),
        Mode::Palette(p) => Some(&mut p.query),
        Mode::Prompt(p) if p.op.spec().input.picks() => None,
        Mode::Prompt(p) => Some(&mut p.input),
        Mode::Confirm(c) if key.code == KeyCode::Tab && c.type_to_confirm.is_some() => {
            c.field = match c.field {
                ConfirmField::Name => ConfirmField::Why,
                ConfirmField::Why => ConfirmField::Name,
            };
            state.dirty = true;
            return;
        }
        Mode::Confirm(c) if c.field == ConfirmField::Name => Some(&mut c.typed),
        Mode::Confirm(c) => Some(&mut c.why),
        Mode::TrainConfirm(c) if key.code == KeyCode::Tab && c.type_to_confirm.is_some() => {
            c.field = match c.field {
                ConfirmField::Name => ConfirmField::Why,
                ConfirmField::Why => ConfirmField::Name,
            };
            state.dirty = true;
            return;
        }
        Mode::EnvPrompt(p) => Some(&mut p.input),
        Mode::TrainConfirm(c) if c.field == ConfirmField::Name => Some(&mut c.typed),
        Mode::TrainConfirm(c) => Some(&mut c.why),
        _ => None,
    };
    let Some(field) = field else { return };
    match field.edit(key) {
        Edit::Ignored => return,
        Edit::Moved => {}
        Edit::Changed => text_changed(state),
    }
    state.dirty = true;
}

/// What follows a change of the typed text: the palette's matches start over, a
/// prompt's complaint goes, the tree follows the filter.
fn text_changed(state: &mut State) {
    match &mut state.mode {
        Mode::Palette(p) => {
            p.selected = 0;
            p.recalled = 0;
        }
        Mode::Prompt(p) => p.error = None,
        Mode::EnvPrompt(p) => p.error = None,
        Mode::Help(h) => h.scroll = 0,
        Mode::Filter => navigation::repair_selection(state),
        _ => {}
    }
}

pub fn dispatch(state: &mut State, action: Action) -> Vec<Command> {
    state.dirty = true;
    let mode = std::mem::replace(&mut state.mode, Mode::Normal);
    match mode {
        Mode::Normal => normal(state, action),
        Mode::Help(h) => {
            in_help(state, h, action);
            vec![]
        }
        Mode::Filter => {
            in_filter(state, action);
            vec![]
        }
        Mode::LogSearch => {
            in_log_search(state, action);
            vec![]
        }
        Mode::Palette(p) => in_palette(state, p, action),
        Mode::Prompt(p) => in_prompt(state, p, action),
        Mode::TrainConfirm(c) => in_train_confirm(state, c, action),
        Mode::EnvPrompt(p) => match action {
            Action::Cancel => {
                state.say(Level::Info, "cancelled: nothing was changed");
                vec![]
            }
            Action::Confirm => super::trains::submit_env_prompt(state, *p),
            _ => {
                state.mode = Mode::EnvPrompt(p);
                vec![]
            }
        },
        Mode::Confirm(c) => match action {
            Action::Cancel => {
                state.say(Level::Info, "cancelled: nothing was changed");
                vec![]
            }
            Action::Confirm => operations::execute(state, *c),
            Action::Copy => {
                let r = &c.request;
                let line = r.change.command_line(
                    &r.target.to_string(),
                    &r.expected_revision,
                    c.why.text(),
                );
                state.say(Level::Info, format!("copied: {line}"));
                state.mode = Mode::Confirm(c);
                vec![Command::Copy(line)]
            }
            _ => {
                state.mode = Mode::Confirm(c);
                vec![]
            }
        },
    }
}

fn in_train_confirm(
    state: &mut State,
    mut c: Box<super::trains::TrainConfirm>,
    action: Action,
) -> Vec<Command> {
    match action {
        Action::Cancel => {
            state.say(Level::Info, "cancelled: nothing was changed");
            vec![]
        }
        Action::Confirm => super::trains::execute(state, *c),
        Action::Up | Action::PanUp => {
            c.scroll = c
                .scroll
                .saturating_sub(if action == Action::Up { 1 } else { 10 });
            state.mode = Mode::TrainConfirm(c);
            vec![]
        }
        Action::Down | Action::PanDown => {
            c.scroll = c
                .scroll
                .saturating_add(if action == Action::Down { 1 } else { 10 });
            state.mode = Mode::TrainConfirm(c);
            vec![]
        }
        _ => {
            state.mode = Mode::TrainConfirm(c);
            vec![]
        }
    }
}

/// `y`: the selected path; `Y`: the selected service's image.
fn copy(state: &mut State, action: Action) -> Vec<Command> {
    let text = if action == Action::CopyImage {
        let image = state
            .selected_service()
            .and_then(|k| state.snapshot.service(&k).map(|s| s.image.clone()));
        match image {
            Some(i) if !i.is_empty() => i,
            _ => {
                state.say(Level::Warn, "select a service to copy its image");
                return vec![];
            }
        }
    } else if state.selected.is_empty() {
        state.say(Level::Warn, "nothing selected to copy");
        return vec![];
    } else {
        state.selected.join("/")
    };
    state.say(Level::Info, format!("copied: {text}"));
    vec![Command::Copy(text)]
}

/// Keys in the help overlay: by line, by page, to either end, / searches (enter keeps
/// the search, esc clears it); any other key closes it.
fn in_help(state: &mut State, mut h: super::help::HelpState, action: Action) {
    let page = super::help::page(state);
    let max = super::help::max_scroll(state, &h);
    if h.searching {
        match action {
            Action::Confirm => h.searching = false,
            Action::Cancel => h = Default::default(),
            Action::Up => h.scroll = h.scroll.saturating_sub(1),
            Action::Down => h.scroll = (h.scroll + 1).min(max),
            _ => {}
        }
        state.mode = Mode::Help(h);
        return;
    }
    h.scroll = match action {
        Action::Down => h.scroll + 1,
        Action::Up => h.scroll.saturating_sub(1),
        Action::PanDown => h.scroll + page.saturating_sub(1).max(1),
        Action::PanUp => h.scroll.saturating_sub(page.saturating_sub(1).max(1)),
        Action::Top => 0,
        Action::Bottom => max,
        Action::Filter => {
            h.searching = true;
            h.scroll
        }
        _ => return,
    }
    .min(max);
    state.mode = Mode::Help(h);
}

fn in_filter(state: &mut State, action: Action) {
    match action {
        Action::Confirm => {}
        Action::Cancel => {
            state.filter.clear();
            navigation::repair_selection(state);
        }
        Action::Up | Action::Down => {
            navigation::move_by(state, if action == Action::Up { -1 } else { 1 });
            state.mode = Mode::Filter;
        }
        _ => state.mode = Mode::Filter,
    }
}

fn in_log_search(state: &mut State, action: Action) {
    match action {
        Action::Confirm => {
            if let Some(l) = state.logs.as_mut() {
                l.focus = None;
            }
            if let Some(text) = super::logs::jump(state, true) {
                state.say(Level::Info, text);
            }
        }
        Action::Cancel => {
            if let Some(l) = state.logs.as_mut() {
                l.search.clear();
                l.focus = None;
            }
        }
        _ => state.mode = Mode::LogSearch,
    }
}

fn in_palette(state: &mut State, mut p: PaletteState, action: Action) -> Vec<Command> {
    match action {
        Action::Cancel => vec![],
        // ↑ at the top of the matches goes back through the history, ↓ forward again.
        Action::Up => {
            if p.selected > 0 {
                p.selected -= 1;
            } else if let Some(entry) = palette::recall(&state.palette_history, p.recalled + 1) {
                p.query.set(entry);
                p.recalled += 1;
            }
            state.mode = Mode::Palette(p);
            vec![]
        }
        Action::Down if p.recalled > 0 => {
            p.recalled -= 1;
            match palette::recall(&state.palette_history, p.recalled) {
                Some(entry) if p.recalled > 0 => p.query.set(entry),
                _ => p.query.clear(),
            }
            state.mode = Mode::Palette(p);
            vec![]
        }
        Action::Down => {
            let n = palette::matches(state, p.query.text()).len();
            p.selected = (p.selected + 1).min(n.saturating_sub(1));
            state.mode = Mode::Palette(p);
            vec![]
        }
        Action::Confirm => {
            let query = p.query.text().trim().to_string();
            if query.is_empty() {
                // Enter on an empty palette does nothing (it is not the first entry).
                state.mode = Mode::Palette(p);
                return vec![];
            }
            palette::remember(&mut state.palette_history, &query);
            if let Some(invocation) = palette::invocation(&query) {
                return invoke(state, invocation);
            }
            let items = palette::matches(state, &query);
            match items.get(p.selected).map(|i| i.kind.clone()) {
                Some(PaletteKind::Action(a)) => normal(state, a),
                Some(PaletteKind::Target(path)) => {
                    navigation::jump(state, path);
                    vec![]
                }
                None => {
                    state.say(Level::Warn, format!("nothing matches {query:?}"));
                    vec![]
                }
            }
        }
        _ => {
            state.mode = Mode::Palette(p);
            vec![]
        }
    }
}

/// Runs an action typed with its arguments: selects the target, starts the action, and
/// gives it the value it would have asked for (the confirmation follows as usual).
fn invoke(state: &mut State, i: palette::Invocation) -> Vec<Command> {
    if let Some(path) = i.target {
        if !exists(state, &path) {
            state.say(Level::Warn, format!("no {} in the tree", path.join("/")));
            return vec![];
        }
        navigation::jump(state, path);
    }
    let takes_value = matches!(i.action, Action::Op(op) if op.spec().input.takes_value());
    if i.value.is_some() && !takes_value {
        state.say(
            Level::Warn,
            format!("{} takes no value: type it alone", i.action.name()),
        );
        return vec![];
    }
    let commands = normal(state, i.action);
    let Some(value) = i.value else {
        return commands;
    };
    let Mode::Prompt(mut p) = std::mem::replace(&mut state.mode, Mode::Normal) else {
        return commands;
    };
    if p.op.spec().input.picks() {
        match p.options.iter().position(|o| *o == value) {
            Some(n) => p.selected = n,
            None => {
                p.error = Some(format!("{value:?} is not one of {}", p.options.join(", ")));
                state.mode = Mode::Prompt(p);
                return commands;
            }
        }
    } else {
        p.input.set(&value);
    }
    let mut all = commands;
    all.extend(operations::submit_prompt(state, p));
    all
}

/// Whether a line, environment or service of that path is in the tree.
fn exists(state: &State, path: &[String]) -> bool {
    let snap = &state.snapshot;
    match path {
        [l] => snap.line(l).is_some(),
        [l, e] => snap.line(l).and_then(|x| x.environment(e)).is_some(),
        [l, e, s] => snap
            .service(&crate::domain::ServiceKey::new(l, e, s))
            .is_some(),
        _ => false,
    }
}

fn in_prompt(state: &mut State, mut p: Prompt, action: Action) -> Vec<Command> {
    match action {
        Action::Cancel => {
            state.say(Level::Info, "cancelled");
            vec![]
        }
        Action::Confirm => operations::submit_prompt(state, p),
        Action::Up | Action::Down => {
            let n = p.options.len();
            if n > 0 {
                p.selected = if action == Action::Up {
                    p.selected.saturating_sub(1)
                } else {
                    (p.selected + 1).min(n - 1)
                };
            }
            state.mode = Mode::Prompt(p);
            vec![]
        }
        _ => {
            state.mode = Mode::Prompt(p);
            vec![]
        }
    }
}

fn normal(state: &mut State, action: Action) -> Vec<Command> {
    if let Action::Op(op) = action {
        return operations::begin(state, op);
    }
    match action {
        Action::Copy | Action::CopyImage => return copy(state, action),
        Action::TrainPromote => return super::trains::begin_promote(state),
        Action::EnvCreate => return super::trains::begin_env_create(state),
        Action::EnvDelete => return super::trains::begin_env_delete(state),
        Action::LanePromote | Action::LaneDelete => {
            return super::trains::begin_lane(state, action == Action::LanePromote);
        }
        Action::TrainPause => {
            return super::trains::control(state, super::trains::Control::PauseResume);
        }
        Action::TrainAbort => return super::trains::control(state, super::trains::Control::Abort),
        Action::TrainRollback => {
            return super::trains::control(state, super::trains::Control::RollBack);
        }
        Action::Quit => state.quit = true,
        Action::Up if state.view == View::Attention => super::attention::move_selection(state, -1),
        Action::Down if state.view == View::Attention => super::attention::move_selection(state, 1),
        Action::Top if state.view == View::Attention => {
            super::attention::move_selection(state, -(state.attention.len() as isize))
        }
        Action::Bottom if state.view == View::Attention => {
            super::attention::move_selection(state, state.attention.len() as isize)
        }
        Action::Up => navigation::move_by(state, -1),
        Action::Down => navigation::move_by(state, 1),
        Action::Left => navigation::left(state),
        Action::Right => navigation::right(state),
        Action::Top => navigation::to_edge(state, false),
        Action::Bottom => navigation::to_edge(state, true),
        Action::Open if state.view == View::Attention && !state.attention.is_empty() => {
            super::attention::open(state)
        }
        Action::Open => {
            if state.selected.len() == 3 {
                state.view = View::Service;
            } else {
                navigation::toggle(state);
            }
        }
        Action::Filter if state.view == View::Logs && state.logs.is_some() => {
            state.mode = Mode::LogSearch
        }
        Action::Filter => state.mode = Mode::Filter,
        Action::Palette => state.mode = Mode::Palette(PaletteState::new()),
        Action::Help => state.mode = Mode::Help(Default::default()),
        Action::NextView | Action::PrevView => {
            let i = View::ALL.iter().position(|v| *v == state.view).unwrap_or(0);
            let n = View::ALL.len();
            let next = if action == Action::NextView {
                (i + 1) % n
            } else {
                (i + n - 1) % n
            };
            state.view = View::ALL[next];
            state.scroll = 0;
        }
        Action::ViewOverview => state.view = View::Overview,
        Action::ViewService => state.view = View::Service,
        Action::ViewTopology => state.view = View::Topology,
        Action::ViewCapacity => state.view = View::Capacity,
        Action::ViewConfig => state.view = View::Config,
        Action::ViewEvents => state.view = View::Events,
        Action::ViewLogs => {
            state.view = View::Logs;
            if state.selected_service().is_none() {
                state.say(Level::Info, "select a service to tail its logs");
            }
        }
        Action::ViewImages => state.view = View::Images,
        Action::ViewAttention => {
            state.view = View::Attention;
            super::attention::follow(state);
        }
        Action::LogFollow => super::logs::toggle_follow(state),
        Action::LogPrevious => super::logs::toggle_previous(state),
        Action::SearchNext | Action::SearchPrev => {
            if let Some(text) = super::logs::jump(state, action == Action::SearchNext) {
                state.say(Level::Info, text);
            }
        }
        Action::PanUp if state.view == View::Logs => super::logs::scroll(state, -10),
        Action::PanDown if state.view == View::Logs => super::logs::scroll(state, 10),
        Action::CompareNext | Action::ComparePrev => {
            cycle_compare(state, action == Action::CompareNext)
        }
        Action::Zoom => {
            let compact = state.topology.compact.unwrap_or(false);
            state.topology.compact = Some(!compact);
        }
        Action::PanLeft => state.topology.scroll_x = state.topology.scroll_x.saturating_sub(8),
        Action::PanRight => state.topology.scroll_x = state.topology.scroll_x.saturating_add(8),
        Action::PanUp => {
            state.scroll = state.scroll.saturating_sub(5);
            state.topology.scroll_y = state.topology.scroll_y.saturating_sub(5);
        }
        Action::PanDown => {
            state.scroll = state.scroll.saturating_add(5);
            state.topology.scroll_y = state.topology.scroll_y.saturating_add(5);
        }
        Action::Cancel => {
            state.status = None;
        }
        _ => {}
    }
    vec![]
}

/// Picks the next (or previous) environment of the line to compare with.
fn cycle_compare(state: &mut State, forward: bool) {
    let Some(key) = state.selected_service() else {
        state.say(Level::Warn, "select a service to compare its config");
        return;
    };
    let Some(line) = state.snapshot.line(&key.line) else {
        return;
    };
    let others: Vec<String> = line
        .environments
        .iter()
        .filter(|e| e.name != key.env && e.service(&key.service).is_some())
        .map(|e| e.name.clone())
        .collect();
    if others.is_empty() {
        state.say(
            Level::Warn,
            format!("{} runs in no other environment", key.service),
        );
        return;
    }
    let current = state
        .compare_env
        .as_ref()
        .and_then(|c| others.iter().position(|o| o == c));
    let n = others.len();
    let next = match (current, forward) {
        (None, true) => 0,
        (None, false) => n - 1,
        (Some(i), true) => (i + 1) % n,
        (Some(i), false) => (i + n - 1) % n,
    };
    state.compare_env = Some(others[next].clone());
    state.view = View::Config;
}

/// The node of the selected service's stable version (used by views to highlight).
pub fn selected_node(state: &State) -> Option<NodeId> {
    let key = state.selected_service()?;
    let s = state.snapshot.service(&key)?;
    Some(NodeId::new(&s.name, &s.version, false))
}
