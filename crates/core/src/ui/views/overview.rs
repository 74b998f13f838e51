//! Product-line overview: services × environments with versions; drift highlighted.

use crate::app::state::State;
use crate::domain::Tier;
use crate::domain::drift::{self, Cell};
use crate::ui::theme::Theme;
use crate::ui::widgets::{fit, percent, rps, truncate};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

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
    // The trains that would level each environment with the one before it (narrow:
    // counts only; the environments' table below says more).
    let wide = area.width >= 120;
    let levelling: Vec<String> = line
        .environments
        .iter()
        .filter_map(|e| {
            let l = crate::domain::train::plan::level_with_previous(line, &e.name)?;
            Some(if wide {
                format!("{}: {}", e.name, l.describe())
            } else {
                format!("{} {}", e.name, l.services)
            })
        })
        .collect();
    if !levelling.is_empty() {
        let hint = if wide {
            "  (m m on an environment)"
        } else {
            " (m m)"
        };
        let room = (area.width as usize).saturating_sub(16 + hint.len());
        lines.push(Line::from(vec![
            Span::styled("⇶ to level: ", theme.accent),
            Span::raw(truncate(&levelling.join(" · "), room)),
            Span::styled(hint, theme.muted),
        ]));
    }
    for run in state
        .trains
        .iter()
        .filter(|(k, _)| k.line == line.name)
        .map(|(_, r)| r)
    {
        lines.extend(super::train::lines(
            state,
            &run.train,
            theme,
            area.width as usize,
        ));
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
    // A tall view adds each environment's state and the line's releases below.
    let width = area.width.max(1) as usize;
    let used: usize = lines.iter().map(|l| l.width().max(1).div_ceil(width)).sum();
    let room = (area.height as usize).saturating_sub(used + 1);
    let summary_h = line.environments.len() + 2;
    let area = if area.height >= WIDE_MIN_HEIGHT && room >= summary_h + 6 {
        let [top, middle, bottom] = Layout::vertical([
            Constraint::Length(used as u16 + 1),
            Constraint::Length(summary_h as u16),
            Constraint::Min(1),
        ])
        .areas(area);
        environments(frame, middle, state, (line, &matrix), theme);
        super::changes::draw(
            frame,
            bottom,
            state,
            theme,
            Some(&line.name),
            "changes in this line",
        );
        top
    } else {
        area
    };
    frame.render_widget(
        Paragraph::new(lines).wrap(ratatui::widgets::Wrap { trim: false }),
        area,
    );
}

/// The view height from which the environments' state and the releases are shown.
pub const WIDE_MIN_HEIGHT: u16 = 30;

/// One row per environment: its services and replicas, the calls entering it, their
/// errors and slowest p99, canaries, services lagging, and what needs attention there.
fn environments(
    frame: &mut Frame,
    area: Rect,
    state: &State,
    (line, matrix): (&crate::domain::ProductLine, &[(String, Vec<Cell>)]),
    theme: &Theme,
) {
    let block = Block::default()
        .borders(Borders::TOP)
        .border_style(theme.border)
        .title(Span::styled(" environments ", theme.title));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let w = inner.width as usize;
    let header = format!(
        "{:<14} {:<10} {:>8} {:>9} {:>10} {:>8} {:>9} {:>8} {:>8}  {:<32} attention",
        "environment",
        "tier",
        "services",
        "ready",
        "entry/s",
        "errors",
        "worst p99",
        "canaries",
        "lagging",
        "train to level"
    );
    let mut lines = vec![Line::from(Span::styled(truncate(&header, w), theme.muted))];
    for (i, env) in line.environments.iter().enumerate() {
        let (ready, desired) = env.services.iter().fold((0, 0), |(r, d), s| {
            (r + s.replicas.ready, d + s.replicas.desired)
        });
        let canaries = env.services.iter().filter(|s| s.canary.is_some()).count();
        let lagging = matrix
            .iter()
            .filter(|(_, cells)| cells.get(i).is_some_and(|c| c.behind.is_some()))
            .count();
        let key = crate::domain::EnvKey {
            line: line.name.clone(),
            env: env.name.clone(),
        };
        let (entry, errors, p99) = state
            .traffic
            .get(&key)
            .map(|t| entry_figures(&t.latest))
            .map_or(
                ("–".to_string(), "–".to_string(), "–".to_string()),
                |(e, r, p)| (rps(e), percent(r), format!("{p:.0}ms")),
            );
        let prefix = format!("{key}/");
        let here: Vec<crate::app::attention::Item> = state
            .attention
            .iter()
            .filter(|a| a.target == key.to_string() || a.target.starts_with(&prefix))
            .cloned()
            .collect();
        let (critical, warning, notice) = crate::app::attention::counts(&here);
        let attention = [
            (critical, "critical"),
            (warning, "warning"),
            (notice, "notice"),
        ]
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, what)| format!("{n} {what}"))
        .collect::<Vec<_>>()
        .join(" · ");
        let style = if critical > 0 {
            theme.failing
        } else if warning > 0 {
            theme.warn
        } else if env.tier == Tier::Production {
            theme.production
        } else {
            theme.base
        };
        let text = format!(
            "{:<14} {:<10} {:>8} {:>9} {:>10} {:>8} {:>9} {:>8} {:>8}  {:<32} {attention}",
            truncate(&env.name, 14),
            env.tier.label(),
            env.services.len(),
            format!("{ready}/{desired}"),
            entry,
            errors,
            p99,
            canaries,
            lagging,
            truncate(
                &crate::domain::train::plan::level_with_previous(line, &env.name)
                    .map_or_else(|| "level".to_string(), |l| l.describe()),
                32
            ),
        );
        lines.push(Line::from(Span::styled(truncate(&text, w), style)));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

/// Calls entering the environment per second, the error ratio over all its calls, and
/// the slowest p99 of any call.
fn entry_figures(frame: &crate::domain::traffic::TrafficFrame) -> (f64, f64, f64) {
    let entry = frame
        .edges
        .iter()
        .filter(|e| e.from.is_ingress())
        .map(|e| e.rps)
        .sum();
    let (calls, errors) = frame.edges.iter().fold((0.0, 0.0), |(c, e), edge| {
        (c + edge.rps, e + edge.rps * edge.error_ratio)
    });
    let ratio = if calls > 0.0 { errors / calls } else { 0.0 };
    let p99 = frame.edges.iter().map(|e| e.p99_ms).fold(0.0, f64::max);
    (entry, ratio, p99)
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
