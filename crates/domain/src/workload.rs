//! The platform object a service is read from (Kubernetes: a Deployment, a StatefulSet or
//! an Argo Rollouts `Rollout`), and which operations each kind allows.

use crate::operation::Op;
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum WorkloadKind {
    Deployment,
    StatefulSet,
    /// Argo Rollouts' `Rollout`: shown, not changed (its controller owns its steps).
    ArgoRollout,
}

impl fmt::Display for WorkloadKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            WorkloadKind::Deployment => "Deployment",
            WorkloadKind::StatefulSet => "StatefulSet",
            WorkloadKind::ArgoRollout => "Rollout (Argo Rollouts)",
        })
    }
}

/// Where an Argo Rollouts canary is in its steps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CanaryStep {
    /// The current step, 1-based (`count + 1` once every step is done).
    pub index: u32,
    pub count: u32,
    /// The canary's share of traffic now, in percent.
    pub weight: u8,
    /// The controller's phase (`Progressing`, `Paused`, `Healthy`, `Degraded`…).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub phase: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Workload {
    pub kind: WorkloadKind,
    /// The object's own name (a service is named by its labels, not always by this).
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<CanaryStep>,
}

impl fmt::Display for Workload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.kind, self.name)
    }
}

impl Workload {
    /// Why `op` cannot be done on this kind of object, if it cannot.
    pub fn refuses(&self, op: Op) -> Option<String> {
        match self.kind {
            WorkloadKind::Deployment => None,
            WorkloadKind::ArgoRollout => Some(format!(
                "{} is an Argo Rollouts Rollout: shown read-only (its controller owns the steps; use kubectl argo rollouts)",
                self.name
            )),
            WorkloadKind::StatefulSet => match op {
                Op::Deploy | Op::Scale | Op::ScaleRecommended | Op::Restart => None,
                _ => Some(format!(
                    "{} is a StatefulSet: wheelhouse deploys, scales and restarts it, but {} needs a Deployment",
                    self.name,
                    op.spec().verb
                )),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(kind: WorkloadKind) -> Workload {
        Workload {
            kind,
            name: "db".into(),
            step: None,
        }
    }

    #[test]
    fn each_kind_allows_what_it_can_do() {
        assert_eq!(of(WorkloadKind::Deployment).refuses(Op::CanaryStart), None);
        let sts = of(WorkloadKind::StatefulSet);
        assert_eq!(sts.refuses(Op::Scale), None);
        assert_eq!(sts.refuses(Op::Deploy), None);
        let why = sts.refuses(Op::CanaryStart).unwrap();
        assert!(why.contains("StatefulSet"), "{why}");
        let why = of(WorkloadKind::ArgoRollout).refuses(Op::Scale).unwrap();
        assert!(why.contains("read-only"), "{why}");
    }
}
