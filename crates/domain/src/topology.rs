//! Layered layout of the call graph for the topology view (left → right): cycles are broken
//! by reversing DFS back edges, nodes are layered by longest path from the sources, edges
//! spanning several layers get one dummy slot per layer in between, and each layer is ordered
//! by barycenter sweeps to reduce crossings. Pure and deterministic; no drawing here.

use super::traffic::{NodeId, TrafficFrame};
use std::collections::HashMap;

/// The call graph of one traffic frame.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Graph {
    /// Distinct nodes in first-seen order (each edge's source before its target).
    pub nodes: Vec<NodeId>,
    /// Index pairs into `nodes`; edge i is `frame.edges[i]`.
    pub edges: Vec<(usize, usize)>,
}

/// The call graph of `frame`: nodes deduplicated, one edge per `frame.edges` entry.
pub fn graph_of(frame: &TrafficFrame) -> Graph {
    let mut index: HashMap<&NodeId, usize> = HashMap::new();
    let mut nodes = Vec::new();
    let mut id = |n| {
        *index.entry(n).or_insert_with(|| {
            nodes.push(n.clone());
            nodes.len() - 1
        })
    };
    let edges = frame
        .edges
        .iter()
        .map(|e| (id(&e.from), id(&e.to)))
        .collect();
    Graph { nodes, edges }
}

/// One place in a layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Slot {
    /// Node `i` of the graph.
    Node(usize),
    /// Pass-through of input edge `edge` in a layer strictly between its two ends.
    Dummy { edge: usize },
}

/// Where one input edge runs through the layout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// Index of the input edge.
    pub edge: usize,
    /// (layer, position) of every slot the edge passes, from the edge's source to its target.
    /// Consecutive hops are in adjacent layers. One hop for a self loop; empty when the
    /// edge names a node index out of range.
    pub hops: Vec<(usize, usize)>,
    /// The edge closes a cycle and was reversed for layering: its hops run right → left.
    pub reversed: bool,
    /// The edge leaves and enters the same node.
    pub self_loop: bool,
}

impl Route {
    /// The route's segments as (left hop, right hop) pairs between adjacent layers.
    pub fn segments(&self) -> impl Iterator<Item = ((usize, usize), (usize, usize))> + '_ {
        self.hops.windows(2).filter_map(|w| {
            let (a, b) = if w[0].0 < w[1].0 {
                (w[0], w[1])
            } else {
                (w[1], w[0])
            };
            (b.0 == a.0 + 1).then_some((a, b))
        })
    }
}

/// Layers from left to right, each ordered top to bottom, and one route per input edge.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Layout {
    pub layers: Vec<Vec<Slot>>,
    /// `routes[i]` belongs to input edge i.
    pub routes: Vec<Route>,
}

impl Layout {
    /// (layer, position) of node `node`, if it was placed.
    pub fn node_slot(&self, node: usize) -> Option<(usize, usize)> {
        self.layers.iter().enumerate().find_map(|(l, slots)| {
            slots
                .iter()
                .position(|s| *s == Slot::Node(node))
                .map(|p| (l, p))
        })
    }
}

/// Barycenter rounds (one down sweep and one up sweep each).
const SWEEP_ROUNDS: usize = 8;

/// Lays out `node_count` nodes and `edges` (index pairs; pairs out of range are skipped).
pub fn layout(node_count: usize, edges: &[(usize, usize)]) -> Layout {
    layout_with_rounds(node_count, edges, SWEEP_ROUNDS)
}

fn layout_with_rounds(n: usize, edges: &[(usize, usize)], rounds: usize) -> Layout {
    let usable = |&(a, b): &(usize, usize)| a < n && b < n && a != b;
    let reversed = back_edges(n, edges);
    let directed: Vec<Option<(usize, usize)>> = edges
        .iter()
        .zip(&reversed)
        .map(|(e, &r)| usable(e).then_some(if r { (e.1, e.0) } else { *e }))
        .collect();
    let rank = longest_path(n, &directed);
    let depth = rank.iter().max().map_or(0, |d| d + 1);

    // Slots 0..n are the nodes, dummies follow; chains list each edge's slots in layer order.
    let mut slots: Vec<Slot> = (0..n).map(Slot::Node).collect();
    let mut slot_layer = rank;
    let mut chains: Vec<Vec<usize>> = vec![Vec::new(); edges.len()];
    for (i, d) in directed.iter().enumerate() {
        let Some((a, b)) = *d else { continue };
        let (la, lb) = (slot_layer[a], slot_layer[b]);
        let mut chain = Vec::with_capacity(lb.saturating_sub(la) + 1);
        chain.push(a);
        for l in la + 1..lb {
            slots.push(Slot::Dummy { edge: i });
            slot_layer.push(l);
            chain.push(slots.len() - 1);
        }
        chain.push(b);
        chains[i] = chain;
    }
    let segments = || {
        chains
            .iter()
            .flat_map(|c| c.windows(2).map(|w| (w[0], w[1])))
    };
    let lower = Adjacency::new(slots.len(), segments());
    let upper = Adjacency::new(slots.len(), segments().map(|(a, b)| (b, a)));
    let mut order: Vec<Vec<usize>> = vec![Vec::new(); depth];
    for (s, &l) in slot_layer.iter().enumerate() {
        order[l].push(s);
    }
    let order = reduce_crossings(order, &upper, &lower, slots.len(), rounds);

    let mut pos = vec![0; slots.len()];
    set_positions(&order, &mut pos);
    let at = |s: usize| (slot_layer[s], pos[s]);
    let routes = edges
        .iter()
        .enumerate()
        .map(|(i, &(a, b))| {
            let self_loop = a < n && a == b;
            let mut hops: Vec<(usize, usize)> = if self_loop {
                vec![at(a)]
            } else {
                chains[i].iter().map(|&s| at(s)).collect()
            };
            let reversed = reversed[i] && !self_loop;
            if reversed {
                hops.reverse();
            }
            Route {
                edge: i,
                hops,
                reversed,
                self_loop,
            }
        })
        .collect();
    let layers = order
        .iter()
        .map(|l| l.iter().map(|&s| slots[s]).collect())
        .collect();
    Layout { layers, routes }
}

/// Edges that close a cycle: back edges of an iterative DFS started from the nodes without
/// inbound edges first, then from the rest in index order. Self loops are never back edges.
fn back_edges(n: usize, edges: &[(usize, usize)]) -> Vec<bool> {
    let mut out: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut has_inbound = vec![false; n];
    for (i, &(a, b)) in edges.iter().enumerate() {
        if a < n && b < n && a != b {
            out[a].push(i);
            has_inbound[b] = true;
        }
    }
    let mut back = vec![false; edges.len()];
    // 0 unvisited, 1 on the DFS stack, 2 finished.
    let mut state = vec![0u8; n];
    let roots = (0..n)
        .filter(|&v| !has_inbound[v])
        .chain((0..n).filter(|&v| has_inbound[v]));
    let mut stack: Vec<(usize, usize)> = Vec::new();
    for root in roots {
        if state[root] != 0 {
            continue;
        }
        state[root] = 1;
        stack.push((root, 0));
        while let Some(top) = stack.last_mut() {
            let (v, next) = *top;
            let Some(&e) = out[v].get(next) else {
                state[v] = 2;
                stack.pop();
                continue;
            };
            top.1 += 1;
            let w = edges[e].1;
            match state[w] {
                0 => {
                    state[w] = 1;
                    stack.push((w, 0));
                }
                1 => back[e] = true,
                _ => {}
            }
        }
    }
    back
}

/// Layer of every node: the longest path (in edges) from any source, over the acyclic edges.
fn longest_path(n: usize, directed: &[Option<(usize, usize)>]) -> Vec<usize> {
    let mut indegree = vec![0usize; n];
    let mut succ: Vec<Vec<usize>> = vec![Vec::new(); n];
    for &(a, b) in directed.iter().flatten() {
        succ[a].push(b);
        indegree[b] += 1;
    }
    let mut rank = vec![0usize; n];
    let mut queue: Vec<usize> = (0..n).filter(|&v| indegree[v] == 0).collect();
    let mut head = 0;
    while let Some(&v) = queue.get(head) {
        head += 1;
        for &w in &succ[v] {
            rank[w] = rank[w].max(rank[v] + 1);
            indegree[w] -= 1;
            if indegree[w] == 0 {
                queue.push(w);
            }
        }
    }
    rank
}

fn set_positions(order: &[Vec<usize>], pos: &mut [usize]) {
    for layer in order {
        for (p, &s) in layer.iter().enumerate() {
            pos[s] = p;
        }
    }
}

/// Neighbours of every slot in one direction, stored flat (compressed rows).
struct Adjacency {
    start: Vec<usize>,
    list: Vec<usize>,
}

impl Adjacency {
    fn new(slot_count: usize, pairs: impl Iterator<Item = (usize, usize)> + Clone) -> Self {
        let mut start = vec![0usize; slot_count + 1];
        for (a, _) in pairs.clone() {
            start[a + 1] += 1;
        }
        for i in 0..slot_count {
            start[i + 1] += start[i];
        }
        let mut fill = start.clone();
        let mut list = vec![0; start[slot_count]];
        for (a, b) in pairs {
            list[fill[a]] = b;
            fill[a] += 1;
        }
        Adjacency { start, list }
    }

    fn of(&self, slot: usize) -> &[usize] {
        &self.list[self.start[slot]..self.start[slot + 1]]
    }
}

/// Scratch buffers reused by the sweeps and crossing counts.
#[derive(Default)]
struct Scratch {
    keyed: Vec<(u64, usize)>,
    previous: Vec<usize>,
    tree: Vec<usize>,
    ends: Vec<usize>,
}

/// Barycenter sweeps down and up; keeps the order with the fewest crossings seen, and stops
/// early once a round brings no improvement.
fn reduce_crossings(
    mut order: Vec<Vec<usize>>,
    upper: &Adjacency,
    lower: &Adjacency,
    slot_count: usize,
    rounds: usize,
) -> Vec<Vec<usize>> {
    let mut pos = vec![0; slot_count];
    set_positions(&order, &mut pos);
    let mut scratch = Scratch::default();
    let depth = order.len();
    // Crossings per pair of adjacent layers, recounted only where a layer moved.
    let mut pair_counts: Vec<usize> = (0..depth.saturating_sub(1))
        .map(|l| pair_crossings(&order[l], order[l + 1].len(), lower, &pos, &mut scratch))
        .collect();
    let mut best_count: usize = pair_counts.iter().sum();
    let mut best = order.clone();
    let mut moved = vec![false; depth];
    for _ in 0..rounds {
        if best_count == 0 {
            break;
        }
        let before = best_count;
        for l in 1..depth {
            moved[l] |= sort_by_barycenter(&mut order[l], upper, &mut pos, &mut scratch);
        }
        for l in (0..depth.saturating_sub(1)).rev() {
            moved[l] |= sort_by_barycenter(&mut order[l], lower, &mut pos, &mut scratch);
        }
        for (l, count) in pair_counts.iter_mut().enumerate() {
            if moved[l] || moved[l + 1] {
                *count = pair_crossings(&order[l], order[l + 1].len(), lower, &pos, &mut scratch);
            }
        }
        moved.fill(false);
        let total = pair_counts.iter().sum();
        if total < best_count {
            best_count = total;
            best.clone_from(&order);
        }
        if best_count >= before {
            break;
        }
    }
    best
}

/// Orders one layer by the mean position of each slot's neighbours in the reference layer;
/// a slot without neighbours keeps its current position as key; ties keep the current order.
/// Returns whether the order changed.
fn sort_by_barycenter(
    layer: &mut [usize],
    neighbours: &Adjacency,
    pos: &mut [usize],
    scratch: &mut Scratch,
) -> bool {
    let keyed = &mut scratch.keyed;
    keyed.clear();
    keyed.extend(layer.iter().enumerate().map(|(p, &s)| {
        let ns = neighbours.of(s);
        // Mean neighbour position in fixed point with 16 fractional bits: exact enough to
        // order a layer, and far from overflowing for any layer a screen can show.
        let key = if ns.is_empty() {
            (p as u64) << 16
        } else {
            let sum = ns
                .iter()
                .map(|&t| pos[t] as u64)
                .fold(0, u64::saturating_add);
            sum.saturating_mul(1 << 16) / ns.len() as u64
        };
        (key, p)
    }));
    if keyed.is_sorted() {
        return false;
    }
    keyed.sort_unstable();
    scratch.previous.clear();
    scratch.previous.extend_from_slice(layer);
    for (p, (slot, &(_, old))) in layer.iter_mut().zip(keyed.iter()).enumerate() {
        *slot = scratch.previous[old];
        pos[*slot] = p;
    }
    true
}

/// Crossings between the slots of `upper_layer` and the layer below (`width` slots): the
/// upper slots are taken in order and each segment counts the earlier segments that end
/// further right below it, using a Fenwick tree over the lower layer's positions.
fn pair_crossings(
    upper_layer: &[usize],
    width: usize,
    lower: &Adjacency,
    pos: &[usize],
    scratch: &mut Scratch,
) -> usize {
    let tree = &mut scratch.tree;
    tree.clear();
    tree.resize(width + 1, 0);
    let (mut seen, mut count) = (0, 0);
    for &s in upper_layer {
        let ends = match lower.of(s) {
            [] => continue,
            &[t] => std::slice::from_ref(&pos[t]),
            many => {
                scratch.ends.clear();
                scratch.ends.extend(many.iter().map(|&t| pos[t]));
                scratch.ends.sort_unstable();
                &scratch.ends[..]
            }
        };
        for &b in ends {
            count += seen - fenwick_prefix(tree, b);
            fenwick_add(tree, b);
            seen += 1;
        }
    }
    count
}

/// Number of recorded positions at or left of `p`.
fn fenwick_prefix(tree: &[usize], p: usize) -> usize {
    let mut i = p + 1;
    let mut sum = 0;
    while i > 0 {
        sum += tree[i];
        i &= i - 1;
    }
    sum
}

fn fenwick_add(tree: &mut [usize], p: usize) {
    let mut i = p + 1;
    while i < tree.len() {
        tree[i] += 1;
        i += i & i.wrapping_neg();
    }
}

/// Number of edge crossings between adjacent layers of a finished layout.
pub fn crossings(layout: &Layout) -> usize {
    let mut per_gap: Vec<Vec<(usize, usize)>> =
        vec![Vec::new(); layout.layers.len().saturating_sub(1)];
    for (a, b) in layout.routes.iter().flat_map(Route::segments) {
        let width = layout.layers.get(b.0).map_or(0, Vec::len);
        if b.1 < width
            && let Some(gap) = per_gap.get_mut(a.0)
        {
            gap.push((a.1, b.1));
        }
    }
    let mut count = 0;
    for (l, mut segments) in per_gap.into_iter().enumerate() {
        segments.sort_unstable();
        let mut tree = vec![0; layout.layers.get(l + 1).map_or(0, Vec::len) + 1];
        for (seen, &(_, b)) in segments.iter().enumerate() {
            count += seen - fenwick_prefix(&tree, b);
            fenwick_add(&mut tree, b);
        }
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::traffic::EdgeStat;

    fn layer_of(l: &Layout, node: usize) -> usize {
        l.node_slot(node).expect("node placed").0
    }

    fn placements(l: &Layout, node: usize) -> usize {
        l.layers
            .iter()
            .flatten()
            .filter(|s| **s == Slot::Node(node))
            .count()
    }

    #[test]
    fn graph_of_dedups_nodes_and_keeps_edge_order() {
        let stat = |from: &NodeId, to: &NodeId| EdgeStat {
            from: from.clone(),
            to: to.clone(),
            rps: 1.0,
            error_ratio: 0.0,
            p50_ms: 1.0,
            p99_ms: 2.0,
        };
        let (i, a, b) = (
            NodeId::ingress(),
            NodeId::new("a", "1", false),
            NodeId::new("b", "2", true),
        );
        let frame = TrafficFrame {
            second: 0,
            edges: vec![stat(&i, &a), stat(&a, &b), stat(&i, &b)],
        };
        let g = graph_of(&frame);
        assert_eq!(g.nodes, vec![i, a, b]);
        assert_eq!(g.edges, vec![(0, 1), (1, 2), (0, 2)]);
    }

    #[test]
    fn chain_gets_consecutive_layers() {
        let l = layout(3, &[(0, 1), (1, 2)]);
        assert_eq!(
            (layer_of(&l, 0), layer_of(&l, 1), layer_of(&l, 2)),
            (0, 1, 2)
        );
        assert_eq!(l.routes[0].hops, vec![(0, 0), (1, 0)]);
    }

    #[test]
    fn long_edge_gets_one_dummy_in_the_middle_layer() {
        let l = layout(3, &[(0, 1), (1, 2), (0, 2)]);
        assert!(l.layers[1].contains(&Slot::Dummy { edge: 2 }));
        let dummies = l
            .layers
            .iter()
            .flatten()
            .filter(|s| matches!(s, Slot::Dummy { .. }))
            .count();
        assert_eq!(dummies, 1);
        let layers: Vec<usize> = l.routes[2].hops.iter().map(|h| h.0).collect();
        assert_eq!(layers, vec![0, 1, 2]);
    }

    #[test]
    fn cycle_terminates_and_places_every_node_once() {
        let l = layout(3, &[(0, 1), (1, 2), (2, 0), (1, 1)]);
        for v in 0..3 {
            assert_eq!(placements(&l, v), 1);
        }
        let back = &l.routes[2];
        assert!(back.reversed);
        assert_eq!(back.hops.first(), l.node_slot(2).as_ref());
        assert_eq!(back.hops.last(), l.node_slot(0).as_ref());
        let own = &l.routes[3];
        assert!(own.self_loop && !own.reversed);
        assert_eq!(own.hops, vec![l.node_slot(1).expect("placed")]);
        assert_eq!(l.routes.iter().filter(|r| r.reversed).count(), 1);
    }

    #[test]
    fn barycenter_reduces_crossings() {
        // Index order puts 0,1,2 over 3,4,5 with the edges fully inverted: 3 crossings.
        let edges = [(0, 5), (1, 4), (2, 3), (2, 6), (0, 7)];
        let before = crossings(&layout_with_rounds(8, &edges, 0));
        let after = crossings(&layout(8, &edges));
        assert!(before >= 3, "before {before}");
        assert!(after < before, "{after} !< {before}");
        assert_eq!(after, 0);
    }

    #[test]
    fn out_of_range_edges_are_skipped() {
        let l = layout(2, &[(0, 7), (0, 1)]);
        assert!(l.routes[0].hops.is_empty());
        assert_eq!(l.routes[1].hops.len(), 2);
        assert_eq!(placements(&l, 0) + placements(&l, 1), 2);
        assert_eq!(layout(0, &[]), Layout::default());
    }

    fn random_graph(n: usize, m: usize, seed: u64) -> Vec<(usize, usize)> {
        let mut state = seed;
        let mut next = move || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) as usize
        };
        (0..m).map(|_| (next() % n, next() % n)).collect()
    }

    #[test]
    fn large_graph_places_every_node_once_and_routes_between_adjacent_layers() {
        let n = 100;
        let edges = random_graph(n, 600, 12345);
        let l = layout(n, &edges);
        assert_eq!(l, layout(n, &edges), "deterministic");
        for v in 0..n {
            assert_eq!(placements(&l, v), 1, "node {v}");
        }
        for (i, r) in l.routes.iter().enumerate() {
            let (a, b) = edges[i];
            assert_eq!(r.edge, i);
            assert_eq!(r.self_loop, a == b);
            assert_eq!(r.hops.first(), l.node_slot(a).as_ref());
            assert_eq!(r.hops.last(), l.node_slot(b).as_ref());
            for w in r.hops.windows(2) {
                assert_eq!(w[0].0.abs_diff(w[1].0), 1, "{r:?}");
            }
            let inner = r.hops.len().saturating_sub(2);
            for &(layer, p) in r.hops.iter().skip(1).take(inner) {
                assert_eq!(l.layers[layer][p], Slot::Dummy { edge: i });
            }
        }
        let unsorted = crossings(&layout_with_rounds(n, &edges, 0));
        assert!(crossings(&l) <= unsorted);
    }
}
