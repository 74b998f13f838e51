//! The Docker contract: the labels wheelhouse reads from containers and images, and
//! writes on the containers it creates. See the README's "Docker contract"; the test
//! images in demo/docker/ and `scripts/docker-demo-load` follow it.

use crate::contract as shared;

/// Container labels naming where a container belongs; containers without all three (under
/// these keys or their former ones) are not wheelhouse's and are left out.
pub const LABEL_LINE: &str = shared::LINE;
pub const LABEL_ENV: &str = shared::ENV;
pub const LABEL_SERVICE: &str = shared::SERVICE;
/// The version a container (or an image) runs; else the image's OCI version, else its tag.
pub const LABEL_VERSION: &str = shared::VERSION;
/// `production` or `non-production` (default from the environment name).
pub const LABEL_TIER: &str = shared::TIER;
/// Requests per second one container serves.
pub const LABEL_CAPACITY: &str = shared::CAPACITY;
/// Comma-separated services this one calls.
pub const LABEL_DEPENDS_ON: &str = shared::DEPENDS_ON;
/// Comma-separated environment variables whose values are secrets.
pub const LABEL_SECRET_KEYS: &str = shared::SECRET_KEYS;
/// The service's release history (JSON, newest last), carried forward by every container
/// wheelhouse creates: Docker keeps no history of its own.
pub const LABEL_HISTORY: &str = "wheelhouse.dev/history";
/// Who, when (RFC 3339) and why of the change that created the container.
pub const LABEL_CHANGED_BY: &str = shared::CHANGED_BY;
pub const LABEL_CHANGED_AT: &str = shared::CHANGED_AT;
pub const LABEL_CHANGE_WHY: &str = shared::CHANGE_WHY;
/// On the containers of an environment `env create` made: the one it was copied from.
pub const LABEL_CREATED_FROM: &str = shared::CREATED_FROM;

/// OCI image labels: the version and the base image (lineage).
pub const OCI_VERSION: &str = "org.opencontainers.image.version";
pub const OCI_BASE: &str = "org.opencontainers.image.base.name";

/// A label of a container or image, under its key or the former one it replaced.
pub fn label<'a>(
    labels: &'a std::collections::BTreeMap<String, String>,
    key: &str,
) -> Option<&'a String> {
    shared::read(|k| labels.get(k), key)
}

/// Releases kept in the history label.
pub const HISTORY_KEPT: usize = 20;

/// Environment variables that are the image's plumbing, not the service's config.
pub fn is_plumbing(key: &str) -> bool {
    matches!(key, "PATH" | "HOSTNAME" | "HOME" | "TERM")
}
