//! The tree: product lines → environments (tier, health) → services (version,
//! ready/desired, canary marker, capacity warning).

use crate::app::derived;
use crate::app::navigation::{self, TreeNode};
use crate::app::state::{Mode, State};
use crate::domain::capacity::Level;
use crate::domain::{ServiceKey, Tier};
use crate::ui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders};
use tui_tree_widget::{Tree, TreeItem, TreeState};

/// A row's label in `width` columns (the tree's inner width; the row's indent is taken
/// off here).
fn label<'a>(state: &State, theme: &Theme, path: &[String], width: usize) -> Line<'a> {
    let room = width.saturating_sub(path.len() * 2);
    let snap = &state.snapshot;
    match path {
        [line] => {
            let l = snap.line(line);
            let envs = l.map_or(0, |l| l.environments.len());
            let drift = l.map_or(0, crate::domain::drift::drift_count);
            let mut spans = vec![
                Span::styled(line.clone(), theme.title),
                Span::styled(format!(" {envs} envs"), theme.muted),
            ];
            if drift > 0 {
                spans.push(Span::styled(format!(" ↓{drift}"), theme.drift));
            }
            Line::from(spans)
        }
        [line, env] => {
            let Some(e) = snap.line(line).and_then(|l| l.environment(env)) else {
                return Line::from(env.clone());
            };
            let health = e.health();
            let hstyle = match health {
                crate::domain::Health::Ok => theme.ok,
                crate::domain::Health::Degraded => theme.warn,
                crate::domain::Health::Down => theme.error,
            };
            let mut spans = vec![
                Span::styled(health.symbol(), hstyle),
                Span::raw(format!(" {env}")),
            ];
            if e.tier == Tier::Production {
                spans.push(Span::styled(" PROD", theme.production));
            }
            if !e.lanes.is_empty() {
                spans.push(Span::styled(format!(" ⌁{}", e.lanes.len()), theme.canary));
            }
            Line::from(spans)
        }
        [line, env, row] if row.starts_with(crate::domain::lane::MARK) => {
            let lane = snap
                .line(line)
                .and_then(|l| l.environment(env))
                .and_then(|e| {
                    e.lanes
                        .iter()
                        .find(|l| crate::app::navigation::lane_row(&l.name) == *row)
                });
            let Some(lane) = lane else {
                return Line::from(row.clone());
            };
            let spans = vec![
                Span::styled(row.clone(), theme.canary),
                Span::styled(format!(" {} svc", lane.services.len()), theme.muted),
            ];
            let share = if lane.entry_share > 0 {
                vec![Span::styled(
                    format!(" {}%", lane.entry_share),
                    theme.canary,
                )]
            } else {
                Vec::new()
            };
            Line::from(cut_keeping_marks(spans, share, room))
        }
        [line, env, service] => {
            let key = ServiceKey::new(line, env, service);
            let Some(s) = snap.service(&key) else {
                return Line::from(service.clone());
            };
            let ready_style = if s.replicas.ready < s.replicas.desired {
                theme.warn
            } else {
                theme.muted
            };
            let main = vec![
                Span::raw(service.clone()),
                Span::styled(format!(" {}", s.version), theme.accent),
                Span::styled(
                    format!(" {}/{}", s.replicas.ready, s.replicas.desired),
                    ready_style,
                ),
            ];
            // The marks say what is wrong: they keep their place when the row is cut.
            let mut spans = Vec::new();
            if s.canary.is_some() {
                spans.push(Span::styled(
                    format!(" ◆{}%", s.traffic.canary_weight),
                    theme.canary,
                ));
            }
            if s.rollout.is_some() {
                spans.push(Span::styled(" ⟳", theme.warn));
            }
            if let Some(why) = s.pods.iter().find_map(crate::domain::pods::Pod::trouble) {
                spans.push(Span::styled(format!(" ⚠ {why}"), theme.failing));
            }
            match derived::capacity(state, &key).map(|c| c.level) {
                Some(Level::Critical) => spans.insert(0, Span::styled(" ▲", theme.failing)),
                Some(Level::Warn) => spans.insert(0, Span::styled(" △", theme.hot)),
                _ => {}
            }
            Line::from(cut_keeping_marks(main, spans, room))
        }
        _ => Line::from(""),
    }
}

/// `main` then `marks` in `room` columns: `main` is cut first (down to a few letters of
/// the name), then the marks' text from its end.
fn cut_keeping_marks<'a>(main: Vec<Span<'a>>, marks: Vec<Span<'a>>, room: usize) -> Vec<Span<'a>> {
    const NAME_KEPT: usize = 4;
    let width = |spans: &[Span]| spans.iter().map(Span::width).sum::<usize>();
    let marks_w = width(&marks).min(room.saturating_sub(NAME_KEPT));
    let main = cut(main, room.saturating_sub(marks_w));
    let left = room.saturating_sub(width(&main));
    let mut out = main;
    out.extend(cut(marks, left));
    out
}

/// The spans cut to `room` columns (the last one kept ends with …).
fn cut(spans: Vec<Span<'_>>, room: usize) -> Vec<Span<'_>> {
    let mut out = Vec::new();
    let mut used = 0;
    for span in spans {
        let w = span.width();
        if used + w <= room {
            used += w;
            out.push(span);
            continue;
        }
        let left = room - used;
        if left > 0 {
            let text = crate::ui::widgets::truncate(&span.content, left);
            out.push(Span::styled(text, span.style));
        }
        break;
    }
    out
}

/// The rows the tree widget shows in `height` lines: it scrolls just enough to show the
/// selection (a new widget state each frame starts at the top).
fn window(nodes: &[TreeNode], selected: &[String], height: usize) -> std::ops::Range<usize> {
    fn find(nodes: &[TreeNode], selected: &[String], row: &mut usize) -> bool {
        for n in nodes {
            if n.path == selected {
                return true;
            }
            *row += 1;
            if find(&n.children, selected, row) {
                return true;
            }
        }
        false
    }
    let mut row = 0;
    let start = if find(nodes, selected, &mut row) && row >= height {
        row + 1 - height
    } else {
        0
    };
    start..start + height
}

/// The tree's items. Only the rows in the window are labelled (a label looks the node up
/// in the snapshot and counts drift): thousands of rows cost nothing per frame. A closed
/// node gets one unlabelled leaf so that it shows as one that opens.
fn items<'a>(
    state: &State,
    theme: &Theme,
    nodes: &[TreeNode],
    window: &std::ops::Range<usize>,
    row: &mut usize,
    width: usize,
) -> Vec<TreeItem<'a, String>> {
    nodes
        .iter()
        .filter_map(|n| {
            let id = n.path.last().cloned().unwrap_or_default();
            let text = if window.contains(row) {
                label(state, theme, &n.path, width)
            } else {
                Line::default()
            };
            *row += 1;
            if !n.has_children() {
                Some(TreeItem::new_leaf(id, text))
            } else if n.children.is_empty() {
                let placeholder = TreeItem::new_leaf(String::new(), Line::default());
                TreeItem::new(id, text, vec![placeholder]).ok()
            } else {
                TreeItem::new(
                    id,
                    text,
                    items(state, theme, &n.children, window, row, width),
                )
                .ok()
            }
        })
        .collect()
}

/// Opens, in the widget's state, the nodes whose children are built (the open ones).
fn open_shown(nodes: &[TreeNode], tree_state: &mut TreeState<String>) {
    for n in nodes {
        if !n.children.is_empty() {
            tree_state.open(n.path.clone());
            open_shown(&n.children, tree_state);
        }
    }
}

pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let nodes = navigation::tree(state);
    let height = area.height.saturating_sub(2) as usize;
    let items = items(
        state,
        theme,
        &nodes,
        &window(&nodes, &state.selected, height),
        &mut 0,
        area.width.saturating_sub(2) as usize,
    );
    let title = if state.filter.is_empty() {
        " Platform ".to_string()
    } else {
        format!(" Platform /{} ", state.filter.text())
    };
    let focus = matches!(state.mode, Mode::Normal | Mode::Filter);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(if focus {
            theme.border_focus
        } else {
            theme.border
        })
        .title(Span::styled(title, theme.title));
    if items.is_empty() {
        let text = if state.snapshot.product_lines.is_empty() {
            " waiting for the platform…"
        } else {
            " nothing matches the filter"
        };
        let inner = block.inner(area);
        frame.render_widget(block, area);
        super::placeholder(frame, inner, theme, text.trim());
        return;
    }
    let Ok(tree) = Tree::new(&items) else {
        return;
    };
    let tree = tree
        .block(block)
        .highlight_style(theme.selected)
        .node_closed_symbol("▸ ")
        .node_open_symbol("▾ ")
        .node_no_children_symbol("  ");
    let mut tree_state = TreeState::default();
    open_shown(&nodes, &mut tree_state);
    tree_state.select(state.selected.clone());
    frame.render_stateful_widget(tree, area, &mut tree_state);
}
