//! The help overlay's rows (generated from the active keymap, with the editing keys of
//! inputs), its search and its scrolling by line and by page.

use super::state::State;
use super::text_input::TextInput;
use crate::config::keymap::Section;

/// The help overlay: where it is scrolled to, and what it is narrowed to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HelpState {
    pub scroll: usize,
    pub search: TextInput,
    /// Typing goes to the search.
    pub searching: bool,
}

/// One row: a section title, or keys with what they do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Row {
    Title(&'static str),
    Keys { keys: String, help: String },
}

/// The keys of inputs (not in the keymap: they are the shell's).
const EDITING: [(&str, &str); 6] = [
    (
        "← → home end",
        "move the cursor (also ctrl-b ctrl-f ctrl-a ctrl-e)",
    ),
    ("alt-b alt-f", "move by word (also ctrl-← ctrl-→)"),
    (
        "backspace delete",
        "delete before / at the cursor (also ctrl-h ctrl-d)",
    ),
    ("ctrl-u ctrl-k", "cut before / after the cursor"),
    ("ctrl-w alt-d", "cut the word before / after the cursor"),
    (
        "(typing)",
        "replaces a pre-filled value, which starts selected",
    ),
];

/// Every row, narrowed to those whose keys or words contain every word of the search
/// (a section's title stays when any of its rows does).
pub fn rows(state: &State, search: &str) -> Vec<Row> {
    let words: Vec<String> = search.split_whitespace().map(str::to_lowercase).collect();
    let keep = |keys: &str, help: &str| {
        let text = format!("{keys} {help}").to_lowercase();
        words.iter().all(|w| text.contains(w.as_str()))
    };
    let mut out = Vec::new();
    for (section, title) in [
        (Section::Normal, "browsing"),
        (Section::Logs, "in the logs view (before the browsing keys)"),
        (Section::Input, "prompts, filter, palette, confirm"),
    ] {
        let mut rows = Vec::new();
        for (action, keys) in state.keymap.entries(section) {
            let mut help = action.help().to_string();
            if state.read_only && action.writes() {
                help.push_str(" (disabled: read-only)");
            }
            let keys = keys.join(", ");
            if keep(&keys, &help) {
                rows.push(Row::Keys { keys, help });
            }
        }
        if section == Section::Input {
            for (keys, help) in EDITING {
                if keep(keys, help) {
                    rows.push(Row::Keys {
                        keys: keys.into(),
                        help: help.into(),
                    });
                }
            }
        }
        if !rows.is_empty() {
            out.push(Row::Title(title));
            out.extend(rows);
        }
    }
    out
}

/// Rows the overlay shows at once at the terminal's size (its frame, title and the line
/// that says where it is taken away).
pub fn page(state: &State) -> usize {
    (state.size.1 as usize).saturating_sub(5).max(1)
}

/// The furthest the overlay scrolls: the last page ends with the last row.
pub fn max_scroll(state: &State, help: &HelpState) -> usize {
    rows(state, help.search.text())
        .len()
        .saturating_sub(page(state))
}
