//! `wheelhouse status`: text or JSON.

use crate::domain::Snapshot;
use crate::platform::PlatformInfo;
use serde::Serialize;

/// What `status -o json` prints, serialized straight from the model (no intermediate
/// JSON tree: at 20,000 pods that tree alone was the biggest thing in memory).
#[derive(Serialize)]
struct Status<'a> {
    platform: &'a PlatformInfo,
    product_lines: &'a [crate::domain::ProductLine],
}

/// Keeps only the product line (and environment) named by `target`.
pub fn filter(snapshot: &Snapshot, target: Option<&str>) -> Result<Snapshot, String> {
    let Some(target) = target else {
        return Ok(snapshot.clone());
    };
    let mut parts = target.splitn(2, '/');
    let line_name = parts.next().unwrap_or_default();
    let env_name = parts.next();
    let mut line = snapshot
        .line(line_name)
        .cloned()
        .ok_or_else(|| format!("no product line {line_name:?}"))?;
    if let Some(env) = env_name {
        line.environments.retain(|e| e.name == env);
        if line.environments.is_empty() {
            return Err(format!("no environment {env:?} in {line_name}"));
        }
    }
    Ok(Snapshot {
        product_lines: vec![line],
    })
}

/// `status -o json`, written while it is serialized.
pub fn stream_json(info: &PlatformInfo, snapshot: &Snapshot) -> super::output::Outcome {
    super::output::stream_json(&Status {
        platform: info,
        product_lines: &snapshot.product_lines,
    })
}

/// `status` as text.
pub fn text(info: &PlatformInfo, snapshot: &Snapshot) -> String {
    let mut out = format!("platform {}: {}\n", info.kind, info.target);
    for line in &snapshot.product_lines {
        out.push_str(&format!("\n{}\n", line.name));
        for env in &line.environments {
            out.push_str(&format!(
                "  {:<12} {:<9} {:<8} {}\n",
                env.name,
                env.tier.label(),
                format!("{:?}", env.health()).to_lowercase(),
                env.location
            ));
            for s in &env.services {
                let canary = s
                    .canary
                    .as_ref()
                    .map(|c| format!("  canary {} {}%", c.version, s.traffic.canary_weight))
                    .unwrap_or_default();
                let rollout = s
                    .rollout
                    .as_ref()
                    .map(|r| format!("  rolling out {} {}/{}", r.to_version, r.updated, r.total))
                    .unwrap_or_default();
                let health = s
                    .rollout_stalled()
                    .map(|why| format!("  ⚠ rollout stalled: {why}"))
                    .or_else(|| s.pod_health().map(|why| format!("  ⚠ {why}")))
                    .unwrap_or_default();
                out.push_str(&format!(
                    "    {:<20} {:<10} {:>3}/{:<3}{canary}{rollout}{health}\n",
                    s.name, s.version, s.replicas.ready, s.replicas.desired
                ));
            }
            for lane in &env.lanes {
                out.push_str(&format!("    lane {}\n", lane_text(lane)));
            }
        }
    }
    out
}

/// A lane in one line: its name, each service at its version, its share of untagged
/// entry requests, who made it.
pub fn lane_text(lane: &crate::domain::lane::Lane) -> String {
    let services: Vec<String> = lane
        .services
        .iter()
        .map(|(s, v)| format!("{s} {v}"))
        .collect();
    let mut out = format!("{:<16} {}", lane.name, services.join(", "));
    if lane.entry_share > 0 {
        out.push_str(&format!(
            " · {}% of untagged entry requests",
            lane.entry_share
        ));
    }
    if !lane.created_by.is_empty() {
        out.push_str(&format!(" · by {}", lane.created_by));
    }
    out
}
