//! Live call topology of the environment in context: layered left → right, canary versions
//! as their own nodes, hot and failing edges in theme colors, and the busiest edges listed
//! with requests/s, error % and p99.

use crate::app::derived;
use crate::app::state::State;
use crate::domain::ServiceKey;
use crate::domain::capacity::Level;
use crate::domain::topology::{graph_of, layout};
use crate::domain::traffic::{EdgeStat, TrafficFrame};
use crate::ui::theme::Theme;
use crate::ui::widgets::graph::{
    Emphasis, GraphStyles, GraphView, NodeBox, canvas_size, node_position,
};
use crate::ui::widgets::{fit, percent, rps, sparkline, truncate};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

/// Error ratio from which an edge is failing.
pub const FAILING_ERROR_RATIO: f64 = 0.05;
/// Nodes above which the graph switches to compact boxes on its own.
pub const AUTO_COMPACT_NODES: usize = 12;

pub fn edge_emphasis(state: &State, frame: &TrafficFrame, e: &EdgeStat, max_rps: f64) -> Emphasis {
    let Some(env) = state.context_env() else {
        return Emphasis::Normal;
    };
    if e.error_ratio >= FAILING_ERROR_RATIO {
        return Emphasis::Failing;
    }
    let key = ServiceKey::new(&env.line, &env.env, &e.to.service);
    let level = derived::capacity(state, &key).map(|c| c.level);
    if matches!(level, Some(Level::Warn | Level::Critical))
        || (max_rps > 0.0 && e.rps >= 0.6 * max_rps)
    {
        return Emphasis::Hot;
    }
    let _ = frame;
    if e.to.canary || e.from.canary || e.to.lane.is_some() {
        Emphasis::Canary
    } else {
        Emphasis::Normal
    }
}

pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let Some(env_key) = state.context_env() else {
        return super::placeholder(frame, area, theme, "select an environment");
    };
    let Some(traffic) = state.traffic.get(&env_key) else {
        return super::placeholder(
            frame,
            area,
            theme,
            &format!("waiting for traffic in {env_key}…"),
        );
    };
    let tf = &traffic.latest;
    let graph = graph_of(tf);
    let lay = layout(graph.nodes.len(), &graph.edges);
    let max_rps = tf.edges.iter().map(|e| e.rps).fold(0.0, f64::max);
    let selected = state.selected_service().map(|k| k.service);
    let compact = state
        .topology
        .compact
        .unwrap_or(graph.nodes.len() > AUTO_COMPACT_NODES);
    let lane = state.selected_lane().map(|(_, l)| l.clone());
    // A tall terminal gives each detailed box its replicas and its last seconds of load.
    let roomy = !compact && area.height >= ROOMY_HEIGHT;
    let nodes: Vec<NodeBox> = graph
        .nodes
        .iter()
        .map(|n| {
            let inbound = tf.inbound_rps_node(n);
            let err = tf.inbound_error_ratio(n);
            let key = ServiceKey::new(&env_key.line, &env_key.env, &n.service);
            let level = derived::capacity(state, &key).map(|c| c.level);
            let emphasis = if let Some(lane) = &lane {
                // A lane selected: its path stands out (its versions, and the baseline
                // where it falls back); the rest is muted.
                on_lane_path(n, lane)
            } else if selected.as_deref() == Some(n.service.as_str()) {
                Emphasis::Selected
            } else if err >= FAILING_ERROR_RATIO {
                Emphasis::Failing
            } else if matches!(level, Some(Level::Warn | Level::Critical)) {
                Emphasis::Hot
            } else if n.canary || n.lane.is_some() {
                Emphasis::Canary
            } else if n.is_ingress() {
                Emphasis::Muted
            } else {
                Emphasis::Normal
            };
            let lines = if n.is_ingress() {
                vec![format!(
                    "out {}/s",
                    rps(tf
                        .edges
                        .iter()
                        .filter(|e| e.from.is_ingress())
                        .map(|e| e.rps)
                        .sum())
                )]
            } else {
                let mut lines = vec![
                    format!("{}/s err {}", rps(inbound), percent(err)),
                    format!("p99 {:.0}ms", tf.inbound_p99(n)),
                ];
                if roomy {
                    lines.extend(history_lines(state, traffic, &key, n));
                }
                lines
            };
            NodeBox {
                title: n.to_string(),
                lines,
                emphasis,
            }
        })
        .collect();
    let emphasis: Vec<Emphasis> = tf
        .edges
        .iter()
        .map(|e| edge_emphasis(state, tf, e, max_rps))
        .collect();
    let styles = GraphStyles {
        border: theme.border,
        text: theme.base,
        canary: theme.canary,
        hot: theme.hot,
        failing: theme.failing,
        selected: theme.selected,
        muted: theme.muted,
        edge: theme.muted,
    };
    let (cw, ch) = canvas_size(&lay, &nodes, compact);
    // The table gets what the drawing does not need, and at least a third.
    let table_h = if area.height >= 20 {
        (area.height / 3)
            .min(14)
            .max(area.height.saturating_sub(ch))
    } else {
        4
    };
    let [graph_area, table_area] =
        Layout::vertical([Constraint::Min(3), Constraint::Length(table_h)]).areas(area);
    // Until the user pans, keep the selected service's node in view.
    let (mut want_x, mut want_y) = (state.topology.scroll_x, state.topology.scroll_y);
    if (want_x, want_y) == (0, 0) {
        let focus = graph
            .nodes
            .iter()
            .position(|n| selected.as_deref() == Some(n.service.as_str()) && !n.canary);
        if let Some((x, y)) = focus.and_then(|i| node_position(&lay, &nodes, compact, i)) {
            let box_w = if compact { 16 } else { 24 };
            if x + box_w > graph_area.width {
                want_x = (x + box_w + 2).saturating_sub(graph_area.width);
            }
            if y + 4 > graph_area.height {
                want_y = (y + 5).saturating_sub(graph_area.height);
            }
        }
    }
    let scroll_x = want_x.min(cw.saturating_sub(graph_area.width));
    let scroll_y = want_y.min(ch.saturating_sub(graph_area.height));
    frame.render_widget(
        GraphView {
            layout: &lay,
            nodes: &nodes,
            edge_emphasis: &emphasis,
            styles: &styles,
            scroll_x,
            scroll_y,
            compact,
        },
        graph_area,
    );
    edge_table(
        frame,
        table_area,
        state,
        theme,
        tf,
        &emphasis,
        selected.as_deref(),
        (cw, ch),
        compact,
    );
}

/// How a node shows while `lane` is selected: the lane's versions selected, the
/// baseline of a service the lane lacks (where its requests fall back) as usual, the
/// ingress muted as always, and what the lane's requests never reach muted.
fn on_lane_path(n: &crate::domain::traffic::NodeId, lane: &crate::domain::lane::Lane) -> Emphasis {
    if n.lane.as_deref() == Some(lane.name.as_str()) {
        Emphasis::Selected
    } else if n.is_ingress()
        || n.lane.is_some()
        || n.canary
        || lane.services.contains_key(&n.service)
    {
        Emphasis::Muted
    } else {
        Emphasis::Normal
    }
}

/// The height of the view from which detailed boxes show [`history_lines`].
pub const ROOMY_HEIGHT: u16 = 40;

/// A node's replicas and share of capacity, and its load over the last seconds (a
/// canary node its own calls, the stable node the rest).
fn history_lines(
    state: &State,
    traffic: &crate::app::state::EnvTraffic,
    key: &ServiceKey,
    node: &crate::domain::traffic::NodeId,
) -> Vec<String> {
    let width = usize::from(crate::ui::widgets::graph::BOX_WIDTH) - 2;
    let mut lines = Vec::new();
    if let Some(s) = state.snapshot.service(key) {
        let (replicas, canary_replicas) = (s.replicas, s.canary.as_ref().map(|c| c.replicas));
        let r = if node.canary {
            canary_replicas.unwrap_or(replicas)
        } else {
            replicas
        };
        let used = derived::capacity(state, key)
            .map(|c| format!(" · {} cap", percent(c.utilization)))
            .unwrap_or_default();
        lines.push(format!("repl {}/{}{used}", r.ready, r.desired));
    }
    let split = traffic.split(&key.service);
    let values = if node.canary {
        split.canary_rps
    } else {
        split.stable_rps
    };
    let max = values.iter().copied().fold(0.0, f64::max);
    lines.push(sparkline(&values, width, max));
    lines
}

#[allow(clippy::too_many_arguments)]
fn edge_table(
    frame: &mut Frame,
    area: Rect,
    _state: &State,
    theme: &Theme,
    tf: &TrafficFrame,
    emphasis: &[Emphasis],
    selected: Option<&str>,
    canvas: (u16, u16),
    compact: bool,
) {
    // The selected service's edges first, then the others, each busiest first: all of
    // them when there is room.
    let touches = |i: usize| {
        selected.is_none_or(|s| tf.edges[i].from.service == s || tf.edges[i].to.service == s)
    };
    let mut idx: Vec<usize> = (0..tf.edges.len()).collect();
    idx.sort_by(|a, b| {
        touches(*b).cmp(&touches(*a)).then(
            tf.edges[*b]
                .rps
                .partial_cmp(&tf.edges[*a].rps)
                .unwrap_or(std::cmp::Ordering::Equal),
        )
    });
    let failing = emphasis
        .iter()
        .filter(|e| matches!(e, Emphasis::Failing))
        .count();
    let block = Block::default()
        .borders(Borders::TOP)
        .border_style(theme.border)
        .title(Span::styled(
            format!(
                " {} edges, {} failing{} · canvas {}×{} {} · z zoom, </> pan ",
                tf.edges.len(),
                failing,
                selected
                    .map(|s| format!(", {s}'s first"))
                    .unwrap_or_default(),
                canvas.0,
                canvas.1,
                if compact { "compact" } else { "detailed" },
            ),
            theme.title,
        ));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let w = inner.width as usize;
    let name_w = ((w.saturating_sub(30)) / 2).max(8);
    let mut lines = vec![Line::from(Span::styled(
        truncate(
            &format!(
                "{} {} {:>8} {:>6} {:>7}",
                fit("from", name_w),
                fit("to", name_w),
                "req/s",
                "err",
                "p99"
            ),
            w,
        ),
        theme.muted,
    ))];
    for &i in idx.iter().take(inner.height.saturating_sub(1) as usize) {
        let e = &tf.edges[i];
        let style = match emphasis.get(i) {
            Some(Emphasis::Failing) => theme.failing,
            Some(Emphasis::Hot) => theme.hot,
            Some(Emphasis::Canary) => theme.canary,
            _ if !touches(i) => theme.muted,
            _ => theme.base,
        };
        lines.push(Line::from(Span::styled(
            truncate(
                &format!(
                    "{} {} {:>8} {:>6} {:>5.0}ms",
                    fit(&e.from.to_string(), name_w),
                    fit(&e.to.to_string(), name_w),
                    rps(e.rps),
                    percent(e.error_ratio),
                    e.p99_ms
                ),
                w,
            ),
            style,
        )));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::lane::Lane;
    use crate::domain::traffic::NodeId;

    #[test]
    fn a_selected_lanes_path_stands_out() {
        let lane = Lane {
            name: "x".into(),
            services: [("b".to_string(), "2".to_string())].into(),
            entry_share: 0,
            created_by: String::new(),
            created_at: 0,
        };
        assert_eq!(
            on_lane_path(&NodeId::in_lane("b", "2", "x"), &lane),
            Emphasis::Selected
        );
        // c: the lane has none, its requests fall back to the baseline.
        assert_eq!(
            on_lane_path(&NodeId::new("c", "1", false), &lane),
            Emphasis::Normal
        );
        // b's baseline and another lane's version are off the path.
        assert_eq!(
            on_lane_path(&NodeId::new("b", "1", false), &lane),
            Emphasis::Muted
        );
        assert_eq!(
            on_lane_path(&NodeId::in_lane("c", "3", "y"), &lane),
            Emphasis::Muted
        );
    }
}
