//! The Kubernetes contract: the labels and annotations wheelhouse reads and writes.
//! See the README's "Kubernetes contract" section; demo/k8s/ follows it.

// The keys every platform shares (see `platform::contract`), under the names this
// platform's code uses for them: labels of namespaces and workloads, annotations.
use crate::contract as shared;

/// Namespace label naming the product line.
pub const LABEL_LINE: &str = shared::LINE;
/// Namespace label naming the environment.
pub const LABEL_ENV: &str = shared::ENV;
/// Namespace label: `production` or `non-production` (default from the environment name).
pub const LABEL_TIER: &str = shared::TIER;

/// Deployment label naming the service.
pub const LABEL_NAME: &str = shared::SERVICE;
pub const LABEL_VERSION: &str = shared::VERSION;
pub const LABEL_PART_OF: &str = shared::PART_OF;
/// `stable` (the default when absent) or `canary`.
pub const LABEL_TRACK: &str = shared::TRACK;
pub const TRACK_CANARY: &str = "canary";
pub const TRACK_STABLE: &str = "stable";
/// A Deployment `<svc>-<lane>` labelled with its lane is the lane's version of the
/// service (labelled `app.kubernetes.io/name: <svc>` as the baseline is).
pub const LABEL_LANE: &str = shared::LANE;
/// Label of a service's lane route `<svc>-lanes`, naming the service.
pub const LABEL_LANE_ROUTE: &str = "wheelhouse.dev/lane-route";
/// Label of a namespace `env create` made, and of the objects it put there: the
/// environment they were copied from.
pub const LABEL_CREATED_FROM: &str = shared::CREATED_FROM;

/// Requests per second one replica serves.
pub const ANN_CAPACITY: &str = shared::CAPACITY;
/// Comma-separated services this one calls.
pub const ANN_DEPENDS_ON: &str = shared::DEPENDS_ON;
/// The base image the service image is built on.
pub const ANN_BASE_IMAGE: &str = shared::BASE_IMAGE;
/// Comma-separated versions available to deploy, oldest first.
pub const ANN_VERSIONS: &str = shared::VERSIONS;
/// Comma-separated config keys whose values are secrets.
pub const ANN_SECRET_KEYS: &str = shared::SECRET_KEYS;
/// Who, when (RFC 3339) and why of the last change; copied to ReplicaSets by the controller.
pub const ANN_CHANGED_BY: &str = shared::CHANGED_BY;
pub const ANN_CHANGED_AT: &str = shared::CHANGED_AT;
pub const ANN_CHANGE_WHY: &str = shared::CHANGE_WHY;
/// Set on a rollback: the revision it went back to.
pub const ANN_ROLLBACK_TO: &str = "wheelhouse.dev/rollback-to";
/// Set on a deploy made while another was rolling out: the revision it replaced unfinished.
pub const ANN_SUPERSEDES: &str = "wheelhouse.dev/supersedes";
pub const ANN_CHANGE_CAUSE: &str = "kubernetes.io/change-cause";
/// Pod template annotation whose change restarts every pod (as `kubectl rollout restart`).
pub const RESTARTED_AT: &str = "kubectl.kubernetes.io/restartedAt";
pub const ANN_REVISION: &str = "deployment.kubernetes.io/revision";
/// The revision of an Argo Rollouts ReplicaSet.
pub const ANN_ROLLOUT_REVISION: &str = "rollout.argoproj.io/revision";
/// The Argo Rollouts API group, version and resource.
pub const ROLLOUT_GROUP: &str = "argoproj.io";
pub const ROLLOUT_VERSION: &str = "v1alpha1";
pub const ROLLOUT_KIND: &str = "Rollout";
pub const ROLLOUT_PLURAL: &str = "rollouts";
/// Labels naming a service where `app.kubernetes.io/name` is absent (older charts).
pub const LABEL_APP: &str = "app";

/// Requests carrying this header with a tag's value go to the canary.
pub const TAG_HEADER: &str = "x-traffic-tag";

/// The field manager of every write.
pub const FIELD_MANAGER: &str = "wheelhouse";

/// The Gateway API group and the route kind.
pub const GATEWAY_GROUP: &str = "gateway.networking.k8s.io";
pub const GATEWAY_VERSION: &str = "v1";
pub const ROUTE_KIND: &str = "HTTPRoute";
pub const ROUTE_PLURAL: &str = "httproutes";

/// Name of the canary Deployment and Service of `service`.
pub fn canary_name(service: &str) -> String {
    format!("{service}-canary")
}

pub use crate::environments::{rank as env_rank, tier};

pub use crate::contract::list;

/// The tag of an image reference, if any (`repo:5000/a/b:1.2` → `1.2`).
pub fn image_tag(image: &str) -> Option<&str> {
    let name_start = image.rfind('/').map_or(0, |i| i + 1);
    let name = &image[name_start..];
    let name = name.split('@').next().unwrap_or(name);
    name.find(':').map(|c| &name[c + 1..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_tag_ignores_registry_port() {
        assert_eq!(
            image_tag("registry.local:5000/trade/order:4.2.1"),
            Some("4.2.1")
        );
        assert_eq!(image_tag("registry.local:5000/trade/order"), None);
        assert_eq!(image_tag("order:1@sha256:abc"), Some("1"));
    }

    #[test]
    fn lists_drop_blanks() {
        let v = " a, ,b ,".to_string();
        assert_eq!(list(Some(&v)), vec!["a", "b"]);
        assert!(list(None).is_empty());
    }
}
