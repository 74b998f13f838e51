//! Product-line overview: services × environments with versions; drift highlighted.

use crate::app::state::State;
use crate::domain::Tier;
use crate::domain::drift::{self, Cell};
use crate::ui::theme::Theme;
use crate::ui::widgets::{fit, truncate};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let Some(line) = state.selected_line().and_then(|l| state.snapshot.line(l)) else {
        return super::placeholder(frame, area, theme, "select a product line");
    };
    let matrix = drift::matrix(line);
    let name_w = matrix
        .iter()
        .map(|(n, _)| n.len())
        .max()
        .unwrap_or(8)
        .clamp(8, 18);
    let envs = line.environments.len().max(1);
    let cell_w = ((area.width as usize).saturating_sub(name_w + 1) / envs).clamp(6, 16);
    let mut lines = Vec::new();
    let mut header = vec![Span::styled(
        fit(
            &format!("{} ({} services)", line.name, matrix.len()),
            name_w + 1,
        ),
        theme.title,
    )];
    for env in &line.environments {
        let style = if env.tier == Tier::Production {
            theme.production
        } else {
            theme.title
        };
        header.push(Span::styled(fit(&env.name, cell_w), style));
    }
    lines.push(Line::from(header));
    let selected_env = state.selected.get(1);
    for (name, cells) in matrix.iter().skip(state.scroll as usize) {
        let selected_row = state.selected.get(2) == Some(name);
        let name_style = if selected_row {
            theme.selected
        } else {
            theme.base
        };
        let mut spans = vec![Span::styled(fit(name, name_w + 1), name_style)];
        for (cell, env) in cells.iter().zip(&line.environments) {
            spans.push(cell_span(
                cell,
                cell_w,
                theme,
                selected_env == Some(&env.name),
            ));
        }
        lines.push(Line::from(spans));
    }
    let lagging: Vec<String> = matrix
        .iter()
        .flat_map(|(name, cells)| {
            cells
                .iter()
                .zip(&line.environments)
                .filter_map(move |(c, e)| {
                    c.behind
                        .as_ref()
                        .map(|b| format!("{name}@{} behind {b}", e.name))
                })
        })
        .collect();
    lines.push(Line::from(""));
    if lagging.is_empty() {
        lines.push(Line::from(Span::styled(
            "no drift: every environment runs what came before it",
            theme.ok,
        )));
    } else {
        lines.push(Line::from(vec![
            Span::styled(format!("↓ drift ({}): ", lagging.len()), theme.drift),
            Span::raw(truncate(
                &lagging.join(", "),
                (area.width as usize).saturating_sub(14) * 3,
            )),
        ]));
    }
    for (env, service, why) in unhealthy(line) {
        lines.push(Line::from(vec![
            Span::styled("⚠ ", theme.failing),
            Span::styled(format!("{service}@{env} "), theme.warn),
            Span::raw(why),
        ]));
    }
    lines.push(Line::from(Span::styled(
        "◆ canary version   ↓ lags an earlier environment",
        theme.muted,
    )));
    frame.render_widget(
        Paragraph::new(lines).wrap(ratatui::widgets::Wrap { trim: false }),
        area,
    );
}

fn cell_span(cell: &Cell, width: usize, theme: &Theme, selected_env: bool) -> Span<'static> {
    let Some(v) = &cell.version else {
        return Span::styled(fit("·", width), theme.muted);
    };
    let mut text = if cell.behind.is_some() {
        format!("↓{v}")
    } else {
        v.clone()
    };
    if let Some(c) = &cell.canary {
        text.push_str(&format!(" ◆{c}"));
    }
    let mut style = if cell.behind.is_some() {
        theme.drift
    } else if cell.canary.is_some() {
        theme.canary
    } else {
        theme.base
    };
    if selected_env {
        style = style.add_modifier(ratatui::style::Modifier::UNDERLINED);
    }
    Span::styled(fit(&text, width), style)
}

/// Services of the line whose pods are not all ready, with why (environment order).
fn unhealthy(line: &crate::domain::ProductLine) -> Vec<(String, String, String)> {
    line.environments
        .iter()
        .flat_map(|e| {
            e.services
                .iter()
                .filter_map(|s| Some((e.name.clone(), s.name.clone(), s.pod_health()?)))
        })
        .collect()
}
