//! Service detail: image, replicas, rollout, traffic split and tag routes, dependencies,
//! release history.

use crate::app::derived;
use crate::app::state::State;
use crate::domain::{ReleaseState, SplitMode};
use crate::ui::theme::Theme;
use crate::ui::widgets::{ago, bar, datetime, fit, percent, rps, truncate};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let Some(key) = state.selected_service() else {
        return super::placeholder(
            frame,
            area,
            theme,
            "select a service in the tree (↑↓ → enter)",
        );
    };
    let Some(s) = state.snapshot.service(&key) else {
        return;
    };
    let w = area.width as usize;
    let mut lines = vec![
        Line::from(vec![
            Span::styled(format!("{} ", s.name), theme.title),
            Span::styled(s.version.clone(), theme.accent),
            Span::styled(format!("  {}", key), theme.muted),
        ]),
        Line::from(vec![
            Span::styled("image     ", theme.muted),
            Span::raw(truncate(&s.image, w.saturating_sub(10))),
            Span::styled(
                truncate(
                    &format!("  on {}", s.base_image),
                    w.saturating_sub(10 + s.image.chars().count()),
                ),
                theme.muted,
            ),
        ]),
    ];
    let ready_style = if s.replicas.ready < s.replicas.desired {
        theme.warn
    } else {
        theme.ok
    };
    let mut replicas = vec![
        Span::styled("replicas  ", theme.muted),
        Span::styled(
            format!("{}/{} ready", s.replicas.ready, s.replicas.desired),
            ready_style,
        ),
        Span::styled(
            format!("  × {} req/s each", rps(s.capacity_rps)),
            theme.muted,
        ),
    ];
    if let Some(c) = derived::capacity(state, &key) {
        let style = match c.level {
            crate::domain::capacity::Level::Ok => theme.ok,
            crate::domain::capacity::Level::Warn => theme.hot,
            crate::domain::capacity::Level::Critical => theme.failing,
        };
        replicas.push(Span::styled(
            format!(
                "  load {} req/s, {} used",
                rps(c.observed_rps),
                percent(c.utilization)
            ),
            style,
        ));
        if c.recommended_replicas != s.replicas.desired {
            replicas.push(Span::styled(
                format!("  → {} recommended", c.recommended_replicas),
                theme.warn,
            ));
        }
    }
    lines.push(Line::from(replicas));
    if let Some(r) = &s.rollout {
        lines.push(Line::from(vec![
            Span::styled("rollout   ", theme.muted),
            Span::styled(format!("{} → {} ", s.version, r.to_version), theme.warn),
            Span::styled(bar(r.percent() as f64 / 100.0, 20), theme.gauge),
            Span::raw(format!(
                " {}/{} replicas ({}%)",
                r.updated,
                r.total,
                r.percent()
            )),
        ]));
    }
    if s.paused {
        lines.push(Line::from(vec![
            Span::styled("rollout   ", theme.muted),
            Span::styled(
                "paused: template changes wait until it is resumed",
                theme.warn,
            ),
        ]));
    }
    let mode = match s.traffic.mode {
        SplitMode::Gateway => "gateway weights",
        SplitMode::ReplicaRatio => "replica ratio (no gateway: split follows ready replicas)",
    };
    match &s.canary {
        Some(c) => {
            lines.push(Line::from(vec![
                Span::styled("traffic   ", theme.muted),
                Span::raw(format!(
                    "stable {} {}% ",
                    s.version,
                    s.traffic.stable_weight()
                )),
                Span::styled(
                    bar(s.traffic.stable_weight() as f64 / 100.0, 10),
                    theme.accent,
                ),
                Span::styled(
                    format!(" {}% canary {} ◆", s.traffic.canary_weight, c.version),
                    theme.canary,
                ),
                Span::styled(
                    format!(" ({}/{} ready)", c.replicas.ready, c.replicas.desired),
                    theme.muted,
                ),
            ]));
            // One second of a small canary is a handful of calls: compare over a window.
            let window = state
                .traffic
                .get(&key.env_key())
                .map(|t| (t.recent.len(), t.window()));
            if let Some((seconds, f)) = &window {
                lines.push(Line::from(vec![
                    Span::styled("observed  ", theme.muted),
                    Span::raw(format!(
                        "canary share {}  ",
                        percent(f.canary_share(&s.name))
                    )),
                    Span::styled(format!("[{mode}] last {seconds}s"), theme.muted),
                ]));
            }
            if let Some((_, f)) = &window {
                let stable = crate::domain::traffic::NodeId::new(&s.name, &s.version, false);
                let canary = crate::domain::traffic::NodeId::new(&s.name, &c.version, true);
                let (se, ce) = (
                    f.inbound_error_ratio(&stable),
                    f.inbound_error_ratio(&canary),
                );
                let cstyle = if ce > se * 2.0 && ce > 0.01 {
                    theme.failing
                } else {
                    theme.canary
                };
                lines.push(Line::from(vec![
                    Span::styled("errors    ", theme.muted),
                    Span::raw(format!(
                        "stable {} p99 {:.0}ms   ",
                        percent(se),
                        f.inbound_p99(&stable)
                    )),
                    Span::styled(
                        format!("canary {} p99 {:.0}ms", percent(ce), f.inbound_p99(&canary)),
                        cstyle,
                    ),
                ]));
            }
        }
        None => lines.push(Line::from(vec![
            Span::styled("traffic   ", theme.muted),
            Span::raw(format!("100% stable {} (no canary)", s.version)),
        ])),
    }
    let routes = if s.traffic.tag_routes.is_empty() {
        "none".to_string()
    } else {
        s.traffic
            .tag_routes
            .iter()
            .map(|r| format!("{} → {}", r.tag, r.version))
            .collect::<Vec<_>>()
            .join(", ")
    };
    lines.push(Line::from(vec![
        Span::styled("tag routes ", theme.muted),
        Span::styled(routes, theme.canary),
    ]));
    let callers: Vec<String> = state
        .snapshot
        .environment(&key.env_key())
        .map(|e| {
            e.services
                .iter()
                .filter(|o| o.dependencies.contains(&s.name))
                .map(|o| o.name.clone())
                .collect()
        })
        .unwrap_or_default();
    lines.push(Line::from(vec![
        Span::styled("calls     ", theme.muted),
        Span::raw(if s.dependencies.is_empty() {
            "nothing".into()
        } else {
            s.dependencies.join(", ")
        }),
    ]));
    lines.push(Line::from(vec![
        Span::styled("called by ", theme.muted),
        Span::raw(if callers.is_empty() {
            "ingress".into()
        } else {
            callers.join(", ")
        }),
    ]));
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled(
        fit(
            &format!(
                "{:<4} {:<20} {:<12} {:<16} {:<12} why",
                "rev", "from → to", "who", "when", "state"
            ),
            w,
        ),
        theme.title,
    )));
    for r in s.releases.iter().rev().skip(state.scroll as usize) {
        let style = match r.state {
            ReleaseState::Complete => theme.base,
            ReleaseState::Progressing => theme.warn,
            ReleaseState::Failed => theme.error,
            ReleaseState::RolledBack => theme.drift,
            ReleaseState::Superseded => theme.muted,
        };
        let when = if w > 100 {
            format!("{} ({})", datetime(r.when), ago(state.now, r.when))
        } else {
            ago(state.now, r.when)
        };
        let when_w = if w > 100 { 28 } else { 16 };
        let text = format!(
            "{:<4} {:<20} {:<12} {:<when_w$} {:<12} {}",
            r.revision,
            truncate(&format!("{} → {}", r.from, r.to), 20),
            truncate(&r.who, 12),
            when,
            r.state.label(),
            r.why
        );
        lines.push(Line::from(Span::styled(truncate(&text, w), style)));
    }
    if s.releases.is_empty() {
        lines.push(Line::from(Span::styled("no release history", theme.muted)));
    }
    frame.render_widget(Paragraph::new(lines), area);
}
