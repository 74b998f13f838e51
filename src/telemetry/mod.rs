//! Telemetry: service call records (schema and decoding); aggregation and the Kafka source
//! build on these.

pub mod aggregate;
pub mod kafka;
pub mod record;
pub mod simulate;
pub mod status;
pub mod worker;
