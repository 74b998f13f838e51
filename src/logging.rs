//! Logs go to a file in the data directory through tracing, never to the terminal.

use std::path::Path;
use std::sync::Mutex;

/// Crates whose debug and trace output carries what goes over the wire.
const TRANSPORT_TARGETS: [&str; 8] = [
    "hyper",
    "hyper_util",
    "h2",
    "rustls",
    "tower",
    "tower_http",
    "reqwest",
    "bollard",
];

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
        .open(file)
        .map_err(|e| format!("cannot open log {}: {e}", file.display()))?;
    let mut filter = tracing_subscriber::EnvFilter::try_from_env("WHEELHOUSE_LOG")
        .or_else(|_| tracing_subscriber::EnvFilter::try_from_default_env())
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // HTTP and TLS internals below info would write request headers (credentials) and
    // bodies (config) into the file, whatever RUST_LOG asks for.
    for quiet in TRANSPORT_TARGETS {
        if let Ok(d) = format!("{quiet}=info").parse() {
            filter = filter.add_directive(d);
        }
    }
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(Mutex::new(f))
        .try_init()
        .map_err(|e| format!("logging already set up: {e}"))
}
