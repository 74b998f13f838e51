//! The Docker platform: a local engine's labelled containers as environments and
//! services (see `contract`), followed through the engine's event stream, with deploy,
//! scale, rollback, restart and logs through bollard.

pub mod assemble;
pub mod contract;
pub mod inventory;
pub mod logs;
pub mod worker;
pub mod writes;

#[cfg(test)]
mod tests;

use super::PlatformInfo;
use assemble::Scope;
use bollard::Docker;
use std::time::Duration;

/// Longest wait for an engine's answer (a stop waits up to its grace period first).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The engine's address when neither --docker-host nor DOCKER_HOST says.
pub const DEFAULT_HOST: &str = "unix:///var/run/docker.sock";

/// A connected engine, ready for the worker.
#[derive(Debug, Clone)]
pub struct DockerSetup {
    pub info: PlatformInfo,
    pub docker: Docker,
    /// How the engine is named in locations (its address).
    pub engine: String,
    pub scope: Scope,
}

/// The engine's address: the given one, else DOCKER_HOST, else the default socket.
pub fn host(given: Option<&str>) -> String {
    given
        .map(String::from)
        .or_else(|| std::env::var("DOCKER_HOST").ok().filter(|h| !h.is_empty()))
        .unwrap_or_else(|| DEFAULT_HOST.to_string())
}

/// Connects to the engine at `host` (unix:// or tcp://) and agrees on the API version.
pub async fn connect(host: &str, scope: Scope) -> anyhow::Result<DockerSetup> {
    let docker = Docker::connect_with_host(host)
        .map_err(|e| anyhow::anyhow!("docker host {host}: {e}"))?
        .with_timeout(REQUEST_TIMEOUT);
    let docker = docker
        .negotiate_version()
        .await
        .map_err(|e| anyhow::anyhow!("docker engine at {host} is not reachable: {e}"))?;
    Ok(DockerSetup {
        info: PlatformInfo {
            kind: "docker".into(),
            target: host.to_string(),
        },
        docker,
        engine: host.to_string(),
        scope,
    })
}
