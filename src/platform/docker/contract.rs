//! The Docker contract: the labels wheelhouse reads from containers and images, and
//! writes on the containers it creates. See the README's "Docker contract"; the test
//! images in demo/docker/ and `scripts/docker-demo-load` follow it.

/// Container labels naming where a container belongs; containers without all three are
/// not wheelhouse's and are left out.
pub const LABEL_LINE: &str = "wheelhouse.dev/line";
pub const LABEL_ENV: &str = "wheelhouse.dev/env";
pub const LABEL_SERVICE: &str = "wheelhouse.dev/service";
/// The version a container (or an image) runs; else the image's OCI version, else its tag.
pub const LABEL_VERSION: &str = "wheelhouse.dev/version";
/// `production` or `non-production` (default from the environment name).
pub const LABEL_TIER: &str = "wheelhouse.dev/tier";
/// Requests per second one container serves.
pub const LABEL_CAPACITY: &str = "wheelhouse.dev/capacity";
/// Comma-separated services this one calls.
pub const LABEL_DEPENDS_ON: &str = "wheelhouse.dev/depends-on";
/// The service's release history (JSON, newest last), carried forward by every container
/// wheelhouse creates: Docker keeps no history of its own.
pub const LABEL_HISTORY: &str = "wheelhouse.dev/history";
/// Who, when (RFC 3339) and why of the change that created the container.
pub const LABEL_CHANGED_BY: &str = "wheelhouse.dev/changed-by";
pub const LABEL_CHANGED_AT: &str = "wheelhouse.dev/changed-at";
pub const LABEL_CHANGE_WHY: &str = "wheelhouse.dev/change-why";

/// OCI image labels: the version and the base image (lineage).
pub const OCI_VERSION: &str = "org.opencontainers.image.version";
pub const OCI_BASE: &str = "org.opencontainers.image.base.name";

/// Releases kept in the history label.
pub const HISTORY_KEPT: usize = 20;

/// Environment variables that are the image's plumbing, not the service's config.
pub fn is_plumbing(key: &str) -> bool {
    matches!(key, "PATH" | "HOSTNAME" | "HOME" | "TERM")
}
