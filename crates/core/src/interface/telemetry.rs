//! What the call-record source (the Kafka consumer, or the demo's in-process stream) tells
//! the cockpit about itself once a second, and why records were rejected.

use std::fmt;

/// Why a record was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Reject {
    Oversized,
    NotJson,
    MissingField,
    WrongType,
    UnknownField,
    OutOfRange,
}

impl Reject {
    pub const ALL: [Reject; 6] = [
        Reject::Oversized,
        Reject::NotJson,
        Reject::MissingField,
        Reject::WrongType,
        Reject::UnknownField,
        Reject::OutOfRange,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Reject::Oversized => "oversized",
            Reject::NotJson => "not JSON",
            Reject::MissingField => "missing field",
            Reject::WrongType => "wrong type",
            Reject::UnknownField => "unknown field",
            Reject::OutOfRange => "out of range",
        }
    }
}

impl fmt::Display for Reject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// Counts of rejected records by reason.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RejectCounts {
    counts: [u64; Reject::ALL.len()],
}

impl RejectCounts {
    pub fn add(&mut self, reason: Reject) {
        self.counts[reason as usize] += 1;
    }

    pub fn get(&self, reason: Reject) -> u64 {
        self.counts[reason as usize]
    }

    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// Non-zero counts, for display.
    pub fn nonzero(&self) -> impl Iterator<Item = (Reject, u64)> + '_ {
        Reject::ALL
            .iter()
            .map(|r| (*r, self.get(*r)))
            .filter(|(_, n)| *n > 0)
    }
}

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
