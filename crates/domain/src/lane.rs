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

/// A lane's name as a tag value: lowercase letters, digits and `-`, starting with a
/// letter, at most 40 characters (it names Kubernetes objects too: `<svc>-<lane>`).
pub fn valid_name(name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name.len() <= 40
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && !name.ends_with('-')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if ok {
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
