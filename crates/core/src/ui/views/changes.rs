//! Releases across environments, newest first: what changed, where, by whom and why — the
//! first question of an incident. Shown below the events, and below a product line's
//! overview, when the terminal has room.

use crate::app::state::State;
use crate::domain::Release;
use crate::ui::theme::Theme;
use crate::ui::widgets::{ago, datetime, fit, truncate};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

/// Releases of every service (of `line` only, when given), newest first, with where
/// they happened (LINE/ENV/SERVICE).
pub fn newest_first<'a>(state: &'a State, line: Option<&str>) -> Vec<(String, &'a Release)> {
    let mut out = Vec::new();
    for l in &state.snapshot.product_lines {
        if line.is_some_and(|n| n != l.name) {
            continue;
        }
        for env in &l.environments {
            for s in &env.services {
                for r in &s.releases {
                    out.push((format!("{}/{}/{}", l.name, env.name, s.name), r));
                }
            }
        }
    }
    out.sort_by(|a, b| b.1.when.cmp(&a.1.when).then_with(|| a.0.cmp(&b.0)));
    out
}

/// The releases in a panel titled `title`, as many as fit.
pub fn draw(
    frame: &mut Frame,
    area: Rect,
    state: &State,
    theme: &Theme,
    line: Option<&str>,
    title: &str,
) {
    let releases = newest_first(state, line);
    let block = Block::default()
        .borders(Borders::TOP)
        .border_style(theme.border)
        .title(Span::styled(
            format!(" {title}: {} releases, newest first ", releases.len()),
            theme.title,
        ));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let w = inner.width as usize;
    let where_w = releases
        .iter()
        .map(|(at, _)| at.chars().count())
        .max()
        .unwrap_or(10)
        .clamp(10, 40);
    let mut lines = vec![Line::from(Span::styled(
        fit(
            &format!(
                "{:<30} {} {:<20} {:<12} {:<12} why",
                "when",
                fit("where", where_w),
                "from → to",
                "who",
                "state"
            ),
            w,
        ),
        theme.muted,
    ))];
    for (at, r) in releases
        .iter()
        .take(inner.height.saturating_sub(1) as usize)
    {
        let style = theme.release(r.state);
        let text = format!(
            "{:<30} {} {:<20} {:<12} {:<12} {}",
            format!("{} ({})", datetime(r.when), ago(state.now, r.when)),
            fit(at, where_w),
            truncate(&format!("{} → {}", r.from, r.to), 20),
            truncate(&r.who, 12),
            r.state.label(),
            r.why
        );
        lines.push(Line::from(Span::styled(truncate(&text, w), style)));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}
