//! Ordering services by the call graph: callees before their callers, so that a version
//! that calls something new finds it already there. Cycles cannot be ordered; they are
//! reported, and their members keep name order among themselves.

use std::collections::{BTreeMap, BTreeSet};

/// Services in dependency order, and the cycles met on the way.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Ordered {
    pub order: Vec<String>,
    /// Each cycle as a path that comes back to its first service (`a → b → a`).
    pub cycles: Vec<Vec<String>>,
}

/// Orders `services` so that each comes after the ones it calls (`calls` gives a
/// service's callees; callees outside `services` do not constrain the order).
pub fn callees_first<'a>(
    services: impl IntoIterator<Item = &'a str>,
    calls: impl Fn(&str) -> Vec<String>,
) -> Ordered {
    let set: BTreeSet<String> = services.into_iter().map(str::to_string).collect();
    let edges: BTreeMap<String, Vec<String>> = set
        .iter()
        .map(|s| {
            let mut callees: Vec<String> = calls(s)
                .into_iter()
                .filter(|c| set.contains(c) && c != s)
                .collect();
            callees.sort();
            callees.dedup();
            (s.clone(), callees)
        })
        .collect();
    let mut left: Vec<String> = set.iter().cloned().collect();
    let mut out = Ordered::default();
    while !left.is_empty() {
        let ready = left
            .iter()
            .position(|s| edges[s].iter().all(|c| !left.contains(c)));
        let next = match ready {
            Some(i) => i,
            None => {
                if let Some(cycle) = cycle_from(&left[0], &edges, &left)
                    && !out.cycles.contains(&cycle)
                {
                    out.cycles.push(cycle);
                }
                0
            }
        };
        out.order.push(left.remove(next));
    }
    out
}

/// A cycle reached from `start` through services still `left` (depth first, name order).
fn cycle_from(
    start: &str,
    edges: &BTreeMap<String, Vec<String>>,
    left: &[String],
) -> Option<Vec<String>> {
    let mut path = vec![start.to_string()];
    let mut seen = BTreeSet::new();
    loop {
        let last = path.last()?.clone();
        if !seen.insert(last.clone()) {
            let from = path.iter().position(|s| *s == last)?;
            return Some(path[from..].to_vec());
        }
        let next = edges.get(&last)?.iter().find(|c| left.contains(c))?.clone();
        path.push(next);
    }
}

/// "a → b → a".
pub fn cycle_text(cycle: &[String]) -> String {
    cycle.join(" → ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(edges: &[(&str, &[&str])]) -> impl Fn(&str) -> Vec<String> {
        let map: BTreeMap<String, Vec<String>> = edges
            .iter()
            .map(|(s, c)| (s.to_string(), c.iter().map(|x| x.to_string()).collect()))
            .collect();
        move |s: &str| map.get(s).cloned().unwrap_or_default()
    }

    #[test]
    fn callees_come_before_their_callers() {
        let g = graph(&[
            ("front", &["order", "catalog"]),
            ("order", &["payment", "stock"]),
            ("payment", &["ledger"]),
        ]);
        let o = callees_first(
            ["front", "order", "payment", "ledger", "stock", "catalog"],
            g,
        );
        let at = |s: &str| o.order.iter().position(|x| x == s).unwrap();
        assert!(at("ledger") < at("payment"));
        assert!(at("payment") < at("order"));
        assert!(at("stock") < at("order"));
        assert!(at("order") < at("front") && at("catalog") < at("front"));
        assert!(o.cycles.is_empty());
        assert_eq!(o.order.len(), 6);
    }

    #[test]
    fn callees_outside_the_set_do_not_constrain() {
        let g = graph(&[("order", &["payment"]), ("payment", &["ledger"])]);
        let o = callees_first(["order", "ledger"], g);
        assert_eq!(o.order, ["ledger", "order"].map(String::from));
    }

    #[test]
    fn a_cycle_is_reported_and_everything_still_ordered() {
        let g = graph(&[
            ("a", &["b"]),
            ("b", &["c"]),
            ("c", &["a"]),
            ("d", &["a"]),
            ("e", &[]),
        ]);
        let o = callees_first(["a", "b", "c", "d", "e"], g);
        assert_eq!(o.cycles, vec![vec!["a", "b", "c", "a"]]);
        assert_eq!(cycle_text(&o.cycles[0]), "a → b → c → a");
        assert_eq!(o.order.len(), 5);
        let at = |s: &str| o.order.iter().position(|x| x == s).unwrap();
        assert!(at("d") > at("a") && at("d") > at("b") && at("d") > at("c"));
    }

    #[test]
    fn a_service_calling_itself_is_no_cycle() {
        let g = graph(&[("a", &["a", "b"])]);
        let o = callees_first(["a", "b"], g);
        assert_eq!(o.order, ["b", "a"].map(String::from));
        assert!(o.cycles.is_empty());
    }
}
