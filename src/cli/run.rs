//! Runs one subcommand on an open platform and says how it ended (an [`Outcome`]).

use super::output::{Outcome, exit};
use super::{Cli, Command, act, inspect, status, telemetry};
use crate::app::Identity;
use crate::audit::AuditLog;
use crate::config::paths::Paths;
use crate::platform::session::Session;

fn from_pair(code: i32, text: String, output: super::Output) -> Outcome {
    if code == exit::OK {
        Outcome::ok(text)
    } else {
        Outcome::fail(code, text, output)
    }
}

pub async fn subcommand<P: Session>(
    cli: &Cli,
    paths: &Paths,
    platform: &mut P,
    audit: &AuditLog,
    user: &Identity,
) -> Outcome {
    let Some(command) = &cli.command else {
        return Outcome::ok(String::new());
    };
    let trains_dir = &paths.trains_dir();
    // What the writes made of several steps (lanes, trains, environments) need.
    let cx = super::train::Context {
        read_only: cli.global.read_only,
        user,
        audit,
        trains_dir,
    };
    match command {
        Command::Traffic { .. } | Command::Aggregate { .. } => Outcome::ok(String::new()),
        Command::Simulate {
            target,
            profile,
            rate,
            seconds,
            seed,
            fast,
            output,
        } => {
            let Some(brokers) = &cli.global.kafka_brokers else {
                return Outcome::fail(exit::INVALID, "simulate needs --kafka-brokers", *output);
            };
            let args = telemetry::SimulateArgs {
                target,
                profile: *profile,
                rate: *rate,
                seconds: *seconds,
                seed: *seed,
                fast: *fast,
                output: *output,
            };
            let (code, text) = telemetry::simulate(
                platform,
                brokers,
                &cli.global.kafka_topic,
                &cli.global.kafka_property,
                args,
            )
            .await;
            from_pair(code, text, *output)
        }
        Command::Logs {
            target,
            lines,
            wait,
            previous,
            output,
        } => {
            let (code, text) =
                inspect::logs(platform, target, *lines as usize, *wait, *previous, *output).await;
            from_pair(code, text, *output)
        }
        Command::Images { output } => Outcome::ok(inspect::images(platform, *output).await),
        Command::Attention { observe, output } => {
            // Its items name the keys as the user's cockpit binds them (problems with the
            // keymap file are the cockpit's to report).
            let (keymap, _) = crate::config::load_keymap(&cli.global.keymap, paths);
            super::attention::run(platform, *observe, trains_dir, keymap, *output).await
        }
        Command::Catalog(super::CatalogCommand::Init { output, force }) => {
            let catalog_path = crate::startup::catalog_path(&cli.global, paths);
            let dest = output.as_deref().unwrap_or(&catalog_path);
            super::catalog::init(&platform.snapshot(), &platform.info().target, dest, *force)
        }
        Command::Status { target, output } => {
            let snap = platform.shared_snapshot();
            let shown = match target.as_deref() {
                None => Ok(snap),
                Some(t) => status::filter(&snap, Some(t)).map(std::sync::Arc::new),
            };
            match (shown, output) {
                (Ok(s), super::Output::Json) => status::stream_json(&platform.info(), &s),
                (Ok(s), super::Output::Text) => Outcome::ok(status::text(&platform.info(), &s)),
                (Err(e), _) => Outcome::fail(exit::NOT_FOUND, e, *output),
            }
        }
        Command::Write(write) => act::run(write, platform, cli.global.read_only, user, audit).await,
        Command::Lane(lane) => super::lane::run(lane, platform, &cx).await,
        Command::Env(cmd) => super::env::run(cmd, platform, &cx).await,
        Command::Promote(args) => super::train::promote(args, platform, &cx).await,
    }
}
