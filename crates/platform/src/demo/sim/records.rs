//! The demo's traffic as call records. The simulation plans, per second, how much flows
//! over each edge (rate, error ratio, median latency); here every planned flow becomes
//! that many call records, which go through the same aggregation as records read from
//! Kafka. So the demo's topology and capacity views come out of the same path.

use crate::domain::rng::Rng;
use crate::domain::traffic::NodeId;
use crate::telemetry::aggregate::INGRESS;
use crate::telemetry::record::{CallRecord, Outcome};
use std::borrow::Cow;

/// What the simulation plans to flow over one edge in one second.
#[derive(Debug, Clone)]
pub(in crate::demo) struct Flow {
    pub from: NodeId,
    pub to: NodeId,
    /// Expected requests in the second (noise included).
    pub rps: f64,
    pub error_ratio: f64,
    pub p50_ms: f64,
    /// The traffic tag its requests carry (a lane's name), if any.
    pub tag: Option<String>,
}

/// Records per flow and second at most: a busier flow is sampled (each record then
/// stands for `weight` calls), as a producer of a large fleet's stream would.
pub(in crate::demo) const MAX_RECORDS_PER_FLOW: f64 = 100.0;

/// Log-normal spread of latencies: p99 = 3.2 × the median (ln 3.2 / z₀.₉₉).
const LATENCY_SIGMA: f64 = 0.5;

/// Turns one second's flows into records, passed to `sink` one at a time (borrowed: no
/// allocation per record). The count is the expected rate rounded at random, so the
/// mean over many seconds is the rate (a busy flow is sampled: fewer records, each with
/// a weight); each record fails with the flow's error ratio and draws its latency from
/// the flow's distribution. Returns the number of records.
pub(in crate::demo) fn emit(
    line: &str,
    env: &str,
    unix_second: i64,
    flows: &[Flow],
    rng: &mut Rng,
    sink: &mut dyn FnMut(&CallRecord<'_>),
) -> u64 {
    let mut emitted = 0;
    for flow in flows {
        let rps = flow.rps.max(0.0);
        let weight = (rps / MAX_RECORDS_PER_FLOW).ceil().max(1.0);
        let per_record = rps / weight;
        let whole = per_record.floor();
        let n = whole as u64 + u64::from(rng.next_f64() < per_record - whole);
        // Traffic from outside comes from the edge, as `wheelhouse simulate` writes it.
        let (src, src_version) = if flow.from.is_ingress() {
            (INGRESS, "edge")
        } else {
            (flow.from.service.as_str(), flow.from.version.as_str())
        };
        for _ in 0..n {
            let failed = rng.next_f64() < flow.error_ratio;
            let latency = flow.p50_ms * (LATENCY_SIGMA * rng.normal()).exp();
            let at = unix_second * 1000 + (rng.next_u64() % 1000) as i64;
            let record = CallRecord {
                ts_ms: at,
                line: Cow::Borrowed(line),
                env: Cow::Borrowed(env),
                src: Cow::Borrowed(src),
                src_version: Cow::Borrowed(src_version),
                dst: Cow::Borrowed(&flow.to.service),
                dst_version: Cow::Borrowed(&flow.to.version),
                dst_canary: flow.to.canary,
                latency_ms: latency.max(0.01),
                outcome: if failed { Outcome::Error } else { Outcome::Ok },
                status: if failed { 503 } else { 200 },
                tag: flow.tag.as_deref().map(Cow::Borrowed),
                src_lane: flow.from.lane.as_deref().map(Cow::Borrowed),
                dst_lane: flow.to.lane.as_deref().map(Cow::Borrowed),
                weight: weight as u32,
            };
            sink(&record);
        }
        emitted += n;
    }
    emitted
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flow(rps: f64, error_ratio: f64) -> Flow {
        Flow {
            from: NodeId::ingress(),
            to: NodeId::new("order", "4.2.1", false),
            rps,
            error_ratio,
            p50_ms: 20.0,
            tag: None,
        }
    }

    #[test]
    fn records_follow_the_planned_rate_errors_and_latency() {
        let mut rng = Rng::new(9);
        let flows = [flow(90.4, 0.1)];
        let (mut n, mut errors, mut latencies) = (0u64, 0u64, Vec::new());
        for second in 0..100 {
            let emitted = emit("trade", "prod", second, &flows, &mut rng, &mut |r| {
                n += 1;
                errors += u64::from(r.outcome == Outcome::Error);
                latencies.push(r.latency_ms);
                assert_eq!(r.ts_ms.div_euclid(1000), second);
                assert_eq!((r.src.as_ref(), r.dst.as_ref()), (INGRESS, "order"));
            });
            assert!((90..=91).contains(&emitted), "{emitted} records");
        }
        let mean = n as f64 / 100.0;
        assert!((mean - 90.4).abs() < 0.2, "mean {mean}");
        let ratio = errors as f64 / n as f64;
        assert!((ratio - 0.1).abs() < 0.015, "error ratio {ratio}");
        latencies.sort_by(f64::total_cmp);
        let q = |p: f64| latencies[((latencies.len() - 1) as f64 * p) as usize];
        assert!((q(0.5) / 20.0 - 1.0).abs() < 0.05, "p50 {}", q(0.5));
        assert!((q(0.99) / 64.0 - 1.0).abs() < 0.15, "p99 {}", q(0.99));
    }

    #[test]
    fn a_busy_flow_is_sampled_with_weights_that_keep_the_rate() {
        let mut rng = Rng::new(4);
        let flows = [flow(12_345.0, 0.02)];
        let (mut records, mut calls) = (0u64, 0u64);
        for second in 0..50 {
            records += emit("l", "e", second, &flows, &mut rng, &mut |r| {
                assert_eq!(r.weight, 124);
                calls += u64::from(r.weight);
            });
        }
        assert!(
            records <= 50 * MAX_RECORDS_PER_FLOW as u64,
            "{records} records"
        );
        let rate = calls as f64 / 50.0;
        assert!((rate / 12_345.0 - 1.0).abs() < 0.01, "rate {rate}");
    }

    #[test]
    fn fractional_rates_come_out_right_on_average() {
        let mut rng = Rng::new(1);
        let flows = [flow(0.3, 0.0)];
        let total: u64 = (0..10_000)
            .map(|s| emit("l", "e", s, &flows, &mut rng, &mut |_| {}))
            .sum();
        assert!((2800..3200).contains(&total), "{total} of expected 3000");
    }
}
