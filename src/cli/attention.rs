//! `wheelhouse attention`: what needs attention, most urgent first, as the cockpit's
//! attention view lists it, with an exit code scripts can alert on.

use super::Output;
use super::output::{Outcome, exit};
use crate::app::attention::{self, Item, Severity};
use crate::app::{Event, Identity, State};
use crate::config::keymap::Keymap;
use crate::platform::session::Session;
use crate::platform::{Connection, PlatformEvent};
use std::sync::Arc;

/// Reads the platform (and watches its traffic for `observe` seconds), then prints the
/// list. Exit: 0 nothing needs attention, 8 warnings, 9 something critical.
pub async fn run<P: Session>(platform: &mut P, observe: f64, output: Output) -> Outcome {
    let keymap = match Keymap::preset("default") {
        Ok(k) => k,
        Err(e) => return Outcome::fail(exit::ERROR, e, output),
    };
    let now = chrono::Utc::now().timestamp();
    let mut state = State::new(platform.info(), true, keymap, Identity::named("cli"), now);
    state.landed = true;
    let feed = |state: &mut State, event: PlatformEvent| {
        crate::app::update(state, Event::from(event));
    };
    feed(&mut state, PlatformEvent::Connection(Connection::Live));
    feed(
        &mut state,
        PlatformEvent::Snapshot(Arc::new(platform.snapshot())),
    );
    for _ in 0..observe.ceil() as u64 {
        let frames = platform.pass(1.0).await;
        feed(
            &mut state,
            PlatformEvent::Snapshot(Arc::new(platform.snapshot())),
        );
        feed(&mut state, PlatformEvent::Traffic(frames));
    }
    let items = attention::items(&state);
    let (critical, warning, notice) = attention::counts(&items);
    let code = if critical > 0 {
        exit::ATTENTION_CRITICAL
    } else if warning > 0 {
        exit::ATTENTION_WARNING
    } else {
        exit::OK
    };
    let stdout = match output {
        Output::Json => serde_json::json!({
            "critical": critical, "warning": warning, "notice": notice, "items": items,
        })
        .to_string(),
        Output::Text => text(&items),
    };
    Outcome {
        code,
        stdout,
        stderr: String::new(),
    }
}

fn text(items: &[Item]) -> String {
    if items.is_empty() {
        return "nothing needs attention\n".into();
    }
    let width = items.iter().map(|i| i.target.len()).max().unwrap_or(0);
    items
        .iter()
        .map(|i| {
            let act = i
                .action
                .map(|op| format!("  [{}]", op.name()))
                .unwrap_or_default();
            let sev = match i.severity {
                Severity::Critical => "CRITICAL",
                Severity::Warning => "warning ",
                Severity::Notice => "notice  ",
            };
            format!("{sev}  {:<width$}  {}{act}\n", i.target, i.why)
        })
        .collect()
}
