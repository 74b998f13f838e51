//! Config across a product line, shown below the config diff when the terminal has room:
//! for every service (the selected one first), each key's value in every environment of
//! the promotion path, a value that differs from the environment before marked ~.
//! Secret values are never shown: a secret key reads ••••••, and is marked when its
//! fingerprint differs.

use crate::app::state::State;
use crate::domain::secret::{Fingerprint, MASK, shown};
use crate::domain::{ProductLine, Service};
use crate::ui::theme::Theme;
use crate::ui::widgets::fit;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

/// One key's value in one environment, as it may be shown.
#[derive(Debug, Clone, PartialEq)]
enum Cell {
    Absent,
    Value(String),
    Secret(Fingerprint),
}

impl Cell {
    fn of(s: Option<&Service>, key: &str) -> Cell {
        let Some(s) = s else { return Cell::Absent };
        if let Some(v) = s.config.get(key) {
            return Cell::Value(shown(key, v).to_string());
        }
        match s.secret_keys.get(key) {
            Some(fp) => Cell::Secret(fp),
            None => Cell::Absent,
        }
    }

    fn text(&self) -> &str {
        match self {
            Cell::Absent => "·",
            Cell::Value(v) => v,
            Cell::Secret(_) => MASK,
        }
    }

    /// Whether this differs from `before` (a secret whose value was never seen does not).
    fn differs(&self, before: &Cell) -> bool {
        match (self, before) {
            (Cell::Secret(a), Cell::Secret(b)) => {
                *a != Fingerprint::UNKNOWN && *b != Fingerprint::UNKNOWN && a != b
            }
            _ => self != before,
        }
    }
}

pub fn draw(
    frame: &mut Frame,
    area: Rect,
    state: &State,
    theme: &Theme,
    line: &ProductLine,
    first: &str,
) {
    let block = Block::default()
        .borders(Borders::TOP)
        .border_style(theme.border)
        .title(Span::styled(
            format!(
                " config across {} (~ differs from the environment before) ",
                line.name
            ),
            theme.title,
        ));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let w = inner.width as usize;
    let key_w = 24;
    let envs = line.environments.len().max(1);
    let cell_w = (w.saturating_sub(key_w + 2) / envs).max(8);
    let mut header = vec![Span::styled(fit("  service / key", key_w + 2), theme.muted)];
    for env in &line.environments {
        header.push(Span::styled(fit(&env.name, cell_w), theme.muted));
    }
    let mut lines = vec![Line::from(header)];
    let mut names: Vec<&str> = Vec::new();
    for env in &line.environments {
        for s in &env.services {
            if !names.contains(&s.name.as_str()) {
                names.push(&s.name);
            }
        }
    }
    names.sort_by_key(|n| (*n != first, *n));
    for name in names.iter().skip(state.scroll as usize) {
        let services: Vec<Option<&Service>> =
            line.environments.iter().map(|e| e.service(name)).collect();
        let mut keys: Vec<&str> = services
            .iter()
            .flatten()
            .flat_map(|s| {
                s.config
                    .keys()
                    .map(String::as_str)
                    .chain(s.secret_keys.names())
            })
            .collect();
        keys.sort();
        keys.dedup();
        let style = if *name == first {
            theme.selected
        } else {
            theme.title
        };
        // The service's row names its version in each environment: config goes with it.
        let mut row = vec![Span::styled(fit(name, key_w + 2), style)];
        for s in &services {
            let version = s.map_or("·".to_string(), |s| match &s.canary {
                Some(c) => format!("{} ◆{}", s.version, c.version),
                None => s.version.clone(),
            });
            row.push(Span::styled(
                fit(&format!(" {version}"), cell_w),
                theme.accent,
            ));
        }
        lines.push(Line::from(row));
        for key in keys {
            let mut spans = vec![Span::styled(
                fit(&format!("  {key}"), key_w + 2),
                theme.base,
            )];
            let mut before: Option<Cell> = None;
            for s in &services {
                let cell = Cell::of(*s, key);
                let changed = s.is_some() && before.as_ref().is_some_and(|b| cell.differs(b));
                let (mark, style) = if changed {
                    ("~", theme.warn)
                } else {
                    (" ", theme.muted)
                };
                spans.push(Span::styled(
                    fit(&format!("{mark}{}", cell.text()), cell_w),
                    style,
                ));
                if s.is_some() {
                    before = Some(cell);
                }
            }
            lines.push(Line::from(spans));
        }
    }
    frame.render_widget(Paragraph::new(lines), inner);
}
