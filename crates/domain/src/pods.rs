//! Pods: the replicas of a service as the platform reports them, and what an on-call
//! engineer asks first — how many are ready, and why the others are not.

use serde::{Deserialize, Serialize};

/// One replica (a Kubernetes pod).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pod {
    pub name: String,
    /// A replica of the canary, not of the stable release.
    #[serde(default, skip_serializing_if = "is_false")]
    pub canary: bool,
    /// The version it runs (its template's), when labelled.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub version: String,
    /// Pending, Running, Succeeded, Failed or Unknown.
    pub phase: String,
    pub ready: bool,
    /// Restarts of its containers, summed.
    pub restarts: u32,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub node: String,
    /// When it started (Unix seconds), once it has.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started: Option<i64>,
    /// Why a container waits: CrashLoopBackOff, ImagePullBackOff, ErrImagePull,
    /// CreateContainerConfigError, ContainerCreating…
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiting: Option<String>,
    /// How a container last ended (the one restarted most).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_exit: Option<Exit>,
    /// Not scheduled: the scheduler's reason and message (PodScheduled False).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unscheduled: Option<String>,
    /// Its containers' names (logs are read per container).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub containers: Vec<String>,
}

/// How a container ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exit {
    /// OOMKilled, Error, Completed…
    pub reason: String,
    pub code: i32,
    /// When (Unix seconds), if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<i64>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

impl Pod {
    /// Why it is not ready, in one word or two; None when it is ready and nothing waits.
    pub fn trouble(&self) -> Option<String> {
        if let Some(w) = &self.waiting {
            return Some(w.clone());
        }
        if self.unscheduled.is_some() {
            return Some("Unschedulable".into());
        }
        if self.ready {
            return None;
        }
        Some(match self.phase.as_str() {
            "Running" => "not ready".to_string(),
            "" => "Unknown".to_string(),
            other => other.to_string(),
        })
    }
}

/// Why a rollout to `version` does not progress: how its new pods do, when some are not
/// ready ("1/2 ready: 1 CrashLoopBackOff, restarts 3").
pub fn stalled(pods: &[Pod], version: &str) -> Option<String> {
    let new: Vec<Pod> = pods
        .iter()
        .filter(|p| !p.canary && p.version == version)
        .cloned()
        .collect();
    health(&new)
}

/// "2/3 ready: 1 CrashLoopBackOff, restarts 14" — None when every pod is ready (or there
/// are no pods to tell about).
pub fn health(pods: &[Pod]) -> Option<String> {
    let troubled: Vec<String> = pods.iter().filter_map(Pod::trouble).collect();
    if troubled.is_empty() {
        return None;
    }
    let ready = pods.iter().filter(|p| p.ready).count();
    let mut counts: Vec<(String, usize)> = Vec::new();
    for t in troubled {
        match counts.iter_mut().find(|(r, _)| *r == t) {
            Some((_, n)) => *n += 1,
            None => counts.push((t, 1)),
        }
    }
    let mut text = format!(
        "{ready}/{} ready: {}",
        pods.len(),
        counts
            .iter()
            .map(|(r, n)| format!("{n} {r}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let restarts: u32 = pods.iter().map(|p| p.restarts).sum();
    if restarts > 0 {
        text.push_str(&format!(", restarts {restarts}"));
    }
    if let Some(oom) = pods
        .iter()
        .filter_map(|p| p.last_exit.as_ref())
        .find(|e| e.reason == "OOMKilled")
    {
        text.push_str(&format!(", last exit {} ({})", oom.reason, oom.code));
    }
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(name: &str, ready: bool) -> Pod {
        Pod {
            name: name.into(),
            canary: false,
            version: "1.0".into(),
            phase: "Running".into(),
            ready,
            restarts: 0,
            node: "n1".into(),
            started: Some(0),
            waiting: None,
            last_exit: None,
            unscheduled: None,
            containers: Vec::new(),
        }
    }

    #[test]
    fn a_stalled_rollout_is_told_by_its_new_pods() {
        let old = pod("a", true);
        let mut new = pod("b", false);
        new.version = "2.0".into();
        new.waiting = Some("CrashLoopBackOff".into());
        new.restarts = 3;
        let pods = [old, new];
        assert_eq!(
            stalled(&pods, "2.0").as_deref(),
            Some("0/1 ready: 1 CrashLoopBackOff, restarts 3")
        );
        assert_eq!(stalled(&pods, "1.0"), None);
    }

    #[test]
    fn all_ready_is_not_news() {
        assert_eq!(health(&[pod("a", true), pod("b", true)]), None);
        assert_eq!(health(&[]), None);
    }

    #[test]
    fn the_reasons_are_counted_in_words() {
        let mut crashing = pod("b", false);
        crashing.waiting = Some("CrashLoopBackOff".into());
        crashing.restarts = 14;
        let mut pending = pod("c", false);
        pending.phase = "Pending".into();
        pending.unscheduled = Some("Unschedulable: 0/3 nodes are available".into());
        assert_eq!(
            health(&[pod("a", true), crashing.clone()]).as_deref(),
            Some("1/2 ready: 1 CrashLoopBackOff, restarts 14")
        );
        let mut oom = crashing;
        oom.last_exit = Some(Exit {
            reason: "OOMKilled".into(),
            code: 137,
            at: None,
        });
        assert_eq!(
            health(&[pod("a", true), oom, pending]).as_deref(),
            Some(
                "1/3 ready: 1 CrashLoopBackOff, 1 Unschedulable, restarts 14, last exit OOMKilled (137)"
            )
        );
    }
}
