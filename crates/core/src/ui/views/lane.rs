//! A lane, selected in the tree: who made it, its share of entry requests, and the path
//! of its requests hop by hop — at each service the lane's version or the baseline it
//! falls back to — with requests/s, errors and p99 of the lane's version beside the
//! baseline's over the traffic window.

use crate::app::state::State;
use crate::domain::EnvKey;
use crate::domain::lane::{Hop, Lane, MARK, hops};
use crate::domain::traffic::{NodeId, TrafficFrame};
use crate::ui::theme::Theme;
use crate::ui::widgets::{ago, fit, percent, rps, truncate};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

pub fn draw(
    frame: &mut Frame,
    area: Rect,
    state: &State,
    theme: &Theme,
    key: &EnvKey,
    lane: &Lane,
) {
    let Some(env) = state.snapshot.environment(key) else {
        return;
    };
    let w = area.width as usize;
    let window = state.traffic.get(key).map(|t| t.window());
    let mut lines = vec![Line::from(vec![
        Span::styled(format!("{MARK}{} ", lane.name), theme.title),
        Span::styled(format!("lane of {key}"), theme.muted),
    ])];
    let mut about = format!(
        "{} service(s) · requests tagged {} (x-traffic-tag)",
        lane.services.len(),
        lane.name
    );
    if lane.entry_share > 0 {
        about.push_str(&format!(
            " and {}% of untagged entry requests",
            lane.entry_share
        ));
    }
    if !lane.created_by.is_empty() {
        about.push_str(&format!(" · by {}", lane.created_by));
    }
    if lane.created_at > 0 {
        about.push_str(&format!(" {}", ago(state.now, lane.created_at)));
    }
    lines.push(Line::from(Span::raw(truncate(&about, w))));
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled(
        truncate(
            &format!(
                "{} {} {:>24}   {} {:>24}",
                fit("hop", 16),
                fit("goes to", 22),
                "req/s   err    p99",
                fit("baseline", 14),
                "req/s   err    p99"
            ),
            w,
        ),
        theme.title,
    )));
    for (s, hop) in hops(env, lane) {
        let baseline = NodeId::new(&s.name, &s.version, false);
        let (goes, style, lane_figures) = match hop {
            Hop::Lane { version, .. } => (
                format!("{version} {MARK}"),
                theme.canary,
                figures(
                    window.as_ref(),
                    &NodeId::in_lane(&s.name, version, &lane.name),
                ),
            ),
            Hop::Baseline => (
                format!("{} (baseline)", s.version),
                theme.muted,
                String::new(),
            ),
        };
        let text = format!(
            "{} {} {:>24}   {} {:>24}",
            fit(&s.name, 16),
            fit(&goes, 22),
            lane_figures,
            fit(&s.version, 14),
            figures(window.as_ref(), &baseline)
        );
        lines.push(Line::from(Span::styled(truncate(&text, w), style)));
    }
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled(
        truncate(
            &format!(
                "{MARK}: the lane's version takes the hop · (baseline): the lane has none there, its requests fall back · untagged requests never reach the lane"
            ),
            w,
        ),
        theme.muted,
    )));
    frame.render_widget(Paragraph::new(lines), area);
}

/// A node's requests/s, error ratio and p99 over the window, or a dash without calls.
fn figures(window: Option<&TrafficFrame>, node: &NodeId) -> String {
    match window {
        Some(f) if f.inbound_rps_node(node) > 0.0 => format!(
            "{:>7} {:>6} {:>4.0}ms",
            rps(f.inbound_rps_node(node)),
            percent(f.inbound_error_ratio(node)),
            f.inbound_p99(node)
        ),
        _ => "–".to_string(),
    }
}
