//! A line of text being typed, edited as in a shell (readline's keys): a cursor moved by
//! ←/→, Home/End, Ctrl-A/Ctrl-E, Ctrl-B/Ctrl-F and Alt-B/Alt-F (by word); Backspace and
//! Delete, Ctrl-H and Ctrl-D; Ctrl-U, Ctrl-K and Ctrl-W (and Alt-Backspace) cut before
//! the cursor, after it, and the word before it. A pre-filled value starts selected:
//! typing replaces it, a move keeps it. Every prompt, the filter, the palette and the
//! confirmations use it.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Longest text an input takes, in characters.
pub const MAX_CHARS: usize = 200;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TextInput {
    text: String,
    /// Byte offset of the cursor, on a character boundary.
    cursor: usize,
    /// The whole text is selected (a pre-filled value): typing replaces it.
    selected: bool,
}

/// What a key did to an input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edit {
    /// The text changed.
    Changed,
    /// Only the cursor (or the selection) moved.
    Moved,
    /// Not an editing key.
    Ignored,
}

impl TextInput {
    /// An empty input.
    pub fn new() -> TextInput {
        TextInput::default()
    }

    /// An input holding `text`, selected so that typing replaces it.
    pub fn prefilled(text: &str) -> TextInput {
        TextInput {
            text: text.to_string(),
            cursor: text.len(),
            selected: !text.is_empty(),
        }
    }

    /// An input holding `text`, the cursor at its end, nothing selected.
    pub fn with_text(text: &str) -> TextInput {
        TextInput {
            text: text.to_string(),
            cursor: text.len(),
            selected: false,
        }
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    pub fn is_selected(&self) -> bool {
        self.selected
    }

    /// The text before and after the cursor.
    pub fn split(&self) -> (&str, &str) {
        self.text.split_at(self.cursor)
    }

    pub fn clear(&mut self) {
        *self = TextInput::new();
    }

    /// Replaces the text (a history entry, a completion), cursor at the end.
    pub fn set(&mut self, text: &str) {
        *self = TextInput::with_text(text);
    }

    /// Types one character at the cursor (replacing a selection).
    pub fn insert(&mut self, c: char) -> Edit {
        if crate::domain::text::is_unsafe(c) {
            return Edit::Ignored;
        }
        self.take_selection();
        if self.text.chars().count() >= MAX_CHARS {
            return Edit::Ignored;
        }
        self.text.insert(self.cursor, c);
        self.cursor += c.len_utf8();
        Edit::Changed
    }

    /// Applies an editing key; a printable character without Ctrl or Alt is typed.
    pub fn edit(&mut self, key: &KeyEvent) -> Edit {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let alt = key.modifiers.contains(KeyModifiers::ALT);
        match key.code {
            KeyCode::Char(c) if ctrl => self.control(c),
            KeyCode::Char(c) if alt => self.meta(c),
            KeyCode::Char(c) => self.insert(c),
            KeyCode::Backspace if alt || ctrl => self.cut_word_before(),
            KeyCode::Backspace => self.delete_before(),
            KeyCode::Delete => self.delete_after(),
            KeyCode::Left if ctrl || alt => self.move_to(self.word_start()),
            KeyCode::Right if ctrl || alt => self.move_to(self.word_end()),
            KeyCode::Left => self.move_to(self.before()),
            KeyCode::Right => self.move_to(self.after()),
            KeyCode::Home => self.move_to(0),
            KeyCode::End => self.move_to(self.text.len()),
            _ => Edit::Ignored,
        }
    }

    fn control(&mut self, c: char) -> Edit {
        match c.to_ascii_lowercase() {
            'a' => self.move_to(0),
            'e' => self.move_to(self.text.len()),
            'b' => self.move_to(self.before()),
            'f' => self.move_to(self.after()),
            'h' => self.delete_before(),
            'd' => self.delete_after(),
            'u' => self.cut(0, self.cursor),
            'k' => self.cut(self.cursor, self.text.len()),
            'w' => self.cut_word_before(),
            _ => Edit::Ignored,
        }
    }

    fn meta(&mut self, c: char) -> Edit {
        match c {
            'b' => self.move_to(self.word_start()),
            'f' => self.move_to(self.word_end()),
            'd' => self.cut(self.cursor, self.word_end()),
            _ => Edit::Ignored,
        }
    }

    /// A selection goes away when typed over or deleted.
    fn take_selection(&mut self) -> bool {
        if self.selected {
            self.clear();
            return true;
        }
        false
    }

    fn delete_before(&mut self) -> Edit {
        if self.take_selection() {
            return Edit::Changed;
        }
        self.cut(self.before(), self.cursor)
    }

    fn delete_after(&mut self) -> Edit {
        if self.take_selection() {
            return Edit::Changed;
        }
        self.cut(self.cursor, self.after())
    }

    fn cut_word_before(&mut self) -> Edit {
        if self.take_selection() {
            return Edit::Changed;
        }
        self.cut(self.word_start(), self.cursor)
    }

    fn cut(&mut self, from: usize, to: usize) -> Edit {
        self.selected = false;
        if from >= to {
            return Edit::Moved;
        }
        self.text.replace_range(from..to, "");
        self.cursor = from;
        Edit::Changed
    }

    fn move_to(&mut self, at: usize) -> Edit {
        self.selected = false;
        self.cursor = at;
        Edit::Moved
    }

    fn before(&self) -> usize {
        self.text[..self.cursor]
            .char_indices()
            .next_back()
            .map_or(0, |(i, _)| i)
    }

    fn after(&self) -> usize {
        self.text[self.cursor..]
            .chars()
            .next()
            .map_or(self.cursor, |c| self.cursor + c.len_utf8())
    }

    /// Start of the word before the cursor (words are separated by spaces and `/`).
    fn word_start(&self) -> usize {
        let head = &self.text[..self.cursor];
        let trimmed = head.trim_end_matches(is_separator);
        trimmed
            .char_indices()
            .rev()
            .find(|(_, c)| is_separator(*c))
            .map_or(0, |(i, c)| i + c.len_utf8())
    }

    /// End of the word after the cursor.
    fn word_end(&self) -> usize {
        let tail = &self.text[self.cursor..];
        let skipped = tail.len() - tail.trim_start_matches(is_separator).len();
        let rest = &tail[skipped..];
        let word = rest.find(is_separator).unwrap_or(rest.len());
        self.cursor + skipped + word
    }
}

fn is_separator(c: char) -> bool {
    c.is_whitespace() || c == '/'
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    fn ctrl(c: char) -> KeyEvent {
        KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)
    }

    fn alt(c: char) -> KeyEvent {
        KeyEvent::new(KeyCode::Char(c), KeyModifiers::ALT)
    }

    fn typed(input: &mut TextInput, text: &str) {
        for c in text.chars() {
            input.edit(&key(KeyCode::Char(c)));
        }
    }

    fn shown(input: &TextInput) -> String {
        let (a, b) = input.split();
        format!("{a}|{b}")
    }

    #[test]
    fn typing_over_a_prefilled_value_replaces_it() {
        let mut i = TextInput::prefilled("10");
        typed(&mut i, "25");
        assert_eq!(i.text(), "25", "not 1025");
        let mut i = TextInput::prefilled("1");
        i.edit(&key(KeyCode::Backspace));
        assert_eq!(i.text(), "", "backspace deletes the selection");
        let mut i = TextInput::prefilled("10");
        i.edit(&key(KeyCode::End));
        typed(&mut i, "0");
        assert_eq!(i.text(), "100", "a move keeps the value and appends");
    }

    #[test]
    fn the_cursor_moves_and_edits_in_the_middle() {
        let mut i = TextInput::new();
        typed(&mut i, "scale 3");
        i.edit(&key(KeyCode::Left));
        i.edit(&key(KeyCode::Left));
        typed(&mut i, "x");
        assert_eq!(shown(&i), "scalex| 3");
        i.edit(&key(KeyCode::Home));
        i.edit(&key(KeyCode::Delete));
        assert_eq!(shown(&i), "|calex 3");
        i.edit(&ctrl('e'));
        i.edit(&ctrl('b'));
        i.edit(&ctrl('h'));
        assert_eq!(shown(&i), "calex|3");
        i.edit(&ctrl('a'));
        i.edit(&ctrl('f'));
        i.edit(&ctrl('d'));
        assert_eq!(shown(&i), "c|lex3");
    }

    #[test]
    fn cuts_before_after_and_by_word() {
        let mut i = TextInput::with_text("scale trade/prod/order 6");
        i.edit(&ctrl('w'));
        assert_eq!(shown(&i), "scale trade/prod/order |");
        i.edit(&ctrl('w'));
        assert_eq!(
            shown(&i),
            "scale trade/prod/|",
            "a path is cut part by part"
        );
        i.edit(&alt('b'));
        assert_eq!(shown(&i), "scale trade/|prod/");
        i.edit(&ctrl('k'));
        assert_eq!(shown(&i), "scale trade/|");
        i.edit(&ctrl('u'));
        assert_eq!(shown(&i), "|");
        let mut i = TextInput::with_text("ab cd");
        i.edit(&key(KeyCode::Home));
        i.edit(&alt('f'));
        assert_eq!(shown(&i), "ab| cd");
        i.edit(&alt('d'));
        assert_eq!(shown(&i), "ab|");
    }

    #[test]
    fn characters_of_any_width_and_the_limit() {
        let mut i = TextInput::new();
        typed(&mut i, "héllo→");
        i.edit(&key(KeyCode::Left));
        i.edit(&key(KeyCode::Left));
        i.edit(&key(KeyCode::Backspace));
        assert_eq!(shown(&i), "hél|o→");
        assert_eq!(i.insert('\u{1b}'), Edit::Ignored, "no escape sequences");
        let mut i = TextInput::new();
        typed(&mut i, &"x".repeat(MAX_CHARS + 10));
        assert_eq!(i.text().chars().count(), MAX_CHARS);
    }

    #[test]
    fn keys_that_are_not_editing_are_left_alone() {
        let mut i = TextInput::with_text("a");
        assert_eq!(i.edit(&key(KeyCode::Enter)), Edit::Ignored);
        assert_eq!(i.edit(&ctrl('x')), Edit::Ignored);
        assert_eq!(i.edit(&key(KeyCode::F(2))), Edit::Ignored);
        assert_eq!(i.text(), "a");
    }
}
