//! What needs attention, most urgent first: severity, where, why in words and figures,
//! and the key of the operation that acts on it.

use crate::app::Action;
use crate::app::attention::{Severity, counts};
use crate::app::state::State;
use crate::config::keymap::Section;
use crate::ui::theme::Theme;
use crate::ui::widgets::{fit, truncate};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

/// The view height from which the selected item's service is shown below the list.
pub const DETAIL_MIN_HEIGHT: u16 = 40;

pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let items = &state.attention;
    if items.is_empty() {
        return super::placeholder(frame, area, theme, "nothing needs attention");
    }
    let service = state.selected_service();
    let (Some(key), true) = (service, area.height >= DETAIL_MIN_HEIGHT) else {
        return list(frame, area, state, theme);
    };
    // The list keeps at least a third and shows every item when it can; the item's
    // service, as its own view shows it, takes the rest.
    let list_h = (items.len() as u16 + 1).clamp(area.height / 3, area.height / 2);
    let [top, bottom] =
        Layout::vertical([Constraint::Length(list_h), Constraint::Min(1)]).areas(area);
    list(frame, top, state, theme);
    let block = Block::default()
        .borders(Borders::TOP)
        .border_style(theme.border)
        .title(Span::styled(format!(" {key} "), theme.title));
    let inner = block.inner(bottom);
    frame.render_widget(block, bottom);
    super::service::draw(frame, inner, state, theme);
}

fn list(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let items = &state.attention;
    let w = area.width as usize;
    let (critical, warning, notice) = counts(items);
    let mut lines = vec![Line::from(vec![
        Span::styled(format!(" {critical} critical"), theme.failing),
        Span::styled(format!(" · {warning} warning"), theme.warn),
        Span::styled(format!(" · {notice} notice"), theme.muted),
        Span::styled(
            truncate(
                "   ↑↓ select (the tree follows) · enter go to it · its key acts",
                w.saturating_sub(40),
            ),
            theme.muted,
        ),
    ])];
    // Narrow: each item on two rows (where and its key, then why); wide: one row.
    let narrow = w < 100;
    let per_item = if narrow { 2 } else { 1 };
    let rows = (area.height as usize).saturating_sub(1) / per_item;
    let start = state
        .attention_selected
        .saturating_sub(rows.saturating_sub(1));
    let target_w = items
        .iter()
        .map(|i| i.target.chars().count())
        .max()
        .unwrap_or(10)
        .clamp(10, 34);
    for (n, item) in items.iter().enumerate().skip(start).take(rows) {
        let (mark, style) = match item.severity {
            Severity::Critical => ("●", theme.failing),
            Severity::Warning => ("▲", theme.warn),
            Severity::Notice => ("·", theme.muted),
        };
        let key = item
            .action
            .and_then(|op| {
                let a = Action::Op(op);
                state
                    .keymap
                    .hint(Section::Normal, a)
                    .map(|k| format!(" [{k} {}]", a.name()))
            })
            .unwrap_or_default();
        let target = if item.target.is_empty() {
            state.platform.kind.to_string()
        } else {
            item.target.clone()
        };
        let row_style = if n == state.attention_selected {
            theme.selected
        } else {
            theme.base
        };
        if narrow {
            let target_w = w.saturating_sub(4 + key.chars().count());
            lines.push(Line::from(vec![
                Span::styled(format!(" {mark} "), style),
                Span::styled(fit(&truncate(&target, target_w), target_w), row_style),
                Span::styled(key, theme.key),
            ]));
            lines.push(Line::from(Span::styled(
                truncate(&format!("   {}", item.why), w),
                theme.muted,
            )));
            continue;
        }
        let why_w = w.saturating_sub(target_w + 5 + key.chars().count());
        lines.push(Line::from(vec![
            Span::styled(format!(" {mark} "), style),
            Span::styled(fit(&target, target_w + 1), row_style),
            Span::styled(fit(&truncate(&item.why, why_w), why_w), row_style),
            Span::styled(key, theme.key),
        ]));
    }
    frame.render_widget(Paragraph::new(lines), area);
}
