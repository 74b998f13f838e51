//! The Kafka source: a consumer in its own task decodes call records, aggregates them per
//! second and sends the frames on, with the receive rate, the consumer lag (from
//! librdkafka's statistics) and the rejected records counted by reason.

use super::aggregate::{Aggregator, EdgeSecond, Watermark};
use super::record;
use super::status::SourceStatus;
use crate::domain::EnvKey;
use crate::domain::traffic::TrafficFrame;
use rdkafka::ClientContext;
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer, ConsumerContext};
use rdkafka::error::KafkaError;
use rdkafka::message::Message;
use rdkafka::statistics::Statistics;
use rdkafka::{Offset, TopicPartitionList};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// Where consumption starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartAt {
    /// New records only (the default).
    Latest,
    Beginning,
    /// Records from this Unix time in milliseconds.
    Time(i64),
}

impl StartAt {
    /// `latest`, `beginning`, an RFC 3339 time, or `-<N>s|m|h` before now.
    pub fn parse(text: &str, now_ms: i64) -> Result<StartAt, String> {
        match text {
            "latest" => return Ok(StartAt::Latest),
            "beginning" | "earliest" => return Ok(StartAt::Beginning),
            _ => {}
        }
        if let Some(rel) = text.strip_prefix('-') {
            let unit_ms = |suffix: char, ms: i64| rel.strip_suffix(suffix).map(|n| (n, ms));
            let (n, ms) = unit_ms('s', 1_000)
                .or_else(|| unit_ms('m', 60_000))
                .or_else(|| unit_ms('h', 3_600_000))
                .ok_or_else(|| format!("bad start {text:?}: use s, m or h (e.g. -10m)"))?;
            // At most a year back; digits only (no sign, no overflow).
            let n: u32 = n
                .bytes()
                .all(|b| b.is_ascii_digit())
                .then(|| n.parse().ok())
                .flatten()
                .ok_or_else(|| format!("bad start {text:?}: a whole number before the unit"))?;
            let back = i64::from(n)
                .checked_mul(ms)
                .filter(|b| *b <= 366 * 86_400_000)
                .ok_or_else(|| format!("bad start {text:?}: at most a year back"))?;
            return Ok(StartAt::Time(now_ms - back));
        }
        chrono::DateTime::parse_from_rfc3339(text)
            .map(|t| StartAt::Time(t.timestamp_millis()))
            .map_err(|_| format!("bad start {text:?}: latest, beginning, an RFC 3339 time or -10m"))
    }
}

/// How to reach the topic.
#[derive(Debug, Clone)]
pub struct KafkaOptions {
    pub brokers: String,
    pub topic: String,
    pub group: String,
    /// librdkafka properties passed through as given (`-X key=value`).
    pub properties: Vec<(String, String)>,
    pub start: StartAt,
    /// The topic holds edge-second aggregates (`wheelhouse aggregate`), not raw records.
    pub aggregates: bool,
}

/// Parses `key=value` (for `-X`).
pub fn property(text: &str) -> Result<(String, String), String> {
    text.split_once('=')
        .filter(|(k, _)| !k.trim().is_empty())
        .map(|(k, v)| (k.trim().to_string(), v.to_string()))
        .ok_or_else(|| format!("{text:?} is not key=value"))
}

/// What the source sends.
#[derive(Debug, Clone)]
pub enum SourceEvent {
    Frames(Vec<(EnvKey, TrafficFrame)>),
    Status(SourceStatus),
}

struct Context {
    lag: Arc<AtomicI64>,
    error: Arc<Mutex<Option<String>>>,
}

impl ClientContext for Context {
    fn stats(&self, s: Statistics) {
        let lag: i64 = s
            .topics
            .values()
            .flat_map(|t| t.partitions.values())
            .filter(|p| p.partition >= 0 && p.consumer_lag >= 0)
            .map(|p| p.consumer_lag)
            .sum();
        self.lag.store(lag, Ordering::Relaxed);
    }

    fn error(&self, error: KafkaError, reason: &str) {
        tracing::warn!(%error, reason, "kafka client error");
        if let Ok(mut e) = self.error.lock() {
            *e = Some(reason.to_string());
        }
    }
}

impl ConsumerContext for Context {}

/// How long metadata and offset look-ups may take.
const LOOKUP_TIMEOUT: Duration = Duration::from_secs(10);

fn consumer(
    o: &KafkaOptions,
    lag: Arc<AtomicI64>,
    error: Arc<Mutex<Option<String>>>,
) -> Result<BaseConsumer<Context>, String> {
    let mut c = ClientConfig::new();
    c.set("bootstrap.servers", &o.brokers)
        .set("group.id", &o.group)
        .set("enable.auto.commit", "true")
        .set("auto.offset.reset", "latest")
        .set("statistics.interval.ms", "1000")
        // Larger fetches and a deeper local queue: a replay is read in big batches.
        .set("max.partition.fetch.bytes", "4194304")
        .set("queued.min.messages", "200000")
        .set("client.id", "wheelhouse");
    for (k, v) in &o.properties {
        c.set(k, v);
    }
    let consumer: BaseConsumer<Context> = c
        .create_with_context(Context { lag, error })
        .map_err(|e| format!("kafka consumer: {e}"))?;
    match o.start {
        StartAt::Latest => consumer
            .subscribe(&[&o.topic])
            .map_err(|e| format!("subscribe {}: {e}", o.topic))?,
        StartAt::Beginning | StartAt::Time(_) => {
            let md = consumer
                .fetch_metadata(Some(&o.topic), LOOKUP_TIMEOUT)
                .map_err(|e| format!("metadata of {}: {e}", o.topic))?;
            let partitions: Vec<i32> = md
                .topics()
                .iter()
                .flat_map(|t| t.partitions().iter().map(|p| p.id()))
                .collect();
            if partitions.is_empty() {
                return Err(format!(
                    "topic {} has no partitions (does it exist?)",
                    o.topic
                ));
            }
            let mut tpl = TopicPartitionList::new();
            for p in &partitions {
                let offset = match o.start {
                    StartAt::Time(ms) => Offset::Offset(ms),
                    _ => Offset::Beginning,
                };
                tpl.add_partition_offset(&o.topic, *p, offset)
                    .map_err(|e| format!("partition {p}: {e}"))?;
            }
            let tpl = if matches!(o.start, StartAt::Time(_)) {
                consumer
                    .offsets_for_times(tpl, LOOKUP_TIMEOUT)
                    .map_err(|e| format!("offsets for the start time: {e}"))?
            } else {
                tpl
            };
            consumer
                .assign(&tpl)
                .map_err(|e| format!("assign {}: {e}", o.topic))?;
        }
    }
    Ok(consumer)
}

/// Starts the consumer task. Setting up blocks briefly (metadata, offsets), so it runs
/// on a blocking thread; errors arrive as a status with `error` set, and the task retries.
pub fn spawn(o: KafkaOptions, events: mpsc::UnboundedSender<SourceEvent>) {
    tokio::spawn(async move {
        let source = format!("kafka {} {}", o.brokers, o.topic);
        let lag = Arc::new(AtomicI64::new(-1));
        let error = Arc::new(Mutex::new(None));
        let mut delay = Duration::from_millis(500);
        let consumer = loop {
            let (o2, l2, e2) = (o.clone(), lag.clone(), error.clone());
            match tokio::task::spawn_blocking(move || consumer(&o2, l2, e2)).await {
                Ok(Ok(c)) => break c,
                Ok(Err(e)) => {
                    let status = SourceStatus {
                        source: source.clone(),
                        error: Some(e),
                        ..SourceStatus::default()
                    };
                    if events.send(SourceEvent::Status(status)).is_err() {
                        return;
                    }
                }
                Err(e) => {
                    tracing::error!(error = %e, "kafka set-up task failed");
                    return;
                }
            }
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(Duration::from_secs(10));
        };
        // A thread of its own: the loop blocks in poll.
        let spawned = std::thread::Builder::new()
            .name("kafka-source".into())
            .spawn(move || run(consumer, o.aggregates, source, lag, error, events));
        if let Err(e) = spawned {
            tracing::error!(error = %e, "cannot start the kafka source thread");
        }
    });
}

/// Decodes a published edge-second (the aggregates topic).
pub fn decode_edge(bytes: &[u8]) -> Result<EdgeSecond, record::Reject> {
    if bytes.len() > record::MAX_RECORD_BYTES {
        return Err(record::Reject::Oversized);
    }
    serde_json::from_slice(bytes).map_err(|e| match e.classify() {
        serde_json::error::Category::Data => record::Reject::WrongType,
        _ => record::Reject::NotJson,
    })
}

/// How long without records before every open second is closed (end of a replay, or the
/// stream stopped).
const IDLE_FLUSH: Duration = Duration::from_secs(2);

/// The consumer loop, on a thread of its own: polling, decoding and aggregating without
/// an await per record; frames and the status go out once a second.
fn run(
    consumer: BaseConsumer<Context>,
    aggregates: bool,
    source: String,
    lag: Arc<AtomicI64>,
    error: Arc<Mutex<Option<String>>>,
    events: mpsc::UnboundedSender<SourceEvent>,
) {
    let mut agg = Aggregator::new();
    let mut status = SourceStatus {
        source,
        ..SourceStatus::default()
    };
    let mut this_second = 0u64;
    let mut watermark = Watermark::default();
    let mut last_record = Instant::now();
    let mut next_tick = Instant::now() + Duration::from_secs(1);
    loop {
        match consumer.poll(Duration::from_millis(100)) {
            Some(Ok(m)) => {
                this_second += 1;
                status.received += 1;
                last_record = Instant::now();
                let payload = m.payload().unwrap_or_default();
                let second = if aggregates {
                    decode_edge(payload).map(|e| {
                        agg.add_edge(&e);
                        e.second
                    })
                } else {
                    record::decode(payload).map(|r| {
                        agg.add(&r);
                        r.ts_ms.div_euclid(1000)
                    })
                };
                match second {
                    Ok(s) => watermark.seen(m.partition(), s),
                    Err(reason) => status.rejects.add(reason),
                }
            }
            Some(Err(e)) => {
                if let Ok(mut slot) = error.lock() {
                    *slot = Some(e.to_string());
                }
            }
            None => {}
        }
        if Instant::now() < next_tick {
            continue;
        }
        next_tick += Duration::from_secs(1);
        let idle = last_record.elapsed();
        // Seconds close on the records' own clock (a replay runs ahead of the wall
        // clock), and all of them once the stream goes quiet.
        let frames = match watermark.low() {
            None => Vec::new(),
            Some(_) if idle >= IDLE_FLUSH => agg.flush(),
            Some(n) => agg.close(n),
        };
        if !frames.is_empty() && events.send(SourceEvent::Frames(frames)).is_err() {
            break;
        }
        status.rate = this_second;
        this_second = 0;
        let l = lag.load(Ordering::Relaxed);
        status.lag = (l >= 0).then_some(l);
        status.late = agg.late;
        status.dropped = agg.dropped;
        status.idle_seconds = idle.as_secs();
        if let Ok(mut slot) = error.lock() {
            if status.rate > 0 {
                *slot = None;
            }
            status.error = slot.clone();
        }
        if events.send(SourceEvent::Status(status.clone())).is_err() {
            break;
        }
    }
    tracing::info!("kafka source stopped");
}

/// A producer of call records, keyed by edge so one edge lands on one partition.
pub struct RecordProducer {
    producer: rdkafka::producer::BaseProducer,
    topic: String,
}

impl RecordProducer {
    pub fn new(
        brokers: &str,
        topic: &str,
        properties: &[(String, String)],
    ) -> Result<Self, String> {
        let mut c = ClientConfig::new();
        c.set("bootstrap.servers", brokers)
            .set("client.id", "wheelhouse-simulate")
            .set("linger.ms", "20")
            .set("queue.buffering.max.messages", "1000000");
        for (k, v) in properties {
            c.set(k, v);
        }
        let producer = c.create().map_err(|e| format!("kafka producer: {e}"))?;
        Ok(RecordProducer {
            producer,
            topic: topic.to_string(),
        })
    }

    /// Queues one encoded record; waits for room when the local queue is full.
    pub fn send(&self, key: &str, payload: &[u8]) -> Result<(), String> {
        use rdkafka::producer::BaseRecord;
        let mut record = BaseRecord::to(&self.topic).key(key).payload(payload);
        loop {
            match self.producer.send(record) {
                Ok(()) => return Ok(()),
                Err((
                    KafkaError::MessageProduction(rdkafka::types::RDKafkaErrorCode::QueueFull),
                    r,
                )) => {
                    record = r;
                    self.producer.poll(Duration::from_millis(50));
                }
                Err((e, _)) => return Err(format!("produce to {}: {e}", self.topic)),
            }
        }
    }

    /// Waits until everything queued has been delivered.
    pub fn flush(&self, timeout: Duration) -> Result<(), String> {
        use rdkafka::producer::Producer;
        self.producer
            .flush(timeout)
            .map_err(|e| format!("flush to {}: {e}", self.topic))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_positions_parse() {
        let now = 1_764_000_000_000;
        assert_eq!(StartAt::parse("latest", now), Ok(StartAt::Latest));
        assert_eq!(StartAt::parse("beginning", now), Ok(StartAt::Beginning));
        assert_eq!(
            StartAt::parse("-10m", now),
            Ok(StartAt::Time(now - 600_000))
        );
        assert_eq!(
            StartAt::parse("2026-11-24T10:00:00Z", now),
            Ok(StartAt::Time(1_795_514_400_000))
        );
        assert!(StartAt::parse("yesterday", now).is_err());
        assert!(StartAt::parse("-10d", now).is_err());
        for bad in ["-é", "-", "-m", "--5m", "-99999999999h", "-9000h", "-+5m"] {
            assert!(StartAt::parse(bad, now).is_err(), "{bad}");
        }
    }

    #[test]
    fn properties_are_key_value() {
        assert_eq!(
            property("security.protocol=SASL_SSL"),
            Ok(("security.protocol".into(), "SASL_SSL".into()))
        );
        assert_eq!(property("a=b=c"), Ok(("a".into(), "b=c".into())));
        assert!(property("novalue").is_err());
        assert!(property("=x").is_err());
    }
}
