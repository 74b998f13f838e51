//! Benchmarks of the telemetry path: aggregation of decoded call records (target ≥ 1M
//! records/s on one core), decoding + aggregation from bytes, and plain serde_json
//! decoding of the same bytes as the limit.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test may fail loudly

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use wheelhouse::telemetry::aggregate::Aggregator;
use wheelhouse::telemetry::record::{self, CallRecord, Outcome};

const RECORDS: usize = 200_000;

/// A fleet of 60 services, 4 outgoing calls each, 10,000 records per second.
fn records() -> Vec<CallRecord<'static>> {
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    (0..RECORDS)
        .map(|i| {
            let src = next() % 60;
            let dst = (src + 1 + next() % 4) % 60;
            let r = next();
            CallRecord {
                ts_ms: 1_764_000_000_000 + (i as i64) / 10,
                line: "fleet".into(),
                env: "prod".into(),
                src: format!("svc-{src}").into(),
                src_version: "1.4.2".into(),
                dst: format!("svc-{dst}").into(),
                dst_version: if r % 10 == 0 { "1.5.0" } else { "1.4.2" }.into(),
                dst_canary: r % 10 == 0,
                latency_ms: 1.0 + (r % 5000) as f64 / 50.0,
                outcome: if r % 100 == 0 {
                    Outcome::Error
                } else {
                    Outcome::Ok
                },
                status: if r % 100 == 0 { 503 } else { 200 },
                tag: None,
                src_lane: None,
                dst_lane: None,
                weight: 1,
            }
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let decoded = records();
    let bytes: Vec<Vec<u8>> = decoded.iter().map(record::encode).collect();
    let mut g = c.benchmark_group("telemetry");
    g.throughput(Throughput::Elements(RECORDS as u64));
    g.sample_size(20);
    g.bench_function("aggregate decoded records", |b| {
        b.iter(|| {
            let mut a = Aggregator::new();
            for r in &decoded {
                a.add(r);
            }
            black_box(a.flush())
        })
    });
    g.bench_function("decode + aggregate from bytes", |b| {
        b.iter(|| {
            let mut a = Aggregator::new();
            for m in &bytes {
                if let Ok(r) = record::decode(m) {
                    a.add(&r);
                }
            }
            black_box(a.flush())
        })
    });
    g.bench_function("plain serde_json decode (limit)", |b| {
        b.iter(|| {
            let mut n = 0usize;
            for m in &bytes {
                if let Ok(r) = serde_json::from_slice::<CallRecord<'_>>(m) {
                    n += r.src.len();
                }
            }
            black_box(n)
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
