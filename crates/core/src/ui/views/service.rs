//! Service detail: image, replicas, rollout, traffic split and tag routes, dependencies,
//! release history.

use crate::app::derived;
use crate::app::state::State;
use crate::domain::traffic::{NodeId, TrafficFrame};
use crate::domain::{Canary, Service, ServiceKey, SplitMode};
use crate::ui::theme::Theme;
use crate::ui::widgets::{ago, bar, datetime, fit, percent, rps, truncate};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    if let Some((env, lane)) = state.selected_lane() {
        return super::lane::draw(frame, area, state, theme, &env, lane);
    }
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
    let (area, series_area) = super::series::beside(area);
    if let Some(series_area) = series_area {
        super::series::draw(frame, series_area, state, theme, s, &key);
    }
    let w = area.width as usize;
    let mut lines = header(s, &key, w, theme);
    lines.extend(origin(state, s, &key, w, theme));
    lines.push(replicas(state, s, &key, theme));
    lines.extend(pods(state, s, w, theme));
    lines.extend(events(state, s, w, theme));
    lines.extend(rollout(s, theme));
    lines.extend(traffic(state, s, &key, theme));
    lines.push(tag_routes(s, theme));
    lines.extend(lanes(state, s, &key, theme));
    lines.extend(neighbours(state, s, &key, theme));
    lines.push(Line::from(""));
    lines.extend(history(state, s, w, theme));
    frame.render_widget(Paragraph::new(lines), area);
}

/// Name, version, where; the image and its base.
fn header(s: &Service, key: &ServiceKey, w: usize, theme: &Theme) -> Vec<Line<'static>> {
    vec![
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
    ]
}

/// The object it is read from, and how its environment was found (labels, catalog,
/// naming convention).
fn origin(
    state: &State,
    s: &Service,
    key: &ServiceKey,
    w: usize,
    theme: &Theme,
) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    if let Some(workload) = &s.workload {
        lines.push(Line::from(vec![
            Span::styled("object    ", theme.muted),
            Span::raw(truncate(&workload.to_string(), w.saturating_sub(10))),
        ]));
    }
    let found_by = state
        .snapshot
        .environment(&key.env_key())
        .map(|e| e.found_by.as_str())
        .unwrap_or_default();
    if !found_by.is_empty() {
        lines.push(Line::from(vec![
            Span::styled("env from  ", theme.muted),
            Span::styled(truncate(found_by, w.saturating_sub(10)), theme.muted),
        ]));
    }
    lines
}

/// Ready replicas, capacity each, observed load and the recommendation.
fn replicas(state: &State, s: &Service, key: &ServiceKey, theme: &Theme) -> Line<'static> {
    let ready_style = if s.replicas.ready < s.replicas.desired {
        theme.warn
    } else {
        theme.ok
    };
    let mut spans = vec![
        Span::styled("replicas  ", theme.muted),
        Span::styled(
            format!("{}/{} ready", s.replicas.ready, s.replicas.desired),
            ready_style,
        ),
        Span::styled(
            if s.capacity_rps > 0.0 {
                format!("  × {} req/s each", rps(s.capacity_rps))
            } else {
                "  capacity per replica unknown".to_string()
            },
            theme.muted,
        ),
    ];
    if let Some(c) = derived::capacity(state, key) {
        let style = match c.level {
            crate::domain::capacity::Level::Ok => theme.ok,
            crate::domain::capacity::Level::Warn => theme.hot,
            crate::domain::capacity::Level::Critical => theme.failing,
        };
        spans.push(Span::styled(
            format!(
                "  load {} req/s, {} used",
                rps(c.observed_rps),
                percent(c.utilization)
            ),
            style,
        ));
        if c.recommended_replicas != s.replicas.desired {
            spans.push(Span::styled(
                format!("  → {} recommended", c.recommended_replicas),
                theme.warn,
            ));
        }
    }
    Line::from(spans)
}

/// The pods (where the platform shows them): why not all are ready, then one line each.
fn pods(state: &State, s: &Service, w: usize, theme: &Theme) -> Vec<Line<'static>> {
    if s.pods.is_empty() {
        return Vec::new();
    }
    let mut lines = vec![match s.pod_health() {
        Some(why) => Line::from(vec![
            Span::styled("pods      ", theme.muted),
            Span::styled(why, theme.failing),
        ]),
        None => Line::from(vec![
            Span::styled("pods      ", theme.muted),
            Span::styled(format!("{} ready", s.pods.len()), theme.ok),
        ]),
    }];
    for p in &s.pods {
        let (mark, style) = match p.trouble() {
            None => ("✓", theme.ok),
            Some(_) => ("✕", theme.failing),
        };
        let what = p.trouble().unwrap_or_else(|| p.phase.clone());
        let age = p.started.map(|t| ago(state.now, t)).unwrap_or_default();
        let mut text = format!(
            "{}{:<28} {:<18} restarts {:<3} {:<14} {age}",
            if p.canary { "◆ " } else { "  " },
            truncate(&p.name, 28),
            what,
            p.restarts,
            truncate(&p.node, 14),
        );
        if let Some(e) = &p.last_exit {
            let when =
                e.at.map(|t| format!(" {}", ago(state.now, t)))
                    .unwrap_or_default();
            text.push_str(&format!("  last exit {} ({}){when}", e.reason, e.code));
        }
        if let Some(u) = &p.unscheduled {
            text.push_str(&format!("  {u}"));
        }
        lines.push(Line::from(vec![
            Span::styled(format!("  {mark} "), style),
            Span::raw(truncate(&text, w.saturating_sub(4))),
        ]));
    }
    lines
}

/// The newest events of its objects (where the platform records them), repeats counted.
fn events(state: &State, s: &Service, w: usize, theme: &Theme) -> Vec<Line<'static>> {
    /// Lines the section takes at most; the rest are in `status -o json`.
    const SHOWN: usize = 6;
    let mut lines = Vec::new();
    for (i, e) in s.events.iter().take(SHOWN).enumerate() {
        let label = if i == 0 { "events    " } else { "          " };
        let repeats = if e.count > 1 {
            format!(" ×{}", e.count)
        } else {
            String::new()
        };
        let text = format!(
            "{:>4} {} {}{repeats}: {}",
            ago(state.now, e.last),
            e.reason,
            e.object,
            e.message
        );
        lines.push(Line::from(vec![
            Span::styled(label, theme.muted),
            Span::styled(
                truncate(&text, w.saturating_sub(10)),
                if e.warning { theme.warn } else { theme.base },
            ),
        ]));
    }
    lines
}

/// A rollout in progress, and whether it is paused.
fn rollout(s: &Service, theme: &Theme) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
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
    if let Some(step) = s.workload.as_ref().and_then(|w| w.step.as_ref()) {
        let phase = if step.phase.is_empty() {
            String::new()
        } else {
            format!(" ({})", step.phase)
        };
        lines.push(Line::from(vec![
            Span::styled("steps     ", theme.muted),
            Span::raw(format!(
                "canary step {}/{} at {}%{phase}  (Argo Rollouts; read-only here)",
                step.index.min(step.count),
                step.count,
                step.weight
            )),
        ]));
    }
    if let Some(why) = s.rollout_stalled() {
        lines.push(Line::from(vec![
            Span::styled("          ", theme.muted),
            Span::styled(format!("stalled: {why}"), theme.failing),
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
    lines
}

/// The split between stable and canary, and how the canary does next to stable.
fn traffic(state: &State, s: &Service, key: &ServiceKey, theme: &Theme) -> Vec<Line<'static>> {
    let Some(c) = &s.canary else {
        return vec![Line::from(vec![
            Span::styled("traffic   ", theme.muted),
            Span::raw(format!("100% stable {} (no canary)", s.version)),
        ])];
    };
    let mut lines = vec![Line::from(vec![
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
    ])];
    // One second of a small canary is a handful of calls: compare over a window.
    if let Some(t) = state.traffic.get(&key.env_key()) {
        lines.extend(canary_observed(s, c, t.recent.len(), &t.window(), theme));
    }
    lines
}

/// The canary's observed share, errors and p99 against stable's, over `seconds`.
fn canary_observed(
    s: &Service,
    c: &Canary,
    seconds: usize,
    f: &TrafficFrame,
    theme: &Theme,
) -> Vec<Line<'static>> {
    let mode = match s.traffic.mode {
        SplitMode::Gateway => "gateway weights",
        SplitMode::ReplicaRatio => "replica ratio (no gateway: split follows ready replicas)",
    };
    let stable = NodeId::new(&s.name, &s.version, false);
    let canary = NodeId::new(&s.name, &c.version, true);
    let (se, ce) = (
        f.inbound_error_ratio(&stable),
        f.inbound_error_ratio(&canary),
    );
    let cstyle = if ce > se * 2.0 && ce > 0.01 {
        theme.failing
    } else {
        theme.canary
    };
    vec![
        Line::from(vec![
            Span::styled("observed  ", theme.muted),
            Span::raw(format!(
                "canary share {}  ",
                percent(f.canary_share(&s.name))
            )),
            Span::styled(format!("[{mode}] last {seconds}s"), theme.muted),
        ]),
        Line::from(vec![
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
        ]),
        verdict_line(f, seconds, &stable, &canary, theme),
    ]
}

/// The canary against stable in words (domain::verdict states the rule).
fn verdict_line(
    f: &TrafficFrame,
    seconds: usize,
    stable: &NodeId,
    canary: &NodeId,
    theme: &Theme,
) -> Line<'static> {
    use crate::domain::verdict::{MIN_CALLS, Observed, Verdict, compare};
    let side = |n: &NodeId| Observed {
        calls: f.inbound_rps_node(n) * seconds as f64,
        error_ratio: f.inbound_error_ratio(n),
        p99_ms: f.inbound_p99(n),
    };
    let (s, c) = (side(stable), side(canary));
    let (text, style) = match compare(s, c) {
        Verdict::Worse(why) => (format!("worse than stable: {why}"), theme.failing),
        Verdict::AsGood => (
            format!(
                "as good as stable over {:.0} and {:.0} calls",
                c.calls, s.calls
            ),
            theme.ok,
        ),
        Verdict::NotEnoughCalls => (
            format!(
                "not enough calls yet ({:.0} and {:.0} of {MIN_CALLS:.0} each)",
                c.calls, s.calls
            ),
            theme.muted,
        ),
    };
    Line::from(vec![
        Span::styled("verdict   ", theme.muted),
        Span::styled(text, style),
    ])
}

fn tag_routes(s: &Service, theme: &Theme) -> Line<'static> {
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
    Line::from(vec![
        Span::styled("tag routes ", theme.muted),
        Span::styled(routes, theme.canary),
    ])
}

/// The lanes that hold a version of the service, each with its calls, errors and p99
/// over the traffic window beside the baseline's (stable and canary together).
fn lanes(state: &State, s: &Service, key: &ServiceKey, theme: &Theme) -> Vec<Line<'static>> {
    let Some(env) = state.snapshot.environment(&key.env_key()) else {
        return Vec::new();
    };
    let window = state.traffic.get(&key.env_key()).map(|t| t.window());
    let figures = |node: &NodeId| match &window {
        Some(f) if f.inbound_rps_node(node) > 0.0 => format!(
            "{}/s err {} p99 {:.0}ms",
            rps(f.inbound_rps_node(node)),
            percent(f.inbound_error_ratio(node)),
            f.inbound_p99(node)
        ),
        _ => "no calls seen".to_string(),
    };
    let mut lines = Vec::new();
    for lane in env.lanes_of(&s.name) {
        let version = lane.version_of(&s.name).unwrap_or_default().to_string();
        let node = NodeId::in_lane(&s.name, &version, &lane.name);
        let label = if lines.is_empty() {
            "lanes     "
        } else {
            "          "
        };
        lines.push(Line::from(vec![
            Span::styled(label, theme.muted),
            Span::styled(format!("⌁{} {version}  ", lane.name), theme.canary),
            Span::raw(figures(&node)),
        ]));
    }
    if !lines.is_empty() {
        let baseline = window.as_ref().map_or(String::new(), |f| {
            let node = NodeId::new(&s.name, &s.version, false);
            let all = f.inbound_rps(&s.name);
            let lanes: f64 = env
                .lanes_of(&s.name)
                .map(|l| {
                    f.inbound_rps_node(&NodeId::in_lane(
                        &s.name,
                        l.version_of(&s.name).unwrap_or_default(),
                        &l.name,
                    ))
                })
                .sum();
            format!(
                "{}/s err {} p99 {:.0}ms",
                rps((all - lanes).max(0.0)),
                percent(f.inbound_error_ratio(&node)),
                f.inbound_p99(&node)
            )
        });
        lines.push(Line::from(vec![
            Span::styled("          ", theme.muted),
            Span::styled(format!("baseline {}  ", s.version), theme.muted),
            Span::raw(baseline),
        ]));
    }
    lines
}

/// What it calls, and what calls it in its environment.
fn neighbours(state: &State, s: &Service, key: &ServiceKey, theme: &Theme) -> Vec<Line<'static>> {
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
    vec![
        Line::from(vec![
            Span::styled("calls     ", theme.muted),
            Span::raw(if s.dependencies.is_empty() {
                "nothing".into()
            } else {
                s.dependencies.join(", ")
            }),
        ]),
        Line::from(vec![
            Span::styled("called by ", theme.muted),
            Span::raw(if callers.is_empty() {
                "ingress".into()
            } else {
                callers.join(", ")
            }),
        ]),
    ]
}

/// The release history, newest first, from the scroll position.
fn history(state: &State, s: &Service, w: usize, theme: &Theme) -> Vec<Line<'static>> {
    let mut lines = vec![Line::from(Span::styled(
        fit(
            &format!(
                "{:<4} {:<20} {:<12} {:<16} {:<12} why",
                "rev", "from → to", "who", "when", "state"
            ),
            w,
        ),
        theme.title,
    ))];
    for r in s.releases.iter().rev().skip(state.scroll as usize) {
        let style = theme.release(r.state);
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
    lines
}
