//! Draws a laid-out call graph with box-drawing characters: layers as columns, node boxes,
//! orthogonal edges merged into junctions, colored by the most severe edge through a cell.

use crate::domain::topology::{Layout, Slot};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::widgets::Widget;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Emphasis {
    Muted,
    Normal,
    Canary,
    Hot,
    Failing,
    Selected,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NodeBox {
    pub title: String,
    pub lines: Vec<String>,
    pub emphasis: Emphasis,
}

#[derive(Debug, Clone)]
pub struct GraphStyles {
    pub border: Style,
    pub text: Style,
    pub canary: Style,
    pub hot: Style,
    pub failing: Style,
    pub selected: Style,
    pub muted: Style,
    pub edge: Style,
}

pub struct GraphView<'a> {
    pub layout: &'a Layout,
    pub nodes: &'a [NodeBox],
    /// Per input edge.
    pub edge_emphasis: &'a [Emphasis],
    pub styles: &'a GraphStyles,
    pub scroll_x: u16,
    pub scroll_y: u16,
    pub compact: bool,
}

const GAP: usize = 8;
const UP: u8 = 1;
const DOWN: u8 = 2;
const LEFT: u8 = 4;
const RIGHT: u8 = 8;

fn box_width(compact: bool) -> usize {
    if compact { 16 } else { 24 }
}

fn slot_height(slot: &Slot, nodes: &[NodeBox], compact: bool) -> usize {
    match slot {
        Slot::Dummy { .. } => 1,
        Slot::Node(_) if compact => 3,
        Slot::Node(i) => 3 + nodes.get(*i).map_or(0, |n| n.lines.len()),
    }
}

/// (x, y, height) of every slot on the virtual canvas.
fn positions(layout: &Layout, nodes: &[NodeBox], compact: bool) -> Vec<Vec<(usize, usize, usize)>> {
    let w = box_width(compact);
    layout
        .layers
        .iter()
        .enumerate()
        .map(|(l, slots)| {
            let mut y = 0;
            slots
                .iter()
                .map(|s| {
                    let h = slot_height(s, nodes, compact);
                    let p = (l * (w + GAP), y, h);
                    y += h + 1;
                    p
                })
                .collect()
        })
        .collect()
}

/// Size of the whole drawing, for clamping the scroll.
pub fn canvas_size(layout: &Layout, nodes: &[NodeBox], compact: bool) -> (u16, u16) {
    let pos = positions(layout, nodes, compact);
    let w = layout.layers.len() * (box_width(compact) + GAP);
    let h = pos
        .iter()
        .filter_map(|l| l.last())
        .map(|(_, y, h)| y + h)
        .max()
        .unwrap_or(0);
    (
        w.min(u16::MAX as usize) as u16,
        h.min(u16::MAX as usize) as u16,
    )
}

/// Top-left of a node on the virtual canvas.
pub fn node_position(
    layout: &Layout,
    nodes: &[NodeBox],
    compact: bool,
    node: usize,
) -> Option<(u16, u16)> {
    let pos = positions(layout, nodes, compact);
    for (l, slots) in layout.layers.iter().enumerate() {
        if let Some(p) = slots.iter().position(|s| *s == Slot::Node(node)) {
            let (x, y, _) = pos[l][p];
            return Some((x as u16, y as u16));
        }
    }
    None
}

struct Canvas {
    w: usize,
    h: usize,
    dirs: Vec<u8>,
    level: Vec<Emphasis>,
    text: Vec<Option<(char, Style)>>,
}

impl Canvas {
    fn line(&mut self, x: usize, y: usize, bits: u8, e: Emphasis) {
        if x < self.w && y < self.h {
            let i = y * self.w + x;
            self.dirs[i] |= bits;
            self.level[i] = self.level[i].max(e);
        }
    }

    fn hline(&mut self, x0: usize, x1: usize, y: usize, e: Emphasis) {
        let (a, b) = (x0.min(x1), x0.max(x1));
        for x in a..=b {
            let mut bits = 0;
            if x > a {
                bits |= LEFT;
            }
            if x < b {
                bits |= RIGHT;
            }
            self.line(x, y, bits, e);
        }
    }

    fn vline(&mut self, x: usize, y0: usize, y1: usize, e: Emphasis) {
        let (a, b) = (y0.min(y1), y0.max(y1));
        for y in a..=b {
            let mut bits = 0;
            if y > a {
                bits |= UP;
            }
            if y < b {
                bits |= DOWN;
            }
            self.line(x, y, bits, e);
        }
    }

    fn put(&mut self, x: usize, y: usize, c: char, s: Style) {
        if x < self.w && y < self.h {
            self.text[y * self.w + x] = Some((c, s));
        }
    }

    fn puts(&mut self, x: usize, y: usize, text: &str, max: usize, s: Style) {
        let t = super::truncate(text, max);
        for (i, c) in t.chars().enumerate() {
            self.put(x + i, y, c, s);
        }
    }
}

fn junction(bits: u8) -> char {
    match bits {
        b if b == LEFT | RIGHT || b == LEFT || b == RIGHT => '─',
        b if b == UP | DOWN || b == UP || b == DOWN => '│',
        b if b == DOWN | RIGHT => '┌',
        b if b == DOWN | LEFT => '┐',
        b if b == UP | RIGHT => '└',
        b if b == UP | LEFT => '┘',
        b if b == UP | DOWN | RIGHT => '├',
        b if b == UP | DOWN | LEFT => '┤',
        b if b == LEFT | RIGHT | DOWN => '┬',
        b if b == LEFT | RIGHT | UP => '┴',
        _ => '┼',
    }
}

impl GraphView<'_> {
    fn style(&self, e: Emphasis) -> Style {
        match e {
            Emphasis::Muted => self.styles.muted,
            Emphasis::Normal => self.styles.edge,
            Emphasis::Canary => self.styles.canary,
            Emphasis::Hot => self.styles.hot,
            Emphasis::Failing => self.styles.failing,
            Emphasis::Selected => self.styles.selected,
        }
    }

    fn draw_canvas(&self) -> Canvas {
        let (cw, ch) = canvas_size(self.layout, self.nodes, self.compact);
        let (w, h) = (cw as usize, ch as usize);
        let mut c = Canvas {
            w,
            h,
            dirs: vec![0; w * h],
            level: vec![Emphasis::Muted; w * h],
            text: vec![None; w * h],
        };
        let bw = box_width(self.compact);
        let pos = positions(self.layout, self.nodes, self.compact);
        let mid = |l: usize, p: usize| -> (usize, usize) {
            let (x, y, hgt) = pos[l][p];
            (x, y + hgt / 2)
        };
        for route in &self.layout.routes {
            let e = self
                .edge_emphasis
                .get(route.edge)
                .copied()
                .unwrap_or(Emphasis::Normal);
            for win in route.hops.windows(2) {
                let ((la, pa), (lb, pb)) = (win[0], win[1]);
                let (left, right) = if la < lb {
                    ((la, pa), (lb, pb))
                } else {
                    ((lb, pb), (la, pa))
                };
                let (lx, ly) = mid(left.0, left.1);
                let (rx, ry) = mid(right.0, right.1);
                let start = lx + bw;
                let lane = start + 1 + (right.1 % (GAP - 3));
                c.hline(start, lane, ly, e);
                c.vline(lane, ly, ry, e);
                c.hline(lane, rx.saturating_sub(1), ry, e);
            }
            for &(l, p) in &route.hops {
                if let Slot::Dummy { .. } = self.layout.layers[l][p] {
                    let (x, y) = mid(l, p);
                    c.hline(x.saturating_sub(1), x + bw, y, e);
                }
            }
            if let (Some(&(la, _)), Some(&(lb, pb))) = (route.hops.first(), route.hops.last()) {
                let (x, y) = mid(lb, pb);
                let s = self.style(e);
                if lb > la {
                    c.put(x.saturating_sub(1), y, '▶', s);
                } else if lb < la {
                    c.put(x + bw, y, '◀', s);
                }
            }
        }
        for (l, slots) in self.layout.layers.iter().enumerate() {
            for (p, slot) in slots.iter().enumerate() {
                let Slot::Node(i) = slot else { continue };
                let Some(node) = self.nodes.get(*i) else {
                    continue;
                };
                let (x, y, hgt) = pos[l][p];
                let border = match node.emphasis {
                    Emphasis::Normal | Emphasis::Muted => self.styles.border,
                    other => self.style(other),
                };
                let rounded = node.emphasis == Emphasis::Canary || node.title.contains('◆');
                let (tl, tr, bl, br) = if rounded {
                    ('╭', '╮', '╰', '╯')
                } else {
                    ('┌', '┐', '└', '┘')
                };
                for dx in 0..bw {
                    for dy in 0..hgt {
                        let ch = match (dx, dy) {
                            (0, 0) => tl,
                            (dx, 0) if dx == bw - 1 => tr,
                            (0, dy) if dy == hgt - 1 => bl,
                            (dx, dy) if dx == bw - 1 && dy == hgt - 1 => br,
                            (_, 0) => '─',
                            (_, dy) if dy == hgt - 1 => '─',
                            (0, _) => '│',
                            (dx, _) if dx == bw - 1 => '│',
                            _ => ' ',
                        };
                        c.put(x + dx, y + dy, ch, border);
                    }
                }
                let title_style = if node.emphasis == Emphasis::Normal {
                    self.styles.text
                } else {
                    border
                };
                c.puts(x + 1, y + 1, &node.title, bw - 2, title_style);
                if !self.compact {
                    for (k, line) in node.lines.iter().enumerate() {
                        c.puts(x + 1, y + 2 + k, line, bw - 2, self.styles.text);
                    }
                }
            }
        }
        c
    }
}

impl Widget for GraphView<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        if area.width == 0 || area.height == 0 {
            return;
        }
        let c = self.draw_canvas();
        for dy in 0..area.height as usize {
            let cy = dy + self.scroll_y as usize;
            if cy >= c.h {
                break;
            }
            for dx in 0..area.width as usize {
                let cx = dx + self.scroll_x as usize;
                if cx >= c.w {
                    break;
                }
                let i = cy * c.w + cx;
                let (ch, style) = match c.text[i] {
                    Some(t) => t,
                    None if c.dirs[i] != 0 => (junction(c.dirs[i]), self.style(c.level[i])),
                    None => continue,
                };
                let pos = (area.x + dx as u16, area.y + dy as u16);
                if let Some(cell) = buf.cell_mut(pos) {
                    cell.set_char(ch).set_style(style);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::topology::layout;

    fn boxes(n: usize) -> Vec<NodeBox> {
        (0..n)
            .map(|i| NodeBox {
                title: format!("svc{i}"),
                lines: vec!["1/s".into()],
                emphasis: Emphasis::Normal,
            })
            .collect()
    }

    fn styles() -> GraphStyles {
        let s = Style::default();
        GraphStyles {
            border: s,
            text: s,
            canary: s,
            hot: s,
            failing: s,
            selected: s,
            muted: s,
            edge: s,
        }
    }

    fn render(l: &Layout, nodes: &[NodeBox], w: u16, h: u16, sx: u16, compact: bool) -> String {
        let emph = vec![Emphasis::Normal; l.routes.len()];
        let st = styles();
        let mut buf = Buffer::empty(Rect::new(0, 0, w, h));
        GraphView {
            layout: l,
            nodes,
            edge_emphasis: &emph,
            styles: &st,
            scroll_x: sx,
            scroll_y: 0,
            compact,
        }
        .render(Rect::new(0, 0, w, h), &mut buf);
        (0..h)
            .map(|y| {
                (0..w)
                    .map(|x| buf[(x, y)].symbol().to_string())
                    .collect::<String>()
                    + "\n"
            })
            .collect()
    }

    #[test]
    fn edge_between_two_nodes_has_an_arrow() {
        let l = layout(2, &[(0, 1)]);
        let s = render(&l, &boxes(2), 80, 10, 0, false);
        assert!(
            s.contains("svc0") && s.contains("svc1") && s.contains('▶'),
            "{s}"
        );
    }

    #[test]
    fn fan_out_draws_a_junction() {
        let l = layout(3, &[(0, 1), (0, 2)]);
        let s = render(&l, &boxes(3), 80, 20, 0, false);
        assert!(s.chars().any(|c| "├┤┬┴┼┐┘".contains(c)), "{s}");
    }

    #[test]
    fn scrolling_hides_the_first_column_and_zero_area_is_safe() {
        let l = layout(2, &[(0, 1)]);
        let s = render(&l, &boxes(2), 40, 10, 32, false);
        assert!(!s.contains("svc0") && s.contains("svc1"), "{s}");
        let _ = render(&l, &boxes(2), 0, 0, 0, false);
    }

    #[test]
    fn compact_boxes_are_shorter() {
        let l = layout(2, &[(0, 1)]);
        let (_, hd) = canvas_size(&l, &boxes(2), false);
        let (_, hc) = canvas_size(&l, &boxes(2), true);
        assert!(hc < hd);
    }
}
