//! The command palette overlay.

use crate::app::palette::{PaletteKind, matches};
use crate::app::state::{PaletteState, State};
use crate::ui::theme::Theme;
use crate::ui::widgets::{centered, fit, truncate};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: &Theme, p: &PaletteState) {
    let rect = centered(area, 70, 16);
    frame.render_widget(Clear, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border_focus)
        .title(Span::styled(" Command palette ", theme.title));
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let w = inner.width as usize;
    let items = matches(state, p.query.text());
    let mut lines = vec![crate::ui::widgets::prompt_line(": ", &p.query, theme, w)];
    let rows = (inner.height as usize).saturating_sub(1);
    let start = p.selected.saturating_sub(rows.saturating_sub(1));
    for (i, item) in items.iter().enumerate().skip(start).take(rows) {
        let kind = match item.kind {
            PaletteKind::Action(_) => "action",
            PaletteKind::Target(_) => "go to",
        };
        let text = format!("{} {} {}", fit(kind, 6), fit(&item.label, 30), item.detail);
        let style = if i == p.selected {
            theme.selected
        } else {
            theme.base
        };
        lines.push(Line::from(Span::styled(fit(&truncate(&text, w), w), style)));
    }
    if items.is_empty() {
        lines.push(Line::from(Span::styled("no match", theme.muted)));
    }
    frame.render_widget(Paragraph::new(lines).style(theme.base), inner);
}
