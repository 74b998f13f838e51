//! Config of one service compared between two environments. Secret values never reach the
//! model (see `secret`): secrets are compared by fingerprint and shown masked.

use super::model::Service;
use super::secret::{MASK, Secrets, shown};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DiffKind {
    Added,
    Removed,
    Changed,
    Same,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffLine {
    pub key: String,
    pub kind: DiffKind,
    pub left: Option<String>,
    pub right: Option<String>,
}

/// Differences of a service's config from `left` to `right` (keys in order), secrets
/// included: a secret is masked on both sides and reported changed when its fingerprints
/// differ (both known).
pub fn diff(left: &Service, right: &Service, include_same: bool) -> Vec<DiffLine> {
    let mut lines = diff_values(&left.config, &right.config, include_same);
    lines.extend(diff_secrets(
        &left.secret_keys,
        &right.secret_keys,
        include_same,
    ));
    lines.sort_by(|a, b| a.key.cmp(&b.key));
    lines
}

fn kind_of<T>(l: Option<T>, r: Option<T>, differ: impl Fn(&T, &T) -> bool) -> DiffKind {
    match (&l, &r) {
        (None, Some(_)) => DiffKind::Added,
        (Some(_), None) => DiffKind::Removed,
        (Some(a), Some(b)) if differ(a, b) => DiffKind::Changed,
        _ => DiffKind::Same,
    }
}

/// Plain values (defensively masked again should a secret-looking key be here).
pub fn diff_values(
    left: &BTreeMap<String, String>,
    right: &BTreeMap<String, String>,
    include_same: bool,
) -> Vec<DiffLine> {
    let mut keys: Vec<&String> = left.keys().chain(right.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter_map(|k| {
            let (l, r) = (left.get(k), right.get(k));
            let kind = kind_of(l, r, |a, b| a != b);
            if kind == DiffKind::Same && !include_same {
                return None;
            }
            Some(DiffLine {
                key: k.clone(),
                kind,
                left: l.map(|v| shown(k, v).to_string()),
                right: r.map(|v| shown(k, v).to_string()),
            })
        })
        .collect()
}

fn diff_secrets(left: &Secrets, right: &Secrets, include_same: bool) -> Vec<DiffLine> {
    let mut keys: Vec<&str> = left.names().chain(right.names()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter_map(|k| {
            let (l, r) = (left.get(k), right.get(k));
            let unknown = super::secret::Fingerprint::UNKNOWN;
            let kind = kind_of(l, r, |a, b| *a != unknown && *b != unknown && a != b);
            if kind == DiffKind::Same && !include_same {
                return None;
            }
            Some(DiffLine {
                key: k.to_string(),
                kind,
                left: l.map(|_| MASK.to_string()),
                right: r.map(|_| MASK.to_string()),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::split_config;

    fn service(items: &[(&str, &str)]) -> Service {
        let mut s = crate::change::tests_support::service();
        let (config, secrets) = split_config(items.iter().copied(), &[]);
        s.config = config;
        s.secret_keys = secrets;
        s
    }

    #[test]
    fn added_removed_changed_and_masked() {
        let a = service(&[("pool", "10"), ("db_password", "hunter2"), ("old", "x")]);
        let b = service(&[("pool", "50"), ("db_password", "swordfish"), ("new", "y")]);
        let d = diff(&a, &b, false);
        let kinds: Vec<(&str, DiffKind)> =
            d.iter().map(|l| (l.key.as_str(), l.kind.clone())).collect();
        assert_eq!(
            kinds,
            vec![
                ("db_password", DiffKind::Changed),
                ("new", DiffKind::Added),
                ("old", DiffKind::Removed),
                ("pool", DiffKind::Changed),
            ]
        );
        let secret = &d[0];
        assert_eq!(secret.left.as_deref(), Some(MASK));
        assert!(!format!("{d:?}").contains("hunter2"));
        let same = service(&[("db_password", "hunter2")]);
        let again = service(&[("db_password", "hunter2")]);
        assert!(diff(&same, &again, false).is_empty());
    }
}
