//! `wheelhouse aggregate`: one worker of a consumer group. Each worker reads its share of
//! the raw topic's partitions (records are keyed by edge, so an edge lives on one
//! partition and one worker), aggregates per second and publishes each closed
//! edge-second to the aggregates topic, keyed so that a compacted topic keeps the latest.

use super::aggregate::{Aggregator, Watermark};
use super::kafka::{KafkaOptions, RecordProducer, StartAt};
use super::record::{self, RejectCounts};
use rdkafka::Message;
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{Consumer, StreamConsumer};
use serde::Serialize;
use std::time::Duration;

/// What a worker did, printed when it stops.
#[derive(Debug, Clone, Default, Serialize)]
pub struct WorkerReport {
    pub records: u64,
    pub rejected: u64,
    pub late: u64,
    pub published: u64,
}

/// Runs until the raw topic has been quiet for `idle_exit` seconds (forever without).
pub async fn run(
    o: KafkaOptions,
    to_topic: &str,
    idle_exit: Option<u64>,
) -> Result<WorkerReport, String> {
    let mut c = ClientConfig::new();
    c.set("bootstrap.servers", &o.brokers)
        .set("group.id", &o.group)
        .set("client.id", "wheelhouse-aggregate")
        .set("enable.auto.commit", "true")
        .set(
            "auto.offset.reset",
            if o.start == StartAt::Latest {
                "latest"
            } else {
                "earliest"
            },
        );
    for (k, v) in &o.properties {
        c.set(k, v);
    }
    let consumer: StreamConsumer = c.create().map_err(|e| format!("kafka consumer: {e}"))?;
    consumer
        .subscribe(&[&o.topic])
        .map_err(|e| format!("subscribe {}: {e}", o.topic))?;
    let producer = RecordProducer::new(&o.brokers, to_topic, &o.properties)?;
    let mut agg = Aggregator::new();
    let mut rejects = RejectCounts::default();
    let mut report = WorkerReport::default();
    let mut watermark = Watermark::default();
    let mut last = tokio::time::Instant::now();
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    loop {
        tokio::select! {
            m = consumer.recv() => match m {
                Ok(m) => {
                    last = tokio::time::Instant::now();
                    report.records += 1;
                    match record::decode(m.payload().unwrap_or_default()) {
                        Ok(r) => {
                            let s = r.ts_ms.div_euclid(1000);
                            watermark.seen(m.partition(), s);
                            agg.add(&r);
                        }
                        Err(reason) => rejects.add(reason),
                    }
                }
                Err(e) => tracing::warn!(error = %e, "aggregate worker: kafka error"),
            },
            _ = tick.tick() => {
                let idle = last.elapsed();
                let edges = match watermark.low() {
                    None => Vec::new(),
                    Some(_) if idle >= Duration::from_secs(2) => agg.flush_edges(),
                    Some(n) => agg.close_edges(n),
                };
                for e in &edges {
                    let payload = serde_json::to_vec(e).map_err(|err| err.to_string())?;
                    producer.send(&e.key(), &payload)?;
                    report.published += 1;
                }
                if idle_exit.is_some_and(|n| idle >= Duration::from_secs(n)) {
                    break;
                }
            }
        }
    }
    for e in &agg.flush_edges() {
        let payload = serde_json::to_vec(e).map_err(|err| err.to_string())?;
        producer.send(&e.key(), &payload)?;
        report.published += 1;
    }
    tokio::task::spawn_blocking(move || producer.flush(Duration::from_secs(30)))
        .await
        .map_err(|e| e.to_string())??;
    report.rejected = rejects.total();
    report.late = agg.late;
    Ok(report)
}
