//! Help overlay, generated from the active keymap: scrolled by line and page, with where
//! it is in its title, and a search that narrows it.

use crate::app::help::{HelpState, Row, page, rows};
use crate::app::state::State;
use crate::ui::theme::Theme;
use crate::ui::widgets::{centered, fit, input_spans, truncate};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: &Theme, help: &HelpState) {
    let rect = centered(area, 78, area.height.saturating_sub(2));
    frame.render_widget(Clear, rect);
    let all = rows(state, help.search.text());
    let shown = page(state)
        .min(rect.height.saturating_sub(3) as usize)
        .max(1);
    let start = help.scroll.min(all.len().saturating_sub(shown));
    let end = (start + shown).min(all.len());
    let position = if all.is_empty() {
        "nothing matches".to_string()
    } else {
        format!("{}-{end} of {}", start + 1, all.len())
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border_focus)
        .title(Span::styled(
            format!(" Keys (from the active keymap) — {position} "),
            theme.title,
        ));
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let w = inner.width as usize;
    let mut lines: Vec<Line> = all[start..end]
        .iter()
        .map(|row| match row {
            Row::Title(t) => Line::from(Span::styled(*t, theme.title)),
            Row::Keys { keys, help } => Line::from(vec![
                Span::styled(fit(keys, 16), theme.key),
                Span::raw(truncate(help, w.saturating_sub(17))),
            ]),
        })
        .collect();
    while lines.len() < inner.height.saturating_sub(1) as usize {
        lines.push(Line::default());
    }
    let foot = if help.searching {
        let mut spans = vec![Span::styled("/", theme.key)];
        spans.extend(input_spans(
            &help.search,
            theme.base,
            theme.selected,
            w.saturating_sub(30),
        ));
        spans.push(Span::styled("  enter keep · esc clear", theme.muted));
        Line::from(spans)
    } else {
        let search = if help.search.is_empty() {
            String::new()
        } else {
            format!("/{} · ", help.search.text())
        };
        Line::from(Span::styled(
            truncate(
                &format!("{search}↑↓ line · pgup pgdn page · home end · / search · esc closes"),
                w,
            ),
            theme.muted,
        ))
    };
    lines.push(foot);
    frame.render_widget(Paragraph::new(lines).style(theme.base), inner);
}
