//! The log tail of the selected service: newest at the bottom while following, the
//! search's matches highlighted and the focused one marked.

use crate::app::state::State;
use crate::ui::theme::Theme;
use crate::ui::widgets::truncate;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let Some(view) = &state.logs else {
        return super::placeholder(frame, area, theme, "select a service to tail its logs");
    };
    let [head, body] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);
    let matches = view.buffer.matches(view.search.text());
    let mut header = vec![
        Span::styled(format!(" {} ", view.target), theme.title),
        Span::styled(
            if view.follow {
                "following"
            } else {
                "paused (f follows)"
            },
            if view.follow { theme.ok } else { theme.warn },
        ),
        Span::styled(
            format!(
                "  {} lines{}",
                view.buffer.len(),
                if view.buffer.dropped > 0 {
                    format!(" (+{} older dropped)", view.buffer.dropped)
                } else {
                    String::new()
                }
            ),
            theme.muted,
        ),
    ];
    if !view.search.is_empty() {
        header.push(Span::styled(
            format!("  /{}: {} matches", view.search.text(), matches.len()),
            theme.accent,
        ));
    }
    if let Some(note) = &view.note {
        header.push(Span::styled(format!("  {note}"), theme.warn));
    }
    frame.render_widget(Paragraph::new(Line::from(header)), head);
    if view.buffer.is_empty() {
        return super::placeholder(frame, body, theme, "waiting for log lines…");
    }
    let height = body.height as usize;
    // Near the top the view still fills: anchored on its first line instead.
    let last = view.bottom_line().max(
        height
            .saturating_sub(1)
            .min(view.buffer.len().saturating_sub(1)),
    );
    let first = (last + 1).saturating_sub(height);
    let source_width = view
        .buffer
        .iter()
        .map(|l| l.source.chars().count())
        .max()
        .unwrap_or(0)
        .min(24);
    let width = body.width as usize;
    let lines: Vec<Line> = (first..=last)
        .filter_map(|i| view.buffer.get(i).map(|l| (i, l)))
        .map(|(i, l)| {
            let focused = view.focus == Some(i);
            let hit = matches.binary_search(&i).is_ok();
            let style = if focused {
                theme.selected
            } else if hit {
                theme.accent
            } else if l.text.contains("ERROR") || l.text.contains("error") {
                theme.error
            } else {
                theme.base
            };
            Line::from(vec![
                Span::styled(
                    format!("{:<source_width$} ", truncate(&l.source, source_width)),
                    theme.muted,
                ),
                Span::styled(
                    truncate(&l.text, width.saturating_sub(source_width + 1)),
                    style,
                ),
            ])
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), body);
}
