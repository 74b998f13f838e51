//! wheelhouse's core: on the delivery model (`domain`, its own crate), the platform interface every layer
//! shares (`interface`), the app state and its pure `update` (`app`), the pure rendering
//! (`ui`) and the files a user edits (`config`). No Kubernetes, Docker or Kafka client
//! here: the compiler keeps platforms and telemetry out of the core.

pub mod app;
pub mod config;
pub mod interface;
pub mod ui;

/// The delivery model (its own crate: it cannot reach the app, the UI or a platform).
pub use wheelhouse_domain as domain;
