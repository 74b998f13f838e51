//! Trains: the confirmation (the plan with every step's dry run) and the progress lines
//! the overview and the lane view show.

use crate::app::action::Action;
use crate::app::state::{Preview, State};
use crate::app::trains::TrainConfirm;
use crate::domain::train::{State as TrainState, StepState, Train};
use crate::ui::theme::Theme;
use crate::ui::widgets::{centered, truncate};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

fn step_mark(s: StepState, theme: &Theme) -> (&'static str, Style) {
    match s {
        StepState::Pending => ("·", theme.muted),
        StepState::Applying | StepState::Settling => ("▶", theme.accent),
        StepState::Done => ("✓", theme.ok),
        StepState::Failed => ("✗", theme.failing),
        StepState::Undoing | StepState::UndoSettling => ("↶", theme.warn),
        StepState::Undone => ("↺", theme.muted),
        StepState::UndoFailed => ("!", theme.failing),
    }
}

fn state_style(s: TrainState, theme: &Theme) -> Style {
    match s {
        TrainState::Running | TrainState::RollingBack => theme.accent,
        TrainState::Paused => theme.warn,
        TrainState::Stopped => theme.failing,
        TrainState::Done | TrainState::RolledBack => theme.ok,
    }
}

/// A train's progress: its title and state, then a line per step.
pub fn lines(state: &State, train: &Train, theme: &Theme, width: usize) -> Vec<Line<'static>> {
    let (done, all) = train.progress();
    let mut out = vec![Line::from(vec![
        Span::styled(format!("⇶ {}", train.title()), theme.title),
        Span::styled(
            format!("  {}", train.state.label()),
            state_style(train.state, theme),
        ),
        Span::styled(
            format!(
                "  {done}/{all} steps · by {} · gate: {}",
                train.who,
                train.gate.describe()
            ),
            theme.muted,
        ),
    ])];
    if let Some(why) = &train.why_stopped {
        out.push(Line::from(Span::styled(
            truncate(&format!("  stopped: {why}"), width),
            theme.failing,
        )));
    }
    for (i, s) in train.steps.iter().enumerate() {
        let (mark, style) = step_mark(s.state, theme);
        let what = format!("{:>2} {} {}", i + 1, s.service, s.change);
        let note_w = width.saturating_sub(what.chars().count() + 6);
        out.push(Line::from(vec![
            Span::styled(format!("  {mark} "), style),
            Span::styled(
                what,
                if s.state == StepState::Pending {
                    theme.muted
                } else {
                    theme.base
                },
            ),
            Span::styled(format!("  {}", truncate(&s.note, note_w)), theme.muted),
        ]));
    }
    let key = |a| crate::app::trains::key_of(state, a);
    let (pause, abort, roll_back) = (
        key(Action::TrainPause),
        key(Action::TrainAbort),
        key(Action::TrainRollback),
    );
    let keys = match train.state {
        TrainState::Running => format!("{pause}: pause · {abort}: abort"),
        TrainState::Paused => format!("{pause}: go on · {abort}: abort"),
        TrainState::Stopped => {
            format!("{roll_back}: roll back the done steps · {pause}: try again")
        }
        _ => String::new(),
    };
    if !keys.is_empty() {
        out.push(Line::from(Span::styled(format!("  {keys}"), theme.muted)));
    }
    out
}

/// The train's confirmation overlay.
pub fn draw_confirm(frame: &mut Frame, area: Rect, state: &State, theme: &Theme, c: &TrainConfirm) {
    let rect = centered(
        area,
        area.width.saturating_sub(4).min(110),
        area.height.saturating_sub(2),
    );
    frame.render_widget(Clear, rect);
    let prod = c.type_to_confirm.is_some();
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(if prod {
            theme.production
        } else {
            theme.border_focus
        })
        .title(Span::styled(
            format!(" Confirm train: {} ", c.train.title()),
            theme.title,
        ));
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let w = inner.width as usize;
    let mut body = vec![Line::from(vec![
        Span::raw(format!(
            "{} steps, one at a time, callees first",
            c.train.steps.len()
        )),
        Span::styled(format!("  on {}", state.platform.target), theme.muted),
    ])];
    if c.train.steps.iter().any(|s| s.settle_on.is_some()) {
        body.push(Line::from(Span::styled(
            truncate(
                &format!("gate after each deploy: {}", c.train.gate.describe()),
                w,
            ),
            theme.muted,
        )));
    }
    for n in &c.train.notes {
        body.push(Line::from(Span::styled(
            truncate(&format!("note: {n}"), w),
            theme.warn,
        )));
    }
    for (i, (step, preview)) in c.train.steps.iter().zip(&c.previews).enumerate() {
        body.push(Line::from(vec![
            Span::styled(format!("{:>2} ", i + 1), theme.key),
            Span::styled(step.service.clone(), theme.accent),
            Span::raw(format!(": {}", step.change)),
            Span::styled(
                if step.settle_on.is_some() {
                    "  (waits for ready, gated)"
                } else {
                    ""
                },
                theme.muted,
            ),
        ]));
        match preview {
            Preview::Loading => body.push(Line::from(Span::styled("     dry run…", theme.muted))),
            Preview::Failed(e) => body.push(Line::from(Span::styled(
                truncate(&format!("     dry run refused: {e}"), w),
                theme.error,
            ))),
            Preview::Ready(changes) => {
                for f in changes {
                    let rest = w.saturating_sub(f.field.chars().count() + 6);
                    let before = truncate(&f.before, rest / 3);
                    let after = truncate(&f.after, rest.saturating_sub(before.chars().count() + 3));
                    body.push(Line::from(vec![
                        Span::styled(format!("     {} ", f.field), theme.muted),
                        Span::raw(before),
                        Span::styled(" → ", theme.key),
                        Span::styled(after, theme.warn),
                    ]));
                }
            }
        }
    }
    // The fields and keys stay at the bottom; the plan scrolls above them.
    let mut foot = vec![Line::from("")];
    let asked = match c.train.kind {
        crate::domain::train::Kind::EnvDelete => {
            "is deleted with everything wheelhouse put there: type its name to confirm"
        }
        _ => super::confirm::PRODUCTION,
    };
    foot.extend(super::confirm::fields(
        theme,
        (c.type_to_confirm.as_deref(), asked, &c.typed),
        &c.why,
        c.field,
        w,
    ));
    let keys = if prod {
        "enter: start · tab: name/why · ↑↓: scroll · esc: cancel (nothing changes)"
    } else {
        "enter: start · ↑↓: scroll · esc: cancel (nothing changes)"
    };
    foot.push(Line::from(Span::styled(keys, theme.muted)));
    let foot_h = (foot.len() as u16).min(inner.height);
    let body_area = Rect {
        height: inner.height - foot_h,
        ..inner
    };
    let foot_area = Rect {
        y: inner.y + inner.height - foot_h,
        height: foot_h,
        ..inner
    };
    frame.render_widget(
        Paragraph::new(body)
            .style(theme.base)
            .wrap(Wrap { trim: false })
            .scroll((c.scroll, 0)),
        body_area,
    );
    frame.render_widget(Paragraph::new(foot).style(theme.base), foot_area);
}

/// The prompt of `env-create`.
pub fn draw_env_prompt(
    frame: &mut Frame,
    area: Rect,
    theme: &Theme,
    p: &crate::app::trains::EnvPrompt,
) {
    let rect = centered(area, 72, 7);
    frame.render_widget(Clear, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border_focus)
        .title(Span::styled(
            format!(" New environment from {} ", p.from),
            theme.title,
        ));
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let w = inner.width as usize;
    let prompt = crate::ui::widgets::prompt_line("> ", &p.input, theme, w);
    let mut lines = vec![
        Line::from(Span::styled(
            "its name, then optionally: qa1 order+deps,front payment=2.2.0 order.log_level=debug",
            theme.muted,
        )),
        prompt,
    ];
    if let Some(e) = &p.error {
        lines.push(Line::from(Span::styled(truncate(e, w), theme.error)));
    }
    lines.push(Line::from(Span::styled(
        "enter: next (the plan, to confirm) · esc: cancel",
        theme.muted,
    )));
    frame.render_widget(Paragraph::new(lines).style(theme.base), inner);
}
