//! What "changed by someone else" means for a write. Each write carries the
//! resourceVersion of the object it was decided on, so the API server refuses it when the
//! object moved in between. But a resourceVersion also moves with the object's status
//! (a controller counting ready replicas, a gateway accepting a route), which is nobody's
//! change to the spec. So the generation each guarded object had when the change was
//! decided is kept beside the operations: a refused write whose object still has that
//! generation is sent again on the object's new resourceVersion; one whose generation
//! moved, or that was deleted and made again (another uid), stays refused. So does an
//! operation whose plan read the object's status (a deploy that marks the rollout it
//! supersedes): a status that moved may have changed that decision.

use super::Op;
use crate::kube::inventory::{Inventory, Kind, Obj, ObjKey};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// What an object was when a change was decided on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    pub uid: String,
    pub generation: i64,
}

/// Each object the operations are guarded on, as the change was decided.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Decided(BTreeMap<(Kind, String), Seen>);

impl Decided {
    /// Reads, from the inventory the operations were planned on, the generation of every
    /// object whose resourceVersion they carry.
    pub fn from_inventory(inv: &Inventory, context: &str, namespace: &str, ops: &[Op]) -> Self {
        let mut decided = BTreeMap::new();
        for op in ops.iter().filter(|op| !op.read_status()) {
            let Some((kind, name)) = op.guarded() else {
                continue;
            };
            let key = ObjKey {
                context: context.into(),
                namespace: namespace.into(),
                name: name.into(),
            };
            let seen = match inv.get(kind, &key) {
                Some(Obj::Workload(w)) => Seen {
                    uid: w.uid.clone(),
                    generation: w.generation,
                },
                Some(Obj::Route(r)) => Seen {
                    uid: r.uid.clone(),
                    generation: r.generation,
                },
                _ => continue,
            };
            decided.insert((kind, name.to_string()), seen);
        }
        Decided(decided)
    }

    /// What `kind`/`name` was when the change was decided.
    pub fn seen(&self, kind: Kind, name: &str) -> Option<&Seen> {
        self.0.get(&(kind, name.to_string()))
    }

    /// This run wrote the object: from now on its generation is its own, so a refusal on it
    /// is not retried.
    pub fn forget(&mut self, kind: Kind, name: &str) {
        self.0.remove(&(kind, name.to_string()));
    }

    #[cfg(test)]
    pub fn of(entries: &[(Kind, &str, i64)]) -> Self {
        Decided(
            entries
                .iter()
                .map(|(k, n, g)| {
                    let seen = Seen {
                        uid: format!("uid-{n}"),
                        generation: *g,
                    };
                    ((*k, (*n).to_string()), seen)
                })
                .collect(),
        )
    }
}

impl Op {
    /// The object whose resourceVersion this operation carries, if it carries one.
    pub fn guarded(&self) -> Option<(Kind, &str)> {
        let (kind, name) = match self {
            Op::ApplyDeployment { name, .. }
            | Op::PatchDeployment { name, .. }
            | Op::Scale { name, .. }
            | Op::DeleteDeployment { name, .. } => (Kind::Deployment, name),
            Op::ApplyStatefulSet { name, .. }
            | Op::PatchStatefulSet { name, .. }
            | Op::ScaleStatefulSet { name, .. } => (Kind::StatefulSet, name),
            Op::PatchRoute { name, .. } | Op::ApplyRoute { name, .. } => (Kind::Route, name),
            _ => return None,
        };
        self.carried_resource_version()
            .map(|_| (kind, name.as_str()))
    }

    /// Its plan read the object's status: a deploy (or rollback) during a rollout marks
    /// the revision it supersedes, which a status that moved may have finished.
    fn read_status(&self) -> bool {
        let key = crate::kube::contract::ANN_SUPERSEDES;
        match self {
            Op::ApplyDeployment { body, .. } | Op::ApplyStatefulSet { body, .. } => {
                body["metadata"]["annotations"].get(key).is_some()
            }
            Op::PatchDeployment { body, .. } | Op::PatchStatefulSet { body, .. } => {
                let path = format!("/metadata/annotations/{}", key.replace('/', "~1"));
                body.as_array()
                    .is_some_and(|ps| ps.iter().any(|p| p["path"] == path.as_str()))
            }
            _ => false,
        }
    }

    fn carried_resource_version(&self) -> Option<&str> {
        match self {
            Op::DeleteDeployment {
                resource_version, ..
            } => Some(resource_version.as_str()),
            Op::PatchDeployment { body, .. } | Op::PatchStatefulSet { body, .. } => body
                .as_array()?
                .iter()
                .find(|p| is_version_test(p))
                .and_then(|p| p["value"].as_str()),
            Op::ApplyDeployment { body, .. }
            | Op::ApplyStatefulSet { body, .. }
            | Op::Scale { body, .. }
            | Op::ScaleStatefulSet { body, .. }
            | Op::PatchRoute { body, .. }
            | Op::ApplyRoute { body, .. } => body["metadata"]["resourceVersion"].as_str(),
            _ => None,
        }
        .filter(|rv| !rv.is_empty())
    }

    /// The same operation decided on `resource_version` instead.
    pub fn with_resource_version(&self, resource_version: &str) -> Op {
        let mut op = self.clone();
        match &mut op {
            Op::DeleteDeployment {
                resource_version: rv,
                ..
            } => *rv = resource_version.to_string(),
            Op::PatchDeployment { body, .. } | Op::PatchStatefulSet { body, .. } => {
                for p in body.as_array_mut().into_iter().flatten() {
                    if is_version_test(p) {
                        p["value"] = json!(resource_version);
                    }
                }
            }
            Op::ApplyDeployment { body, .. }
            | Op::ApplyStatefulSet { body, .. }
            | Op::Scale { body, .. }
            | Op::ScaleStatefulSet { body, .. }
            | Op::PatchRoute { body, .. }
            | Op::ApplyRoute { body, .. }
                if body["metadata"]["resourceVersion"].is_string() =>
            {
                body["metadata"]["resourceVersion"] = json!(resource_version);
            }
            _ => {}
        }
        op
    }
}

fn is_version_test(p: &Value) -> bool {
    p["op"] == "test" && p["path"] == "/metadata/resourceVersion"
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scale(rv: &str) -> Op {
        Op::Scale {
            name: "web".into(),
            body: json!({ "metadata": { "resourceVersion": rv }, "spec": { "replicas": 3 } }),
        }
    }

    #[test]
    fn operations_carrying_a_resource_version_are_guarded_on_their_object() {
        assert_eq!(scale("7").guarded(), Some((Kind::Deployment, "web")));
        let apply_without = Op::ApplyDeployment {
            name: "web".into(),
            body: json!({ "metadata": { "name": "web" } }),
        };
        assert_eq!(apply_without.guarded(), None, "nothing to refuse on");
        assert_eq!(
            Op::DeleteService { name: "web".into() }.guarded(),
            None,
            "services are not guarded"
        );
        let route = Op::PatchRoute {
            name: "web".into(),
            body: json!({ "metadata": { "resourceVersion": "9" } }),
        };
        assert_eq!(route.guarded(), Some((Kind::Route, "web")));
    }

    #[test]
    fn a_new_resource_version_replaces_the_one_decided_on_and_nothing_else() {
        assert_eq!(
            scale("7").with_resource_version("12"),
            scale("12"),
            "merge body"
        );
        let patch = Op::PatchStatefulSet {
            name: "db".into(),
            body: json!([
                { "op": "test", "path": "/metadata/resourceVersion", "value": "7" },
                { "op": "replace", "path": "/spec/template", "value": { "a": "7" } },
            ]),
        };
        let Op::PatchStatefulSet { body, .. } = patch.with_resource_version("12") else {
            panic!("same kind of operation");
        };
        assert_eq!(body[0]["value"], "12");
        assert_eq!(body[1]["value"], json!({ "a": "7" }));
        let delete = Op::DeleteDeployment {
            name: "web-canary".into(),
            resource_version: "7".into(),
        };
        assert_eq!(
            delete.with_resource_version("12"),
            Op::DeleteDeployment {
                name: "web-canary".into(),
                resource_version: "12".into(),
            }
        );
    }

    #[test]
    fn what_this_run_wrote_is_not_retried() {
        let mut d = Decided::of(&[(Kind::Deployment, "web", 4)]);
        assert_eq!(
            d.seen(Kind::Deployment, "web").map(|s| s.generation),
            Some(4)
        );
        assert_eq!(d.seen(Kind::StatefulSet, "web"), None);
        d.forget(Kind::Deployment, "web");
        assert_eq!(d.seen(Kind::Deployment, "web"), None);
    }

    #[test]
    fn a_plan_that_read_the_status_is_not_sent_again() {
        let key = crate::kube::contract::ANN_SUPERSEDES;
        let deploy = Op::ApplyDeployment {
            name: "web".into(),
            body: json!({ "metadata": { "resourceVersion": "7",
                "annotations": { key: "3" } } }),
        };
        assert!(deploy.read_status());
        let rollback = Op::PatchDeployment {
            name: "web".into(),
            body: json!([
                { "op": "test", "path": "/metadata/resourceVersion", "value": "7" },
                { "op": "add", "path": format!("/metadata/annotations/{}", key.replace('/', "~1")), "value": "3" },
            ]),
        };
        assert!(rollback.read_status());
        assert!(!scale("7").read_status());
        let inv = Inventory::default();
        assert_eq!(
            Decided::from_inventory(&inv, "ctx", "ns", &[deploy]),
            Decided::default(),
            "nothing to retry on"
        );
    }
}
