//! A service's recent history beside its details on a wide terminal: requests/s and error
//! ratio, the stable and the canary apart, one column per second.

use crate::app::state::State;
use crate::domain::{Service, ServiceKey};
use crate::ui::theme::Theme;
use crate::ui::widgets::{chart, percent, rps};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

/// The width the details keep before a history panel is put beside them.
pub const DETAILS_WIDTH: u16 = 110;
/// The narrowest history panel worth drawing.
pub const MIN_WIDTH: u16 = 40;

/// Where the history goes, if `area` has room for it beside the details: (details, history).
pub fn beside(area: Rect) -> (Rect, Option<Rect>) {
    if area.width < DETAILS_WIDTH + MIN_WIDTH || area.height < 10 {
        return (area, None);
    }
    let history_w = (area.width - DETAILS_WIDTH)
        .min(area.width * 2 / 5)
        .max(MIN_WIDTH);
    let details = Rect {
        width: area.width - history_w,
        ..area
    };
    let history = Rect {
        x: area.x + details.width,
        width: history_w,
        ..area
    };
    (details, Some(history))
}

struct Plot {
    title: String,
    values: Vec<f64>,
    /// The value that fills the chart.
    top: f64,
    style: Style,
}

pub fn draw(
    frame: &mut Frame,
    area: Rect,
    state: &State,
    theme: &Theme,
    s: &Service,
    key: &ServiceKey,
) {
    let traffic = state.traffic.get(&key.env_key());
    let split = traffic.map(|t| t.split(&key.service)).unwrap_or_default();
    let block = Block::default()
        .borders(Borders::LEFT)
        .border_style(theme.border)
        .title(Span::styled(
            format!(" last {}s ", split.stable_rps.len()),
            theme.title,
        ));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if split.stable_rps.is_empty() {
        let text = Line::from(Span::styled(" no calls seen yet", theme.muted));
        frame.render_widget(Paragraph::new(text), inner);
        return;
    }
    let canary = s.canary.as_ref().filter(|_| !split.canary_rps.is_empty());
    let stable = format!("stable {}", s.version);
    let mut plots = vec![rate_plot(&stable, split.stable_rps, theme.accent)];
    let canary = canary.map(|c| format!("canary {} ◆", c.version));
    if let Some(c) = &canary {
        plots.push(rate_plot(c, split.canary_rps, theme.canary));
    }
    // Both error charts on one scale, so that their heights compare.
    let error_top = split
        .stable_errors
        .iter()
        .chain(&split.canary_errors)
        .copied()
        .fold(0.0, f64::max);
    plots.push(error_plot(
        &stable,
        split.stable_errors,
        error_top,
        theme.accent,
    ));
    if let Some(c) = &canary {
        plots.push(error_plot(c, split.canary_errors, error_top, theme.canary));
    }
    let width = inner.width.saturating_sub(1) as usize;
    let rows = (inner.height as usize / plots.len())
        .saturating_sub(1)
        .max(1);
    let mut lines = Vec::new();
    for plot in plots {
        lines.push(Line::from(Span::styled(
            format!(" {}", plot.title),
            theme.muted,
        )));
        for text in chart::area_rows(&plot.values, width, rows, plot.top, None) {
            lines.push(Line::from(Span::styled(format!(" {text}"), plot.style)));
        }
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

fn rate_plot(who: &str, values: Vec<f64>, style: Style) -> Plot {
    let now = values.last().copied().unwrap_or(0.0);
    let peak = values.iter().copied().fold(0.0, f64::max);
    Plot {
        title: format!("{who} · req/s {} now, peak {}", rps(now), rps(peak)),
        top: peak * 1.1,
        values,
        style,
    }
}

/// Errors are drawn up to `top` and at least 1 %, so that noise does not fill the chart.
fn error_plot(who: &str, values: Vec<f64>, top: f64, style: Style) -> Plot {
    let now = values.last().copied().unwrap_or(0.0);
    let peak = values.iter().copied().fold(0.0, f64::max);
    Plot {
        title: format!(
            "{who} · errors {} now, peak {}",
            percent(now),
            percent(peak)
        ),
        top: (top * 1.1).max(0.01),
        values,
        style,
    }
}
