//! wheelhouse entry point: command line, logging to a file, platform choice, run.

use clap::Parser;
use std::process::ExitCode;
use std::time::Duration;
use tokio::sync::mpsc;
use wheelhouse::app::State;
use wheelhouse::audit::AuditLog;
use wheelhouse::cli::{Cli, Command, act, status, telemetry as cli_telemetry};
use wheelhouse::config::{self, paths::Paths};
use wheelhouse::platform::session::{Remote, Session};
use wheelhouse::platform::{PlatformEvent, PlatformHandle, demo, docker, kube};
use wheelhouse::runtime;
use wheelhouse::startup::{self, Choice};
use wheelhouse::telemetry::kafka;
use wheelhouse::ui::theme::ColorDepth;

/// How long a subcommand waits for the cluster's first complete picture.
const CLI_SYNC_TIMEOUT: Duration = Duration::from_secs(30);

fn main() -> ExitCode {
    let cli = Cli::parse();
    let paths = Paths::discover();
    let log_problem = wheelhouse::logging::init(&paths.log_file()).err();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("wheelhouse: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let code = runtime.block_on(main_async(cli, paths, log_problem));
    ExitCode::from(code.clamp(0, 255) as u8)
}

async fn main_async(cli: Cli, paths: Paths, log_problem: Option<String>) -> i32 {
    let now = chrono::Utc::now().timestamp();
    if let Some(Command::Aggregate {
        to_topic,
        idle_exit,
    }) = &cli.command
    {
        let mut options = match kafka_options(&cli, kafka::StartAt::Beginning) {
            Ok(o) => o,
            Err(e) => {
                eprintln!("wheelhouse: {e}");
                return 2;
            }
        };
        if cli.global.kafka_group.is_none() {
            options.group = "wheelhouse-aggregate".into();
        }
        return match wheelhouse::telemetry::worker::run(options, to_topic, *idle_exit).await {
            Ok(report) => {
                println!("{}", serde_json::to_string(&report).unwrap_or_default());
                0
            }
            Err(e) => {
                eprintln!("wheelhouse: {e}");
                6
            }
        };
    }
    if let Some(Command::Traffic {
        target,
        idle_exit,
        output,
    }) = &cli.command
    {
        // A report of the stream alone: no platform needed.
        let options = match kafka_options(&cli, kafka::StartAt::Beginning) {
            Ok(o) => o,
            Err(e) => {
                eprintln!("wheelhouse: {e}");
                return 2;
            }
        };
        let (code, text) =
            cli_telemetry::traffic(options, target.as_deref(), *idle_exit, *output).await;
        println!("{}", text.trim_end());
        return code;
    }
    let choice = match startup::choose(&cli.global, &paths, now).await {
        Ok(c) => c,
        Err((code, e)) => {
            eprintln!("wheelhouse: {e}");
            return code;
        }
    };
    let audit = AuditLog::new(paths.audit_log());
    let user = startup::user();
    let read_only = cli.global.read_only;
    if cli.command.is_none() {
        let (ptx, prx) = mpsc::unbounded_channel();
        let platform_tx = match cli.global.kafka_brokers {
            None => ptx,
            Some(_) => match kafka_options(&cli, kafka::StartAt::Latest) {
                Ok(o) => telemetry_source(o, ptx),
                Err(e) => {
                    eprintln!("wheelhouse: {e}");
                    return 2;
                }
            },
        };
        let handle = match choice {
            Choice::Demo(p) => demo::worker::spawn(p, read_only, platform_tx),
            Choice::Kube(setup) => kube::worker::spawn(setup, read_only, platform_tx),
            Choice::Docker(setup) => docker::worker::spawn(setup, read_only, platform_tx),
            Choice::Mixed { kube, docker } => mixed(kube, docker, read_only, platform_tx),
        };
        return tui(cli, paths, handle, prx, audit, user, now, log_problem).await;
    }
    let (ptx, prx) = mpsc::unbounded_channel();
    let handle = match choice {
        Choice::Demo(mut p) => return subcommand(&cli, &mut p, &audit, &user).await,
        Choice::Kube(setup) => kube::worker::spawn(setup, read_only, ptx),
        Choice::Docker(setup) => docker::worker::spawn(setup, read_only, ptx),
        Choice::Mixed { kube, docker } => mixed(kube, docker, read_only, ptx),
    };
    match Remote::open(handle, prx, CLI_SYNC_TIMEOUT).await {
        Ok(mut remote) => subcommand(&cli, &mut remote, &audit, &user).await,
        Err(e) => {
            eprintln!("wheelhouse: {e}");
            e.exit_code()
        }
    }
}

/// Several platforms behind one handle (a catalog mixing Docker and Kubernetes).
fn mixed(
    kube: Option<kube::KubeSetup>,
    dockers: Vec<docker::DockerSetup>,
    read_only: bool,
    events: mpsc::UnboundedSender<PlatformEvent>,
) -> PlatformHandle {
    type Spawner = Box<dyn FnOnce(mpsc::UnboundedSender<PlatformEvent>) -> PlatformHandle + Send>;
    // Docker engines first: they show only the environments the catalog gives them, and
    // where a cluster also has a namespace labelled for one of those, the catalog wins.
    let mut spawners: Vec<Spawner> = Vec::new();
    let mut owners = Vec::new();
    for (i, setup) in dockers.into_iter().enumerate() {
        for (line, env) in &setup.scope.only {
            owners.push((line.clone(), env.clone(), i));
        }
        spawners.push(Box::new(move |tx| {
            docker::worker::spawn(setup, read_only, tx)
        }));
    }
    if let Some(setup) = kube {
        spawners.push(Box::new(move |tx| {
            kube::worker::spawn(setup, read_only, tx)
        }));
    }
    wheelhouse::platform::mixed::spawn(spawners, owners, read_only, events)
}

/// Starts the Kafka source next to the platform: its frames become the traffic every view
/// reads (the platform's own simulated traffic and its status, if any, are dropped), its
/// status goes to the status line. Returns the sender the platform worker should use.
fn telemetry_source(
    options: kafka::KafkaOptions,
    out: mpsc::UnboundedSender<PlatformEvent>,
) -> mpsc::UnboundedSender<PlatformEvent> {
    let (source_tx, mut source_rx) = mpsc::unbounded_channel();
    kafka::spawn(options, source_tx);
    let (platform_tx, mut platform_rx) = mpsc::unbounded_channel::<PlatformEvent>();
    tokio::spawn(async move {
        loop {
            let event = tokio::select! {
                e = platform_rx.recv() => match e {
                    Some(PlatformEvent::Traffic(_) | PlatformEvent::Telemetry(_)) => continue,
                    Some(e) => e,
                    None => break,
                },
                e = source_rx.recv() => match e {
                    Some(kafka::SourceEvent::Frames(f)) => PlatformEvent::Traffic(f),
                    Some(kafka::SourceEvent::Status(s)) => PlatformEvent::Telemetry(s),
                    None => break,
                },
            };
            if out.send(event).is_err() {
                break;
            }
        }
    });
    platform_tx
}

/// The Kafka source options from the command line; `default_start` when --kafka-from is absent.
fn kafka_options(cli: &Cli, default_start: kafka::StartAt) -> Result<kafka::KafkaOptions, String> {
    let g = &cli.global;
    let brokers = g
        .kafka_brokers
        .clone()
        .ok_or("--kafka-brokers is required for this")?;
    let start = match &g.kafka_from {
        Some(w) => kafka::StartAt::parse(w, chrono::Utc::now().timestamp_millis())?,
        None => default_start,
    };
    Ok(kafka::KafkaOptions {
        brokers,
        topic: g.kafka_topic.clone(),
        group: g
            .kafka_group
            .clone()
            .unwrap_or_else(|| format!("wheelhouse-{}", startup::user())),
        properties: g.kafka_property.clone(),
        start,
        aggregates: g.kafka_aggregates,
    })
}

async fn subcommand<P: Session>(cli: &Cli, platform: &mut P, audit: &AuditLog, user: &str) -> i32 {
    match &cli.command {
        None | Some(Command::Traffic { .. } | Command::Aggregate { .. }) => 0,
        Some(Command::Simulate {
            target,
            profile,
            rate,
            seconds,
            seed,
            fast,
            output,
        }) => {
            let Some(brokers) = &cli.global.kafka_brokers else {
                eprintln!("wheelhouse: simulate needs --kafka-brokers");
                return 2;
            };
            let args = cli_telemetry::SimulateArgs {
                target,
                profile: *profile,
                rate: *rate,
                seconds: *seconds,
                seed: *seed,
                fast: *fast,
                output: *output,
            };
            let (code, text) = cli_telemetry::simulate(
                platform,
                brokers,
                &cli.global.kafka_topic,
                &cli.global.kafka_property,
                args,
            )
            .await;
            if code == 0 {
                println!("{}", text.trim_end());
            } else {
                eprintln!("wheelhouse: {text}");
            }
            code
        }
        Some(Command::Logs {
            target,
            lines,
            wait,
            output,
        }) => {
            let (code, text) =
                wheelhouse::cli::inspect::logs(platform, target, *lines, *wait, *output).await;
            if code == 0 {
                print!("{text}");
            } else {
                eprintln!("wheelhouse: {text}");
            }
            code
        }
        Some(Command::Images { output }) => {
            println!(
                "{}",
                wheelhouse::cli::inspect::images(platform, *output)
                    .await
                    .trim_end()
            );
            0
        }
        Some(Command::Status { target, output }) => {
            let snap = platform.snapshot();
            match status::filter(&snap, target.as_deref()) {
                Ok(s) => {
                    println!("{}", status::render(&platform.info(), &s, *output));
                    0
                }
                Err(e) => {
                    eprintln!("wheelhouse: {e}");
                    4
                }
            }
        }
        Some(
            cmd @ (Command::Deploy { target, write, .. }
            | Command::Shift { target, write, .. }
            | Command::Scale { target, write, .. }
            | Command::Rollback { target, write }
            | Command::Restart { target, write }),
        ) => {
            let o = act::run(
                cmd,
                write,
                target,
                platform,
                cli.global.read_only,
                user,
                audit,
            )
            .await;
            if !o.stdout.is_empty() {
                println!("{}", o.stdout.trim_end());
            }
            if !o.stderr.is_empty() {
                eprintln!("{}", o.stderr);
            }
            o.code
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn tui(
    cli: Cli,
    paths: Paths,
    handle: PlatformHandle,
    prx: mpsc::UnboundedReceiver<PlatformEvent>,
    audit: AuditLog,
    user: String,
    now: i64,
    log_problem: Option<String>,
) -> i32 {
    let (keymap, mut problems) = config::load_keymap(&cli.global.keymap, &paths);
    let (theme, theme_problems) =
        config::load_theme(cli.global.theme.as_deref(), &paths, ColorDepth::detect());
    problems.extend(theme_problems);
    problems.extend(log_problem);
    let (tx, rx) = mpsc::unbounded_channel();
    runtime::forward_platform(prx, tx.clone());
    let mut state = State::new(handle.info.clone(), cli.global.read_only, keymap, user, now);
    if handle.info.kind == "demo"
        && let Some(reason) = startup::demo_reason(&cli.global)
    {
        state.log(wheelhouse::app::Level::Info, reason);
    }
    runtime::report(&mut state, &problems);
    tracing::info!(platform = ?handle.info, read_only = cli.global.read_only, "cockpit starting");
    if cli.global.first_frame {
        return match runtime::first_frame(state, &theme, rx).await {
            Ok(text) => {
                println!("{text}");
                0
            }
            Err(e) => {
                eprintln!("wheelhouse: {e:#}");
                1
            }
        };
    }
    match runtime::run(state, theme, handle, audit, tx, rx).await {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("wheelhouse: {e:#}");
            1
        }
    }
}
