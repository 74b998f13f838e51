//! Gateway API HTTPRoute rules as wheelhouse reads and rewrites them: the default rule's
//! backend weights (stable vs canary) and one header-match rule per traffic tag.
//! Rules wheelhouse does not recognise are kept as they are.

use super::contract::TAG_HEADER;
use serde_json::{Value, json};

/// An HTTPRoute as read from the cluster.
#[derive(Debug, Clone, PartialEq)]
pub struct Route {
    /// `metadata.uid`: a route deleted and made again is another object.
    pub uid: String,
    pub resource_version: String,
    /// `metadata.generation`: changes with the rules, not with status.
    pub generation: i64,
    /// The service it routes (label `app.kubernetes.io/name`, else the route's name).
    pub app: String,
    /// `spec.rules` as served.
    pub rules: Vec<Value>,
    /// `spec.parentRefs` as served (a copy of the route attaches where it did).
    pub parent_refs: Value,
}

/// The split the rules express for `stable`/`canary` backends.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Split {
    /// Canary share of untagged traffic, 0..=100.
    pub canary_weight: u8,
    pub tags: Vec<String>,
}

fn backend_name(b: &Value) -> Option<&str> {
    b.get("name").and_then(Value::as_str)
}

fn backends(rule: &Value) -> &[Value] {
    rule.get("backendRefs")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

/// The tag of a rule that matches on the traffic-tag header, if it is one.
pub fn rule_tag(rule: &Value) -> Option<&str> {
    tag_value(
        rule.get("matches")?
            .as_array()?
            .iter()
            .filter_map(|m| m.get("headers")?.as_array())
            .flatten(),
    )
}

/// The value of the traffic-tag header among `headers` (a match's, or a filter's set).
fn tag_value<'a>(mut headers: impl Iterator<Item = &'a Value>) -> Option<&'a str> {
    headers
        .find(|h| {
            h.get("name")
                .and_then(Value::as_str)
                .is_some_and(|n| n.eq_ignore_ascii_case(TAG_HEADER))
        })?
        .get("value")?
        .as_str()
}

/// Index of the default rule: no tag match, and it sends traffic to `stable`.
fn default_rule(rules: &[Value], stable: &str) -> Option<usize> {
    rules.iter().position(|r| {
        rule_tag(r).is_none() && backends(r).iter().any(|b| backend_name(b) == Some(stable))
    })
}

/// The total weight of a default rule that tags a share of its requests into lanes.
const LANE_SCALE: u64 = 10_000;

/// The lane a backend of an entry route tags its requests for: a RequestHeaderModifier
/// filter setting the tag header (how the gateway sends a share of untagged entry
/// requests into a lane).
pub fn tagging_lane(b: &Value) -> Option<&str> {
    b.get("filters")?.as_array()?.iter().find_map(|f| {
        if f.get("type")?.as_str()? != "RequestHeaderModifier" {
            return None;
        }
        tag_value(
            f.get("requestHeaderModifier")?
                .get("set")?
                .as_array()?
                .iter(),
        )
    })
}

/// The lanes' shares of the untagged requests a route's rules send on: each tagging
/// backend's weight, in percent of its rule's.
pub fn lane_shares(rules: &[Value]) -> Vec<(String, u8)> {
    let mut out = Vec::new();
    for r in rules.iter().filter(|r| rule_tag(r).is_none()) {
        let total: u64 = backends(r).iter().map(weight).sum();
        for b in backends(r) {
            if let Some(lane) = tagging_lane(b) {
                out.push((lane.to_string(), percent(weight(b), total)));
            }
        }
    }
    out
}

fn weight(b: &Value) -> u64 {
    // The Gateway API default weight is 1.
    b.get("weight").and_then(Value::as_u64).unwrap_or(1)
}

/// `part` of `total` in whole percent, rounded; 0 when there is no total.
pub fn percent(part: u64, total: u64) -> u8 {
    (part * 100 + total / 2)
        .checked_div(total)
        .map_or(0, |p| p.min(100) as u8)
}

/// Reads the split of `stable` vs `canary` backends.
pub fn split(rules: &[Value], stable: &str, canary: &str) -> Split {
    let canary_weight = default_rule(rules, stable)
        .map(|i| {
            let bs = backends(&rules[i]);
            let total: u64 = bs
                .iter()
                .filter(|b| tagging_lane(b).is_none())
                .filter(|b| matches!(backend_name(b), Some(n) if n == stable || n == canary))
                .map(weight)
                .sum();
            let c: u64 = bs
                .iter()
                .filter(|b| tagging_lane(b).is_none() && backend_name(b) == Some(canary))
                .map(weight)
                .sum();
            percent(c, total)
        })
        .unwrap_or(0);
    let tags = rules
        .iter()
        .filter(|r| backends(r).iter().any(|b| backend_name(b) == Some(canary)))
        .filter_map(rule_tag)
        .map(String::from)
        .collect();
    Split {
        canary_weight,
        tags,
    }
}

/// The canary's backend: the stable one (namespace, kind, port, filters) renamed.
fn canary_backend(stable: &Value, canary: &str) -> Value {
    let mut b = stable.clone();
    b["name"] = Value::from(canary);
    if let Some(o) = b.as_object_mut() {
        o.remove("weight");
    }
    b
}

/// Rules with the default rule's weights set to `100 - w` / `w` (the canary backend is
/// added when missing and dropped at weight 0 when `drop_canary`). Every other field of
/// the backends and rules is kept.
pub fn with_weight(
    rules: &[Value],
    stable: &str,
    canary: &str,
    w: u8,
    drop_canary: bool,
) -> Result<Vec<Value>, String> {
    let w = u64::from(w.min(100));
    let mut rules = rules.to_vec();
    let i = default_rule(&rules, stable)
        .ok_or_else(|| format!("the HTTPRoute has no rule sending traffic to {stable}"))?;
    let current = backends(&rules[i]).to_vec();
    // Backends that tag requests into a lane keep their weights (their share of the
    // rule); stable and canary split the rest.
    let plain = |b: &&Value| tagging_lane(b).is_none();
    let tagged: u64 = current
        .iter()
        .filter(|b| tagging_lane(b).is_some())
        .map(weight)
        .sum();
    // Weights out of 100, or out of 10,000 beside tagging backends, so that the canary's
    // ratio over the rest stays whole.
    let scale = if tagged > 0 { LANE_SCALE } else { 100 };
    let rest = scale.saturating_sub(tagged);
    let canary_w = if w > 0 { (rest * w / 100).max(1) } else { 0 };
    let stable_ref = current
        .iter()
        .filter(plain)
        .find(|b| backend_name(b) == Some(stable))
        .cloned()
        .unwrap_or_else(|| json!({ "name": stable }));
    let canary_ref = current
        .iter()
        .filter(plain)
        .find(|b| backend_name(b) == Some(canary))
        .cloned()
        .unwrap_or_else(|| canary_backend(&stable_ref, canary));
    let mut out = Vec::with_capacity(current.len() + 1);
    for b in &current {
        match backend_name(b) {
            _ if tagging_lane(b).is_some() => out.push(b.clone()),
            Some(n) if n == stable => {
                let mut b = b.clone();
                b["weight"] = Value::from(rest - canary_w);
                out.push(b);
                if !(drop_canary && w == 0) {
                    let mut c = canary_ref.clone();
                    c["weight"] = Value::from(canary_w);
                    out.push(c);
                }
            }
            Some(n) if n == canary => {}
            _ => out.push(b.clone()),
        }
    }
    rules[i]["backendRefs"] = Value::Array(out);
    Ok(rules)
}

/// Rules whose default rule tags `share` % of its requests into `lane` on their way to
/// `backend` (the stable Service, or the lane's own when it has a version of this
/// service): a backend with a RequestHeaderModifier setting the tag header, stable and
/// canary keeping their ratio over the rest. At 0 the tagging backend goes.
pub fn with_lane_share(
    rules: &[Value],
    (stable, canary): (&str, &str),
    lane: &str,
    backend: &str,
    share: u8,
) -> Result<Vec<Value>, String> {
    let mut rules = rules.to_vec();
    let i = default_rule(&rules, stable)
        .ok_or_else(|| format!("the HTTPRoute has no rule sending traffic to {stable}"))?;
    let canary_weight = split(&rules, stable, canary).canary_weight;
    let current = backends(&rules[i]).to_vec();
    let others: u64 = current
        .iter()
        .filter(|b| tagging_lane(b).is_some_and(|l| l != lane))
        .map(weight)
        .sum::<u64>()
        / (LANE_SCALE / 100);
    if others + u64::from(share) > 100 {
        return Err(format!(
            "the lanes' shares of this route would add up to {} %",
            others + u64::from(share)
        ));
    }
    let mut kept: Vec<Value> = current
        .iter()
        .filter(|b| tagging_lane(b) != Some(lane))
        .cloned()
        .collect();
    if share > 0 {
        let port = current
            .iter()
            .find(|b| backend_name(b) == Some(stable))
            .and_then(|b| b.get("port").cloned())
            .unwrap_or_else(|| json!(80));
        kept.push(json!({
            "name": backend, "port": port, "weight": u64::from(share) * (LANE_SCALE / 100),
            "filters": [{ "type": "RequestHeaderModifier",
                          "requestHeaderModifier": { "set": [{ "name": TAG_HEADER, "value": lane }] } }]
        }));
    }
    rules[i]["backendRefs"] = Value::Array(kept);
    with_weight(&rules, stable, canary, canary_weight, canary_weight == 0)
}

/// Rules with a tag rule sending `tag` to `canary`, placed before the default rule and
/// matching what the default rule matches (paths, methods), plus the tag header.
pub fn with_tag(rules: &[Value], stable: &str, canary: &str, tag: &str) -> Vec<Value> {
    let mut rules = rules.to_vec();
    let at = default_rule(&rules, stable);
    let header = json!({ "type": "Exact", "name": TAG_HEADER, "value": tag });
    let (matches, backend) = match at {
        Some(i) => {
            let default = &rules[i];
            let matches: Vec<Value> = match default.get("matches").and_then(Value::as_array) {
                Some(ms) if !ms.is_empty() => ms
                    .iter()
                    .map(|m| {
                        let mut m = m.clone();
                        let mut headers = m
                            .get("headers")
                            .and_then(Value::as_array)
                            .cloned()
                            .unwrap_or_default();
                        headers.push(header.clone());
                        m["headers"] = Value::Array(headers);
                        m
                    })
                    .collect(),
                _ => vec![json!({ "headers": [header.clone()] })],
            };
            let stable_ref = backends(default)
                .iter()
                .find(|b| backend_name(b) == Some(stable))
                .cloned()
                .unwrap_or_else(|| json!({ "name": stable }));
            (matches, canary_backend(&stable_ref, canary))
        }
        None => (
            vec![json!({ "headers": [header.clone()] })],
            json!({ "name": canary }),
        ),
    };
    let rule = json!({ "matches": matches, "backendRefs": [backend] });
    rules.insert(at.unwrap_or(rules.len()), rule);
    rules
}

/// Rules without the tag rules for `tag` (all tags when `None`).
pub fn without_tag(rules: &[Value], tag: Option<&str>) -> Vec<Value> {
    rules
        .iter()
        .filter(|r| match (rule_tag(r), tag) {
            (Some(_), None) => false,
            (Some(t), Some(x)) => t != x,
            (None, _) => true,
        })
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> Vec<Value> {
        serde_json::from_value(json!([
            { "matches": [{ "headers": [{ "type": "Exact", "name": "x-traffic-tag", "value": "beta-testers" }] }],
              "backendRefs": [{ "name": "scoring-canary", "port": 80 }] },
            { "backendRefs": [
                { "name": "scoring", "port": 80, "weight": 90 },
                { "name": "scoring-canary", "port": 80, "weight": 10 } ] }
        ]))
        .unwrap()
    }

    #[test]
    fn reads_weights_and_tags() {
        let s = split(&rules(), "scoring", "scoring-canary");
        assert_eq!(s.canary_weight, 10);
        assert_eq!(s.tags, vec!["beta-testers"]);
    }

    #[test]
    fn default_weight_is_one() {
        let r: Vec<Value> = serde_json::from_value(json!([{ "backendRefs": [
            { "name": "a" }, { "name": "a-canary" } ] }]))
        .unwrap();
        assert_eq!(split(&r, "a", "a-canary").canary_weight, 50);
        assert_eq!(split(&r, "b", "b-canary"), Split::default());
    }

    #[test]
    fn sets_weight_and_keeps_the_port() {
        let r = with_weight(&rules(), "scoring", "scoring-canary", 30, false).unwrap();
        assert_eq!(split(&r, "scoring", "scoring-canary").canary_weight, 30);
        assert_eq!(r[1]["backendRefs"][1]["port"], 80);
        let only_stable = with_weight(&rules(), "scoring", "scoring-canary", 0, true).unwrap();
        assert_eq!(
            only_stable[1]["backendRefs"].as_array().map(Vec::len),
            Some(1)
        );
        assert!(with_weight(&rules(), "nope", "nope-canary", 5, false).is_err());
    }

    #[test]
    fn backend_fields_and_path_matches_are_kept() {
        let r: Vec<Value> = serde_json::from_value(json!([{
            "matches": [{ "path": { "type": "PathPrefix", "value": "/api" } }],
            "backendRefs": [{ "name": "a", "namespace": "shared", "port": 8080, "weight": 1,
                              "filters": [{ "type": "RequestHeaderModifier" }] }] }]))
        .unwrap();
        let w = with_weight(&r, "a", "a-canary", 25, false).unwrap();
        let c = &w[0]["backendRefs"][1];
        assert_eq!(
            (
                c["name"].as_str(),
                c["namespace"].as_str(),
                c["port"].as_u64()
            ),
            (Some("a-canary"), Some("shared"), Some(8080))
        );
        assert_eq!(
            w[0]["backendRefs"][0]["filters"][0]["type"],
            "RequestHeaderModifier"
        );
        assert_eq!(w[0]["backendRefs"][0]["weight"], 75);
        let t = with_tag(&w, "a", "a-canary", "staff");
        assert_eq!(
            t[0]["matches"][0]["path"]["value"], "/api",
            "the tag rule keeps the path"
        );
        assert_eq!(t[0]["matches"][0]["headers"][0]["value"], "staff");
        assert_eq!(t[0]["backendRefs"][0]["namespace"], "shared");
        assert_eq!(split(&t, "a", "a-canary").tags, vec!["staff"]);
    }

    #[test]
    fn adds_and_removes_tags_before_the_default_rule() {
        let r = with_tag(&rules(), "scoring", "scoring-canary", "staff");
        assert_eq!(
            split(&r, "scoring", "scoring-canary").tags,
            vec!["beta-testers", "staff"]
        );
        assert!(rule_tag(&r[2]).is_none(), "default rule stays last");
        let r = without_tag(&r, Some("beta-testers"));
        assert_eq!(split(&r, "scoring", "scoring-canary").tags, vec!["staff"]);
        assert!(
            split(&without_tag(&r, None), "scoring", "scoring-canary")
                .tags
                .is_empty()
        );
    }

    #[test]
    fn a_lane_share_tags_part_of_the_default_rule_and_the_split_keeps() {
        // stable 90 / canary 10, then 5 % tagged into lane x.
        let rules = with_weight(&rules(), "scoring", "scoring-canary", 10, false).unwrap();
        let shared =
            with_lane_share(&rules, ("scoring", "scoring-canary"), "x", "scoring", 5).unwrap();
        assert_eq!(lane_shares(&shared), [("x".to_string(), 5)]);
        assert_eq!(
            split(&shared, "scoring", "scoring-canary").canary_weight,
            10
        );
        let total: u64 = backends(&shared[default_rule(&shared, "scoring").unwrap()])
            .iter()
            .map(weight)
            .sum();
        assert_eq!(total, 10_000);
        // A canary weight set later keeps the lane's share.
        let reweighed = with_weight(&shared, "scoring", "scoring-canary", 50, false).unwrap();
        assert_eq!(lane_shares(&reweighed), [("x".to_string(), 5)]);
        assert_eq!(
            split(&reweighed, "scoring", "scoring-canary").canary_weight,
            50
        );
        // Too much, refused; back to 0, the tagging backend goes.
        assert!(
            with_lane_share(&shared, ("scoring", "scoring-canary"), "y", "scoring", 96).is_err()
        );
        let back =
            with_lane_share(&shared, ("scoring", "scoring-canary"), "x", "scoring", 0).unwrap();
        assert!(lane_shares(&back).is_empty());
        assert_eq!(split(&back, "scoring", "scoring-canary").canary_weight, 10);
    }
}
