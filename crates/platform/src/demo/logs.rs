//! Log lines of the demo platform's services: access-log style lines from each ready
//! replica, at a rate and error share that follow the simulation, so the logs view can be
//! tried (and searched) without a cluster.

use crate::domain::logs::LogLine;
use crate::domain::rng::Rng;
use crate::domain::{ServiceKey, Snapshot};

/// Lines a tail starts with.
pub const HISTORY_LINES: usize = 40;

/// Up to `n` lines of the service as it is in `snapshot`, stamped `now` (Unix seconds).
pub fn lines(
    snapshot: &Snapshot,
    key: &ServiceKey,
    now: i64,
    n: usize,
    rng: &mut Rng,
) -> Vec<LogLine> {
    let Some(s) = snapshot.service(key) else {
        return Vec::new();
    };
    let mut replicas: Vec<(String, u32)> = vec![(s.version.clone(), s.replicas.ready)];
    if let Some(c) = &s.canary {
        replicas.push((c.version.clone(), c.replicas.ready));
    }
    let pods: Vec<String> = replicas
        .iter()
        .flat_map(|(v, n)| (1..=*n).map(move |i| format!("{}-{v}-{i}", key.service)))
        .collect();
    if pods.is_empty() {
        return Vec::new();
    }
    let time = chrono::DateTime::from_timestamp(now, 0)
        .map(|t| t.format("%H:%M:%S").to_string())
        .unwrap_or_default();
    (0..n)
        .map(|_| {
            let pod = &pods[(rng.next_u64() % pods.len() as u64) as usize];
            let failed = rng.next_f64() < 0.01;
            let ms = 3.0 + rng.next_f64() * 40.0 * if failed { 8.0 } else { 1.0 };
            LogLine {
                source: pod.clone(),
                text: if failed {
                    format!(
                        "{time} ERROR GET /v1/{} 503 in {ms:.0}ms: upstream timeout",
                        key.service
                    )
                } else {
                    format!("{time} INFO GET /v1/{} 200 in {ms:.0}ms", key.service)
                },
            }
        })
        .collect()
}
