//! Layered layout of the call graph (left → right): cycles broken, layers by longest path,
//! dummy slots for edges spanning several layers, crossings reduced by barycenter sweeps.

use super::traffic::{NodeId, TrafficFrame};
use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Graph {
    pub nodes: Vec<NodeId>,
    /// Index pairs into `nodes`; edge i is `frame.edges[i]`.
    pub edges: Vec<(usize, usize)>,
}

pub fn graph_of(frame: &TrafficFrame) -> Graph {
    fn id<'a>(
        index: &mut HashMap<&'a NodeId, usize>,
        nodes: &mut Vec<NodeId>,
        n: &'a NodeId,
    ) -> usize {
        *index.entry(n).or_insert_with(|| {
            nodes.push(n.clone());
            nodes.len() - 1
        })
    }
    let mut index: HashMap<&NodeId, usize> = HashMap::new();
    let mut nodes = Vec::new();
    let mut edges = Vec::with_capacity(frame.edges.len());
    for e in &frame.edges {
        let a = id(&mut index, &mut nodes, &e.from);
        let b = id(&mut index, &mut nodes, &e.to);
        edges.push((a, b));
    }
    Graph { nodes, edges }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Slot {
    Node(usize),
    /// A pass-through for edge `edge` in `layer`, between the edge's ends.
    Dummy {
        edge: usize,
        layer: usize,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub edge: usize,
    /// (layer, position) of every slot the edge passes, from source to target.
    pub hops: Vec<(usize, usize)>,
    pub self_loop: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Layout {
    pub layers: Vec<Vec<Slot>>,
    pub routes: Vec<Route>,
}

/// Lays out `node_count` nodes and `edges`.
pub fn layout(node_count: usize, edges: &[(usize, usize)]) -> Layout {
    let n = node_count;
    let valid: Vec<bool> = edges.iter().map(|&(a, b)| a < n && b < n).collect();
    // 1. Break cycles: DFS, back edges are reversed for layering.
    let mut out: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, &(a, b)) in edges.iter().enumerate() {
        if valid[i] && a != b {
            out[a].push(i);
        }
    }
    let mut reversed = vec![false; edges.len()];
    let mut color = vec![0u8; n]; // 0 new, 1 on stack, 2 done
    for start in 0..n {
        if color[start] != 0 {
            continue;
        }
        let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
        color[start] = 1;
        while let Some((v, i)) = stack.pop() {
            if i < out[v].len() {
                stack.push((v, i + 1));
                let e = out[v][i];
                let w = edges[e].1;
                match color[w] {
                    0 => {
                        color[w] = 1;
                        stack.push((w, 0));
                    }
                    1 => reversed[e] = true,
                    _ => {}
                }
            } else {
                color[v] = 2;
            }
        }
    }
    let directed = |i: usize| -> (usize, usize) {
        let (a, b) = edges[i];
        if reversed[i] { (b, a) } else { (a, b) }
    };
    // 2. Longest-path layering over the acyclic graph (Kahn order).
    let mut indeg = vec![0usize; n];
    let mut succ: Vec<Vec<usize>> = vec![Vec::new(); n];
    for i in 0..edges.len() {
        if valid[i] && edges[i].0 != edges[i].1 {
            let (a, b) = directed(i);
            succ[a].push(b);
            indeg[b] += 1;
        }
    }
    let mut layer = vec![0usize; n];
    let mut queue: std::collections::VecDeque<usize> = (0..n).filter(|&v| indeg[v] == 0).collect();
    while let Some(v) = queue.pop_front() {
        for &w in &succ[v] {
            layer[w] = layer[w].max(layer[v] + 1);
            indeg[w] -= 1;
            if indeg[w] == 0 {
                queue.push_back(w);
            }
        }
    }
    let depth = layer.iter().copied().max().map_or(0, |d| d + 1);
    let mut layers: Vec<Vec<Slot>> = vec![Vec::new(); depth];
    for v in 0..n {
        layers[layer[v]].push(Slot::Node(v));
    }
    // 3. Dummy slots for long edges; remember each edge's chain (in layer order).
    let mut chains: Vec<Vec<Slot>> = vec![Vec::new(); edges.len()];
    for i in 0..edges.len() {
        if !valid[i] {
            continue;
        }
        let (a, b) = directed(i);
        let mut chain = vec![Slot::Node(a)];
        if a != b {
            for (l, slots) in layers
                .iter_mut()
                .enumerate()
                .take(layer[b])
                .skip(layer[a] + 1)
            {
                slots.push(Slot::Dummy { edge: i, layer: l });
                chain.push(Slot::Dummy { edge: i, layer: l });
            }
            chain.push(Slot::Node(b));
        }
        chains[i] = chain;
    }
    // Neighbours between adjacent layers for the barycenter sweeps.
    let mut up: HashMap<Slot, Vec<Slot>> = HashMap::new();
    let mut down: HashMap<Slot, Vec<Slot>> = HashMap::new();
    for chain in &chains {
        for w in chain.windows(2) {
            down.entry(w[0]).or_default().push(w[1]);
            up.entry(w[1]).or_default().push(w[0]);
        }
    }
    // 4. Barycenter sweeps.
    for sweep in 0..4 {
        let forward = sweep % 2 == 0;
        let order: Vec<usize> = if forward {
            (1..depth).collect()
        } else {
            (0..depth.saturating_sub(1)).rev().collect()
        };
        for l in order {
            let reference = if forward { l - 1 } else { l + 1 };
            let pos: HashMap<Slot, usize> = layers[reference]
                .iter()
                .enumerate()
                .map(|(i, s)| (*s, i))
                .collect();
            let neighbours = if forward { &up } else { &down };
            let mut keyed: Vec<(f64, usize, Slot)> = layers[l]
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    let ps: Vec<usize> = neighbours
                        .get(s)
                        .map(|v| v.iter().filter_map(|x| pos.get(x).copied()).collect())
                        .unwrap_or_default();
                    let bary = if ps.is_empty() {
                        i as f64
                    } else {
                        ps.iter().sum::<usize>() as f64 / ps.len() as f64
                    };
                    (bary, i, *s)
                })
                .collect();
            keyed.sort_by(|a, b| {
                a.0.partial_cmp(&b.0)
                    .unwrap_or(std::cmp::Ordering::Equal)
                    .then(a.1.cmp(&b.1))
            });
            layers[l] = keyed.into_iter().map(|(_, _, s)| s).collect();
        }
    }
    // 5. Routes in original source → target order.
    let pos: HashMap<Slot, (usize, usize)> = layers
        .iter()
        .enumerate()
        .flat_map(|(l, slots)| slots.iter().enumerate().map(move |(p, s)| (*s, (l, p))))
        .collect();
    let routes = chains
        .iter()
        .enumerate()
        .map(|(i, chain)| {
            let mut hops: Vec<(usize, usize)> =
                chain.iter().filter_map(|s| pos.get(s).copied()).collect();
            if reversed[i] {
                hops.reverse();
            }
            Route {
                edge: i,
                self_loop: valid[i] && edges[i].0 == edges[i].1,
                hops,
            }
        })
        .collect();
    Layout { layers, routes }
}

/// Number of crossings between adjacent layers (for tests and tuning).
pub fn crossings(layout: &Layout) -> usize {
    let mut segs: Vec<((usize, usize), (usize, usize))> = Vec::new();
    for r in &layout.routes {
        for w in r.hops.windows(2) {
            let (a, b) = if w[0].0 < w[1].0 {
                (w[0], w[1])
            } else {
                (w[1], w[0])
            };
            segs.push((a, b));
        }
    }
    let mut count = 0;
    for i in 0..segs.len() {
        for j in i + 1..segs.len() {
            let (a, b) = (segs[i], segs[j]);
            if a.0.0 == b.0.0
                && a.1.0 == b.1.0
                && (a.0.1 as i64 - b.0.1 as i64) * (a.1.1 as i64 - b.1.1 as i64) < 0
            {
                count += 1;
            }
        }
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layer_of(l: &Layout, node: usize) -> usize {
        l.layers
            .iter()
            .position(|s| s.contains(&Slot::Node(node)))
            .unwrap()
    }

    #[test]
    fn chain_gets_consecutive_layers() {
        let l = layout(3, &[(0, 1), (1, 2)]);
        assert_eq!(
            (layer_of(&l, 0), layer_of(&l, 1), layer_of(&l, 2)),
            (0, 1, 2)
        );
    }

    #[test]
    fn long_edge_gets_a_dummy() {
        let l = layout(3, &[(0, 1), (1, 2), (0, 2)]);
        assert!(l.layers[1].contains(&Slot::Dummy { edge: 2, layer: 1 }));
        assert_eq!(l.routes[2].hops.len(), 3);
    }

    #[test]
    fn cycles_terminate_and_place_every_node_once() {
        let l = layout(3, &[(0, 1), (1, 2), (2, 0), (1, 1)]);
        for v in 0..3 {
            let count: usize = l
                .layers
                .iter()
                .map(|s| s.iter().filter(|x| **x == Slot::Node(v)).count())
                .sum();
            assert_eq!(count, 1);
        }
        assert!(l.routes[3].self_loop);
    }

    #[test]
    fn barycenter_removes_a_simple_crossing() {
        // 0→3, 1→2 drawn in index order would cross.
        let l = layout(4, &[(0, 3), (1, 2)]);
        assert_eq!(crossings(&l), 0);
    }

    #[test]
    fn large_graph_routes_between_adjacent_layers() {
        let mut seed = 12345u64;
        let mut next = || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) as usize
        };
        let n = 80;
        let edges: Vec<(usize, usize)> = (0..400).map(|_| (next() % n, next() % n)).collect();
        let l = layout(n, &edges);
        let placed: usize = l
            .layers
            .iter()
            .map(|s| s.iter().filter(|x| matches!(x, Slot::Node(_))).count())
            .sum();
        assert_eq!(placed, n);
        for r in &l.routes {
            for w in r.hops.windows(2) {
                assert_eq!((w[0].0 as i64 - w[1].0 as i64).abs(), 1, "{r:?}");
            }
        }
    }
}
