//! Lanes: tag-routed versions of several services of one environment, so that a new
//! version of a part of a call chain takes a little real traffic without a second copy
//! of the chain.
//!
//! The routing rule, at every hop: a request whose traffic tag names a lane that holds a
//! version of the called service goes to that version; any other request (untagged, or
//! tagged for a lane that lacks the service, or for no lane at all) goes to the
//! baseline. Services pass the tag on to what they call, so a request stays in its lane
//! along the chain and leaves it only where the lane has nothing of its own. Several
//! lanes coexist in an environment; a service may be in several. The gateway may tag a
//! share of untagged entry requests into a lane.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What marks a lane where it is shown (`⌁checkout-v2`, `payment@2.2.0⌁checkout-v2`).
pub const MARK: &str = "⌁";

/// The request header that carries the traffic tag (tag routes use it too).
pub const TAG_HEADER: &str = "x-traffic-tag";

/// A lane of an environment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lane {
    /// Its name, which is the tag value its requests carry.
    pub name: String,
    /// Each service of the lane and the version it runs there.
    pub services: BTreeMap<String, String>,
    /// Percent of untagged entry requests the gateway tags into the lane.
    #[serde(default)]
    pub entry_share: u8,
    /// Who created it, and when (Unix seconds); empty and 0 when the platform does not
    /// say.
    #[serde(default)]
    pub created_by: String,
    #[serde(default)]
    pub created_at: i64,
}

impl Lane {
    /// The lane's version of `service`, if it has one.
    pub fn version_of(&self, service: &str) -> Option<&str> {
        self.services.get(service).map(String::as_str)
    }
}

/// Where one hop of a request goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hop<'a> {
    /// The lane's own version of the called service.
    Lane { lane: &'a str, version: &'a str },
    /// The service's baseline (its stable and canary, as their split says).
    Baseline,
}

/// The routing rule for one hop: a request tagged `tag` calling `service`.
pub fn route<'a>(lanes: &'a [Lane], tag: Option<&str>, service: &str) -> Hop<'a> {
    let Some(tag) = tag else {
        return Hop::Baseline;
    };
    lanes
        .iter()
        .find(|l| l.name == tag)
        .and_then(|l| {
            l.version_of(service).map(|version| Hop::Lane {
                lane: &l.name,
                version,
            })
        })
        .unwrap_or(Hop::Baseline)
}

/// The hop at each service of a call path, for a request tagged `tag`.
pub fn path<'a>(lanes: &'a [Lane], tag: Option<&str>, services: &[&str]) -> Vec<Hop<'a>> {
    services.iter().map(|s| route(lanes, tag, s)).collect()
}

/// The service untagged requests enter the environment through, where a lane's share is
/// tagged: the first one that no other service of the environment calls.
pub fn entry_service(env: &crate::model::Environment) -> Option<&str> {
    env.services
        .iter()
        .find(|s| {
            !env.services
                .iter()
                .any(|o| o.dependencies.contains(&s.name))
        })
        .map(|s| s.name.as_str())
}

/// The path of a lane's requests through `env`, hop by hop: every service reached from
/// the services nothing calls (the entries), callers before callees, with where the
/// lane's requests go there.
pub fn hops<'a>(
    env: &'a crate::model::Environment,
    lane: &'a Lane,
) -> Vec<(&'a crate::model::Service, Hop<'a>)> {
    let called = |name: &str| {
        env.services
            .iter()
            .any(|s| s.dependencies.iter().any(|d| d == name))
    };
    let mut queue: std::collections::VecDeque<&str> = env
        .services
        .iter()
        .filter(|s| !called(&s.name))
        .map(|s| s.name.as_str())
        .collect();
    let mut seen: Vec<&str> = Vec::new();
    while let Some(name) = queue.pop_front() {
        if seen.contains(&name) {
            continue;
        }
        seen.push(name);
        if let Some(s) = env.service(name) {
            queue.extend(s.dependencies.iter().map(String::as_str));
        }
    }
    let lanes = std::slice::from_ref(lane);
    seen.into_iter()
        .filter_map(|name| env.service(name))
        .map(|s| {
            let hop = match route(lanes, Some(&lane.name), &s.name) {
                Hop::Lane { version, .. } => Hop::Lane {
                    lane: &lane.name,
                    version: lane.version_of(&s.name).unwrap_or(version),
                },
                Hop::Baseline => Hop::Baseline,
            };
            (s, hop)
        })
        .collect()
}

/// A lane's name as a tag value: lowercase letters, digits and `-`, starting with a
/// letter, at most 40 characters (it names Kubernetes objects too: `<svc>-<lane>`).
pub fn valid_name(name: &str) -> Result<(), String> {
    if crate::text::is_dns_label(name, 40) {
        Ok(())
    } else {
        Err(format!(
            "{name:?} is not a lane name: lowercase letters, digits and -, starting with a letter, at most 40"
        ))
    }
}

/// Whether an environment's lanes can coexist: names valid and distinct, each with a
/// service, entry shares adding up to at most 100 %.
pub fn check(lanes: &[Lane]) -> Result<(), String> {
    let mut total = 0u32;
    for (i, l) in lanes.iter().enumerate() {
        valid_name(&l.name)?;
        if lanes[..i].iter().any(|o| o.name == l.name) {
            return Err(format!("two lanes are named {}", l.name));
        }
        if l.services.is_empty() {
            return Err(format!("lane {} has no service", l.name));
        }
        total += u32::from(l.entry_share);
    }
    if total > 100 {
        return Err(format!(
            "the lanes' entry shares add up to {total} %, over 100 %"
        ));
    }
    Ok(())
}

/// What a lane change does to the lanes, or why it cannot be made: `service` joins
/// or leaves a lane, or (as the service requests enter through) sets a lane's share of
/// untagged entry requests.
pub fn plan(
    lanes: &[Lane],
    service: &crate::model::Service,
    change: &crate::operation::Change,
) -> Result<Vec<crate::change::FieldChange>, crate::change::Invalid> {
    use crate::change::{FieldChange, Invalid};
    use crate::operation::Change;
    let find = |name: &str| lanes.iter().find(|l| l.name == name);
    let mut after = lanes.to_vec();
    let out = match change {
        Change::JoinLane { lane, version } => {
            valid_name(lane).map_err(Invalid)?;
            if *version == service.version {
                return Err(Invalid(format!(
                    "{} {version} is the baseline: a lane runs another version",
                    service.name
                )));
            }
            let now = find(lane).and_then(|l| l.version_of(&service.name));
            if now == Some(version.as_str()) {
                return Err(Invalid(format!(
                    "{} {version} is already in lane {lane}",
                    service.name
                )));
            }
            apply(&mut after, &service.name, change, "", 0);
            let before = match (find(lane), now) {
                (None, _) => "(no such lane: created)".to_string(),
                (Some(_), None) => "(not in the lane)".to_string(),
                (Some(_), Some(v)) => v.to_string(),
            };
            vec![FieldChange::new(
                &format!("lane {lane}"),
                before,
                version.clone(),
            )]
        }
        Change::LeaveLane { lane } => {
            let Some(l) = find(lane) else {
                return Err(Invalid(format!("there is no lane {lane}")));
            };
            let Some(version) = l.version_of(&service.name) else {
                return Err(Invalid(format!("{} is not in lane {lane}", service.name)));
            };
            apply(&mut after, &service.name, change, "", 0);
            let gone = if l.services.len() == 1 {
                "(out; the lane goes with its last service)"
            } else {
                "(out)"
            };
            vec![FieldChange::new(&format!("lane {lane}"), version, gone)]
        }
        Change::SetLaneShare { lane, share } => {
            let Some(l) = find(lane) else {
                return Err(Invalid(format!("there is no lane {lane}")));
            };
            if l.entry_share == *share {
                return Err(Invalid(format!("lane {lane} already takes {share}%")));
            }
            apply(&mut after, &service.name, change, "", 0);
            vec![FieldChange::new(
                &format!("lane {lane} entry share"),
                format!("{}%", l.entry_share),
                format!("{share}%"),
            )]
        }
        other => {
            return Err(Invalid(format!("{other} is not a lane change")));
        }
    };
    check(&after).map_err(Invalid)?;
    Ok(out)
}

/// Makes a lane change on `lanes` (planned first: see [`plan`]); a joining service
/// creates its lane, made by `who` at `now`, and a lane goes with its last service.
pub fn apply(
    lanes: &mut Vec<Lane>,
    service: &str,
    change: &crate::operation::Change,
    who: &str,
    now: i64,
) {
    use crate::operation::Change;
    match change {
        Change::JoinLane { lane, version } => match lanes.iter_mut().find(|l| l.name == *lane) {
            Some(l) => {
                l.services.insert(service.to_string(), version.clone());
            }
            None => lanes.push(Lane {
                name: lane.clone(),
                services: BTreeMap::from([(service.to_string(), version.clone())]),
                entry_share: 0,
                created_by: who.to_string(),
                created_at: now,
            }),
        },
        Change::LeaveLane { lane } => {
            if let Some(l) = lanes.iter_mut().find(|l| l.name == *lane) {
                l.services.remove(service);
            }
            lanes.retain(|l| !l.services.is_empty());
        }
        Change::SetLaneShare { lane, share } => {
            if let Some(l) = lanes.iter_mut().find(|l| l.name == *lane) {
                l.entry_share = *share;
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lane(name: &str, services: &[(&str, &str)]) -> Lane {
        Lane {
            name: name.into(),
            services: services
                .iter()
                .map(|(s, v)| (s.to_string(), v.to_string()))
                .collect(),
            entry_share: 0,
            created_by: String::new(),
            created_at: 0,
        }
    }

    #[test]
    fn a_tagged_request_takes_its_lanes_versions_and_the_baseline_elsewhere() {
        // The chain A → B → C; lane x holds B-1.1 and C-1.1, lane y holds C-2.0.
        let lanes = vec![
            lane("x", &[("b", "1.1"), ("c", "1.1")]),
            lane("y", &[("c", "2.0")]),
        ];
        let chain = ["a", "b", "c"];
        assert_eq!(
            path(&lanes, Some("x"), &chain),
            vec![
                Hop::Baseline,
                Hop::Lane {
                    lane: "x",
                    version: "1.1"
                },
                Hop::Lane {
                    lane: "x",
                    version: "1.1"
                },
            ]
        );
        // A lane that lacks a service falls back to the baseline at that hop only.
        assert_eq!(
            path(&lanes, Some("y"), &chain),
            vec![
                Hop::Baseline,
                Hop::Baseline,
                Hop::Lane {
                    lane: "y",
                    version: "2.0"
                },
            ]
        );
        // Untagged, and tagged for no lane: the baseline everywhere.
        for tag in [None, Some("nobody")] {
            assert_eq!(path(&lanes, tag, &chain), vec![Hop::Baseline; 3]);
        }
    }

    #[test]
    fn joining_leaving_and_sharing_plan_and_apply() {
        use crate::operation::Change;
        let quote = crate::change::tests_support::service(); // quote 1.2.0
        let mut lanes = vec![lane("x", &[("order", "2.0")])];
        // Joining a new lane creates it; joining an existing one adds the service.
        let join = Change::JoinLane {
            lane: "fast".into(),
            version: "1.3.0".into(),
        };
        let planned = plan(&lanes, &quote, &join).unwrap();
        assert_eq!(planned[0].before, "(no such lane: created)");
        assert_eq!(planned[0].after, "1.3.0");
        apply(&mut lanes, "quote", &join, "ana", 7);
        let fast = lanes.iter().find(|l| l.name == "fast").unwrap();
        assert_eq!((fast.created_by.as_str(), fast.created_at), ("ana", 7));
        let join_x = Change::JoinLane {
            lane: "x".into(),
            version: "1.3.0".into(),
        };
        assert_eq!(
            plan(&lanes, &quote, &join_x).unwrap()[0].before,
            "(not in the lane)"
        );
        // The baseline's version, or the same again, is refused.
        let baseline = Change::JoinLane {
            lane: "x".into(),
            version: "1.2.0".into(),
        };
        assert!(
            plan(&lanes, &quote, &baseline)
                .unwrap_err()
                .0
                .contains("is the baseline")
        );
        assert!(
            plan(&lanes, &quote, &join)
                .unwrap_err()
                .0
                .contains("already in lane fast")
        );
        // Shares add up to at most 100 %.
        let share = |lane: &str, share: u8| Change::SetLaneShare {
            lane: lane.into(),
            share,
        };
        apply(&mut lanes, "quote", &share("x", 60), "", 0);
        assert!(
            plan(&lanes, &quote, &share("fast", 50))
                .unwrap_err()
                .0
                .contains("110 %")
        );
        assert!(
            plan(&lanes, &quote, &share("nope", 5))
                .unwrap_err()
                .0
                .contains("no lane nope")
        );
        // Leaving: the lane goes with its last service.
        let leave = Change::LeaveLane {
            lane: "fast".into(),
        };
        assert!(
            plan(&lanes, &quote, &leave).unwrap()[0]
                .after
                .contains("goes with")
        );
        apply(&mut lanes, "quote", &leave, "", 0);
        assert!(lanes.iter().all(|l| l.name != "fast"), "{lanes:?}");
        assert!(
            plan(&lanes, &quote, &leave)
                .unwrap_err()
                .0
                .contains("no lane fast")
        );
        let leave_x = Change::LeaveLane { lane: "x".into() };
        assert!(
            plan(&lanes, &quote, &leave_x)
                .unwrap_err()
                .0
                .contains("not in lane x")
        );
    }

    #[test]
    fn lanes_that_cannot_coexist_are_refused() {
        assert!(check(&[lane("x", &[("b", "1")]), lane("y", &[("b", "2")])]).is_ok());
        assert!(check(&[lane("x", &[("b", "1")]), lane("x", &[("c", "1")])]).is_err());
        assert!(check(&[lane("x", &[])]).is_err());
        let mut a = lane("a", &[("b", "1")]);
        let mut b = lane("b", &[("b", "2")]);
        a.entry_share = 60;
        b.entry_share = 50;
        assert!(check(&[a, b]).unwrap_err().contains("110 %"));
        for bad in ["", "X", "1a", "a_b", "a-", &"a".repeat(41)] {
            assert!(valid_name(bad).is_err(), "{bad:?}");
        }
        assert!(valid_name("checkout-v2").is_ok());
    }
}
