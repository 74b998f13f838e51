//! What a call-record source (the Kafka consumer, or the demo's in-process stream) tells
//! the cockpit about itself once a second; the status line shows it.

use super::record::RejectCounts;

/// What the source tells the cockpit about itself, once a second.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SourceStatus {
    /// "kafka <brokers> <topic>" or "demo in-process": the first word names it.
    pub source: String,
    /// Records received in the last second.
    pub rate: u64,
    /// Records behind the end of the topic (librdkafka statistics), if known.
    pub lag: Option<i64>,
    pub rejects: RejectCounts,
    pub late: u64,
    /// Records dropped at a cap of the aggregation (see `aggregate::MAX_*`).
    pub dropped: u64,
    pub received: u64,
    /// The last error from the client, while it lasts.
    pub error: Option<String>,
    /// Seconds since the last record (a gap while the broker is away).
    pub idle_seconds: u64,
}
