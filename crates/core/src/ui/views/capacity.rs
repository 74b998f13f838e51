//! Capacity: per service load vs capacity with history, utilization gauges, warnings,
//! recommended replicas, hotspots.

use crate::app::derived;
use crate::app::state::State;
use crate::domain::ServiceKey;
use crate::domain::capacity::Level;
use crate::ui::theme::Theme;
use crate::ui::widgets::{bar, chart, fit, percent, rps, sparkline, truncate};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let Some(env_key) = state.context_env() else {
        return super::placeholder(frame, area, theme, "select an environment");
    };
    let Some(env) = state.snapshot.environment(&env_key) else {
        return;
    };
    let traffic = state.traffic.get(&env_key);
    let w = area.width as usize;
    let focus = state.selected_service();
    // The table's own rows (header, services, warning and hotspot lines); the selected
    // service's chart takes the rest, so a tall terminal shows a taller history.
    let table_need = (env.services.len() + 3) as u16;
    let chart_h = if focus.is_some() && area.height >= 16 {
        area.height.saturating_sub(table_need).max(7)
    } else {
        0
    };
    let [table_area, chart_area] =
        Layout::vertical([Constraint::Min(3), Constraint::Length(chart_h)]).areas(area);
    let spark_w = w.saturating_sub(72);
    let mut lines = vec![Line::from(Span::styled(
        truncate(
            &format!(
                "{:<16} {:>8} {:>8} {:>6}  {:<12} {:>5} {:>5}  {}",
                format!("{} ({})", env_key.env, env_key.line),
                "req/s",
                "cap/s",
                "util",
                "",
                "repl",
                "rec",
                if spark_w > 8 { "last minutes" } else { "" }
            ),
            w,
        ),
        theme.title,
    ))];
    let mut rows: Vec<(String, Option<crate::domain::capacity::Capacity>)> = env
        .services
        .iter()
        .map(|s| {
            let key = ServiceKey::new(&env_key.line, &env_key.env, &s.name);
            (s.name.clone(), derived::capacity(state, &key))
        })
        .collect();
    rows.sort_by(|a, b| {
        let u = |c: &Option<crate::domain::capacity::Capacity>| c.map_or(0.0, |c| c.utilization);
        u(&b.1)
            .partial_cmp(&u(&a.1))
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    let mut warnings = Vec::new();
    for (name, cap) in rows.iter().skip(state.scroll as usize) {
        let Some(s) = env.service(name) else { continue };
        let selected = focus.as_ref().is_some_and(|k| &k.service == name);
        let (text, style) = match cap {
            Some(c) => {
                let style = match c.level {
                    Level::Ok => theme.ok,
                    Level::Warn => theme.hot,
                    Level::Critical => theme.failing,
                };
                if c.level != Level::Ok {
                    warnings.push(format!(
                        "{name} at {} — scale to {} replicas",
                        percent(c.utilization),
                        c.recommended_replicas
                    ));
                }
                let history: Vec<f64> = traffic
                    .and_then(|t| t.inbound.get(name))
                    .map(|h| h.iter().collect())
                    .unwrap_or_default();
                let max = history.iter().copied().fold(c.capacity_rps, f64::max);
                (
                    format!(
                        "{:<16} {:>8} {:>8} {:>6}  {} {:>5} {:>5}  {}",
                        truncate(name, 16),
                        rps(c.observed_rps),
                        rps(c.capacity_rps),
                        percent(c.utilization),
                        bar(c.utilization, 12),
                        format!("{}/{}", s.replicas.ready, s.replicas.desired),
                        c.recommended_replicas,
                        if spark_w > 8 {
                            sparkline(&history, spark_w, max)
                        } else {
                            String::new()
                        }
                    ),
                    style,
                )
            }
            None => (
                format!("{:<16} {:>8}", truncate(name, 16), "no traffic yet"),
                theme.muted,
            ),
        };
        let style = if selected {
            style.patch(theme.selected)
        } else {
            style
        };
        lines.push(Line::from(Span::styled(truncate(&text, w), style)));
    }
    let hot = hotspots(state, &env_key);
    let table_rows = table_area.height as usize;
    let mut tail = Vec::new();
    if !warnings.is_empty() {
        tail.push(Line::from(Span::styled(
            truncate(&format!("▲ {}", warnings.join("; ")), w),
            theme.warn,
        )));
    }
    if !hot.is_empty() {
        tail.push(Line::from(vec![
            Span::styled("hotspots: ", theme.title),
            Span::raw(truncate(&hot, w.saturating_sub(10))),
        ]));
    }
    let keep = table_rows.saturating_sub(tail.len());
    lines.truncate(keep.max(1));
    lines.extend(tail);
    frame.render_widget(Paragraph::new(lines), table_area);
    if let (Some(key), true) = (focus, chart_h > 0) {
        chart(frame, chart_area, state, theme, &key);
    }
}

/// Top services by load and by growth over the last minute.
fn hotspots(state: &State, env_key: &crate::domain::EnvKey) -> String {
    let Some(t) = state.traffic.get(env_key) else {
        return String::new();
    };
    let mut by_load: Vec<(&String, f64)> = t
        .inbound
        .iter()
        .map(|(n, s)| (n, s.recent_mean(10)))
        .collect();
    by_load.sort_by(|a, b| b.1.partial_cmp(&a.1).unwrap_or(std::cmp::Ordering::Equal));
    let mut by_growth: Vec<(&String, f64)> = t
        .inbound
        .iter()
        .filter(|(_, s)| s.len() >= 20)
        .map(|(n, s)| {
            let recent = s.recent_mean(10);
            let earlier = (s.recent_mean(60) * 60.0f64.min(s.len() as f64) - recent * 10.0)
                / (60.0f64.min(s.len() as f64) - 10.0);
            (
                n,
                if earlier > 0.0 {
                    recent / earlier - 1.0
                } else {
                    0.0
                },
            )
        })
        .collect();
    by_growth.sort_by(|a, b| b.1.partial_cmp(&a.1).unwrap_or(std::cmp::Ordering::Equal));
    let load: Vec<String> = by_load
        .iter()
        .take(3)
        .map(|(n, v)| format!("{n} {}", rps(*v)))
        .collect();
    let growth: Vec<String> = by_growth
        .iter()
        .filter(|(_, g)| *g > 0.05)
        .take(3)
        .map(|(n, g)| format!("{n} +{}", percent(*g)))
        .collect();
    let mut out = format!("load {}", load.join(", "));
    if !growth.is_empty() {
        out.push_str(&format!(" · growth {}", growth.join(", ")));
    }
    out
}

fn chart(frame: &mut Frame, area: Rect, state: &State, theme: &Theme, key: &ServiceKey) {
    let Some(s) = state.snapshot.service(key) else {
        return;
    };
    let series = state
        .traffic
        .get(&key.env_key())
        .and_then(|t| t.inbound.get(&key.service));
    let capacity = derived::capacity(state, key)
        .map_or(s.capacity_rps * s.replicas.ready.max(1) as f64, |c| {
            c.capacity_rps
        });
    let values: Vec<f64> = series.map(|s| s.iter().collect()).unwrap_or_default();
    let off_scale = if chart_top(&values, capacity) < capacity {
        format!("· capacity {}/s above ", rps(capacity))
    } else {
        String::new()
    };
    let block = Block::default()
        .borders(Borders::TOP)
        .border_style(theme.border)
        .title(Span::styled(
            format!(
                " {} req/s, last {}s {off_scale}",
                key.service,
                series.map_or(0, |s| s.len())
            ),
            theme.title,
        ));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if series.is_none() {
        return;
    }
    let max = chart_top(&values, capacity);
    // One column per second, the newest on the right; the last row is the time axis.
    let width = inner.width.saturating_sub(10) as usize;
    let rows = (inner.height as usize).saturating_sub(1).max(1);
    let style = if values.last().is_some_and(|v| *v > capacity) {
        theme.failing
    } else {
        theme.accent
    };
    let cap_row = chart::line_row(rows, max, capacity);
    let mut lines: Vec<Line> = chart::area_rows(&values, width, rows, max, Some(capacity))
        .into_iter()
        .enumerate()
        .map(|(row, text)| {
            let label = if row == 0 {
                rps(max)
            } else if row + 1 == rows {
                "0".into()
            } else {
                String::new()
            };
            Line::from(vec![
                Span::styled(fit(&label, 8), theme.muted),
                Span::styled(if cap_row == Some(row) { "┤ " } else { "│ " }, theme.muted),
                Span::styled(text, style),
            ])
        })
        .collect();
    if inner.height as usize > rows {
        let oldest = format!("{width}s ago");
        lines.push(Line::from(Span::styled(
            format!(
                "{:8}└─{oldest}{:─>fill$}",
                "",
                " now",
                fill = width.saturating_sub(oldest.chars().count())
            ),
            theme.muted,
        )));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

/// The top of a load chart: the capacity line when the load comes within half of it,
/// otherwise a quarter above the peak load, so that the load's shape is readable and
/// not flattened on the bottom row (the title then names the capacity).
pub fn chart_top(values: &[f64], capacity: f64) -> f64 {
    let peak = values.iter().copied().fold(0.0, f64::max);
    let top = if peak * 2.0 >= capacity {
        peak.max(capacity)
    } else {
        peak * 1.25
    };
    top.max(1.0)
}

#[cfg(test)]
mod tests {
    use super::chart_top;

    #[test]
    fn the_chart_includes_capacity_only_when_the_load_comes_near_it() {
        assert_eq!(chart_top(&[40.0, 44.0], 600.0), 55.0);
        assert_eq!(chart_top(&[300.0, 350.0], 600.0), 600.0);
        assert_eq!(chart_top(&[700.0], 600.0), 700.0);
        assert_eq!(chart_top(&[], 0.0), 1.0);
    }
}
