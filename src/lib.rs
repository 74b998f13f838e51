//! wheelhouse: a terminal operations cockpit for container delivery.
//!
//! The workspace's crates, bottom up: `wheelhouse-core` (the model in `domain`, the platform
//! interface in `interface`, the state and its pure `update` in `app`, the pure rendering in
//! `ui`, the files a user edits in `config`), `wheelhouse-telemetry` (call records, their
//! aggregation, Kafka), `wheelhouse-platform` (the demo simulation, Kubernetes, Docker).
//! This crate puts them together: the command line (`cli`), the event loop (`runtime`), the
//! terminal, logging and the audit log. The core cannot reach a platform client: the
//! compiler keeps that layering.

pub use wheelhouse_core::{app, config, domain, interface, ui};
pub use wheelhouse_platform as platform;
pub use wheelhouse_telemetry as telemetry;

pub mod audit;
pub mod cli;
pub mod logging;
pub mod runtime;
pub mod startup;
pub mod terminal;
pub mod train_store;
