//! Config diff: one service's config between two environments; secret values masked.

use crate::app::state::State;
use crate::domain::config_diff::{DiffKind, diff};
use crate::ui::theme::Theme;
use crate::ui::widgets::{fit, truncate};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

/// The environment compared with: the chosen one, or the one before in the promotion path.
pub fn compare_env(state: &State) -> Option<String> {
    let key = state.selected_service()?;
    if let Some(c) = &state.compare_env
        && *c != key.env
    {
        return Some(c.clone());
    }
    let line = state.snapshot.line(&key.line)?;
    let pos = line.environments.iter().position(|e| e.name == key.env)?;
    let before = line.environments[..pos]
        .iter()
        .rev()
        .find(|e| e.service(&key.service).is_some());
    let after = line.environments[pos + 1..]
        .iter()
        .find(|e| e.service(&key.service).is_some());
    before.or(after).map(|e| e.name.clone())
}

pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let Some(key) = state.selected_service() else {
        return super::placeholder(frame, area, theme, "select a service to compare its config");
    };
    let Some(other) = compare_env(state) else {
        return super::placeholder(
            frame,
            area,
            theme,
            "this service runs in one environment only",
        );
    };
    let mut other_key = key.clone();
    other_key.env = other.clone();
    let (Some(left), Some(right)) = (
        state.snapshot.service(&other_key),
        state.snapshot.service(&key),
    ) else {
        return;
    };
    let lines_diff = diff(left, right, true);
    let w = area.width as usize;
    let col = (w.saturating_sub(26) / 2).max(8);
    let changed = lines_diff
        .iter()
        .filter(|l| l.kind != DiffKind::Same)
        .count();
    let mut lines = vec![
        Line::from(vec![
            Span::styled(
                format!("{} config: {} → {}", key.service, other, key.env),
                theme.title,
            ),
            Span::styled(
                format!("  {changed} difference(s)  [ ] other environment"),
                theme.muted,
            ),
        ]),
        Line::from(Span::styled(
            format!(
                "  {} {} {}",
                fit("key", 22),
                fit(&other, col),
                fit(&key.env, col)
            ),
            theme.title,
        )),
    ];
    for d in lines_diff.iter().skip(state.scroll as usize) {
        let (mark, style) = match d.kind {
            DiffKind::Added => ("+", theme.ok),
            DiffKind::Removed => ("-", theme.error),
            DiffKind::Changed => ("~", theme.warn),
            DiffKind::Same => (" ", theme.muted),
        };
        let l = d.left.clone().unwrap_or_else(|| "(absent)".into());
        let r = d.right.clone().unwrap_or_else(|| "(absent)".into());
        lines.push(Line::from(Span::styled(
            truncate(
                &format!(
                    "{mark} {} {} {}",
                    fit(&d.key, 22),
                    fit(&l, col),
                    fit(&r, col)
                ),
                w,
            ),
            style,
        )));
    }
    let secrets: Vec<&str> = right.secret_keys.names().collect();
    if !secrets.is_empty() {
        lines.push(Line::from(""));
        lines.push(Line::from(vec![
            Span::styled("secrets (keys only): ", theme.muted),
            Span::raw(secrets.join(", ")),
        ]));
    }
    // A tall view shows the whole line's config below the diff.
    let needed = lines.len() as u16 + 1;
    let line = state.snapshot.line(&key.line);
    let area = match line {
        Some(line) if area.height >= MATRIX_MIN_HEIGHT && area.height > needed + 8 => {
            let [top, bottom] =
                Layout::vertical([Constraint::Length(needed), Constraint::Min(1)]).areas(area);
            super::config_matrix::draw(frame, bottom, state, theme, line, &key.service);
            top
        }
        _ => area,
    };
    frame.render_widget(Paragraph::new(lines), area);
}

/// The view height from which the line's config is shown below the diff.
pub const MATRIX_MIN_HEIGHT: u16 = 30;
