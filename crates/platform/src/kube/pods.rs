//! A Pod object read into the model's [`Pod`]: phase, readiness, restarts, node, age, why
//! a container waits, how it last ended, and why the scheduler has not placed it.

use crate::domain::pods::{Exit, Pod};
use k8s_openapi::api::core::v1::{ContainerStatus, Pod as KubePod};

/// What the model keeps of a pod (the rest of the object is dropped in the watch task).
pub fn read(p: &KubePod, canary: bool, version: String) -> Pod {
    let status = p.status.as_ref();
    let conditions = status.and_then(|s| s.conditions.as_deref()).unwrap_or(&[]);
    let condition = |kind: &str| conditions.iter().find(|c| c.type_ == kind);
    let containers: Vec<&ContainerStatus> = status
        .into_iter()
        .flat_map(|s| {
            s.init_container_statuses
                .iter()
                .flatten()
                .chain(s.container_statuses.iter().flatten())
        })
        .collect();
    let unscheduled = condition("PodScheduled")
        .filter(|c| c.status == "False")
        .map(|c| {
            let reason = c.reason.clone().unwrap_or_else(|| "not scheduled".into());
            match c.message.as_deref() {
                Some(m) if !m.is_empty() => format!("{reason}: {m}"),
                _ => reason,
            }
        });
    Pod {
        name: p.metadata.name.clone().unwrap_or_default(),
        canary,
        version,
        phase: status.and_then(|s| s.phase.clone()).unwrap_or_default(),
        ready: condition("Ready").is_some_and(|c| c.status == "True"),
        restarts: containers
            .iter()
            .map(|c| u32::try_from(c.restart_count).unwrap_or(0))
            .sum(),
        node: p
            .spec
            .as_ref()
            .and_then(|s| s.node_name.clone())
            .unwrap_or_default(),
        started: status
            .and_then(|s| s.start_time.as_ref())
            .map(|t| t.0.as_second()),
        waiting: containers.iter().find_map(|c| {
            c.state
                .as_ref()
                .and_then(|s| s.waiting.as_ref())
                .and_then(|w| w.reason.clone())
        }),
        last_exit: last_exit(&containers),
        unscheduled,
        containers: p
            .spec
            .iter()
            .flat_map(|s| s.containers.iter().map(|c| c.name.clone()))
            .collect(),
    }
}

/// How the container restarted most last ended (or how one ended, if none restarted).
fn last_exit(containers: &[&ContainerStatus]) -> Option<Exit> {
    let mut by_restarts: Vec<&&ContainerStatus> = containers.iter().collect();
    by_restarts.sort_by_key(|c| std::cmp::Reverse(c.restart_count));
    by_restarts.iter().find_map(|c| {
        let ended = c
            .last_state
            .as_ref()
            .and_then(|s| s.terminated.as_ref())
            .or_else(|| c.state.as_ref().and_then(|s| s.terminated.as_ref()))?;
        Some(Exit {
            reason: ended.reason.clone().unwrap_or_else(|| "Terminated".into()),
            code: ended.exit_code,
            at: ended.finished_at.as_ref().map(|t| t.0.as_second()),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_crash_looping_pod_says_why_how_often_and_how_it_ended() {
        let p: KubePod = serde_json::from_value(json!({
            "metadata": {"name": "order-7d9-abc"},
            "spec": {"nodeName": "kwok-node-1", "containers": [{"name": "app"}]},
            "status": {
                "phase": "Running",
                "startTime": "2026-11-29T10:00:00Z",
                "conditions": [{"type": "Ready", "status": "False"}],
                "containerStatuses": [{
                    "name": "app", "image": "x", "imageID": "", "ready": false,
                    "restartCount": 14,
                    "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                    "lastState": {"terminated": {"exitCode": 137, "reason": "OOMKilled",
                        "finishedAt": "2026-11-29T10:05:00Z"}}
                }]
            }
        }))
        .unwrap();
        let pod = read(&p, true, "1.0".into());
        assert_eq!(pod.waiting.as_deref(), Some("CrashLoopBackOff"));
        assert_eq!(pod.restarts, 14);
        assert!(!pod.ready && pod.canary);
        assert_eq!(pod.node, "kwok-node-1");
        let exit = pod.last_exit.unwrap();
        assert_eq!((exit.reason.as_str(), exit.code), ("OOMKilled", 137));
        assert_eq!(exit.at, Some(1_795_946_700));
    }

    #[test]
    fn a_pod_the_scheduler_cannot_place_says_so() {
        let p: KubePod = serde_json::from_value(json!({
            "metadata": {"name": "web-1"},
            "status": {
                "phase": "Pending",
                "conditions": [{"type": "PodScheduled", "status": "False",
                    "reason": "Unschedulable",
                    "message": "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector."}]
            }
        }))
        .unwrap();
        let pod = read(&p, false, String::new());
        assert_eq!(pod.trouble().as_deref(), Some("Unschedulable"));
        assert!(
            pod.unscheduled
                .unwrap()
                .starts_with("Unschedulable: 0/3 nodes")
        );
    }
}
