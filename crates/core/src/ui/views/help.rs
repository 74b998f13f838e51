//! Help overlay, generated from the active keymap.

use crate::app::state::State;
use crate::config::keymap::Section;
use crate::ui::theme::Theme;
use crate::ui::widgets::{centered, fit, truncate};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: &Theme, scroll: u16) {
    let rect = centered(area, 78, area.height.saturating_sub(2));
    frame.render_widget(Clear, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border_focus)
        .title(Span::styled(
            " Keys (from the active keymap) — esc closes ",
            theme.title,
        ));
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let w = inner.width as usize;
    let mut lines = Vec::new();
    for (section, title) in [
        (Section::Normal, "browsing"),
        (Section::Logs, "in the logs view (before the browsing keys)"),
        (Section::Input, "prompts, filter, palette, confirm"),
    ] {
        lines.push(Line::from(Span::styled(title, theme.title)));
        for (action, keys) in state.keymap.entries(section) {
            let mut help = action.help().to_string();
            if state.read_only && action.writes() {
                help.push_str(" (disabled: read-only)");
            }
            lines.push(Line::from(vec![
                Span::styled(fit(&keys.join(", "), 16), theme.key),
                Span::raw(truncate(&help, w.saturating_sub(17))),
            ]));
        }
    }
    let lines: Vec<Line> = lines.into_iter().skip(scroll as usize).collect();
    frame.render_widget(Paragraph::new(lines).style(theme.base), inner);
}
