//! `wheelhouse env create LINE/NEW --from ENV …` and `wheelhouse env delete LINE/ENV`:
//! environments on demand, each a train (see `train`): one copy (or removal) per
//! service, in the order of the call graph, each waited for, previewed, audited, saved.

use super::output::{Outcome, exit};
use super::train::Context;
use super::{WriteOpts, args};
use crate::domain::train::gate::Gate;
use crate::domain::train::plan::{self, EnvRequest};
use crate::platform::session::Session;
use clap::Subcommand;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Subcommand)]
pub enum EnvCommand {
    /// Make LINE/NEW from ENV: its services (or --services S, S+deps…) copied at their
    /// versions (or --version S=V), its config (with --set S.KEY=VALUE over it); Secrets
    /// are not copied (the plan lists them)
    Create {
        #[arg(value_name = "LINE/NEW", value_parser = args::target)]
        target: String,
        /// The environment to copy.
        #[arg(long, value_name = "ENV")]
        from: String,
        /// Only these services; S+deps adds everything S calls (comma-separated).
        #[arg(long, value_delimiter = ',', value_name = "S[+deps],…")]
        services: Vec<String>,
        /// A service at another version than the source's (repeatable).
        #[arg(long = "version", value_name = "SERVICE=VERSION", value_parser = version_of)]
        versions: Vec<(String, String)>,
        /// A config key set over the source's (repeatable).
        #[arg(long = "set", value_name = "SERVICE.KEY=VALUE", value_parser = setting)]
        settings: Vec<(String, String, String)>,
        /// Seconds each service may take to be ready.
        #[arg(long, default_value_t = Gate::default().ready_timeout, value_parser = clap::value_parser!(u32).range(1..=86_400))]
        ready_timeout: u32,
        #[command(flatten)]
        write: WriteOpts,
    },
    /// Delete LINE/ENV, an environment `env create` made (never a production one):
    /// its services removed, callers first, then the environment
    Delete {
        #[arg(value_name = "LINE/ENV", value_parser = args::target)]
        target: String,
        #[command(flatten)]
        write: WriteOpts,
    },
}

fn version_of(s: &str) -> Result<(String, String), String> {
    let (service, version) = s
        .split_once('=')
        .ok_or_else(|| format!("{s:?} is not SERVICE=VERSION"))?;
    args::version(version)?;
    Ok((service.trim().to_string(), version.to_string()))
}

fn setting(s: &str) -> Result<(String, String, String), String> {
    let (left, value) = s
        .split_once('=')
        .ok_or_else(|| format!("{s:?} is not SERVICE.KEY=VALUE"))?;
    let (service, key) = left
        .split_once('.')
        .ok_or_else(|| format!("{s:?} is not SERVICE.KEY=VALUE"))?;
    if service.is_empty() || key.is_empty() || value.chars().any(char::is_control) {
        return Err(format!("{s:?} is not SERVICE.KEY=VALUE"));
    }
    Ok((service.to_string(), key.to_string(), value.to_string()))
}

impl EnvCommand {
    pub fn write(&self) -> &WriteOpts {
        match self {
            EnvCommand::Create { write, .. } | EnvCommand::Delete { write, .. } => write,
        }
    }
}

/// LINE/ENV split; anything else is refused.
fn line_env(target: &str) -> Result<(String, String), String> {
    let mut parts = target.split('/');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(l), Some(e), None) if !l.is_empty() && !e.is_empty() => {
            Ok((l.to_string(), e.to_string()))
        }
        _ => Err(format!("{target:?} is not LINE/ENV")),
    }
}

pub async fn run<P: Session>(cmd: &EnvCommand, platform: &mut P, cx: &Context<'_>) -> Outcome {
    let out = cmd.write().output;
    let target = match cmd {
        EnvCommand::Create { target, .. } | EnvCommand::Delete { target, .. } => target,
    };
    let (line, env) = match line_env(target) {
        Ok(x) => x,
        Err(e) => return Outcome::fail(exit::INVALID, e, out),
    };
    let snapshot = platform.snapshot();
    let Some(l) = snapshot.line(&line) else {
        return Outcome::fail(
            exit::NOT_FOUND,
            format!("there is no product line {line}"),
            out,
        );
    };
    let info = platform.info();
    let name = format!("{}: {}", info.kind, info.target);
    let planned = match cmd {
        EnvCommand::Create {
            from,
            services,
            versions,
            settings,
            ready_timeout,
            ..
        } => {
            let mut config: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
            for (s, k, v) in settings {
                config
                    .entry(s.clone())
                    .or_default()
                    .insert(k.clone(), v.clone());
            }
            let request = EnvRequest {
                services: services.clone(),
                versions: versions.iter().cloned().collect(),
                config,
            };
            let gate = Gate {
                ready_timeout: *ready_timeout,
                ..Gate::default()
            };
            plan::env_create(l, from, &env, &request, &name, gate)
        }
        EnvCommand::Delete { .. } => plan::env_delete(l, &env, &name),
    };
    match planned {
        Ok(train) => super::train::run(train, platform, cx, cmd.write()).await,
        Err(e) => {
            let code = if e.starts_with("there is no") || e.contains("has no service") {
                exit::NOT_FOUND
            } else if e.contains("production environment") || e.contains("not made by wheelhouse") {
                exit::REFUSED
            } else {
                exit::INVALID
            };
            Outcome::fail(code, e, out)
        }
    }
}
