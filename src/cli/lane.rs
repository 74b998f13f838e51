//! `wheelhouse lane create|add|remove|share|promote|delete LINE/ENV/LANE …`: a lane's
//! changes, each made of the per-service operations of the registry (`lane-add`,
//! `lane-remove`, `lane-share`), run one after the other with the usual dry run,
//! read-only refusal, `--yes` and an audit record per step; a step that fails stops the
//! rest. `promote` and `delete` are trains (see `train`): gated, saved, resumable.

use super::act;
use super::args;
use super::output::{Outcome, exit};
use super::write::WriteCommand;
use super::{Output, WriteOpts};
use crate::domain::operation::{Op, Value};
use crate::domain::{EnvKey, Environment, ServiceKey};
use crate::platform::session::Session;
use clap::Subcommand;
use serde_json::json;

#[derive(Debug, Clone, Subcommand)]
pub enum LaneCommand {
    /// Create a lane: lane create LINE/ENV/LANE SERVICE=VERSION… [--share PERCENT]
    Create {
        #[arg(value_name = "LINE/ENV/LANE", value_parser = lane_target)]
        lane: String,
        /// The lane's services, each at its version.
        #[arg(value_name = "SERVICE=VERSION", required = true, value_parser = member)]
        services: Vec<(String, String)>,
        /// Percent of untagged entry requests the gateway tags into the lane.
        #[arg(long, value_parser = clap::value_parser!(u8).range(0..=100))]
        share: Option<u8>,
        #[command(flatten)]
        write: WriteOpts,
    },
    /// Put a version of a service in a lane: lane add LINE/ENV/LANE SERVICE VERSION
    Add {
        #[arg(value_name = "LINE/ENV/LANE", value_parser = lane_target)]
        lane: String,
        service: String,
        #[arg(value_parser = args::version)]
        version: String,
        #[command(flatten)]
        write: WriteOpts,
    },
    /// Take a service out of a lane (the lane goes with its last service)
    Remove {
        #[arg(value_name = "LINE/ENV/LANE", value_parser = lane_target)]
        lane: String,
        service: String,
        #[command(flatten)]
        write: WriteOpts,
    },
    /// Tag a share of the untagged requests entering the environment into the lane
    Share {
        #[arg(value_name = "LINE/ENV/LANE", value_parser = lane_target)]
        lane: String,
        #[arg(value_parser = clap::value_parser!(u8).range(0..=100))]
        percent: u8,
        #[command(flatten)]
        write: WriteOpts,
    },
    /// Make the lane's versions the baseline (callees first, each waiting for ready),
    /// then remove the lane
    Promote {
        #[arg(value_name = "LINE/ENV/LANE", value_parser = lane_target)]
        lane: String,
        #[command(flatten)]
        write: WriteOpts,
    },
    /// Delete a lane: its share back to 0, every service out
    Delete {
        #[arg(value_name = "LINE/ENV/LANE", value_parser = lane_target)]
        lane: String,
        #[command(flatten)]
        write: WriteOpts,
    },
}

fn lane_target(s: &str) -> Result<String, String> {
    let t = args::target(s)?;
    let parts: Vec<&str> = t.split('/').collect();
    if parts.len() != 3 {
        return Err(format!("{s:?} is not LINE/ENV/LANE"));
    }
    crate::domain::lane::valid_name(parts[2])?;
    Ok(t)
}

fn member(s: &str) -> Result<(String, String), String> {
    let (service, version) = s
        .split_once('=')
        .ok_or_else(|| format!("{s:?} is not SERVICE=VERSION"))?;
    args::version(version)?;
    if service.trim().is_empty() {
        return Err(format!("{s:?} names no service"));
    }
    Ok((service.trim().to_string(), version.to_string()))
}

impl LaneCommand {
    pub fn write(&self) -> &WriteOpts {
        match self {
            LaneCommand::Create { write, .. }
            | LaneCommand::Add { write, .. }
            | LaneCommand::Remove { write, .. }
            | LaneCommand::Share { write, .. }
            | LaneCommand::Promote { write, .. }
            | LaneCommand::Delete { write, .. } => write,
        }
    }

    fn lane(&self) -> &str {
        match self {
            LaneCommand::Create { lane, .. }
            | LaneCommand::Add { lane, .. }
            | LaneCommand::Remove { lane, .. }
            | LaneCommand::Share { lane, .. }
            | LaneCommand::Promote { lane, .. }
            | LaneCommand::Delete { lane, .. } => lane,
        }
    }
}

/// Runs the lane command's steps in order; stops at the first that does not go through.
pub async fn run<P: Session>(
    cmd: &LaneCommand,
    platform: &mut P,
    cx: &super::train::Context<'_>,
) -> Outcome {
    let out = cmd.write().output;
    if matches!(
        cmd,
        LaneCommand::Promote { .. } | LaneCommand::Delete { .. }
    ) {
        let (key, lane) = split(cmd.lane());
        let snapshot = platform.snapshot();
        let Some(env) = snapshot.environment(&key) else {
            return Outcome::fail(exit::NOT_FOUND, format!("environment {key} not found"), out);
        };
        let info = platform.info();
        let name = format!("{}: {}", info.kind, info.target);
        let planned = if matches!(cmd, LaneCommand::Promote { .. }) {
            crate::domain::train::plan::lane_promote(env, &key, &lane, &name, Default::default())
        } else {
            crate::domain::train::plan::lane_delete(env, &key, &lane, &name, Default::default())
        };
        return match planned {
            Ok(train) => super::train::run(train, platform, cx, cmd.write()).await,
            Err(e) => Outcome::fail(exit::NOT_FOUND, e, out),
        };
    }
    let (read_only, user, audit) = (cx.read_only, cx.user, cx.audit);
    let steps = match steps(cmd, &platform.snapshot()) {
        Ok(s) => s,
        Err((code, msg)) => return Outcome::fail(code, msg, out),
    };
    let mut outcomes = Vec::new();
    for step in &steps {
        let outcome = act::run(step, platform, read_only, user, audit).await;
        let failed = outcome.code != exit::OK;
        outcomes.push(outcome);
        if failed {
            break;
        }
    }
    combine(cmd.lane(), steps.len(), outcomes, out)
}

/// One outcome of all the steps: their outputs in order, the exit code of the last.
fn combine(lane: &str, planned: usize, outcomes: Vec<Outcome>, out: Output) -> Outcome {
    let code = outcomes.last().map_or(exit::OK, |o| o.code);
    let done = outcomes.iter().filter(|o| o.code == exit::OK).count();
    let stderr: String = outcomes.iter().map(|o| o.stderr.as_str()).collect();
    let stdout = match out {
        Output::Json => {
            let steps: Vec<serde_json::Value> = outcomes
                .iter()
                .map(|o| serde_json::from_str(&o.stdout).unwrap_or(json!(o.stdout)))
                .collect();
            json!({ "ok": code == exit::OK, "lane": lane, "steps": steps, "done": done, "planned": planned })
                .to_string()
        }
        Output::Text => {
            let mut text: String = outcomes
                .iter()
                .map(|o| o.stdout.as_str())
                .collect::<Vec<_>>()
                .join("\n");
            if code != exit::OK && planned > 1 {
                text.push_str(&format!(
                    "\nlane {lane}: stopped after {done} of {planned} steps\n"
                ));
            }
            text
        }
    };
    Outcome {
        code,
        stdout,
        stderr,
    }
}

/// The per-service operations a lane command is made of.
fn steps(
    cmd: &LaneCommand,
    snapshot: &crate::domain::Snapshot,
) -> Result<Vec<WriteCommand>, (i32, String)> {
    let (env_key, lane) = split(cmd.lane());
    let env = snapshot
        .environment(&env_key)
        .ok_or((exit::NOT_FOUND, format!("environment {env_key} not found")))?;
    let existing = env.lanes.iter().find(|l| l.name == lane);
    let opts = cmd.write();
    let step = |op: Op, service: &str, value: String, write: &WriteOpts| WriteCommand {
        op,
        target: ServiceKey::new(&env_key.line, &env_key.env, service).to_string(),
        value: Value::Text(value),
        write: write.clone(),
    };
    // Several steps are not decided on one revision.
    let mut many = opts.clone();
    many.if_revision = None;
    let missing = || {
        (
            exit::NOT_FOUND,
            format!("there is no lane {lane} in {env_key}"),
        )
    };
    Ok(match cmd {
        LaneCommand::Create {
            services, share, ..
        } => {
            if existing.is_some() {
                return Err((
                    super::act::EXIT_INVALID,
                    format!("lane {lane} exists in {env_key}: lane add puts more in it"),
                ));
            }
            let mut out: Vec<WriteCommand> = services
                .iter()
                .map(|(s, v)| step(Op::LaneJoin, s, format!("{lane} {v}"), &many))
                .collect();
            if let Some(share) = share.filter(|s| *s > 0) {
                out.push(step(
                    Op::LaneShare,
                    &entry(env)?,
                    format!("{lane} {share}"),
                    &many,
                ));
            }
            out
        }
        LaneCommand::Add {
            service, version, ..
        } => vec![step(
            Op::LaneJoin,
            service,
            format!("{lane} {version}"),
            opts,
        )],
        LaneCommand::Remove { service, .. } => {
            vec![step(Op::LaneLeave, service, lane.to_string(), opts)]
        }
        LaneCommand::Share { percent, .. } => {
            existing.ok_or_else(missing)?;
            vec![step(
                Op::LaneShare,
                &entry(env)?,
                format!("{lane} {percent}"),
                opts,
            )]
        }
        LaneCommand::Promote { .. } | LaneCommand::Delete { .. } => Vec::new(),
    })
}

fn split(target: &str) -> (EnvKey, String) {
    let mut parts = target.splitn(3, '/');
    let line = parts.next().unwrap_or_default().to_string();
    let env = parts.next().unwrap_or_default().to_string();
    let lane = parts.next().unwrap_or_default().to_string();
    (EnvKey { line, env }, lane)
}

/// The service requests enter the environment through (where a lane's share is tagged).
fn entry(env: &Environment) -> Result<String, (i32, String)> {
    crate::domain::lane::entry_service(env)
        .map(str::to_string)
        .ok_or((
            super::act::EXIT_INVALID,
            format!("{}: no service takes the entry requests", env.name),
        ))
}
