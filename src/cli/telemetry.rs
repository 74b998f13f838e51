//! `wheelhouse simulate` (call records to Kafka) and `wheelhouse traffic` (aggregates read
//! back from Kafka), for release drills and the end-to-end tests.

use super::Output;
use super::output::exit;
use crate::domain::EnvKey;
use crate::domain::traffic::TrafficFrame;
use crate::platform::session::Session;
use crate::telemetry::aggregate::INGRESS;
use crate::telemetry::kafka::{self, KafkaOptions, RecordProducer, SourceEvent};
use crate::telemetry::record;
use crate::telemetry::simulate::{Generator, Profile};
use crate::telemetry::status::SourceStatus;
use serde_json::json;
use std::collections::BTreeMap;
use std::time::Duration;
use tokio::sync::mpsc;

pub struct SimulateArgs<'a> {
    pub target: &'a str,
    pub profile: Profile,
    pub rate: f64,
    pub seconds: u64,
    pub seed: u64,
    pub fast: bool,
    pub output: Output,
}

/// Generates and produces; in real time the routing is re-read from the platform every
/// second, so a canary shift made meanwhile (in a cockpit, on the cluster) is followed.
/// Returns (exit code, output).
pub async fn simulate<P: Session>(
    platform: &mut P,
    brokers: &str,
    topic: &str,
    props: &[(String, String)],
    a: SimulateArgs<'_>,
) -> (i32, String) {
    let Some((line, env)) = a.target.split_once('/') else {
        return (
            exit::INVALID,
            format!("target {:?} is not LINE/ENV", a.target),
        );
    };
    let key = EnvKey {
        line: line.into(),
        env: env.into(),
    };
    let Some(environment) = platform.snapshot().environment(&key).cloned() else {
        return (exit::NOT_FOUND, format!("no environment {}", a.target));
    };
    let producer = match RecordProducer::new(brokers, topic, props) {
        Ok(p) => p,
        Err(e) => return (exit::UNAVAILABLE, e),
    };
    let mut g = Generator::new(line, &environment, a.profile, a.rate, a.seed);
    let start = chrono::Utc::now().timestamp() - if a.fast { a.seconds as i64 } else { 0 };
    let t0 = tokio::time::Instant::now();
    for i in 0..a.seconds {
        if !a.fast && i > 0 {
            // The second passes while the platform's watches bring any change.
            platform.pass(1.0).await;
            tokio::time::sleep_until(t0 + Duration::from_secs(i)).await;
            if let Some(e) = platform.snapshot().environment(&key) {
                g.update(e);
            }
        }
        for r in g.second(i, a.seconds, start + i as i64) {
            let key = format!("{}>{}", r.src, r.dst);
            if let Err(e) = producer.send(&key, &record::encode(&r)) {
                return (exit::UNAVAILABLE, e);
            }
        }
    }
    let flushed =
        tokio::task::spawn_blocking(move || producer.flush(Duration::from_secs(30))).await;
    if let Ok(Err(e)) | Err(e) = flushed.map_err(|e| e.to_string()) {
        return (exit::UNAVAILABLE, e);
    }
    let truth: BTreeMap<_, _> = g.truth.clone();
    let text = match a.output {
        Output::Json => json!({ "line": line, "env": env, "profile": a.profile, "records": g.records, "seconds": a.seconds, "services": truth }).to_string(),
        Output::Text => {
            let mut t = format!("{} records to {topic} for {line}/{env} over {} s ({:?})\n", g.records, a.seconds, a.profile);
            for (name, s) in &truth {
                t.push_str(&format!("  {name:<16} {:>8} requests  {:>6} errors  {:>6} to canary\n", s.requests, s.errors, s.canary));
            }
            t
        }
    };
    (exit::OK, text)
}

/// Per-service totals over all frames.
#[derive(Default)]
struct Totals {
    requests: f64,
    errors: f64,
    canary: f64,
    p99_max: f64,
    /// Requests to each lane's version of the service.
    lanes: BTreeMap<String, f64>,
}

/// Reads until idle and prints the aggregates; returns (exit code, output).
pub async fn traffic(
    options: KafkaOptions,
    target: Option<&str>,
    idle_exit: u64,
    output: Output,
) -> (i32, String) {
    let (tx, mut rx) = mpsc::unbounded_channel();
    kafka::spawn(options, tx);
    let mut totals: BTreeMap<(String, String, String), Totals> = BTreeMap::new();
    let mut seconds: BTreeMap<(String, String), u64> = BTreeMap::new();
    let mut status = SourceStatus::default();
    let mut started = false;
    // The longest pause after which records came again (the broker went away).
    let (mut gap, mut last_idle) = (0u64, 0u64);
    let keep = |k: &EnvKey| match target {
        None => true,
        Some(t) => match t.split_once('/') {
            Some((l, e)) => k.line == l && k.env == e,
            None => k.line == t,
        },
    };
    while let Some(event) = rx.recv().await {
        match event {
            SourceEvent::Frames(frames) => {
                for (k, f) in frames.iter().filter(|(k, _)| keep(k)) {
                    *seconds.entry((k.line.clone(), k.env.clone())).or_default() += 1;
                    add(&mut totals, k, f);
                }
            }
            SourceEvent::Status(s) => {
                started |= s.received > 0;
                if s.rate > 0 {
                    gap = gap.max(last_idle);
                }
                last_idle = s.idle_seconds;
                let idle =
                    s.idle_seconds >= idle_exit && (started || s.idle_seconds >= idle_exit * 3);
                status = s;
                if idle {
                    break;
                }
            }
        }
    }
    let rejects: BTreeMap<&str, u64> = status
        .rejects
        .nonzero()
        .map(|(r, n)| (r.label(), n))
        .collect();
    match output {
        Output::Json => {
            let services: Vec<_> = totals
                .iter()
                .map(|((line, env, svc), t)| {
                    json!({
                        "line": line, "env": env, "service": svc,
                        "requests": t.requests, "errors": t.errors,
                        "error_ratio": if t.requests > 0.0 { t.errors / t.requests } else { 0.0 },
                        "canary_share": if t.requests > 0.0 { t.canary / t.requests } else { 0.0 },
                        "p99_ms_max": t.p99_max,
                        "lanes": t.lanes,
                        "seconds": seconds.get(&(line.clone(), env.clone())).copied().unwrap_or(0),
                    })
                })
                .collect();
            (exit::OK, json!({ "received": status.received, "rejected": status.rejects.total(), "rejects": rejects, "late": status.late, "dropped": status.dropped, "longest_gap_s": gap, "services": services }).to_string())
        }
        Output::Text => {
            let mut t = format!(
                "{} records received, {} rejected {:?}, {} late, {} dropped at caps, longest gap {gap} s\n",
                status.received,
                status.rejects.total(),
                rejects,
                status.late,
                status.dropped
            );
            for ((line, env, svc), s) in &totals {
                t.push_str(&format!("  {line}/{env}/{svc:<16} {:>9.0} requests  {:>5.1}% errors  {:>5.1}% canary  p99≤{:.0}ms\n",
                    s.requests, pct(s.errors, s.requests), pct(s.canary, s.requests), s.p99_max));
            }
            (exit::OK, t)
        }
    }
}

fn pct(a: f64, b: f64) -> f64 {
    if b > 0.0 { a * 100.0 / b } else { 0.0 }
}

fn add(totals: &mut BTreeMap<(String, String, String), Totals>, k: &EnvKey, f: &TrafficFrame) {
    for e in &f.edges {
        if e.to.service == INGRESS {
            continue;
        }
        let t = totals
            .entry((k.line.clone(), k.env.clone(), e.to.service.clone()))
            .or_default();
        t.requests += e.rps;
        t.errors += e.rps * e.error_ratio;
        if e.to.canary {
            t.canary += e.rps;
        }
        if let Some(lane) = &e.to.lane {
            *t.lanes.entry(lane.clone()).or_default() += e.rps;
        }
        t.p99_max = t.p99_max.max(e.p99_ms);
    }
}
