//! Rendering: a pure function of the state. Nothing here blocks or changes state.

pub mod theme;
pub mod views;
pub mod widgets;

use crate::app::state::{Level, Mode, State, View};
use crate::app::{Action, Op};
use crate::config::keymap::Section;
use crate::interface::Connection;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use theme::Theme;
use widgets::truncate;

/// Draws the whole screen.
/// Where each part of the screen goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Areas {
    pub status: Rect,
    pub tree: Rect,
    /// The view's panel: its top border is the tab bar.
    pub panel: Rect,
    /// Inside the panel: what the view draws.
    pub view: Rect,
    /// The events panel below the view on large screens.
    pub events: Option<Rect>,
    pub footer: Rect,
}

/// The layout of a screen of `area` showing `view` (None: too small to draw).
pub fn areas(area: Rect, view: View) -> Option<Areas> {
    if area.width < 20 || area.height < 6 {
        return None;
    }
    let [status, body, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(1),
    ])
    .areas(area);
    let tree_width = (area.width / 4).clamp(24, 44);
    let [tree, main] =
        Layout::horizontal([Constraint::Length(tree_width), Constraint::Min(10)]).areas(body);
    let large = area.width >= 160 && area.height >= 40 && view != View::Events;
    let (panel, events) = if large {
        let [top, bottom] =
            Layout::vertical([Constraint::Min(10), Constraint::Length(10)]).areas(main);
        (top, Some(bottom))
    } else {
        (main, None)
    };
    Some(Areas {
        status,
        tree,
        panel,
        view: Block::default().borders(Borders::ALL).inner(panel),
        events,
        footer,
    })
}

pub fn draw(frame: &mut Frame, state: &State, theme: &Theme) {
    let area = frame.area();
    frame.render_widget(Block::default().style(theme.base), area);
    let Some(a) = areas(area, state.view) else {
        frame.render_widget(Paragraph::new("window too small").style(theme.warn), area);
        return;
    };
    status_bar(frame, a.status, state, theme);
    views::tree::draw(frame, a.tree, state, theme);
    view_panel(frame, a.panel, state, theme);
    if let Some(events) = a.events {
        views::events::draw(frame, events, state, theme, false);
    }
    footer_bar(frame, a.footer, state, theme);
    match &state.mode {
        Mode::Help(h) => views::help::draw(frame, area, state, theme, h),
        Mode::Palette(p) => views::palette::draw(frame, area, state, theme, p),
        Mode::Prompt(p) => views::prompt::draw(frame, area, theme, p),
        Mode::Confirm(c) => views::confirm::draw(frame, area, state, theme, c),
        Mode::TrainConfirm(c) => views::train::draw_confirm(frame, area, state, theme, c),
        Mode::EnvPrompt(p) => views::train::draw_env_prompt(frame, area, theme, p),
        Mode::Normal | Mode::Filter | Mode::LogSearch => {}
    }
}

fn view_panel(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let mut tabs = vec![Span::raw(" ")];
    for (i, v) in View::ALL.iter().enumerate() {
        let style = if *v == state.view {
            theme.selected
        } else {
            theme.muted
        };
        let title = if *v == state.view || area.width >= 90 {
            v.title()
        } else {
            v.short()
        };
        tabs.push(Span::styled(format!("{} {title}", i + 1), style));
        tabs.push(Span::raw(" "));
    }
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border_focus)
        .title(Line::from(tabs));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    match state.view {
        View::Overview => views::overview::draw(frame, inner, state, theme),
        View::Service if views::dashboard::fits(frame.area()) => {
            views::dashboard::draw(frame, inner, state, theme)
        }
        View::Service => views::service::draw(frame, inner, state, theme),
        View::Topology => views::topology::draw(frame, inner, state, theme),
        View::Capacity => views::capacity::draw(frame, inner, state, theme),
        View::Config => views::config::draw(frame, inner, state, theme),
        View::Events => views::events::draw(frame, inner, state, theme, true),
        View::Logs => views::logs::draw(frame, inner, state, theme),
        View::Images => views::images::draw(frame, inner, state, theme),
        View::Attention => views::attention::draw(frame, inner, state, theme),
    }
}

fn status_bar(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let (conn, conn_style) = match &state.connection {
        Connection::Live => ("● live".to_string(), theme.ok),
        Connection::Connecting => ("◌ connecting".to_string(), theme.warn),
        Connection::Retrying(why) => (format!("✕ connection lost, retrying: {why}"), theme.error),
    };
    let mut spans = vec![
        Span::styled(" wheelhouse ", theme.title),
        Span::raw("│ "),
        Span::raw(format!(
            "{}: {}",
            state.platform.kind, state.platform.target
        )),
        Span::raw(" │ "),
        Span::styled(conn, conn_style),
        Span::raw(" │ "),
    ];
    let (critical, warning, _) = crate::app::attention::counts(&state.attention);
    if critical + warning > 0 {
        if critical > 0 {
            spans.push(Span::styled(
                format!("● {critical} critical "),
                theme.failing,
            ));
        }
        if warning > 0 {
            spans.push(Span::styled(format!("▲ {warning} warning "), theme.warn));
        }
        spans.push(Span::raw("│ "));
    }
    if let Some(t) = &state.telemetry {
        let (text, style) = telemetry_status(t);
        spans.push(Span::styled(text, style(theme)));
        spans.push(Span::raw(" │ "));
    }
    if state.read_only {
        spans.push(Span::styled("READ-ONLY", theme.warn));
    } else {
        spans.push(Span::styled("read-write", theme.muted));
    }
    if !state.selected.is_empty() {
        spans.push(Span::raw(" │ "));
        spans.push(Span::styled(state.selected.join("/"), theme.accent));
    }
    for key in &state.watching {
        if let Some(s) = state.snapshot.service(key) {
            let text = match &s.rollout {
                Some(r) => format!(
                    " │ ⟳ {} → {} {}/{}",
                    key.service, r.to_version, r.updated, r.total
                ),
                None => format!(
                    " │ ⟳ {} {}/{}",
                    key.service, s.replicas.ready, s.replicas.desired
                ),
            };
            spans.push(Span::styled(text, theme.warn));
        }
    }
    let clock = widgets::clock(state.now);
    let used: usize = spans.iter().map(|s| s.content.chars().count()).sum();
    let pad = (area.width as usize).saturating_sub(used + clock.len() + 1);
    spans.push(Span::raw(" ".repeat(pad)));
    spans.push(Span::styled(clock, theme.muted));
    frame.render_widget(
        Paragraph::new(Line::from(spans)).style(theme.status_bar),
        area,
    );
}

/// The call-record stream in a few characters: rate, lag, rejects, or what is wrong.
fn telemetry_status(
    t: &crate::interface::SourceStatus,
) -> (String, fn(&Theme) -> ratatui::style::Style) {
    let rate = if t.rate >= 10_000 {
        format!("{:.1}k/s", t.rate as f64 / 1000.0)
    } else {
        format!("{}/s", t.rate)
    };
    let name = t.source.split_whitespace().next().unwrap_or("records");
    let mut text = format!("{name} {rate}");
    if let Some(lag) = t.lag {
        text.push_str(&format!(" lag {lag}"));
    }
    if t.rejects.total() > 0 {
        text.push_str(&format!(" rejected {}", t.rejects.total()));
    }
    if let Some(e) = &t.error {
        text.push_str(&format!(" ✕ {}", widgets::truncate(e, 40)));
        return (text, |th| th.error);
    }
    if t.received > 0 && t.idle_seconds >= 3 {
        text.push_str(&format!(" no records for {}s", t.idle_seconds));
        return (text, |th| th.warn);
    }
    (text, |th| th.muted)
}

fn footer_bar(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    // An input being typed in keeps the footer; a message waits until it closes.
    let line = if state.mode == Mode::LogSearch {
        let mut spans = vec![Span::styled(" search logs: ", theme.key)];
        if let Some(l) = &state.logs {
            let room = (area.width as usize).saturating_sub(60);
            spans.extend(widgets::input_spans(
                &l.search,
                theme.base,
                theme.selected,
                room,
            ));
        }
        spans.push(Span::styled(
            "  enter find · esc clear · n/N next/previous",
            theme.muted,
        ));
        Line::from(spans)
    } else if state.mode == Mode::Filter {
        let mut spans = vec![Span::styled(" filter: ", theme.key)];
        let room = (area.width as usize).saturating_sub(34);
        spans.extend(widgets::input_spans(
            &state.filter,
            theme.base,
            theme.selected,
            room,
        ));
        spans.push(Span::styled("  enter keep · esc clear", theme.muted));
        Line::from(spans)
    } else if let Some(msg) = &state.status {
        let style = match msg.level {
            Level::Info => theme.base,
            Level::Success => theme.ok,
            Level::Warn => theme.warn,
            Level::Error => theme.error,
        };
        Line::from(Span::styled(
            truncate(&format!(" {}", msg.text), area.width as usize),
            style,
        ))
    } else {
        hints(state, theme, area.width as usize)
    };
    frame.render_widget(Paragraph::new(line).style(theme.footer), area);
}

/// Key hints generated from the active keymap.
fn hints(state: &State, theme: &Theme, width: usize) -> Line<'static> {
    let actions = [
        Action::Help,
        Action::Quit,
        Action::Filter,
        Action::Palette,
        Action::NextView,
        Action::Op(Op::Deploy),
        Action::Op(Op::CanaryWeight),
        Action::Op(Op::Scale),
        Action::Op(Op::Rollback),
        Action::Op(Op::Promote),
        Action::Op(Op::Abort),
    ];
    let mut spans = vec![Span::raw(" ")];
    let mut used = 1;
    for a in actions {
        let Some(key) = state.keymap.hint(Section::Normal, a) else {
            continue;
        };
        let label = a
            .name()
            .replace("canary-", "canary ")
            .replace("next-view", "view");
        let len = key.chars().count() + label.len() + 3;
        if used + len > width {
            break;
        }
        used += len;
        let style = if state.read_only && a.writes() {
            theme.muted
        } else {
            theme.key
        };
        spans.push(Span::styled(key, style));
        spans.push(Span::styled(format!(" {label}  "), Style::default()));
    }
    Line::from(spans)
}
