//! Several platforms open at once (a catalog putting a product line's dev and test on a
//! Docker engine and its gray and prod on Kubernetes): one worker in front of the
//! platform workers that merges their snapshots into one tree, combines their connection
//! states, and sends each request to the platform that holds its environment.

use super::{
    Connection, PlatformError, PlatformEvent, PlatformHandle, PlatformInfo, PlatformRequest,
};
use crate::domain::image::{ImageInfo, from_snapshot};
use crate::domain::{EnvKey, ProductLine, Snapshot};
use crate::kube::contract::env_rank;
use std::collections::BTreeMap;
use std::sync::Arc;
use tokio::sync::mpsc;

/// Environments the catalog gives to one platform: (line, env) → index of that platform.
pub type Owners = Vec<(String, String, usize)>;

fn owner(owners: &Owners, line: &str, env: &str) -> Option<usize> {
    owners
        .iter()
        .find(|(l, e, _)| l == line && e == env)
        .map(|(_, _, i)| *i)
}

/// One product-line tree from several: lines by name, environments in promotion order.
/// An environment the catalog gives to one platform is taken from that one only (another
/// may have a namespace labelled the same); otherwise the first platform showing it wins.
pub fn merge(snapshots: &[Arc<Snapshot>], owners: &Owners) -> Snapshot {
    let mut lines: BTreeMap<String, ProductLine> = BTreeMap::new();
    for (i, s) in snapshots.iter().enumerate() {
        for l in &s.product_lines {
            let line = lines.entry(l.name.clone()).or_insert_with(|| ProductLine {
                name: l.name.clone(),
                environments: Vec::new(),
            });
            for e in &l.environments {
                if owner(owners, &l.name, &e.name).is_some_and(|o| o != i) {
                    continue;
                }
                if !line.environments.iter().any(|x| x.name == e.name) {
                    line.environments.push(e.clone());
                }
            }
        }
    }
    let mut product_lines: Vec<ProductLine> = lines.into_values().collect();
    for l in &mut product_lines {
        l.environments
            .sort_by(|a, b| (env_rank(&a.name), &a.name).cmp(&(env_rank(&b.name), &b.name)));
    }
    Snapshot { product_lines }
}

/// All live, else the first that is not, named.
pub fn combine(children: &[(String, Connection)]) -> Connection {
    for (kind, c) in children {
        if let Connection::Retrying(why) = c {
            return Connection::Retrying(format!("{kind}: {why}"));
        }
    }
    if children.iter().all(|(_, c)| *c == Connection::Live) {
        Connection::Live
    } else {
        Connection::Connecting
    }
}

struct Child {
    handle: PlatformHandle,
    snapshot: Arc<Snapshot>,
    connection: Connection,
    images: Option<Vec<ImageInfo>>,
}

impl Child {
    fn holds(&self, env: &EnvKey) -> bool {
        self.snapshot.environment(env).is_some()
    }
}

/// Starts the workers with `spawners` (each gets its own event channel) and the merging
/// worker in front of them.
pub fn spawn(
    spawners: Vec<Box<dyn FnOnce(mpsc::UnboundedSender<PlatformEvent>) -> PlatformHandle + Send>>,
    owners: Owners,
    read_only: bool,
    events: mpsc::UnboundedSender<PlatformEvent>,
) -> PlatformHandle {
    let (merged_tx, mut merged_rx) = mpsc::unbounded_channel::<(usize, PlatformEvent)>();
    let mut children = Vec::new();
    for (i, spawn_child) in spawners.into_iter().enumerate() {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let handle = spawn_child(tx);
        let merged = merged_tx.clone();
        tokio::spawn(async move {
            while let Some(e) = rx.recv().await {
                if merged.send((i, e)).is_err() {
                    break;
                }
            }
        });
        children.push(Child {
            handle,
            snapshot: Arc::new(Snapshot::default()),
            connection: Connection::Connecting,
            images: None,
        });
    }
    let info = PlatformInfo {
        kind: children
            .iter()
            .map(|c| c.handle.info.kind.as_str())
            .collect::<Vec<_>>()
            .join("+"),
        target: children
            .iter()
            .map(|c| c.handle.info.target.as_str())
            .collect::<Vec<_>>()
            .join(" + "),
    };
    let (tx, mut requests) = mpsc::unbounded_channel::<PlatformRequest>();
    let handle = PlatformHandle::new(info, read_only, tx, events.clone());
    tokio::spawn(async move {
        let mut connection = Connection::Connecting;
        loop {
            tokio::select! {
                item = merged_rx.recv() => {
                    let Some((i, event)) = item else { break };
                    let forward = match event {
                        PlatformEvent::Snapshot(s) => {
                            children[i].snapshot = s;
                            let snaps: Vec<Arc<Snapshot>> = children.iter().map(|c| c.snapshot.clone()).collect();
                            let images = images(&children);
                            if events.send(PlatformEvent::Snapshot(Arc::new(merge(&snaps, &owners)))).is_err() {
                                break;
                            }
                            Some(PlatformEvent::Images(images))
                        }
                        PlatformEvent::Images(list) => {
                            children[i].images = Some(list);
                            Some(PlatformEvent::Images(images(&children)))
                        }
                        PlatformEvent::Connection(c) => {
                            children[i].connection = c;
                            let states: Vec<(String, Connection)> = children
                                .iter()
                                .map(|c| (c.handle.info.kind.clone(), c.connection.clone()))
                                .collect();
                            let combined = combine(&states);
                            (combined != connection).then(|| {
                                connection = combined.clone();
                                PlatformEvent::Connection(combined)
                            })
                        }
                        other => Some(other),
                    };
                    if let Some(e) = forward && events.send(e).is_err() {
                        break;
                    }
                }
                request = requests.recv() => {
                    let Some(request) = request else { break };
                    route(&children, &owners, request, &events);
                }
            }
        }
    });
    handle
}

/// Images of every platform: the engine's lists, else the services' images.
fn images(children: &[Child]) -> Vec<ImageInfo> {
    let mut out: Vec<ImageInfo> = children
        .iter()
        .flat_map(|c| {
            c.images
                .clone()
                .unwrap_or_else(|| from_snapshot(&c.snapshot))
        })
        .collect();
    out.sort_by(|a, b| a.name().cmp(b.name()));
    out
}

fn route(
    children: &[Child],
    owners: &Owners,
    request: PlatformRequest,
    events: &mpsc::UnboundedSender<PlatformEvent>,
) {
    let env = match &request {
        PlatformRequest::Preview { request, .. } | PlatformRequest::Apply { request, .. } => {
            request.target.env_key()
        }
        PlatformRequest::Logs { target, .. } => target.env_key(),
        PlatformRequest::StopLogs { .. } => {
            for c in children {
                c.handle.send(request.clone());
            }
            return;
        }
    };
    let target = match owner(owners, &env.line, &env.env) {
        Some(i) => children.get(i),
        None => children.iter().find(|c| c.holds(&env)),
    };
    match target {
        Some(c) => c.handle.send(request),
        None => {
            let missing = PlatformError::NotFound {
                what: format!("environment {}/{}", env.line, env.env),
            };
            let _ = match request {
                PlatformRequest::Preview { id, .. } => events.send(PlatformEvent::Previewed {
                    id,
                    result: Err(missing),
                }),
                PlatformRequest::Apply { id, .. } => events.send(PlatformEvent::Applied {
                    id,
                    result: Err(missing),
                }),
                PlatformRequest::Logs { id, .. } => events.send(PlatformEvent::Logs {
                    id,
                    lines: Vec::new(),
                    note: Some(missing.to_string()),
                }),
                PlatformRequest::StopLogs { .. } => Ok(()),
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Environment, Location, Tier};

    fn snap(line: &str, envs: &[&str], location: Location) -> Arc<Snapshot> {
        Arc::new(Snapshot {
            product_lines: vec![ProductLine {
                name: line.into(),
                environments: envs
                    .iter()
                    .map(|e| Environment {
                        name: e.to_string(),
                        tier: Tier::NonProduction,
                        location: location.clone(),
                        services: Vec::new(),
                        found_by: String::new(),
                        part_of: Vec::new(),
                        lanes: Vec::new(),
                        origin: None,
                    })
                    .collect(),
            }],
        })
    }

    #[test]
    fn one_line_across_docker_and_kube_is_one_tree_in_promotion_order() {
        let docker = snap(
            "trade",
            &["test", "dev"],
            Location::Docker { engine: "e".into() },
        );
        let kube = snap(
            "trade",
            &["prod", "gray"],
            Location::Kube {
                context: "c".into(),
                namespace: "n".into(),
            },
        );
        let other = snap("loan", &["dev"], Location::Docker { engine: "e".into() });
        let merged = merge(&[kube.clone(), docker.clone(), other], &Vec::new());
        let names: Vec<&str> = merged
            .product_lines
            .iter()
            .map(|l| l.name.as_str())
            .collect();
        assert_eq!(names, ["loan", "trade"]);
        let envs: Vec<&str> = merged.product_lines[1]
            .environments
            .iter()
            .map(|e| e.name.as_str())
            .collect();
        assert_eq!(envs, ["dev", "test", "gray", "prod"]);
        assert!(matches!(
            merged.product_lines[1].environments[0].location,
            Location::Docker { .. }
        ));
        // The catalog gives trade/prod to the Docker platform (index 0): the cluster's
        // namespace labelled trade/prod is not shown.
        let owners = vec![("trade".to_string(), "prod".to_string(), 0)];
        let merged = merge(&[docker, kube], &owners);
        let envs: Vec<&str> = merged.product_lines[0]
            .environments
            .iter()
            .map(|e| e.name.as_str())
            .collect();
        assert_eq!(envs, ["dev", "test", "gray"]);
    }

    #[test]
    fn the_connection_is_live_only_when_every_platform_is() {
        let live = ("kube".to_string(), Connection::Live);
        let lost = (
            "docker".to_string(),
            Connection::Retrying("engine gone".into()),
        );
        assert_eq!(combine(&[live.clone(), live.clone()]), Connection::Live);
        assert_eq!(
            combine(&[live.clone(), lost]),
            Connection::Retrying("docker: engine gone".into())
        );
        assert_eq!(
            combine(&[live, ("docker".into(), Connection::Connecting)]),
            Connection::Connecting
        );
    }
}
