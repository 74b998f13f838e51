//! Changes on a Docker engine: planned from the inventory (pure), then run container by
//! container. A deploy or rollback replaces one container at a time and waits for the
//! new one to be healthy before the old one goes; a restart does the same in place;
//! scaling creates or removes containers. Docker has no traffic router: canary changes
//! are refused with the reason.

use super::assemble::{history, service_containers};
use super::contract::*;
use super::inventory::{Container, Inventory, repo_of};
use crate::PlatformError;
use crate::domain::change::{Change, ChangeRequest};
use crate::domain::{Release, ReleaseState, Service};
use bollard::Docker;
use bollard::errors::Error as DockerError;
use bollard::models::{
    ContainerCreateBody, ContainerInspectResponse, EndpointSettings, HealthConfig, NetworkingConfig,
};
use bollard::query_parameters::{
    CreateContainerOptionsBuilder, ListContainersOptionsBuilder, RemoveContainerOptionsBuilder,
    RestartContainerOptionsBuilder, StopContainerOptionsBuilder,
};
use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

/// How long a new or restarted container may take to become healthy.
pub const READY_TIMEOUT: Duration = Duration::from_secs(60);
/// A container without a health check counts as ready after running this long.
const SETTLE: Duration = Duration::from_secs(1);
/// Seconds a container gets to stop before it is killed.
const STOP_GRACE: i32 = 10;

/// One step of a change.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// Create a container from `image` (labels from the template), wait until ready, then
    /// stop and remove `old`.
    Replace {
        old: Container,
        image: String,
    },
    /// Create one more container from `image`.
    Create {
        image: String,
    },
    Remove {
        old: Container,
    },
    Restart {
        old: Container,
    },
}

impl Step {
    pub fn describe(&self) -> String {
        match self {
            Step::Replace { old, image } => format!("replace {} with {image}", old.name),
            Step::Create { image } => format!("create a container of {image}"),
            Step::Remove { old } => format!("remove {}", old.name),
            Step::Restart { old } => format!("restart {}", old.name),
        }
    }
}

/// Everything a change needs: the steps, the template of new containers and the labels
/// that change on them.
#[derive(Debug, Clone)]
pub struct Plan {
    pub steps: Vec<Step>,
    pub template: Container,
    /// Labels set on every container the plan creates.
    pub labels: Vec<(String, String)>,
    /// Every container name on the engine (new names avoid them).
    pub taken: BTreeSet<String>,
    /// A copy into another environment (`env create`): what changes on its containers.
    pub copy: Option<Copy>,
}

/// How the containers of a copy differ from the template's: config set, secrets left
/// out (never copied), named for their environment, on the template's network without
/// its aliases (the source's names stay the source's).
#[derive(Debug, Clone, PartialEq)]
pub struct Copy {
    pub set: Vec<(String, String)>,
    pub drop: Vec<String>,
    pub name: String,
}

/// Why Docker cannot make `change`: the capability it needs and Docker lacks.
fn unsupported(change: &Change) -> String {
    let docker = crate::domain::Location::Docker {
        engine: String::new(),
    };
    change
        .spec()
        .needs
        .and_then(|needed| docker.require(needed).err())
        .map_or_else(
            || format!("{} is not supported on Docker environments", change.verb()),
            |e| e.to_string(),
        )
}

fn invalid(reason: impl Into<String>) -> PlatformError {
    PlatformError::Invalid {
        reason: reason.into(),
    }
}

/// The image of `version`: tagged `version` next to `current` (same repository), else
/// an image labelled with the service and that version (the deploy picker offers those).
fn image_for(
    inv: &Inventory,
    service: &str,
    current: &str,
    version: &str,
) -> Result<String, PlatformError> {
    let wanted = format!("{}:{version}", repo_of(current));
    if inv.images.iter().any(|i| i.tags.contains(&wanted)) {
        return Ok(wanted);
    }
    inv.images
        .iter()
        .filter(|i| i.service() == Some(service) && i.version().as_deref() == Some(version))
        .find_map(|i| i.tags.first().cloned())
        .ok_or_else(|| PlatformError::NotFound {
            what: format!("image {wanted}"),
        })
}

/// Plans a change of `service` (as last assembled) on the engine's inventory.
pub fn plan(
    inv: &Inventory,
    service: &Service,
    request: &ChangeRequest,
    now_rfc3339: &str,
    now_unix: i64,
) -> Result<Plan, PlatformError> {
    let containers = service_containers(inv, &request.target);
    let template = containers
        .iter()
        .rev()
        .find(|c| c.version == service.version)
        .or(containers.last())
        .map(|c| (*c).clone())
        .ok_or_else(|| PlatformError::NotFound {
            what: format!("containers of {}", request.target),
        })?;
    let mut p = Planning {
        inv,
        service,
        request,
        now_unix,
        // The newest container carries the newest history (a stalled release included).
        releases: containers.last().map(|c| history(c)).unwrap_or_default(),
        containers,
        template,
        labels: vec![
            (LABEL_CHANGED_BY.to_string(), request.who.clone()),
            (LABEL_CHANGED_AT.to_string(), now_rfc3339.to_string()),
            (LABEL_CHANGE_WHY.to_string(), request.why.clone()),
        ],
        copy: None,
    };
    let steps = match &request.change {
        Change::Deploy { version } => p.deploy(version)?,
        Change::Rollback => p.rollback()?,
        Change::Scale { replicas } => p.scale(*replicas)?,
        Change::Restart => p.restart(),
        Change::CopyTo {
            env,
            version,
            config,
        } => p.copy_to(env, version, config)?,
        Change::RemoveService => p
            .containers
            .iter()
            .map(|c| Step::Remove { old: (*c).clone() })
            .collect(),
        // What Docker lacks is declared in `Location::supports`: the reason comes from there.
        other => return Err(invalid(unsupported(other))),
    };
    Ok(p.finish(steps))
}

/// What a plan is worked out from, and the labels and history it writes.
struct Planning<'a> {
    inv: &'a Inventory,
    service: &'a Service,
    request: &'a ChangeRequest,
    now_unix: i64,
    containers: Vec<&'a Container>,
    /// The container new ones are made like.
    template: Container,
    releases: Vec<Release>,
    labels: Vec<(String, String)>,
    copy: Option<Copy>,
}

impl Planning<'_> {
    fn release(&mut self, from: &str, to: &str) {
        self.releases.push(Release {
            revision: self.releases.last().map_or(1, |r| r.revision + 1),
            from: from.to_string(),
            to: to.to_string(),
            who: self.request.who.clone(),
            when: self.now_unix,
            why: self.request.why.clone(),
            state: ReleaseState::Complete,
        });
    }

    /// Every container not already running `image` at `version`, replaced one by one.
    fn replace_all(&self, image: &str, version: &str) -> Vec<Step> {
        self.containers
            .iter()
            .filter(|c| c.version != version || c.image != image)
            .map(|c| Step::Replace {
                old: (*c).clone(),
                image: image.to_string(),
            })
            .collect()
    }

    fn image_for(&self, version: &str) -> Result<String, PlatformError> {
        image_for(self.inv, &self.service.name, &self.template.image, version)
    }

    fn deploy(&mut self, version: &str) -> Result<Vec<Step>, PlatformError> {
        let image = self.image_for(version)?;
        let steps = self.replace_all(&image, version);
        if steps.is_empty() {
            return Err(invalid(format!("every container already runs {image}")));
        }
        // A rollout that had not finished is superseded by this one, not failed.
        if let (Some(r), Some(last)) = (&self.service.rollout, self.releases.last_mut())
            && last.to == r.to_version
        {
            last.state = ReleaseState::Superseded;
        }
        let from = self.service.version.clone();
        self.release(&from, version);
        self.labels
            .push((LABEL_VERSION.into(), version.to_string()));
        Ok(steps)
    }

    fn rollback(&mut self) -> Result<Vec<Step>, PlatformError> {
        let service = self.service;
        // A rollout that stopped half-way goes back to what the rest still runs.
        let (current, previous) = match &service.rollout {
            Some(r) => (r.to_version.clone(), service.version.clone()),
            None => (
                service.version.clone(),
                service
                    .previous_version()
                    .ok_or_else(|| invalid("no earlier release is recorded for this service"))?
                    .to_string(),
            ),
        };
        let image = self.image_for(&previous)?;
        if let Some(r) = self
            .releases
            .iter_mut()
            .rev()
            .find(|r| r.to == current && r.from == previous)
        {
            r.state = ReleaseState::RolledBack;
        }
        self.release(&current, &previous);
        self.labels.push((LABEL_VERSION.into(), previous.clone()));
        Ok(self.replace_all(&image, &previous))
    }

    fn scale(&self, replicas: u32) -> Result<Vec<Step>, PlatformError> {
        let n = self.containers.len() as u32;
        if replicas == 0 {
            return Err(invalid(
                "a Docker service exists through its containers: scale to 1 or more",
            ));
        }
        if replicas >= n {
            return Ok((n..replicas)
                .map(|_| Step::Create {
                    image: self.template.image.clone(),
                })
                .collect());
        }
        // Not-ready containers go first, then the newest.
        let mut order: Vec<&&Container> = self.containers.iter().collect();
        order.sort_by_key(|c| (c.ready(), std::cmp::Reverse(c.created)));
        Ok(order
            .into_iter()
            .take((n - replicas) as usize)
            .map(|c| Step::Remove { old: (*c).clone() })
            .collect())
    }

    /// The service's containers made again in `env` at `version`: as many as it has,
    /// labelled for `env` and with where they came from, their history starting there.
    fn copy_to(
        &mut self,
        env: &str,
        version: &str,
        config: &std::collections::BTreeMap<String, String>,
    ) -> Result<Vec<Step>, PlatformError> {
        let image = self.image_for(version)?;
        let key = &self.request.target;
        self.releases = vec![Release {
            revision: 1,
            from: String::new(),
            to: version.to_string(),
            who: self.request.who.clone(),
            when: self.now_unix,
            why: format!("copied from {}", key.env),
            state: ReleaseState::Complete,
        }];
        self.labels.extend([
            (LABEL_ENV.to_string(), env.to_string()),
            (LABEL_VERSION.to_string(), version.to_string()),
            (LABEL_TIER.to_string(), "non-production".to_string()),
            (LABEL_CREATED_FROM.to_string(), key.env.clone()),
        ]);
        self.copy = Some(Copy {
            set: config.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            drop: self
                .service
                .secret_keys
                .names()
                .map(str::to_string)
                .collect(),
            name: format!("{}-{env}-{}-1", key.line, key.service),
        });
        Ok((0..self.containers.len().max(1))
            .map(|_| Step::Create {
                image: image.clone(),
            })
            .collect())
    }

    fn restart(&self) -> Vec<Step> {
        self.containers
            .iter()
            .map(|c| Step::Restart { old: (*c).clone() })
            .collect()
    }

    /// The plan: its steps, with the history (the newest kept) in the labels.
    fn finish(mut self, steps: Vec<Step>) -> Plan {
        if self.releases.len() > HISTORY_KEPT {
            self.releases.drain(..self.releases.len() - HISTORY_KEPT);
        }
        self.labels.push((
            LABEL_HISTORY.into(),
            serde_json::to_string(&self.releases).unwrap_or_default(),
        ));
        Plan {
            steps,
            copy: self.copy,
            template: self.template,
            labels: self.labels,
            taken: self
                .inv
                .containers
                .values()
                .map(|c| c.name.clone())
                .collect(),
        }
    }
}

/// The first free `<prefix>-<n>` name; the prefix is the template's name without its
/// trailing number.
pub fn next_name(template: &str, taken: &BTreeSet<String>) -> String {
    let prefix = match template.rsplit_once('-') {
        Some((p, n)) if !p.is_empty() && n.chars().all(|c| c.is_ascii_digit()) => p,
        _ => template,
    };
    (1..)
        .map(|n| format!("{prefix}-{n}"))
        .find(|name| !taken.contains(name))
        .unwrap_or_else(|| format!("{prefix}-x"))
}

/// What a Docker error means for the operator.
pub fn error(verb: &str, what: &str, e: DockerError) -> PlatformError {
    match e {
        DockerError::DockerResponseServerError {
            status_code: 404,
            message,
        } => PlatformError::NotFound {
            what: format!("{what} ({message})"),
        },
        DockerError::DockerResponseServerError {
            status_code,
            message,
        } if (400..500).contains(&status_code) => PlatformError::Invalid {
            reason: format!("{verb} {what}: {message}"),
        },
        other => PlatformError::Unavailable {
            reason: format!("{verb} {what}: {other}"),
        },
    }
}

/// The parts of a container's configuration that came from its image (not to be copied
/// onto a container of another image).
struct FromImage {
    env: Vec<String>,
    labels: HashMap<String, String>,
    cmd: Option<Vec<String>>,
    entrypoint: Option<Vec<String>>,
    user: Option<String>,
    working_dir: Option<String>,
    healthcheck: Option<HealthConfig>,
    exposed_ports: Option<Vec<String>>,
}

/// The configuration the template container's own image gave it (by image ID: its tag
/// may have moved since).
async fn from_image(docker: &Docker, template: &Container) -> Result<FromImage, PlatformError> {
    let config = docker
        .inspect_image(&template.image_id)
        .await
        .map_err(|e| error("inspect image", &template.image_id, e))?
        .config
        .unwrap_or_default();
    Ok(FromImage {
        env: config.env.unwrap_or_default(),
        labels: config.labels.unwrap_or_default(),
        cmd: config.cmd,
        entrypoint: config.entrypoint,
        user: config.user,
        working_dir: config.working_dir,
        healthcheck: config.healthcheck,
        exposed_ports: config.exposed_ports,
    })
}

/// True when the template publishes fixed host ports: two containers cannot hold them,
/// so a replacement must stop the old one first.
fn fixed_host_ports(template: &ContainerInspectResponse) -> bool {
    template
        .host_config
        .as_ref()
        .and_then(|h| h.port_bindings.as_ref())
        .is_some_and(|ports| {
            ports.values().flatten().flatten().any(|b| {
                b.host_port
                    .as_deref()
                    .is_some_and(|p| !p.is_empty() && p != "0")
            })
        })
}

/// Every container name on the engine (labelled or not): new names avoid them.
async fn all_names(docker: &Docker) -> Result<BTreeSet<String>, PlatformError> {
    let options = ListContainersOptionsBuilder::new().all(true).build();
    Ok(docker
        .list_containers(Some(options))
        .await
        .map_err(|e| error("list", "containers", e))?
        .into_iter()
        .flat_map(|c| c.names.unwrap_or_default())
        .map(|n| n.trim_start_matches('/').to_string())
        .collect())
}

/// Runs a plan; returns what was done, or where it stopped.
/// Runs a plan step by step. `stop` is checked between steps: a newer deploy or rollback
/// sets it, and the write ends at the next step boundary (no replica left half-replaced).
pub async fn run(
    docker: &Docker,
    mut plan: Plan,
    stop: &std::sync::atomic::AtomicBool,
) -> Result<Vec<String>, PlatformError> {
    let template = docker
        .inspect_container(&plan.template.id, None)
        .await
        .map_err(|e| error("inspect", &plan.template.name, e))?;
    let image_part = from_image(docker, &plan.template).await?;
    plan.taken.extend(all_names(docker).await?);
    let stop_first = fixed_host_ports(&template);
    let mut done = Vec::new();
    let steps = std::mem::take(&mut plan.steps);
    for step in steps {
        if stop.load(std::sync::atomic::Ordering::SeqCst) {
            let superseded = invalid("stopped: superseded by a newer deploy or rollback");
            return Err(if done.is_empty() {
                superseded
            } else {
                PlatformError::Partial {
                    done,
                    failed: Box::new(superseded),
                }
            });
        }
        let result = match &step {
            // Fixed host ports: the old one makes room first (that replica is briefly down).
            Step::Replace { old, image } if stop_first => match remove(docker, old).await {
                Ok(()) => match create(docker, &template, &image_part, &mut plan, image).await {
                    Ok(new) => wait_ready(docker, &new).await.map(|()| new),
                    Err(e) => Err(e),
                },
                Err(e) => Err(e),
            },
            Step::Replace { old, image } => {
                match create(docker, &template, &image_part, &mut plan, image).await {
                    Ok(new) => match wait_ready(docker, &new).await {
                        Ok(()) => remove(docker, old).await.map(|()| new),
                        Err(e) => {
                            let _ = remove_named(docker, &new).await;
                            Err(e)
                        }
                    },
                    Err(e) => Err(e),
                }
            }
            Step::Create { image } => {
                match create(docker, &template, &image_part, &mut plan, image).await {
                    Ok(new) => match wait_ready(docker, &new).await {
                        Ok(()) => Ok(new),
                        Err(e) => {
                            let _ = remove_named(docker, &new).await;
                            Err(e)
                        }
                    },
                    Err(e) => Err(e),
                }
            }
            Step::Remove { old } => remove(docker, old).await.map(|()| old.name.clone()),
            Step::Restart { old } => {
                let options = RestartContainerOptionsBuilder::new().t(STOP_GRACE).build();
                match docker.restart_container(&old.id, Some(options)).await {
                    Ok(()) => wait_ready(docker, &old.id).await.map(|()| old.name.clone()),
                    Err(e) => Err(error("restart", &old.name, e)),
                }
            }
        };
        match result {
            Ok(_) => done.push(step.describe()),
            Err(failed) if done.is_empty() => return Err(failed),
            Err(failed) => {
                return Err(PlatformError::Partial {
                    done,
                    failed: Box::new(failed),
                });
            }
        }
    }
    Ok(done)
}

/// The container's own setting unless it is what its old image set (then the new image's
/// own applies), or everything when the image stays the same.
fn own<T: PartialEq + Clone>(
    same_image: bool,
    container: &Option<T>,
    image: &Option<T>,
) -> Option<T> {
    if same_image || container != image {
        container.clone()
    } else {
        None
    }
}

/// Keys of the contract (kept on a new container even when its old image set them).
fn is_contract_key(k: &str) -> bool {
    use crate::contract as c;
    k.starts_with("wheelhouse.dev/") || [c::SERVICE, c::VERSION, c::PART_OF].contains(&k)
}

/// Creates and starts a container like the template but of `image`; returns its name.
/// A container that cannot start is removed again.
async fn create(
    docker: &Docker,
    template: &ContainerInspectResponse,
    old_image: &FromImage,
    plan: &mut Plan,
    image: &str,
) -> Result<String, PlatformError> {
    let config = template.config.clone().unwrap_or_default();
    let mut labels = config.labels.clone().unwrap_or_default();
    labels.retain(|k, v| old_image.labels.get(k) != Some(v) || is_contract_key(k));
    // A container wheelhouse makes carries the contract's keys under their names now.
    for (old, now) in crate::contract::FORMER_KEYS {
        if let Some(v) = labels.remove(old) {
            labels.entry(now.to_string()).or_insert(v);
        }
    }
    for (k, v) in &plan.labels {
        labels.insert(k.clone(), v.clone());
    }
    let same_image = image == plan.template.image;
    let mut env: Vec<String> = config
        .env
        .clone()
        .unwrap_or_default()
        .into_iter()
        .filter(|e| same_image || !old_image.env.contains(e))
        .collect();
    if let Some(copy) = &plan.copy {
        let name_of = |e: &String| e.split_once('=').map_or(e.clone(), |(k, _)| k.to_string());
        env.retain(|e| {
            let k = name_of(e);
            !copy.drop.contains(&k) && !copy.set.iter().any(|(s, _)| *s == k)
        });
        env.extend(copy.set.iter().map(|(k, v)| format!("{k}={v}")));
    }
    // The network the container is on, with its aliases (a compose service name): the
    // new container answers to the same names.
    let network_mode = template
        .host_config
        .as_ref()
        .and_then(|h| h.network_mode.clone())
        .unwrap_or_default();
    let short_id = plan.template.short_id().to_string();
    let networking_config = template
        .network_settings
        .as_ref()
        .and_then(|n| n.networks.as_ref())
        .and_then(|n| n.get(&network_mode))
        .filter(|_| {
            !matches!(
                network_mode.as_str(),
                "" | "default" | "bridge" | "none" | "host"
            )
        })
        .map(|endpoint| NetworkingConfig {
            endpoints_config: Some(HashMap::from([(
                network_mode.clone(),
                EndpointSettings {
                    // A copy answers to none of the source's names.
                    aliases: endpoint
                        .aliases
                        .as_ref()
                        .filter(|_| plan.copy.is_none())
                        .map(|a| {
                            a.iter()
                                .filter(|x| **x != short_id && **x != plan.template.name)
                                .cloned()
                                .collect()
                        }),
                    ..EndpointSettings::default()
                },
            )])),
        });
    let body = ContainerCreateBody {
        image: Some(image.to_string()),
        env: Some(env),
        labels: Some(labels),
        cmd: own(same_image, &config.cmd, &old_image.cmd),
        entrypoint: own(same_image, &config.entrypoint, &old_image.entrypoint),
        user: own(same_image, &config.user, &old_image.user).filter(|u| !u.is_empty()),
        working_dir: own(same_image, &config.working_dir, &old_image.working_dir)
            .filter(|w| !w.is_empty()),
        healthcheck: own(same_image, &config.healthcheck, &old_image.healthcheck),
        exposed_ports: own(same_image, &config.exposed_ports, &old_image.exposed_ports),
        tty: config.tty,
        open_stdin: config.open_stdin,
        stop_signal: config.stop_signal.clone(),
        stop_timeout: config.stop_timeout,
        host_config: template.host_config.clone(),
        networking_config,
        ..ContainerCreateBody::default()
    };
    // A name taken meanwhile (by anyone) is skipped.
    let mut attempts = 0;
    let name = loop {
        let like = plan
            .copy
            .as_ref()
            .map_or(plan.template.name.as_str(), |c| c.name.as_str());
        let name = next_name(like, &plan.taken);
        plan.taken.insert(name.clone());
        let options = CreateContainerOptionsBuilder::new().name(&name).build();
        match docker.create_container(Some(options), body.clone()).await {
            Ok(_) => break name,
            Err(DockerError::DockerResponseServerError {
                status_code: 409, ..
            }) if attempts < 5 => attempts += 1,
            Err(e) => return Err(error("create", &name, e)),
        }
    };
    if let Err(e) = docker.start_container(&name, None).await {
        let _ = remove_named(docker, &name).await;
        return Err(error("start", &name, e));
    }
    Ok(name)
}

/// Stops and removes a container of the plan (by ID: a rename meanwhile does not matter);
/// one that is already gone counts as removed.
async fn remove(docker: &Docker, old: &Container) -> Result<(), PlatformError> {
    match remove_named(docker, &old.id).await {
        Err(PlatformError::NotFound { .. }) => Ok(()),
        other => other.map_err(|e| match e {
            PlatformError::Unavailable { reason } => PlatformError::Unavailable {
                reason: reason.replace(&old.id, &old.name),
            },
            e => e,
        }),
    }
}

async fn remove_named(docker: &Docker, name: &str) -> Result<(), PlatformError> {
    let stop = StopContainerOptionsBuilder::new().t(STOP_GRACE).build();
    match docker.stop_container(name, Some(stop)).await {
        // 304: already stopped.
        Ok(())
        | Err(DockerError::DockerResponseServerError {
            status_code: 304, ..
        }) => {}
        Err(e) => return Err(error("stop", name, e)),
    }
    let options = RemoveContainerOptionsBuilder::new().force(true).build();
    docker
        .remove_container(name, Some(options))
        .await
        .map_err(|e| error("remove", name, e))
}

/// Waits until the container runs and is healthy (or, without a health check, has kept
/// running for a moment).
pub async fn wait_ready(docker: &Docker, name: &str) -> Result<(), PlatformError> {
    let deadline = tokio::time::Instant::now() + READY_TIMEOUT;
    let mut running_since: Option<tokio::time::Instant> = None;
    loop {
        let c = docker
            .inspect_container(name, None)
            .await
            .map_err(|e| error("inspect", name, e))?;
        let state = c.state.unwrap_or_default();
        let health = state
            .health
            .as_ref()
            .and_then(|h| h.status)
            .map(|h| h.to_string());
        if state.running != Some(true) {
            if matches!(
                state.status,
                Some(bollard::models::ContainerStateStatusEnum::EXITED)
                    | Some(bollard::models::ContainerStateStatusEnum::DEAD)
            ) {
                return Err(invalid(format!(
                    "{name} exited (code {}){}",
                    state.exit_code.unwrap_or(-1),
                    state
                        .error
                        .filter(|e| !e.is_empty())
                        .map(|e| format!(": {e}"))
                        .unwrap_or_default()
                )));
            }
            running_since = None;
        } else {
            match health.as_deref() {
                Some("healthy") => return Ok(()),
                Some("unhealthy") => {
                    let output = state
                        .health
                        .and_then(|h| h.log)
                        .and_then(|l| l.last().and_then(|r| r.output.clone()))
                        .unwrap_or_default();
                    return Err(invalid(format!(
                        "{name} is unhealthy{}",
                        if output.trim().is_empty() {
                            String::new()
                        } else {
                            format!(": {}", output.trim())
                        }
                    )));
                }
                Some("starting") => {}
                _ => {
                    let since = *running_since.get_or_insert_with(tokio::time::Instant::now);
                    if since.elapsed() >= SETTLE {
                        return Ok(());
                    }
                }
            }
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(PlatformError::Timeout {
                verb: "wait for".into(),
                resource: format!("container {name} to become healthy"),
                namespace: String::new(),
            });
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}
