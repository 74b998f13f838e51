//! One label contract for every platform: the same key means the same thing on a
//! Kubernetes namespace or Deployment and on a Docker container or image. Standard keys
//! where they exist (`app.kubernetes.io/*`), wheelhouse's own under `wheelhouse.dev/`.
//! Keys of earlier Docker contracts are still read, and reported with the key to use.

/// The product line (a namespace's label on Kubernetes, a container's on Docker).
pub const LINE: &str = "wheelhouse.dev/product-line";
/// The environment.
pub const ENV: &str = "wheelhouse.dev/environment";
/// `production` or `non-production` (default from the environment's name).
pub const TIER: &str = "wheelhouse.dev/tier";
/// The service.
pub const SERVICE: &str = "app.kubernetes.io/name";
/// The version a workload runs (an image's own, else its OCI version, else its tag).
pub const VERSION: &str = "app.kubernetes.io/version";
/// The product line a workload belongs to (standard; read where the line is not labelled).
pub const PART_OF: &str = "app.kubernetes.io/part-of";
/// `stable` (the default when absent) or `canary`.
pub const TRACK: &str = "wheelhouse.dev/track";
/// The lane a workload's version runs in (absent: the baseline).
pub const LANE: &str = "wheelhouse.dev/lane";
/// Requests per second one replica (container) serves.
pub const CAPACITY: &str = "wheelhouse.dev/capacity-rps";
/// Comma-separated services this one calls.
pub const DEPENDS_ON: &str = "wheelhouse.dev/depends-on";
/// The base image the service image is built on.
pub const BASE_IMAGE: &str = "wheelhouse.dev/base-image";
/// Comma-separated versions available to deploy, oldest first.
pub const VERSIONS: &str = "wheelhouse.dev/versions";
/// Comma-separated config keys whose values are secrets (beside the keys that look so).
pub const SECRET_KEYS: &str = "wheelhouse.dev/secret-keys";
/// Who, when (RFC 3339) and why of the change that made the object.
pub const CHANGED_BY: &str = "wheelhouse.dev/changed-by";
pub const CHANGED_AT: &str = "wheelhouse.dev/changed-at";
pub const CHANGE_WHY: &str = "wheelhouse.dev/change-why";
/// Label of an environment (namespace, Docker container) wheelhouse made with `env
/// create`, and of what it put there: the environment it was copied from.
pub const CREATED_FROM: &str = "wheelhouse.dev/created-from";

/// Keys of the first Docker contract, still read: (former key, the key to use).
pub const FORMER_KEYS: [(&str, &str); 5] = [
    ("wheelhouse.dev/line", LINE),
    ("wheelhouse.dev/env", ENV),
    ("wheelhouse.dev/service", SERVICE),
    ("wheelhouse.dev/version", VERSION),
    ("wheelhouse.dev/capacity", CAPACITY),
];

/// A comma-separated label or annotation as a list (blanks dropped; absent: empty).
pub fn list(value: Option<&String>) -> Vec<String> {
    value
        .map(|v| {
            v.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect()
        })
        .unwrap_or_default()
}

/// The former key that `key` replaced, if any.
pub fn former_key(key: &str) -> Option<&'static str> {
    FORMER_KEYS
        .iter()
        .find(|(_, now)| *now == key)
        .map(|(old, _)| *old)
}

/// A label's value: under its key, else under the former key it replaced. `get` looks a
/// key up in whatever map holds the labels; empty values count as absent.
pub fn read<'a>(get: impl Fn(&str) -> Option<&'a String>, key: &str) -> Option<&'a String> {
    let present = |k: &str| get(k).filter(|v| !v.is_empty());
    present(key).or_else(|| former_key(key).and_then(present))
}

/// The notices for labels under former keys, one per key used.
pub fn former_keys_used<'a>(labels: impl IntoIterator<Item = &'a String>) -> Vec<String> {
    let keys: Vec<&String> = labels.into_iter().collect();
    FORMER_KEYS
        .iter()
        .filter(|(old, _)| keys.iter().any(|k| k.as_str() == *old))
        .map(|(old, now)| format!("label {old} is the former name of {now}: use {now}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn the_key_first_then_the_former_one() {
        let mut l = BTreeMap::new();
        l.insert("wheelhouse.dev/line".to_string(), "shop".to_string());
        assert_eq!(read(|k| l.get(k), LINE).map(String::as_str), Some("shop"));
        l.insert(LINE.to_string(), "trade".to_string());
        assert_eq!(read(|k| l.get(k), LINE).map(String::as_str), Some("trade"));
        assert_eq!(
            former_keys_used(l.keys()),
            [
                "label wheelhouse.dev/line is the former name of wheelhouse.dev/product-line: use wheelhouse.dev/product-line"
            ]
        );
        l.insert(CAPACITY.to_string(), String::new());
        assert_eq!(read(|k| l.get(k), CAPACITY), None, "empty is absent");
    }
}
