//! The service view on a large terminal (at least [`MIN_WIDTH`]×[`MIN_HEIGHT`]): the
//! selected service above its environment's topology (the service highlighted among its
//! callers and callees) and capacity, so one screen answers "what is it, who calls it,
//! can it take the load".

use crate::app::state::State;
use crate::ui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Block, Borders};

/// The terminal size from which the service view becomes the dashboard.
pub const MIN_WIDTH: u16 = 160;
pub const MIN_HEIGHT: u16 = 45;

/// Whether a terminal of this size (the frame's whole area) shows the dashboard.
pub fn fits(screen: Rect) -> bool {
    screen.width >= MIN_WIDTH && screen.height >= MIN_HEIGHT
}

pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    // The service keeps the whole width (its pod and event rows are long); its
    // neighbourhood and capacity share the rows below.
    let [top, bottom] =
        Layout::vertical([Constraint::Percentage(60), Constraint::Percentage(40)]).areas(area);
    super::service::draw(frame, top, state, theme);
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(bottom);
    let topology = titled(frame, left, " topology: callers and callees ", theme);
    super::topology::draw(frame, topology, state, theme);
    let capacity = titled(frame, right, " capacity of the environment ", theme);
    super::capacity::draw(frame, capacity, state, theme);
}

fn titled(frame: &mut Frame, area: Rect, title: &str, theme: &Theme) -> Rect {
    let block = Block::default()
        .borders(Borders::TOP)
        .border_style(theme.border)
        .title(Span::styled(title.to_string(), theme.title));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    inner
}
