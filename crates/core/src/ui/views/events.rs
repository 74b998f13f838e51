//! Events and activity: what the cockpit did and what the platform reported, newest first.

use crate::app::state::{Level, State};
use crate::ui::theme::Theme;
use crate::ui::widgets::{clock, truncate};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};

/// The view height from which the releases are listed below the activity.
pub const CHANGES_MIN_HEIGHT: u16 = 30;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: &Theme, full: bool) {
    let inner = if full {
        area
    } else {
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(theme.border)
            .title(Span::styled(" Events ", theme.title));
        let inner = block.inner(area);
        frame.render_widget(block, area);
        inner
    };
    // A tall view lists the releases below what the activity needs.
    let inner = if full && inner.height >= CHANGES_MIN_HEIGHT {
        let activity_h = (state.activity.len() as u16).clamp(3, inner.height / 2);
        let [top, bottom] =
            Layout::vertical([Constraint::Length(activity_h), Constraint::Min(1)]).areas(inner);
        super::changes::draw(frame, bottom, state, theme, None, "changes");
        top
    } else {
        inner
    };
    if state.activity.is_empty() {
        return super::placeholder(frame, inner, theme, "no activity yet");
    }
    let skip = if full { state.scroll as usize } else { 0 };
    let w = inner.width as usize;
    let lines: Vec<Line> = state
        .activity
        .iter()
        .rev()
        .skip(skip)
        .take(inner.height as usize)
        .map(|a| {
            let style = match a.level {
                Level::Info => theme.base,
                Level::Success => theme.ok,
                Level::Warn => theme.warn,
                Level::Error => theme.error,
            };
            Line::from(vec![
                Span::styled(
                    format!("{} ", clock(a.at).trim_end_matches(" UTC")),
                    theme.muted,
                ),
                Span::styled(truncate(&a.text, w.saturating_sub(6)), style),
            ])
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}
