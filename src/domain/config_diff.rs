//! Config of one service compared between two environments; secret-like values masked.

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

const MASK: &str = "••••••";

/// True for keys whose values must never be shown (passwords, tokens, keys, credentials).
pub fn is_secret_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    [
        "password",
        "passwd",
        "secret",
        "token",
        "apikey",
        "api_key",
        "api-key",
        "credential",
        "private",
        "auth",
    ]
    .iter()
    .any(|w| k.contains(w))
        || k.ends_with("_key")
        || k.ends_with(".key")
        || k.ends_with("-key")
}

fn shown(key: &str, value: &str) -> String {
    if is_secret_key(key) {
        MASK.to_string()
    } else {
        value.to_string()
    }
}

/// Differences from `left` to `right` (keys in order). Secret values are masked; a changed
/// secret is still reported as changed.
pub fn diff(
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
            let kind = match (l, r) {
                (None, Some(_)) => DiffKind::Added,
                (Some(_), None) => DiffKind::Removed,
                (Some(a), Some(b)) if a != b => DiffKind::Changed,
                _ => DiffKind::Same,
            };
            if kind == DiffKind::Same && !include_same {
                return None;
            }
            Some(DiffLine {
                key: k.clone(),
                kind,
                left: l.map(|v| shown(k, v)),
                right: r.map(|v| shown(k, v)),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(items: &[(&str, &str)]) -> BTreeMap<String, String> {
        items
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn added_removed_changed_and_masked() {
        let a = map(&[("pool", "10"), ("db_password", "hunter2"), ("old", "x")]);
        let b = map(&[("pool", "50"), ("db_password", "swordfish"), ("new", "y")]);
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
    }

    #[test]
    fn secret_key_detection() {
        assert!(is_secret_key("API_TOKEN"));
        assert!(is_secret_key("tls.key"));
        assert!(!is_secret_key("keyspace"));
        assert!(!is_secret_key("pool_size"));
    }
}
