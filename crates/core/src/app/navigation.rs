//! The tree of product lines → environments → services: which rows are visible (expanded,
//! filtered) and how the selection moves.

use super::state::State;

/// A node of the tree with its children (already filtered). The children of a closed node
/// are not built (thousands of services cost nothing until their environment opens): it
/// says only whether it has some.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeNode {
    pub path: Vec<String>,
    pub children: Vec<TreeNode>,
    /// Closed, with children that are not built.
    pub closed_children: bool,
}

impl TreeNode {
    pub fn has_children(&self) -> bool {
        self.closed_children || !self.children.is_empty()
    }
}

/// Tree filter: every word of the filter appears in the path (case-insensitive).
fn matches(words: &[String], path: &[String]) -> bool {
    if words.is_empty() {
        return true;
    }
    let text = path.join("/").to_lowercase();
    words.iter().all(|word| text.contains(word.as_str()))
}

/// The tree as the state shows it: nodes that match the filter (and their ancestors),
/// children built only under open nodes (with a filter, every node is open).
pub fn tree(state: &State) -> Vec<TreeNode> {
    let words: Vec<String> = state
        .filter
        .text()
        .to_lowercase()
        .split_whitespace()
        .map(String::from)
        .collect();
    let mut out = Vec::new();
    for line in &state.snapshot.product_lines {
        let lpath = vec![line.name.clone()];
        let (envs, line_has) = if !is_open(state, &lpath) && words.is_empty() {
            (Vec::new(), !line.environments.is_empty())
        } else {
            environments(state, &words, line)
        };
        if line_has || matches(&words, &lpath) {
            out.push(TreeNode {
                closed_children: line_has && envs.is_empty(),
                path: lpath,
                children: envs,
            });
        }
    }
    out
}

/// The environment nodes of an open line (or of any line when filtering), and whether
/// it has any.
fn environments(
    state: &State,
    words: &[String],
    line: &crate::domain::ProductLine,
) -> (Vec<TreeNode>, bool) {
    let mut envs = Vec::new();
    for env in &line.environments {
        let epath = vec![line.name.clone(), env.name.clone()];
        let open = is_open(state, &epath);
        let mut services = Vec::new();
        let env_has = if !open && words.is_empty() {
            !env.services.is_empty()
        } else {
            let mut has = false;
            for s in &env.services {
                let path = vec![line.name.clone(), env.name.clone(), s.name.clone()];
                if !matches(words, &path) {
                    continue;
                }
                has = true;
                if !open {
                    break;
                }
                services.push(TreeNode {
                    path,
                    children: Vec::new(),
                    closed_children: false,
                });
            }
            // The environment's lanes, after its services.
            for lane in &env.lanes {
                let path = vec![line.name.clone(), env.name.clone(), lane_row(&lane.name)];
                if !open || !matches(words, &path) {
                    continue;
                }
                services.push(TreeNode {
                    path,
                    children: Vec::new(),
                    closed_children: false,
                });
            }
            has
        };
        if env_has || matches(words, &epath) {
            envs.push(TreeNode {
                closed_children: env_has && services.is_empty(),
                path: epath,
                children: services,
            });
        }
    }
    let has = !envs.is_empty();
    (envs, has)
}

/// How a lane is named in the tree (its row's last path part): `⌁checkout-v2`.
pub fn lane_row(lane: &str) -> String {
    format!("{}{lane}", crate::domain::lane::MARK)
}

/// Paths of the rows on screen, top to bottom.
pub fn visible_rows(state: &State) -> Vec<Vec<String>> {
    fn walk(nodes: Vec<TreeNode>, out: &mut Vec<Vec<String>>) {
        for n in nodes {
            out.push(n.path);
            walk(n.children, out);
        }
    }
    let mut out = Vec::new();
    walk(tree(state), &mut out);
    out
}

pub fn is_open(state: &State, path: &[String]) -> bool {
    !state.filter.is_empty() || state.expanded.contains(path)
}

fn has_children(state: &State, path: &[String]) -> bool {
    match path {
        [line] => state
            .snapshot
            .line(line)
            .is_some_and(|l| !l.environments.is_empty()),
        [line, env] => state
            .snapshot
            .line(line)
            .and_then(|l| l.environment(env))
            .is_some_and(|e| !e.services.is_empty()),
        _ => false,
    }
}

fn select(state: &mut State, path: Vec<String>) {
    if state.selected != path {
        state.selected = path;
        state.scroll = 0;
        state.topology.scroll_x = 0;
        state.topology.scroll_y = 0;
        state.dirty = true;
    }
}

pub fn move_by(state: &mut State, delta: isize) {
    let rows = visible_rows(state);
    if rows.is_empty() {
        return;
    }
    let current = rows.iter().position(|p| *p == state.selected).unwrap_or(0) as isize;
    let next = (current + delta).clamp(0, rows.len() as isize - 1) as usize;
    select(state, rows[next].clone());
}

pub fn to_edge(state: &mut State, last: bool) {
    let rows = visible_rows(state);
    let pick = if last { rows.last() } else { rows.first() };
    if let Some(p) = pick.cloned() {
        select(state, p);
    }
}

pub fn right(state: &mut State) {
    let path = state.selected.clone();
    if !has_children(state, &path) {
        return;
    }
    if !is_open(state, &path) {
        state.expanded.insert(path);
        state.dirty = true;
    } else {
        move_by(state, 1);
    }
}

pub fn left(state: &mut State) {
    let path = state.selected.clone();
    if state.filter.is_empty() && state.expanded.contains(&path) {
        state.expanded.remove(&path);
        state.dirty = true;
    } else if path.len() > 1 {
        select(state, path[..path.len() - 1].to_vec());
    }
}

pub fn toggle(state: &mut State) {
    let path = state.selected.clone();
    if !state.expanded.remove(&path) {
        state.expanded.insert(path);
    }
    state.dirty = true;
}

/// Selects a path directly (palette, CLI-like jumps) and opens its ancestors.
pub fn jump(state: &mut State, path: Vec<String>) {
    for i in 1..path.len() {
        state.expanded.insert(path[..i].to_vec());
    }
    select(state, path);
}

/// After a new snapshot or filter: keep the selection on something that exists.
pub fn repair_selection(state: &mut State) {
    let rows = visible_rows(state);
    if rows.contains(&state.selected) {
        return;
    }
    let mut path = state.selected.clone();
    while !path.is_empty() {
        path.pop();
        if rows.contains(&path) {
            select(state, path);
            return;
        }
    }
    if let Some(first) = rows.first().cloned() {
        if state.expanded.is_empty() {
            state.expanded.insert(first.clone());
        }
        select(state, first);
    }
}
