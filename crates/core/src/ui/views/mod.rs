//! One file per view or overlay.

pub mod attention;
pub mod capacity;
pub mod changes;
pub mod config;
pub mod config_matrix;
pub mod confirm;
pub mod dashboard;
pub mod events;
pub mod help;
pub mod images;
pub mod lane;
pub mod logs;
pub mod overview;
pub mod palette;
pub mod prompt;
pub mod series;
pub mod service;
pub mod topology;
pub mod train;
pub mod tree;

use super::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::widgets::Paragraph;

/// A hint in place of a view that has nothing to show yet.
pub fn placeholder(frame: &mut Frame, area: Rect, theme: &Theme, text: &str) {
    frame.render_widget(Paragraph::new(format!(" {text}")).style(theme.muted), area);
}
