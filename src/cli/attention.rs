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

/// Reads the platform (and watches its traffic for `observe` seconds) and the trains
/// saved on disk (a stopped one is an item, as in the cockpit), then prints the list.
/// Exit: 0 nothing needs attention, 8 warnings, 9 something critical.
pub async fn run<P: Session>(
    platform: &mut P,
    observe: f64,
    trains_dir: &std::path::Path,
    keymap: Keymap,
    output: Output,
) -> Outcome {
    let now = chrono::Utc::now().timestamp();
    let mut state = State::new(platform.info(), true, keymap, Identity::named("cli"), now);
    state.landed = true;
    let feed = |state: &mut State, event: PlatformEvent| {
        crate::app::update(state, Event::from(event));
    };
    // Read-only: a saved train is shown, never moved on.
    let (saved, problems) = crate::train_store::load_all(trains_dir);
    for train in saved {
        crate::app::update(&mut state, Event::TrainLoaded(Box::new(train)));
    }
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
    // A train file that cannot be read is said, not passed over.
    let stderr: String = problems
        .iter()
        .map(|p| format!("wheelhouse: warning: {p}\n"))
        .collect();
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
        stderr,
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
