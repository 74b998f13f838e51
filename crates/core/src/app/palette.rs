//! The command palette: actions and targets, fuzzy-matched.

use super::action::Action;
use super::state::State;
use crate::config::keymap::Section;
use crate::domain::fuzzy;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaletteKind {
    Action(Action),
    Target(Vec<String>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaletteItem {
    pub label: String,
    pub detail: String,
    pub kind: PaletteKind,
}

pub const MAX_ITEMS: usize = 50;

pub fn items(state: &State) -> Vec<PaletteItem> {
    let mut out: Vec<PaletteItem> = Action::all()
        .filter(|a| a.in_palette())
        .map(|a| PaletteItem {
            label: a.name().to_string(),
            detail: match state.keymap.hint(Section::Normal, a) {
                Some(k) => format!("{} [{k}]", a.help()),
                None => a.help().to_string(),
            },
            kind: PaletteKind::Action(a),
        })
        .collect();
    for line in &state.snapshot.product_lines {
        out.push(target(vec![line.name.clone()], "product line"));
        for env in &line.environments {
            out.push(target(
                vec![line.name.clone(), env.name.clone()],
                "environment",
            ));
            for s in &env.services {
                out.push(target(
                    vec![line.name.clone(), env.name.clone(), s.name.clone()],
                    &format!("service {}", s.version),
                ));
            }
        }
    }
    out
}

fn target(path: Vec<String>, detail: &str) -> PaletteItem {
    PaletteItem {
        label: path.join("/"),
        detail: detail.to_string(),
        kind: PaletteKind::Target(path),
    }
}

/// Items matching the query, best first, at most [`MAX_ITEMS`].
pub fn matches(state: &State, query: &str) -> Vec<PaletteItem> {
    let all = items(state);
    fuzzy::rank(query, all.iter().map(|i| i.label.as_str()))
        .into_iter()
        .take(MAX_ITEMS)
        .map(|i| all[i].clone())
        .collect()
}
