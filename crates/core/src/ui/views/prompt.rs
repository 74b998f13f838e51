//! Prompt overlay: pick a version or a tag route, or type a number or a tag.

use crate::app::state::Prompt;
use crate::ui::theme::Theme;
use crate::ui::widgets::{centered, fit};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

pub fn draw(frame: &mut Frame, area: Rect, theme: &Theme, p: &Prompt) {
    let height = if p.options.is_empty() {
        6
    } else {
        (p.options.len() as u16 + 5).min(16)
    };
    let rect = centered(area, 64, height);
    frame.render_widget(Clear, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border_focus)
        .title(Span::styled(format!(" {} ", p.title), theme.title));
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let w = inner.width as usize;
    let mut lines = Vec::new();
    if p.options.is_empty() {
        lines.push(crate::ui::widgets::prompt_line("> ", &p.input, theme, w));
    } else {
        let rows = (inner.height as usize).saturating_sub(2);
        let start = p.selected.saturating_sub(rows.saturating_sub(1));
        for (i, o) in p.options.iter().enumerate().skip(start).take(rows) {
            let style = if i == p.selected {
                theme.selected
            } else {
                theme.base
            };
            lines.push(Line::from(Span::styled(fit(&format!("  {o}"), w), style)));
        }
    }
    if let Some(e) = &p.error {
        lines.push(Line::from(Span::styled(e.clone(), theme.error)));
    }
    lines.push(Line::from(Span::styled(
        "enter: next (confirm shows the change) · esc: cancel",
        theme.muted,
    )));
    frame.render_widget(Paragraph::new(lines).style(theme.base), inner);
}
