//! The log tail behind the logs view: opened on the platform while the view shows a
//! service, closed when it does not; a bounded buffer, following the newest lines or
//! scrolled back, and a search that jumps between matches.

use super::event::Command;
use super::state::{State, View};
use crate::domain::ServiceKey;
use crate::domain::logs::{LogBuffer, LogLine};
use crate::interface::PlatformRequest;

/// Lines kept per tail.
pub const LOG_LINES: usize = 5000;

#[derive(Debug, Clone, PartialEq)]
pub struct LogsView {
    pub id: u64,
    pub target: ServiceKey,
    pub buffer: LogBuffer,
    /// Keep the newest line in sight.
    pub follow: bool,
    /// Index of the line at the bottom of the view when not following.
    pub bottom: usize,
    pub search: super::text_input::TextInput,
    /// The match in focus (an index into the buffer).
    pub focus: Option<usize>,
    /// What the platform said about the tail (a container stopped…).
    pub note: Option<String>,
    /// The previous containers' logs rather than the live tail.
    pub previous: bool,
}

impl LogsView {
    fn new(id: u64, target: ServiceKey, previous: bool) -> Self {
        LogsView {
            id,
            target,
            buffer: LogBuffer::new(LOG_LINES),
            follow: true,
            bottom: 0,
            search: super::text_input::TextInput::new(),
            focus: None,
            note: None,
            previous,
        }
    }

    /// The index of the line shown at the bottom.
    pub fn bottom_line(&self) -> usize {
        if self.follow {
            self.buffer.len().saturating_sub(1)
        } else {
            self.bottom.min(self.buffer.len().saturating_sub(1))
        }
    }
}

/// Opens or closes the tail so that it matches what the logs view shows.
pub fn sync(state: &mut State) -> Vec<Command> {
    let want = if state.view == View::Logs {
        state.selected_service()
    } else {
        None
    };
    let same = state.logs.as_ref().map(|l| (&l.target, l.previous));
    if same == want.as_ref().map(|t| (t, state.logs_previous)) {
        return vec![];
    }
    let mut commands = Vec::new();
    if let Some(old) = state.logs.take() {
        commands.push(Command::Platform(PlatformRequest::StopLogs { id: old.id }));
    }
    if let Some(target) = want {
        let id = state.next_id();
        let mut view = LogsView::new(id, target.clone(), state.logs_previous);
        // A platform without log tails is not asked for one: the view says why.
        match state
            .snapshot
            .environment(&target.env_key())
            .map(|e| e.location.logs())
        {
            Some(Err(e)) => view.note = Some(e.to_string()),
            _ => commands.push(Command::Platform(PlatformRequest::Logs {
                id,
                target,
                previous: state.logs_previous,
            })),
        }
        state.logs = Some(view);
    }
    state.dirty = true;
    commands
}

/// Lines (and a note) from the platform for tail `id`.
pub fn on_lines(state: &mut State, id: u64, lines: Vec<LogLine>, note: Option<String>) {
    let Some(view) = state.logs.as_mut().filter(|l| l.id == id) else {
        return;
    };
    let before = view.buffer.dropped;
    for line in lines {
        view.buffer.push(line);
    }
    // Lines dropped off the top move what is in view up.
    let dropped = (view.buffer.dropped - before) as usize;
    view.bottom = view.bottom.saturating_sub(dropped);
    view.focus = view.focus.and_then(|f| f.checked_sub(dropped));
    if note.is_some() {
        view.note = note;
    }
    state.dirty = true;
}

/// Switches between the live tail and the previous containers' logs (reopened by `sync`).
pub fn toggle_previous(state: &mut State) {
    state.logs_previous = !state.logs_previous;
    state.dirty = true;
}

pub fn toggle_follow(state: &mut State) {
    if let Some(v) = state.logs.as_mut() {
        v.bottom = v.bottom_line();
        v.follow = !v.follow;
    }
}

/// Scrolls by `delta` lines (negative: back); scrolling back stops following.
pub fn scroll(state: &mut State, delta: i64) {
    if let Some(v) = state.logs.as_mut() {
        let at = v.bottom_line() as i64 + delta;
        let last = v.buffer.len().saturating_sub(1) as i64;
        v.bottom = at.clamp(0, last.max(0)) as usize;
        v.follow = delta > 0 && v.bottom as i64 >= last;
    }
}

/// Moves the focus to the next (or previous) match and brings it into view.
pub fn jump(state: &mut State, forward: bool) -> Option<String> {
    let v = state.logs.as_mut()?;
    let matches = v.buffer.matches(v.search.text());
    if matches.is_empty() {
        return Some(if v.search.is_empty() {
            "no search: press / to search the logs".into()
        } else {
            format!("no line matches {:?}", v.search.text())
        });
    }
    let from = v.focus.unwrap_or(if forward { usize::MAX } else { 0 });
    let next = if forward {
        matches
            .iter()
            .find(|i| from == usize::MAX || **i > from)
            .or(matches.first())
    } else {
        matches.iter().rev().find(|i| **i < from).or(matches.last())
    };
    let next = *next?;
    v.focus = Some(next);
    v.follow = false;
    v.bottom = next;
    let n = matches.iter().position(|i| *i == next).unwrap_or(0) + 1;
    Some(format!(
        "match {n} of {} for {:?}",
        matches.len(),
        v.search.text()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::text_input::TextInput;

    fn state_with_tail() -> State {
        let mut s = State::new(
            crate::interface::PlatformInfo {
                kind: "demo".into(),
                target: "t".into(),
            },
            false,
            crate::config::keymap::Keymap::default(),
            crate::app::Identity::named("me"),
            0,
        );
        s.logs = Some(LogsView::new(7, ServiceKey::new("l", "e", "s"), false));
        s
    }

    fn lines(texts: &[&str]) -> Vec<LogLine> {
        texts
            .iter()
            .map(|t| LogLine {
                source: "s-1".into(),
                text: t.to_string(),
            })
            .collect()
    }

    #[test]
    fn lines_of_another_tail_are_ignored() {
        let mut s = state_with_tail();
        on_lines(&mut s, 8, lines(&["stale"]), None);
        assert!(s.logs.as_ref().unwrap().buffer.is_empty());
        on_lines(&mut s, 7, lines(&["fresh"]), Some("s-1 stopped".into()));
        let v = s.logs.as_ref().unwrap();
        assert_eq!(v.buffer.len(), 1);
        assert_eq!(v.note.as_deref(), Some("s-1 stopped"));
    }

    #[test]
    fn search_jumps_between_matches_and_wraps() {
        let mut s = state_with_tail();
        on_lines(
            &mut s,
            7,
            lines(&["ok", "ERROR a", "ok", "error b", "ok"]),
            None,
        );
        s.logs.as_mut().unwrap().search = TextInput::with_text("error");
        assert_eq!(jump(&mut s, true).unwrap(), "match 1 of 2 for \"error\"");
        assert_eq!(s.logs.as_ref().unwrap().focus, Some(1));
        assert!(!s.logs.as_ref().unwrap().follow, "a jump stops following");
        jump(&mut s, true);
        assert_eq!(s.logs.as_ref().unwrap().focus, Some(3));
        jump(&mut s, true);
        assert_eq!(s.logs.as_ref().unwrap().focus, Some(1), "wraps around");
        jump(&mut s, false);
        assert_eq!(s.logs.as_ref().unwrap().focus, Some(3), "and backwards");
        s.logs.as_mut().unwrap().search = TextInput::with_text("nothing");
        assert!(jump(&mut s, true).unwrap().contains("no line matches"));
    }

    #[test]
    fn scrolling_back_stops_following_and_the_end_resumes_it() {
        let mut s = state_with_tail();
        on_lines(&mut s, 7, lines(&["a", "b", "c", "d"]), None);
        scroll(&mut s, -2);
        let v = s.logs.as_ref().unwrap();
        assert!(!v.follow);
        assert_eq!(v.bottom_line(), 1);
        scroll(&mut s, 10);
        assert!(s.logs.as_ref().unwrap().follow);
    }
}
