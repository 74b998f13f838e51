//! What the engine has, reduced to what wheelhouse reads: containers (from inspect, so
//! that health and the config are known) and images (from the image list). Filled by the
//! worker from a full list and then from the event stream.

use super::contract::*;
use bollard::models::{
    ContainerInspectResponse, ContainerStateStatusEnum, HealthStatusEnum, ImageSummary,
};
use std::collections::BTreeMap;

/// One container of a service. Its Debug form names environment variables, never their
/// values (which may be secrets).
#[derive(Clone, PartialEq)]
pub struct Container {
    pub id: String,
    /// Without the leading slash.
    pub name: String,
    pub line: String,
    pub env: String,
    pub service: String,
    pub version: String,
    /// The image reference it was created from (`repo:tag`).
    pub image: String,
    /// The image ID (sha256:…).
    pub image_id: String,
    /// running, exited, created, restarting…
    pub state: String,
    /// healthy, unhealthy, starting; None without a health check.
    pub health: Option<String>,
    /// Unix seconds (from the RFC 3339 creation time; 0 when unreadable).
    pub created: i64,
    pub labels: BTreeMap<String, String>,
    /// `KEY=value` entries as the engine reports them (image ENV included).
    pub env_vars: Vec<String>,
    /// When it was read ([`next_seq`] before the inspect): a newer read wins.
    pub seen: u64,
}

impl std::fmt::Debug for Container {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let env_names: Vec<&str> = self
            .env_vars
            .iter()
            .map(|kv| kv.split_once('=').map_or(kv.as_str(), |(k, _)| k))
            .collect();
        f.debug_struct("Container")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("line", &self.line)
            .field("env", &self.env)
            .field("service", &self.service)
            .field("version", &self.version)
            .field("image", &self.image)
            .field("state", &self.state)
            .field("health", &self.health)
            .field("env_vars (names)", &env_names)
            .field("seen", &self.seen)
            .finish_non_exhaustive()
    }
}

static SEQ: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// A number that grows with every read of the engine, across tasks: what was read later
/// has the larger one.
pub fn next_seq() -> u64 {
    SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

impl Container {
    /// Running and, when the image has a health check, healthy.
    pub fn ready(&self) -> bool {
        self.state == "running" && self.health.as_deref().is_none_or(|h| h == "healthy")
    }

    pub fn short_id(&self) -> &str {
        self.id.get(..12).unwrap_or(&self.id)
    }
}

/// Reads a container; None when it carries no line/env/service labels (not ours).
pub fn container(c: &ContainerInspectResponse) -> Option<Container> {
    let config = c.config.as_ref()?;
    let labels: BTreeMap<String, String> = config
        .labels
        .as_ref()
        .map(|l| l.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default();
    let label = |k: &str| super::contract::label(&labels, k).cloned();
    let (line, env, service) = (label(LABEL_LINE)?, label(LABEL_ENV)?, label(LABEL_SERVICE)?);
    let image = config.image.clone().unwrap_or_default();
    let version = label(LABEL_VERSION)
        .or_else(|| label(OCI_VERSION))
        .unwrap_or_else(|| tag_of(&image).to_string());
    let state = c.state.as_ref();
    let status = state
        .and_then(|s| s.status)
        .filter(|s| *s != ContainerStateStatusEnum::EMPTY)
        .map(|s| s.to_string())
        .unwrap_or_else(|| "unknown".into());
    let health = state
        .and_then(|s| s.health.as_ref())
        .and_then(|h| h.status)
        .filter(|h| !matches!(h, HealthStatusEnum::EMPTY | HealthStatusEnum::NONE))
        .map(|h| h.to_string());
    Some(Container {
        id: c.id.clone().unwrap_or_default(),
        name: c
            .name
            .as_deref()
            .unwrap_or_default()
            .trim_start_matches('/')
            .to_string(),
        line,
        env,
        service,
        version,
        image,
        image_id: c.image.clone().unwrap_or_default(),
        state: status,
        health,
        created: c.created.as_deref().map(unix_seconds).unwrap_or(0),
        labels,
        env_vars: config.env.clone().unwrap_or_default(),
        seen: 0,
    })
}

/// One image in the engine.
#[derive(Debug, Clone, PartialEq)]
pub struct Image {
    pub id: String,
    /// `repo:tag` references; empty for an untagged image.
    pub tags: Vec<String>,
    pub size: i64,
    /// Unix seconds.
    pub created: i64,
    pub labels: BTreeMap<String, String>,
}

pub fn image(i: &ImageSummary) -> Image {
    Image {
        id: i.id.clone(),
        tags: i
            .repo_tags
            .iter()
            .filter(|t| t.as_str() != "<none>:<none>")
            .cloned()
            .collect(),
        size: i.size,
        created: i.created,
        labels: i
            .labels
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
    }
}

impl Image {
    /// The service and version the image is for, from its labels (else the tag).
    pub fn service(&self) -> Option<&str> {
        super::contract::label(&self.labels, LABEL_SERVICE).map(String::as_str)
    }

    pub fn version(&self) -> Option<String> {
        super::contract::label(&self.labels, LABEL_VERSION)
            .or_else(|| self.labels.get(OCI_VERSION))
            .cloned()
            .or_else(|| self.tags.first().map(|t| tag_of(t).to_string()))
    }

    pub fn base(&self) -> Option<&str> {
        self.labels.get(OCI_BASE).map(String::as_str)
    }
}

/// Everything known about the engine.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Inventory {
    /// By container ID.
    pub containers: BTreeMap<String, Container>,
    pub images: Vec<Image>,
    /// [`next_seq`] when the list began.
    pub listed_at: u64,
}

impl Inventory {
    /// Takes in a list made while events kept arriving: what an event read after the list
    /// began wins, and a container removed meanwhile (`gone`: ID → when) stays removed.
    pub fn merge(&mut self, fresh: Inventory, gone: &BTreeMap<String, u64>) {
        let since = fresh.listed_at;
        self.containers
            .retain(|id, c| fresh.containers.contains_key(id) || c.seen > since);
        for (id, c) in fresh.containers {
            let newer_here = self
                .containers
                .get(&id)
                .is_some_and(|old| old.seen > c.seen);
            let removed_since = gone.get(&id).is_some_and(|at| *at > c.seen);
            if removed_since {
                self.containers.remove(&id);
            } else if !newer_here {
                self.containers.insert(id, c);
            }
        }
        self.images = fresh.images;
    }
}

/// The tag of `repo:tag` (`latest` when absent; a registry port is not a tag).
pub fn tag_of(reference: &str) -> &str {
    let last = reference.rsplit('/').next().unwrap_or(reference);
    match last.rsplit_once(':') {
        Some((_, tag)) if !tag.is_empty() => tag,
        _ => "latest",
    }
}

/// The repository of `repo:tag`.
pub fn repo_of(reference: &str) -> &str {
    let slash = reference.rfind('/').map_or(0, |i| i + 1);
    match reference[slash..].rfind(':') {
        Some(i) => &reference[..slash + i],
        None => reference,
    }
}

fn unix_seconds(rfc3339: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(rfc3339)
        .map(|t| t.timestamp())
        .unwrap_or(0)
}
