//! The real terminal: a backend that never lets a control character from outside reach
//! the screen, and job control (suspend on Ctrl-Z or SIGTSTP with the terminal restored,
//! raw mode and a full repaint on continue).

use crate::domain::text::is_unsafe;
use ratatui::backend::{Backend, ClearType, CrosstermBackend, WindowSize};
use ratatui::buffer::Cell;
use ratatui::layout::{Position, Size};
use std::io::Stdout;

/// The crossterm backend with every cell's symbol checked: a symbol holding a control or
/// bidi-override character (from a name, a log line, a config value…) is drawn as one
/// replacement character (one column, so the row keeps its layout) instead of being sent to
/// the terminal as is.
pub struct SafeBackend<B: Backend> {
    inner: B,
}

impl<B: Backend> SafeBackend<B> {
    pub fn new(inner: B) -> Self {
        SafeBackend { inner }
    }
}

/// What a cell with a control character shows.
const REPLACEMENT: &str = "\u{FFFD}";

pub type Terminal = ratatui::Terminal<SafeBackend<CrosstermBackend<Stdout>>>;

impl<B: Backend> Backend for SafeBackend<B> {
    type Error = B::Error;

    fn draw<'a, I>(&mut self, content: I) -> Result<(), Self::Error>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        let cells: Vec<(u16, u16, std::borrow::Cow<'a, Cell>)> = content
            .map(|(x, y, cell)| {
                if cell.symbol().chars().any(is_unsafe) {
                    let mut safe = cell.clone();
                    safe.set_symbol(REPLACEMENT);
                    (x, y, std::borrow::Cow::Owned(safe))
                } else {
                    (x, y, std::borrow::Cow::Borrowed(cell))
                }
            })
            .collect();
        self.inner
            .draw(cells.iter().map(|(x, y, c)| (*x, *y, c.as_ref())))
    }

    fn append_lines(&mut self, n: u16) -> Result<(), Self::Error> {
        self.inner.append_lines(n)
    }

    fn hide_cursor(&mut self) -> Result<(), Self::Error> {
        self.inner.hide_cursor()
    }

    fn show_cursor(&mut self) -> Result<(), Self::Error> {
        self.inner.show_cursor()
    }

    /// The cockpit is full screen and never needs the cursor's position: asking the
    /// terminal would send a query whose answer, after a stop, can land in the shell.
    fn get_cursor_position(&mut self) -> Result<Position, Self::Error> {
        Ok(Position::ORIGIN)
    }

    fn set_cursor_position<P: Into<Position>>(&mut self, position: P) -> Result<(), Self::Error> {
        self.inner.set_cursor_position(position)
    }

    fn clear(&mut self) -> Result<(), Self::Error> {
        self.inner.clear()
    }

    fn clear_region(&mut self, clear_type: ClearType) -> Result<(), Self::Error> {
        self.inner.clear_region(clear_type)
    }

    fn size(&self) -> Result<Size, Self::Error> {
        self.inner.size()
    }

    fn window_size(&mut self) -> Result<WindowSize, Self::Error> {
        self.inner.window_size()
    }

    fn flush(&mut self) -> Result<(), Self::Error> {
        self.inner.flush()
    }
}

/// Draws one frame as a synchronized update (mode 2026): the terminal shows the frame
/// whole once it has it, not as it arrives, so nothing flickers over a slow link.
/// Terminals that do not know the mode ignore it.
pub fn draw(
    terminal: &mut Terminal,
    render: impl FnOnce(&mut ratatui::Frame),
) -> std::io::Result<()> {
    let mut out = std::io::stdout();
    crossterm::queue!(out, crossterm::terminal::BeginSynchronizedUpdate)?;
    let drawn = terminal.draw(render).map(|_| ());
    crossterm::execute!(out, crossterm::terminal::EndSynchronizedUpdate)?;
    drawn
}

/// Puts `text` on the clipboard of the terminal the user sits at (OSC 52): it travels
/// with the output, so it works over SSH, and in tmux with `set-clipboard on`.
pub fn copy(text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout();
    write!(out, "{}", osc52(text))?;
    out.flush()
}

/// Rings the bell; with a notification, also sends it as a desktop notification
/// (OSC 777 for rxvt-style terminals and OSC 9 for iTerm2-style ones; the text is made
/// safe: no control characters, no `;` that would end the title).
pub fn bell(notification: Option<&str>) -> std::io::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout();
    out.write_all(b"\x07")?;
    if let Some(text) = notification {
        write!(out, "{}", notify(text))?;
    }
    out.flush()
}

fn notify(text: &str) -> String {
    let clean: String = text
        .chars()
        .map(|c| if is_unsafe(c) || c == ';' { ' ' } else { c })
        .take(200)
        .collect();
    format!("\x1b]777;notify;wheelhouse;{clean}\x07\x1b]9;wheelhouse: {clean}\x07")
}

fn osc52(text: &str) -> String {
    format!("\x1b]52;c;{}\x07", base64(text.as_bytes()))
}

/// Standard base64 with padding (what OSC 52 carries).
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Raw mode, the alternate screen, and a panic hook that restores the terminal.
pub fn init() -> std::io::Result<Terminal> {
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        hook(info);
    }));
    enter()?;
    ratatui::Terminal::new(SafeBackend::new(CrosstermBackend::new(std::io::stdout())))
}

fn enter() -> std::io::Result<()> {
    crossterm::terminal::enable_raw_mode()?;
    crossterm::execute!(std::io::stdout(), crossterm::terminal::EnterAlternateScreen)
}

/// Leaves raw mode and the alternate screen, shows the cursor. Safe to call twice.
pub fn restore() {
    let _ = crossterm::terminal::disable_raw_mode();
    let _ = crossterm::execute!(
        std::io::stdout(),
        crossterm::terminal::LeaveAlternateScreen,
        crossterm::cursor::Show
    );
}

/// Whether this process's group owns the terminal (is the shell's foreground job). A job
/// continued in the background must not draw over the shell.
pub fn is_foreground() -> bool {
    // SAFETY: tcgetpgrp and getpgrp only read process state.
    unsafe {
        let owner = libc::tcgetpgrp(libc::STDOUT_FILENO);
        owner < 0 || owner == libc::getpgrp()
    }
}

/// Raw mode and the alternate screen again after a stop, then a full repaint on the next
/// draw (the screen may hold anything the shell printed meanwhile).
pub fn resume(terminal: &mut Terminal) -> std::io::Result<()> {
    // The shell may have put the terminal back in cooked mode while we were stopped, and
    // crossterm would take raw mode as still on: leave it on paper first, then set it.
    let _ = crossterm::terminal::disable_raw_mode();
    enter()?;
    terminal.clear()
}

/// Ctrl-Z or SIGTSTP: the terminal restored, then the process stops as a job does
/// (SIGTSTP with its default action, so the shell reports it stopped); returns when the
/// shell continues it (`fg`), with the terminal back in raw mode.
pub fn suspend(terminal: &mut Terminal) -> std::io::Result<()> {
    restore();
    stop_self();
    resume(terminal)
}

/// Delivers SIGTSTP with its default action (stop) to this process, then puts back the
/// handler that was installed (the runtime's, which brought us here).
fn stop_self() {
    // SAFETY: sigaction with a zeroed struct and SIG_DFL is the documented way to reset a
    // disposition; the old one is saved and reinstalled. raise() stops the calling thread's
    // process until SIGCONT.
    unsafe {
        let mut default: libc::sigaction = std::mem::zeroed();
        default.sa_sigaction = libc::SIG_DFL;
        let mut old: libc::sigaction = std::mem::zeroed();
        if libc::sigaction(libc::SIGTSTP, &default, &mut old) != 0 {
            libc::raise(libc::SIGSTOP);
            return;
        }
        libc::raise(libc::SIGTSTP);
        libc::sigaction(libc::SIGTSTP, &old, std::ptr::null_mut());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clipboard_text_goes_as_base64_in_osc_52() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(
            base64("trade/prod/ördér".as_bytes()),
            "dHJhZGUvcHJvZC/DtnJkw6ly"
        );
        assert_eq!(osc52("hi"), "\x1b]52;c;aGk=\x07");
    }
    use ratatui::backend::TestBackend;
    use ratatui::widgets::Paragraph;

    #[test]
    fn control_characters_from_outside_never_reach_the_terminal() {
        let mut term = ratatui::Terminal::new(SafeBackend::new(TestBackend::new(40, 2)))
            .unwrap_or_else(|e| panic!("{e}"));
        // Widgets drop control characters themselves; a cell set directly must not
        // smuggle one through either.
        term.draw(|f| {
            f.render_widget(
                Paragraph::new("pod \u{1b}]52;c;cGF5bG9hZA==\u{7} \u{1b}[2J\u{9b}x"),
                f.area(),
            );
            f.buffer_mut()[(0, 1)].set_symbol("\u{1b}[2J");
            f.buffer_mut()[(1, 1)].set_symbol("\u{202e}");
        })
        .unwrap_or_else(|e| panic!("{e}"));
        let buf = term.backend().inner.buffer().clone();
        let text: String = buf.content().iter().map(|c| c.symbol()).collect();
        assert!(!text.chars().any(is_unsafe), "{text:?}");
        assert!(text.contains('\u{FFFD}'), "{text:?}");
    }
}
