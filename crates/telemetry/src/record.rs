//! The call record: one JSON object per Kafka message, one call from a source service
//! version to a destination service version (see the README's "Call records").
//!
//! ```json
//! {"ts_ms":1764000000123,"line":"trade","env":"prod","src":"gateway","src_version":"5.1.2",
//!  "dst":"order","dst_version":"4.2.1","dst_canary":false,"latency_ms":12.5,
//!  "outcome":"ok","status":200,"tag":"beta-testers","weight":1}
//! ```
//!
//! Decoding never panics: a record that is too large, not JSON, missing a field, of the
//! wrong type or out of range is rejected with a [`Reject`] reason, which the caller counts.

use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// Larger records are rejected unread.
pub const MAX_RECORD_BYTES: usize = 16 * 1024;
/// Longest service, version, line, environment or tag name accepted.
pub const MAX_NAME: usize = 128;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    Ok,
    Error,
}

/// A decoded call record; strings borrow from the message where they can.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallRecord<'a> {
    /// When the call started, Unix milliseconds.
    pub ts_ms: i64,
    #[serde(borrow)]
    pub line: Cow<'a, str>,
    #[serde(borrow)]
    pub env: Cow<'a, str>,
    #[serde(borrow)]
    pub src: Cow<'a, str>,
    #[serde(borrow)]
    pub src_version: Cow<'a, str>,
    #[serde(borrow)]
    pub dst: Cow<'a, str>,
    #[serde(borrow)]
    pub dst_version: Cow<'a, str>,
    /// The destination is a canary release.
    #[serde(default)]
    pub dst_canary: bool,
    pub latency_ms: f64,
    pub outcome: Outcome,
    /// HTTP-style status code (0 when the call never got an answer).
    pub status: u16,
    /// The traffic tag the request carried, if any.
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<Cow<'a, str>>,
    /// The lane the source version runs in, if any.
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub src_lane: Option<Cow<'a, str>>,
    /// The lane the destination version belongs to, if any (a lane's versions are
    /// their own nodes, as canaries are).
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub dst_lane: Option<Cow<'a, str>>,
    /// Calls this record stands for, when the producer samples (1 in `weight` calls is
    /// sent): counts are multiplied by it, latencies are taken as a sample. Default 1.
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub weight: u32,
}

/// Largest sampling weight accepted.
pub const MAX_WEIGHT: u32 = 1_000_000;

fn one() -> u32 {
    1
}

fn is_one(w: &u32) -> bool {
    *w == 1
}

pub use wheelhouse_core::interface::{Reject, RejectCounts};

fn classify(e: &serde_json::Error) -> Reject {
    use serde_json::error::Category;
    match e.classify() {
        Category::Syntax | Category::Eof | Category::Io => Reject::NotJson,
        Category::Data => {
            let text = e.to_string();
            if text.starts_with("missing field") {
                Reject::MissingField
            } else if text.starts_with("unknown field") {
                Reject::UnknownField
            } else if text.contains("out of range")
                || text.starts_with("invalid value")
                || text.starts_with("unknown variant")
            {
                Reject::OutOfRange
            } else {
                Reject::WrongType
            }
        }
    }
}

fn name_ok(s: &str) -> bool {
    !s.is_empty() && s.len() <= MAX_NAME && !s.chars().any(char::is_control)
}

/// Decodes one message.
pub fn decode(bytes: &[u8]) -> Result<CallRecord<'_>, Reject> {
    if bytes.len() > MAX_RECORD_BYTES {
        return Err(Reject::Oversized);
    }
    let r: CallRecord<'_> = serde_json::from_slice(bytes).map_err(|e| classify(&e))?;
    let names = [
        &r.line,
        &r.env,
        &r.src,
        &r.src_version,
        &r.dst,
        &r.dst_version,
    ];
    let in_range = r.ts_ms > 0
        && r.latency_ms.is_finite()
        && (0.0..=3_600_000.0).contains(&r.latency_ms)
        && r.status <= 999
        && (1..=MAX_WEIGHT).contains(&r.weight)
        && names.iter().all(|n| name_ok(n))
        && [&r.tag, &r.src_lane, &r.dst_lane]
            .iter()
            .all(|o| o.as_deref().is_none_or(name_ok));
    if in_range {
        Ok(r)
    } else {
        Err(Reject::OutOfRange)
    }
}

/// Encodes a record as the producer sends it.
pub fn encode(r: &CallRecord<'_>) -> Vec<u8> {
    // Serializing plain data (strings, numbers, bools) cannot fail.
    serde_json::to_vec(r).unwrap_or_default()
}

#[cfg(test)]
mod tests;
