//! Confirmation overlay: exactly what changes (the platform's dry run, before → after).
//! Production-tier environments need their name typed; a why goes with every change.

use crate::app::state::{Confirm, ConfirmField, Preview, State};
use crate::ui::theme::Theme;
use crate::ui::widgets::{centered, fit, truncate};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: &Theme, c: &Confirm) {
    let rows = match &c.preview {
        Preview::Ready(changes) => changes.len() as u16,
        _ => 1,
    };
    let rect = centered(area, 76, rows + 10);
    frame.render_widget(Clear, rect);
    let prod = c.type_to_confirm.is_some();
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(if prod {
            theme.production
        } else {
            theme.border_focus
        })
        .title(Span::styled(
            format!(" Confirm {} ", c.request.change.verb()),
            theme.title,
        ));
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let w = inner.width as usize;
    let mut lines = vec![Line::from(vec![
        Span::styled(c.request.target.to_string(), theme.accent),
        Span::raw(format!(": {}", c.request.change)),
        Span::styled(format!("  on {}", state.platform.target), theme.muted),
    ])];
    match &c.preview {
        Preview::Loading => lines.push(Line::from(Span::styled("dry run…", theme.muted))),
        Preview::Failed(e) => lines.push(Line::from(Span::styled(
            format!("dry run refused: {e}"),
            theme.error,
        ))),
        Preview::Ready(changes) => {
            let field_w = changes
                .iter()
                .map(|f| f.field.len())
                .max()
                .unwrap_or(8)
                .min(24);
            let col = (w.saturating_sub(field_w + 6)) / 2;
            for f in changes {
                lines.push(Line::from(vec![
                    Span::styled(fit(&f.field, field_w + 1), theme.muted),
                    Span::raw(fit(&truncate(&f.before, col), col)),
                    Span::styled(" → ", theme.key),
                    Span::styled(truncate(&f.after, col), theme.warn),
                ]));
            }
        }
    }
    lines.push(Line::from(""));
    let cursor = |field: ConfirmField| if c.field == field { "▏" } else { "" };
    if let Some(name) = &c.type_to_confirm {
        lines.push(Line::from(Span::styled(
            format!("{name} is a production environment: type its name to confirm"),
            theme.production,
        )));
        let ok = c.typed.trim() == name;
        lines.push(Line::from(vec![
            Span::styled("> ", theme.key),
            Span::styled(
                format!("{}{}", c.typed, cursor(ConfirmField::Name)),
                if ok { theme.ok } else { theme.base },
            ),
        ]));
    }
    lines.push(Line::from(vec![
        Span::styled("why: ", theme.muted),
        Span::raw(truncate(
            &format!("{}{}", c.why, cursor(ConfirmField::Why)),
            w.saturating_sub(5),
        )),
    ]));
    let keys = if c.type_to_confirm.is_some() {
        "enter: apply · tab: name/why · esc: cancel (nothing changes)"
    } else {
        "enter: apply · esc: cancel (nothing changes)"
    };
    lines.push(Line::from(Span::styled(keys, theme.muted)));
    frame.render_widget(
        Paragraph::new(lines)
            .style(theme.base)
            .wrap(Wrap { trim: false }),
        inner,
    );
}
