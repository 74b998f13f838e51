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

/// Entries the palette's history keeps (↑ recalls them, newest first).
pub const HISTORY: usize = 100;

/// An action typed with its arguments in one line: `scale trade/prod/order 6`,
/// `canary-weight 25` (on the selection), `weight 25` (the last part of a name will do
/// when only one action ends so).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocation {
    pub action: Action,
    /// LINE, LINE/ENV or LINE/ENV/SERVICE to select first.
    pub target: Option<Vec<String>>,
    /// The value the action would ask for.
    pub value: Option<String>,
}

/// Reads `query` as an action with arguments; None when its first word names no action
/// (the query is then matched against the palette's items).
pub fn invocation(query: &str) -> Option<Invocation> {
    let mut words = query.split_whitespace();
    let action = action_named(words.next()?)?;
    let mut target = None;
    let mut value = Vec::new();
    for w in words {
        if target.is_none() && w.contains('/') {
            let parts: Vec<String> = w.trim_matches('/').split('/').map(String::from).collect();
            target = Some(parts);
        } else {
            value.push(w);
        }
    }
    Some(Invocation {
        action,
        target,
        value: (!value.is_empty()).then(|| value.join(" ")),
    })
}

/// The palette action named `word`: its name, or the last part of exactly one name.
fn action_named(word: &str) -> Option<Action> {
    let word = word.to_lowercase();
    let actions = || Action::all().filter(|a| a.in_palette());
    if let Some(a) = actions().find(|a| a.name() == word) {
        return Some(a);
    }
    let suffix = format!("-{word}");
    let mut ending = actions().filter(|a| a.name().ends_with(&suffix));
    match (ending.next(), ending.next()) {
        (Some(a), None) => Some(a),
        _ => None,
    }
}

/// Remembers a query run from the palette (newest last, no repeats, bounded).
pub fn remember(history: &mut Vec<String>, query: &str) {
    history.retain(|q| q != query);
    history.push(query.to_string());
    if history.len() > HISTORY {
        history.remove(0);
    }
}

/// The `back`-th newest entry (1 is the newest).
pub fn recall(history: &[String], back: usize) -> Option<&str> {
    let i = history.len().checked_sub(back)?;
    history.get(i).map(String::as_str)
}

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::Op;

    #[test]
    fn an_action_with_its_arguments_in_one_line() {
        let i = invocation("scale trade/prod/order 6").unwrap();
        assert_eq!(i.action, Action::Op(Op::Scale));
        assert_eq!(
            i.target,
            Some(vec!["trade".to_string(), "prod".into(), "order".into()])
        );
        assert_eq!(i.value.as_deref(), Some("6"));
        let w = invocation("weight 25").unwrap();
        assert_eq!(w.action, Action::Op(Op::CanaryWeight));
        assert_eq!((w.target, w.value.as_deref()), (None, Some("25")));
        assert_eq!(invocation("promote").unwrap().value, None);
        assert_eq!(
            invocation("trade/prod"),
            None,
            "a path alone is a target to go to"
        );
        assert_eq!(invocation("nothing-named-so 3"), None);
    }

    #[test]
    fn history_keeps_the_newest_once() {
        let mut h = Vec::new();
        remember(&mut h, "scale a/b/c 3");
        remember(&mut h, "weight 25");
        remember(&mut h, "scale a/b/c 3");
        assert_eq!(h, ["weight 25", "scale a/b/c 3"]);
        assert_eq!(recall(&h, 1), Some("scale a/b/c 3"));
        assert_eq!(recall(&h, 2), Some("weight 25"));
        assert_eq!(recall(&h, 3), None);
        for i in 0..HISTORY + 5 {
            remember(&mut h, &i.to_string());
        }
        assert_eq!(h.len(), HISTORY);
    }
}
