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
    lines.extend(fields(
        theme,
        (c.type_to_confirm.as_deref(), PRODUCTION, &c.typed),
        &c.why,
        c.field,
        w,
    ));
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

/// Why a name is typed to confirm, most of the time.
pub const PRODUCTION: &str = "is a production environment: type its name to confirm";

/// A confirmation's text fields: the name to type (`name` and why it is asked, e.g.
/// [`PRODUCTION`]; green once it matches), then why; the one typing goes to shows its
/// cursor.
pub fn fields(
    theme: &Theme,
    (name, asked, typed): (Option<&str>, &str, &crate::app::text_input::TextInput),
    why: &crate::app::text_input::TextInput,
    focus: ConfirmField,
    w: usize,
) -> Vec<Line<'static>> {
    let field = |input: &crate::app::text_input::TextInput, which: ConfirmField, style, width| {
        if focus == which {
            super::super::widgets::input_spans(input, style, theme.selected, width)
        } else {
            vec![Span::styled(truncate(input.text(), width), style)]
        }
    };
    let mut lines = Vec::new();
    if let Some(name) = name {
        lines.push(Line::from(Span::styled(
            format!("{name} {asked}"),
            theme.production,
        )));
        let ok = typed.text().trim() == name;
        let mut spans = vec![Span::styled("> ", theme.key)];
        spans.extend(field(
            typed,
            ConfirmField::Name,
            if ok { theme.ok } else { theme.base },
            w.saturating_sub(2),
        ));
        lines.push(Line::from(spans));
    }
    let mut line = vec![Span::styled("why: ", theme.muted)];
    line.extend(field(
        why,
        ConfirmField::Why,
        theme.base,
        w.saturating_sub(5),
    ));
    lines.push(Line::from(line));
    lines
}
