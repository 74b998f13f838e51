//! Call-graph widget of the topology view. Draws a [`Layout`] left → right: layers are
//! columns of bordered node boxes, dummy slots are horizontal pass-through lines, and edges
//! are routed orthogonally through the gap between columns (out of the source's right side,
//! along a vertical lane, into the target's left side ending in '▶'). Lines that meet merge
//! into junction characters, and every line cell takes the style of the most severe edge
//! through it. Only the visible window of the virtual canvas is drawn.

use crate::domain::topology::{Layout, Route, Slot};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Span;
use ratatui::widgets::Widget;

/// Width of a node box in detailed mode, borders included.
pub const BOX_WIDTH: u16 = 24;
/// Width of a node box in compact mode, borders included.
pub const COMPACT_BOX_WIDTH: u16 = 16;
/// Columns between two layers, where edges are routed.
pub const COLUMN_GAP: u16 = 8;

/// Width of a node box, borders included.
pub const fn box_width(compact: bool) -> u16 {
    [BOX_WIDTH, COMPACT_BOX_WIDTH][compact as usize]
}

/// How a node or an edge stands out. The discriminant is the severity used when several
/// edges share a cell: Selected > Failing > Hot > Canary > Normal > Muted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[repr(u8)]
pub enum Emphasis {
    #[default]
    Normal = 1,
    Canary = 2,
    Hot = 3,
    Failing = 4,
    Selected = 5,
    Muted = 0,
}

impl Emphasis {
    /// Rank among edges sharing a cell, highest wins.
    pub fn severity(self) -> u8 {
        self as u8
    }
}

/// Content of one node box.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeBox {
    /// First inner line; a title containing '◆' (a canary) gets rounded corners.
    pub title: String,
    /// Lines below the title, detailed mode only.
    pub lines: Vec<String>,
    pub emphasis: Emphasis,
}

/// Styles of the graph, usually taken from the theme.
#[derive(Debug, Clone, Default)]
pub struct GraphStyles {
    /// Borders of normal nodes.
    pub border: Style,
    /// Text inside boxes.
    pub text: Style,
    pub canary: Style,
    pub hot: Style,
    pub failing: Style,
    pub selected: Style,
    pub muted: Style,
    /// Lines of normal edges.
    pub edge: Style,
}

/// The widget. `scroll_x`/`scroll_y` name the canvas cell drawn at the area's top-left.
pub struct GraphView<'a> {
    pub layout: &'a Layout,
    /// Indexed by node; a node without an entry gets an empty box.
    pub nodes: &'a [NodeBox],
    /// Indexed by input edge (`Route::edge`); missing entries are `Normal`.
    pub edge_emphasis: &'a [Emphasis],
    pub styles: &'a GraphStyles,
    pub scroll_x: u16,
    pub scroll_y: u16,
    pub compact: bool,
}

/// Size of the whole drawing in cells, for clamping the scroll (saturates at `u16::MAX`).
pub fn canvas_size(layout: &Layout, nodes: &[NodeBox], compact: bool) -> (u16, u16) {
    let (w, h) = Geometry::new(layout, nodes, compact).size();
    (clamp16(w), clamp16(h))
}

/// Top-left corner of node `node`'s box on the canvas, if the node is in the layout.
pub fn node_position(
    layout: &Layout,
    nodes: &[NodeBox],
    compact: bool,
    node: usize,
) -> Option<(u16, u16)> {
    let (l, p) = layout.node_slot(node)?;
    let g = Geometry::new(layout, nodes, compact);
    let (y, _) = *g.rows.get(l)?.get(p)?;
    Some((clamp16(g.col_x(l)), clamp16(y)))
}

fn clamp16(v: usize) -> u16 {
    u16::try_from(v).unwrap_or(u16::MAX)
}

const GAP: usize = COLUMN_GAP as usize;
/// Lanes for vertical segments: the gap minus the stub out, the arrow and one cell before it.
const LANES: usize = GAP - 3;

fn slot_height(slot: Slot, nodes: &[NodeBox], compact: bool) -> usize {
    match slot {
        Slot::Dummy { .. } => 1,
        Slot::Node(_) if compact => 3,
        Slot::Node(i) => 3 + nodes.get(i).map_or(0, |n| n.lines.len()),
    }
}

/// Where every slot sits on the canvas.
struct Geometry {
    box_w: usize,
    /// Per layer and position: (top row, height).
    rows: Vec<Vec<(usize, usize)>>,
}

impl Geometry {
    /// Stacks each layer top-down, one empty row between slots; a slot moves down towards
    /// the mean middle row of its neighbours in the previous layer, so long edges and
    /// single-child chains run straight.
    fn new(layout: &Layout, nodes: &[NodeBox], compact: bool) -> Self {
        let box_w = usize::from(box_width(compact));
        // Per layer: (position, position of the neighbour in the layer before).
        let mut upstream: Vec<Vec<(usize, usize)>> = vec![Vec::new(); layout.layers.len()];
        for (a, b) in layout.routes.iter().flat_map(Route::segments) {
            if let Some(list) = upstream.get_mut(b.0) {
                list.push((b.1, a.1));
            }
        }
        let mut rows: Vec<Vec<(usize, usize)>> = Vec::with_capacity(layout.layers.len());
        for (l, slots) in layout.layers.iter().enumerate() {
            // Sum and count of the neighbours' middle rows, per position.
            let mut pull = vec![(0usize, 0usize); slots.len()];
            if let Some(prev) = l.checked_sub(1).and_then(|k| rows.get(k)) {
                for &(p, q) in &upstream[l] {
                    if let (Some(acc), Some(&(y, h))) = (pull.get_mut(p), prev.get(q)) {
                        *acc = (acc.0 + y + h / 2, acc.1 + 1);
                    }
                }
            }
            let mut free = 0;
            let placed = slots
                .iter()
                .zip(&pull)
                .map(|(&slot, &(sum, count))| {
                    let h = slot_height(slot, nodes, compact);
                    let want = (sum / count.max(1)).saturating_sub(h / 2);
                    let y = want.max(free);
                    free = y + h + 1;
                    (y, h)
                })
                .collect();
            rows.push(placed);
        }
        Geometry { box_w, rows }
    }

    /// Width and height of the whole drawing.
    fn size(&self) -> (usize, usize) {
        let width = (self.rows.len() * (self.box_w + GAP)).saturating_sub(GAP);
        let bottom = self
            .rows
            .iter()
            .filter_map(|l| l.last())
            .map(|&(y, h)| y + h);
        (width, bottom.max().unwrap_or(0))
    }

    fn col_x(&self, layer: usize) -> usize {
        layer * (self.box_w + GAP)
    }

    fn mid(&self, (layer, pos): (usize, usize)) -> Option<usize> {
        let &(y, h) = self.rows.get(layer)?.get(pos)?;
        Some(y + h / 2)
    }
}

const UP: u8 = 1;
const DOWN: u8 = 2;
const LEFT: u8 = 4;
const RIGHT: u8 = 8;
/// Box-drawing character for every combination of the four directions above.
const JUNCTIONS: [char; 16] = [
    ' ', '│', '│', '│', '─', '┘', '┐', '┤', '─', '└', '┌', '├', '─', '┴', '┬', '┼',
];

/// Terminal columns of a character; control characters count 0.
fn char_width(c: char) -> usize {
    if c.is_control() {
        return 0;
    }
    let mut utf8 = [0u8; 4];
    Span::raw(&*c.encode_utf8(&mut utf8)).width()
}

/// Characters of `text` with their widths, cut to `max` columns with '…' when cut.
fn fit(text: &str, max: usize) -> Vec<(char, usize)> {
    let mut chars: Vec<(char, usize)> = text.chars().map(|c| (c, char_width(c))).collect();
    chars.retain(|c| c.1 > 0);
    if chars.iter().map(|c| c.1).sum::<usize>() > max {
        let mut used = 0;
        chars.retain(|c| {
            used += c.1;
            used < max
        });
        chars.extend((max > 0).then_some(('…', 1)));
    }
    chars
}

/// Marks the cell hidden behind the right half of a wide character.
const HIDDEN: char = '\0';

/// The visible window of the virtual canvas: line directions, line emphasis and glyphs.
/// Coordinates are canvas coordinates; everything outside the window is dropped.
struct Canvas {
    x0: usize,
    y0: usize,
    w: usize,
    h: usize,
    dirs: Vec<u8>,
    level: Vec<Emphasis>,
    glyphs: Vec<Option<(char, Style)>>,
}

impl Canvas {
    fn new(x0: usize, y0: usize, w: usize, h: usize) -> Self {
        let n = w * h;
        let (dirs, level, glyphs) = (vec![0; n], vec![Emphasis::Muted; n], vec![None; n]);
        Canvas {
            x0,
            y0,
            w,
            h,
            dirs,
            level,
            glyphs,
        }
    }

    fn index(&self, x: usize, y: usize) -> Option<usize> {
        let (dx, dy) = (x.checked_sub(self.x0)?, y.checked_sub(self.y0)?);
        (dx < self.w && dy < self.h).then_some(dy * self.w + dx)
    }

    /// Visible part of `from..=to` along an axis whose window starts at `origin`.
    fn clip(from: usize, to: usize, origin: usize, len: usize) -> std::ops::RangeInclusive<usize> {
        from.max(origin)..=(origin + len).saturating_sub(1).min(to)
    }

    /// An axis-aligned line between two cells; each cell records the directions it joins.
    fn line(&mut self, (xa, ya): (usize, usize), (xb, yb): (usize, usize), e: Emphasis) {
        let across = ya == yb;
        let (a, b, fixed) = if across { (xa, xb, ya) } else { (ya, yb, xa) };
        let (lo, hi) = (a.min(b), a.max(b));
        let (origin, len, back, ahead) = if across {
            (self.x0, self.w, LEFT, RIGHT)
        } else {
            (self.y0, self.h, UP, DOWN)
        };
        if lo == hi {
            return;
        }
        for v in Self::clip(lo, hi, origin, len) {
            let (x, y) = if across { (v, fixed) } else { (fixed, v) };
            if let Some(i) = self.index(x, y) {
                self.dirs[i] |= if v > lo { back } else { 0 } | if v < hi { ahead } else { 0 };
                if e.severity() > self.level[i].severity() {
                    self.level[i] = e;
                }
            }
        }
    }

    fn put(&mut self, x: usize, y: usize, ch: char, style: Style) {
        if let Some(i) = self.index(x, y) {
            self.glyphs[i] = Some((ch, style));
        }
    }

    fn text(&mut self, x: usize, y: usize, text: &str, max: usize, style: Style) {
        if y < self.y0 || y >= self.y0 + self.h {
            return;
        }
        let mut cx = x;
        for (ch, w) in fit(text, max) {
            self.put(cx, y, ch, style);
            for k in 1..w {
                self.put(cx + k, y, HIDDEN, style);
            }
            cx += w;
        }
    }
}

/// One routed segment between adjacent layers: left slot, right slot, emphasis.
type Segment = ((usize, usize), (usize, usize), Emphasis);
/// A mark on a box border where edges attach ('├', '┤') or a self loop ('↻').
type Port = (usize, usize, char, Emphasis);

impl GraphView<'_> {
    fn style_of(&self, e: Emphasis) -> Style {
        let s = self.styles;
        match e {
            Emphasis::Normal => s.edge,
            Emphasis::Canary => s.canary,
            Emphasis::Hot => s.hot,
            Emphasis::Failing => s.failing,
            Emphasis::Selected => s.selected,
            Emphasis::Muted => s.muted,
        }
    }

    /// Draws every edge line and arrow; returns the border marks to put on the boxes.
    fn draw_edges(&self, g: &Geometry, c: &mut Canvas) -> Vec<Port> {
        let layers = &self.layout.layers;
        let mut gaps: Vec<Vec<Segment>> = vec![Vec::new(); layers.len().saturating_sub(1)];
        let mut arrows: Vec<(usize, usize, char)> = Vec::new();
        let mut ports: Vec<Port> = Vec::new();
        for route in &self.layout.routes {
            let e = self
                .edge_emphasis
                .get(route.edge)
                .copied()
                .unwrap_or_default();
            let (Some(&first), Some(&last)) = (route.hops.first(), route.hops.last()) else {
                continue;
            };
            let (Some(y_first), Some(y_last)) = (g.mid(first), g.mid(last)) else {
                continue;
            };
            if route.self_loop {
                if let Some(&(y, _)) = g.rows.get(first.0).and_then(|r| r.get(first.1)) {
                    ports.push((g.col_x(first.0) + g.box_w - 3, y, '↻', e));
                }
                continue;
            }
            for (a, b) in route.segments() {
                if g.mid(a).is_some()
                    && g.mid(b).is_some()
                    && let Some(gap) = gaps.get_mut(a.0)
                {
                    gap.push((a, b, e));
                }
            }
            for &(l, p) in &route.hops {
                let slot = layers.get(l).and_then(|s| s.get(p));
                let dummy = matches!(slot, Some(Slot::Dummy { .. }));
                if let (true, Some(y)) = (dummy, g.mid((l, p))) {
                    let x = g.col_x(l);
                    c.line((x.saturating_sub(1), y), (x + g.box_w, y), e);
                }
            }
            if last.0 > first.0 {
                arrows.push((g.col_x(last.0).saturating_sub(1), y_last, '▶'));
                ports.push((g.col_x(first.0) + g.box_w - 1, y_first, '├', e));
            } else if last.0 < first.0 {
                arrows.push((g.col_x(last.0) + g.box_w, y_last, '◀'));
                ports.push((g.col_x(first.0), y_first, '┤', e));
            }
        }
        for (l, segments) in gaps.iter().enumerate() {
            route_gap(g, c, l, segments);
        }
        for (x, y, ch) in arrows {
            if let Some(i) = c.index(x, y) {
                c.put(x, y, ch, self.style_of(c.level[i]));
            }
        }
        ports
    }

    fn draw_boxes(&self, g: &Geometry, c: &mut Canvas) {
        let bw = g.box_w;
        for (l, slots) in self.layout.layers.iter().enumerate() {
            let x = g.col_x(l);
            if x >= c.x0 + c.w || x + bw <= c.x0 {
                continue;
            }
            for (&slot, &(y, h)) in slots.iter().zip(&g.rows[l]) {
                let Slot::Node(i) = slot else { continue };
                if y >= c.y0 + c.h || y + h <= c.y0 {
                    continue;
                }
                let node = self.nodes.get(i);
                let emphasis = node.map_or(Emphasis::Normal, |n| n.emphasis);
                let title = node.map_or("", |n| n.title.as_str());
                let st = self.styles;
                let (border, title_style, text_style) = match emphasis {
                    Emphasis::Normal => (st.border, st.text, st.text),
                    Emphasis::Muted => (st.muted, st.muted, st.muted),
                    other => (self.style_of(other), self.style_of(other), st.text),
                };
                let corners = if emphasis == Emphasis::Canary || title.contains('◆') {
                    ['╭', '╮', '╰', '╯']
                } else {
                    ['┌', '┐', '└', '┘']
                };
                for by in Canvas::clip(y, y + h - 1, c.y0, c.h) {
                    for bx in Canvas::clip(x, x + bw - 1, c.x0, c.w) {
                        let edge_row = by == y || by == y + h - 1;
                        let edge_col = bx == x || bx == x + bw - 1;
                        let ch = match (edge_row, edge_col) {
                            (true, true) => {
                                corners[usize::from(by != y) * 2 + usize::from(bx != x)]
                            }
                            (true, false) => '─',
                            (false, true) => '│',
                            (false, false) => ' ',
                        };
                        c.put(bx, by, ch, border);
                    }
                }
                c.text(x + 1, y + 1, title, bw - 2, title_style);
                let lines = node
                    .filter(|_| !self.compact)
                    .map_or(&[][..], |n| &n.lines[..]);
                for (k, line) in lines.iter().enumerate() {
                    c.text(x + 1, y + 2 + k, line, bw - 2, text_style);
                }
            }
        }
    }
}

/// Routes the segments of the gap right of layer `l`. Segments into the same slot share one
/// vertical lane; lanes are spread over the gap, longer vertical runs nearer the sources,
/// and overlapping runs get different lanes while lanes last.
fn route_gap(g: &Geometry, c: &mut Canvas, l: usize, segments: &[Segment]) {
    let x0 = g.col_x(l) + g.box_w;
    let x1 = g.col_x(l + 1).saturating_sub(1);
    if x1 < c.x0 || x0 >= c.x0 + c.w {
        return;
    }
    let rows: Vec<(usize, usize)> = segments
        .iter()
        .map(|s| (g.mid(s.0).unwrap_or(0), g.mid(s.1).unwrap_or(0)))
        .collect();
    // (target position, top row, bottom row) of every target slot.
    let mut groups: Vec<(usize, usize, usize)> = Vec::new();
    for (s, &(sy, ty)) in segments.iter().zip(&rows) {
        match groups.iter_mut().find(|t| t.0 == s.1.1) {
            Some(t) => *t = (t.0, t.1.min(sy), t.2.max(sy)),
            None => groups.push((s.1.1, sy.min(ty), sy.max(ty))),
        }
    }
    groups.retain(|t| t.1 != t.2);
    groups.sort_by(|a, b| (b.2 - b.1).cmp(&(a.2 - a.1)).then(a.0.cmp(&b.0)));
    let k = groups.len();
    let mut taken: Vec<Vec<(usize, usize)>> = vec![Vec::new(); LANES];
    let mut lane_of: Vec<(usize, usize)> = Vec::with_capacity(k);
    for (rank, &(target, lo, hi)) in groups.iter().enumerate() {
        let lane = if k <= LANES {
            (rank * LANES + LANES / 2) / k
        } else {
            (0..LANES)
                .find(|&j| taken[j].iter().all(|&(a, b)| hi < a || b < lo))
                .unwrap_or(rank % LANES)
        };
        taken[lane].push((lo, hi));
        lane_of.push((target, x0 + 1 + lane));
    }
    for (&(_, right, e), &(sy, ty)) in segments.iter().zip(&rows) {
        match lane_of.iter().find(|t| t.0 == right.1) {
            Some(&(_, lane)) => {
                c.line((x0, sy), (lane, sy), e);
                c.line((lane, sy), (lane, ty), e);
                c.line((lane, ty), (x1, ty), e);
            }
            None => c.line((x0, ty), (x1, ty), e),
        }
    }
}

impl Widget for GraphView<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let area = area.intersection(buf.area);
        if area.is_empty() {
            return;
        }
        let g = Geometry::new(self.layout, self.nodes, self.compact);
        let (w, h) = (usize::from(area.width), usize::from(area.height));
        let mut c = Canvas::new(usize::from(self.scroll_x), usize::from(self.scroll_y), w, h);
        let mut ports = self.draw_edges(&g, &mut c);
        self.draw_boxes(&g, &mut c);
        ports.sort_by_key(|p| p.3.severity());
        for (x, y, ch, e) in ports {
            c.put(x, y, ch, self.style_of(e));
        }
        for (i, glyph) in c.glyphs.iter().enumerate() {
            let (dx, dy) = (i % w, i / w);
            let Some(cell) = buf.cell_mut((area.x + dx as u16, area.y + dy as u16)) else {
                continue;
            };
            match *glyph {
                // The right half of a wide character drawn just left of it.
                Some((HIDDEN, _))
                    if dx > 0 && c.glyphs[i - 1].is_some_and(|(p, _)| char_width(p) > 1) =>
                {
                    cell.reset();
                }
                // A wide character cut by the window's edge, or its orphaned right half.
                Some((ch, style)) if ch == HIDDEN || (dx + 1 == w && char_width(ch) > 1) => {
                    cell.set_char(' ').set_style(style);
                }
                Some((ch, style)) => {
                    cell.set_char(ch).set_style(style);
                }
                None if c.dirs[i] != 0 => {
                    cell.set_char(JUNCTIONS[usize::from(c.dirs[i] & 15)])
                        .set_style(self.style_of(c.level[i]));
                }
                None => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::topology::layout;
    use ratatui::style::Color;

    /// Layout, boxes and per-edge emphasis of a small graph.
    struct Scene(Layout, Vec<NodeBox>, Vec<Emphasis>);

    impl Scene {
        fn new(n: usize, edges: &[(usize, usize)]) -> Self {
            let node = |i| NodeBox {
                title: format!("svc{i}"),
                lines: vec!["1/s".into(), "p99 3ms".into()],
                emphasis: Emphasis::Normal,
            };
            let emphasis = vec![Emphasis::Normal; edges.len()];
            Scene(layout(n, edges), (0..n).map(node).collect(), emphasis)
        }

        fn draw(&self, buf: &mut Buffer, area: Rect, scroll: (u16, u16), compact: bool) {
            let styles = GraphStyles {
                failing: Style::default().fg(Color::Red),
                muted: Style::default().fg(Color::DarkGray),
                ..GraphStyles::default()
            };
            let view = GraphView {
                layout: &self.0,
                nodes: &self.1,
                edge_emphasis: &self.2,
                styles: &styles,
                scroll_x: scroll.0,
                scroll_y: scroll.1,
                compact,
            };
            view.render(area, buf);
        }

        fn render(&self, w: u16, h: u16, scroll: (u16, u16), compact: bool) -> Buffer {
            let mut buf = Buffer::empty(Rect::new(0, 0, w, h));
            self.draw(&mut buf, Rect::new(0, 0, w, h), scroll, compact);
            buf
        }

        fn text(&self, w: u16, h: u16, scroll: (u16, u16), compact: bool) -> String {
            let buf = self.render(w, h, scroll, compact);
            let row = |y| (0..w).map(|x| buf[(x, y)].symbol()).collect::<String>() + "\n";
            (0..h).map(row).collect()
        }
    }

    #[test]
    fn edge_between_two_nodes_has_an_arrow() {
        let s = Scene::new(2, &[(0, 1)]).text(80, 10, (0, 0), false);
        assert!(s.contains("│svc0") && s.contains("│svc1"), "{s}");
        assert!(s.contains("├───────▶│"), "{s}");
    }

    #[test]
    fn fan_out_draws_a_junction_in_the_gap() {
        let s = Scene::new(3, &[(0, 1), (0, 2)]).text(80, 20, (0, 0), false);
        let gap: String = s.lines().flat_map(|l| l.chars().skip(24).take(8)).collect();
        assert!(gap.chars().any(|c| "├┤┬┴┼".contains(c)), "{s}");
        assert_eq!(s.matches('▶').count(), 2, "{s}");
    }

    #[test]
    fn long_edge_runs_straight_through_its_dummy() {
        let s = Scene::new(3, &[(0, 1), (1, 2), (0, 2)]).text(120, 20, (0, 0), false);
        let through = |l: &str| l.chars().skip(31).take(26).all(|c| c == '─');
        assert!(s.lines().any(through), "{s}");
        // Both edges into svc2 end in the same arrow.
        assert_eq!(s.matches('▶').count(), 2, "{s}");
    }

    #[test]
    fn scrolling_hides_the_first_column() {
        let scene = Scene::new(2, &[(0, 1)]);
        assert!(scene.text(40, 10, (0, 0), false).contains("svc0"));
        let s = scene.text(40, 10, (32, 0), false);
        assert!(
            !s.contains("svc0") && s.starts_with('┌') && s.contains("svc1"),
            "{s}"
        );
        let s = scene.text(40, 10, (0, 3), false);
        assert!(!s.contains("svc0") && s.contains("p99"), "{s}");
    }

    #[test]
    fn zero_and_tiny_areas_do_not_panic_or_spill() {
        let scene = Scene::new(4, &[(0, 1), (1, 2), (2, 0), (3, 3), (0, 3)]);
        for (w, h) in [(0, 0), (0, 5), (5, 0), (1, 1), (3, 2)] {
            for scroll in [(0, 0), (1, 1), (u16::MAX, u16::MAX)] {
                scene.render(w, h, scroll, false);
            }
        }
        let mut buf = Buffer::filled(Rect::new(0, 0, 30, 12), ratatui::buffer::Cell::new("x"));
        scene.draw(&mut buf, Rect::new(5, 3, 10, 4), (20, 1), false);
        scene.draw(&mut buf, Rect::new(25, 10, 40, 40), (0, 0), true);
        for (x, y) in (0..30).flat_map(|x| (0..12).map(move |y| (x, y))) {
            let inside = (5..15).contains(&x) && (3..7).contains(&y) || x >= 25 && y >= 10;
            assert!(inside || buf[(x, y)].symbol() == "x", "({x},{y})");
        }
    }

    #[test]
    fn compact_boxes_are_shorter_and_narrower() {
        let scene = Scene::new(2, &[(0, 1)]);
        let detailed = canvas_size(&scene.0, &scene.1, false);
        let compact = canvas_size(&scene.0, &scene.1, true);
        assert_eq!(detailed, (2 * BOX_WIDTH + COLUMN_GAP, 5));
        assert_eq!(compact, (2 * COMPACT_BOX_WIDTH + COLUMN_GAP, 3));
        let s = scene.text(compact.0, compact.1, (0, 0), true);
        assert!(s.contains("│svc1") && !s.contains("p99"), "{s}");
        assert_eq!(canvas_size(&Layout::default(), &[], false), (0, 0));
    }

    #[test]
    fn long_text_is_cut_with_an_ellipsis_and_canaries_are_rounded() {
        let mut scene = Scene::new(1, &[]);
        scene.1[0].title = "a-very-long-service-name@1.2.3◆".into();
        scene.1[0].lines = vec!["日本語のとても長いテキストです".into()];
        let buf = scene.render(30, 5, (0, 0), false);
        let s = scene.text(30, 5, (0, 0), false);
        assert!(
            s.starts_with('╭') && s.contains("│a-very-long-service-n…│"),
            "{s}"
        );
        assert_eq!(buf[(23, 2)].symbol(), "│", "{s}");
        assert!(fit("abc", 0).is_empty());
        assert_eq!(fit("abcd", 4).len(), 4);
    }

    #[test]
    fn cycles_and_self_loops_are_drawn() {
        let s = Scene::new(2, &[(0, 1), (1, 0), (1, 1)]).text(80, 12, (0, 0), false);
        assert!(s.contains('▶') && s.contains('◀') && s.contains('↻'), "{s}");
        assert_eq!(char_width('↻'), 1);
    }

    #[test]
    fn the_most_severe_edge_styles_a_shared_cell() {
        let mut scene = Scene::new(3, &[(0, 1), (0, 2)]);
        let y = node_position(&scene.0, &scene.1, false, 0).map_or(0, |p| p.1) + 2;
        scene.2 = vec![Emphasis::Muted, Emphasis::Failing];
        let buf = scene.render(80, 20, (0, 0), false);
        assert_eq!((buf[(24, y)].symbol(), buf[(24, y)].fg), ("─", Color::Red));
        scene.2 = vec![Emphasis::Muted, Emphasis::Muted];
        assert_eq!(
            scene.render(80, 20, (0, 0), false)[(24, y)].fg,
            Color::DarkGray
        );
    }

    #[test]
    fn node_position_matches_the_drawn_box() {
        let scene = Scene::new(4, &[(0, 1), (0, 2), (2, 3)]);
        let buf = scene.render(120, 30, (0, 0), false);
        for v in 0..4 {
            let (x, y) = node_position(&scene.0, &scene.1, false, v).unwrap_or_default();
            let title: String = (x + 1..x + 5).map(|x| buf[(x, y + 1)].symbol()).collect();
            assert_eq!((buf[(x, y)].symbol(), title), ("┌", format!("svc{v}")));
        }
        assert_eq!(node_position(&scene.0, &scene.1, false, 9), None);
    }
}
