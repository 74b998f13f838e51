//! Logs go to a file in the data directory through tracing, never to the terminal.

use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::sync::Mutex;
use tracing_subscriber::Layer;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// Crates whose debug and trace output carries what goes over the wire (request headers
/// with credentials, bodies with config): never logged below info, whatever `RUST_LOG` or
/// `WHEELHOUSE_LOG` ask for (a more specific directive cannot turn them back on).
const TRANSPORT_TARGETS: [&str; 10] = [
    "hyper",
    "hyper_util",
    "h2",
    "rustls",
    "tower",
    "tower_http",
    "reqwest",
    "bollard",
    "rdkafka",
    "librdkafka",
];

/// Whether an event may be written: transport internals only at info and above.
pub fn allowed(target: &str, level: &tracing::Level) -> bool {
    let transport = TRANSPORT_TARGETS.iter().any(|t| {
        target == *t
            || target
                .strip_prefix(t)
                .is_some_and(|rest| rest.starts_with("::"))
    });
    !transport || *level <= tracing::Level::INFO
}

/// Starts file logging (RUST_LOG or WHEELHOUSE_LOG filters; info by default). Returns the
/// problem when the file cannot be opened: the cockpit then runs without a log.
pub fn init(file: &Path) -> Result<(), String> {
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(file)
        .map_err(|e| format!("cannot open log {}: {e}", file.display()))?;
    let filter = tracing_subscriber::EnvFilter::try_from_env("WHEELHOUSE_LOG")
        .or_else(|_| tracing_subscriber::EnvFilter::try_from_default_env())
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let layer = tracing_subscriber::fmt::layer()
        .with_ansi(false)
        .with_writer(Mutex::new(f))
        .with_filter(tracing_subscriber::filter::filter_fn(|m| {
            allowed(m.target(), m.level())
        }))
        .with_filter(filter);
    tracing_subscriber::registry()
        .with(layer)
        .try_init()
        .map_err(|e| format!("logging already set up: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracing::Level;

    #[test]
    fn transport_internals_stay_at_info() {
        assert!(!allowed("hyper::proto::h1::io", &Level::TRACE));
        assert!(!allowed("h2::codec", &Level::DEBUG));
        assert!(allowed("hyper::client", &Level::WARN));
        assert!(allowed("hyperion", &Level::DEBUG), "only whole crate names");
        assert!(allowed("wheelhouse::runtime", &Level::TRACE));
    }
}
