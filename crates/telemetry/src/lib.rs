//! Telemetry: service call records (schema and decoding), their aggregation into traffic
//! frames, the Kafka source and producer, and the record generator of `simulate`.

pub mod aggregate;
pub mod kafka;
pub mod record;
pub mod simulate;
pub mod status;
pub mod worker;

use wheelhouse_core::domain;
