//! From the command line to a run: parse (errors as the output format asks), logging to a
//! file, the async runtime, the platform choice, then the cockpit or one subcommand.

use super::output::{Outcome, emit, exit};
use super::{Cli, Command, Output, telemetry as cli_telemetry};
use crate::app::{Identity, State};
use crate::audit::AuditLog;
use crate::config::{self, paths::Paths, settings};
use crate::platform::session::Remote;
use crate::platform::{PlatformEvent, PlatformHandle, demo, docker, kube};
use crate::runtime;
use crate::startup::{self, Choice};
use crate::telemetry::kafka;
use crate::ui::theme::ColorDepth;
use clap::Parser;
use std::ffi::OsString;
use std::process::ExitCode;
use std::time::Duration;
use tokio::sync::mpsc;

/// How long a subcommand waits for the cluster's first complete picture.
const CLI_SYNC_TIMEOUT: Duration = Duration::from_secs(30);

/// The whole program: what `main` returns.
pub fn main() -> ExitCode {
    let args: Vec<OsString> = std::env::args_os().collect();
    let cli = match Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(e) => return exit_code(parse_error(&e, &args)),
    };
    let paths = Paths::discover();
    let log_problem = crate::logging::init(&paths.log_file()).err();
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    builder.worker_threads(2).enable_all();
    if cli.command.is_none() {
        // The cockpit: keys and frames are answered on the main thread; the runtime's
        // threads (watches, lists, pictures) yield to it when the CPU is short.
        builder.on_thread_start(crate::runtime::background_priority);
    }
    let runtime = match builder.build() {
        Ok(r) => r,
        Err(e) => {
            return exit_code(emit(&Outcome::fail(
                exit::ERROR,
                format!("cannot start the async runtime: {e}"),
                Output::Text,
            )));
        }
    };
    exit_code(runtime.block_on(main_async(cli, paths, log_problem)))
}

fn exit_code(code: i32) -> ExitCode {
    ExitCode::from(code.clamp(0, 255) as u8)
}

/// Help and version go to stdout (quietly when its reader is gone); a bad command line is
/// exit 2, with a JSON error on stdout too when `-o json` was asked for.
fn parse_error(e: &clap::Error, args: &[OsString]) -> i32 {
    use clap::error::ErrorKind;
    let text = e.render().to_string();
    if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
        return emit(&Outcome::ok(text));
    }
    let first = text
        .lines()
        .next()
        .unwrap_or_default()
        .trim_start_matches("error: ")
        .to_string();
    let output = if super::wants_json(args) {
        Output::Json
    } else {
        Output::Text
    };
    let mut o = Outcome::fail(e.exit_code(), first, output);
    o.stderr = text;
    emit(&o)
}

async fn main_async(cli: Cli, paths: Paths, log_problem: Option<String>) -> i32 {
    let now = chrono::Utc::now().timestamp();
    let output = cli.command.as_ref().map_or(Output::Text, Command::output);
    match &cli.command {
        Some(Command::Aggregate { .. }) => return emit(&aggregate(&cli).await),
        Some(Command::Traffic { .. }) => return emit(&traffic(&cli).await),
        _ => {}
    }
    let choice = match startup::choose(&cli.global, &paths, now).await {
        Ok(c) => c,
        Err((code, e)) => return emit(&Outcome::fail(code, e, output)),
    };
    let audit = AuditLog::new(paths.audit_log());
    let (settings, mut problems) = settings::load(&paths);
    let operator = cli.global.operator.clone().or(settings.operator);
    let user = startup::identity(operator);
    let read_only = cli.global.read_only;
    if cli.command.is_none() {
        let (ptx, prx) = mpsc::unbounded_channel();
        let platform_tx = match cli.global.kafka_brokers {
            None => ptx,
            Some(_) => match kafka_options(&cli, kafka::StartAt::Latest) {
                Ok(o) => telemetry_source(o, ptx),
                Err(e) => return emit(&Outcome::fail(exit::INVALID, e, output)),
            },
        };
        let handle = match choice {
            Choice::Demo(p) => demo::worker::spawn(p, read_only, platform_tx),
            Choice::Kube(setup) => kube::worker::spawn(setup, read_only, platform_tx),
            Choice::Docker(setup) => docker::worker::spawn(setup, read_only, platform_tx),
            Choice::Mixed { kube, docker } => mixed(kube, docker, read_only, platform_tx),
        };
        problems.extend(log_problem);
        let start = Start {
            handle,
            prx,
            audit,
            user,
            now,
            problems,
            notify: settings.notify,
        };
        return tui(cli, paths, start).await;
    }
    let (ptx, prx) = mpsc::unbounded_channel();
    let handle = match choice {
        Choice::Demo(mut p) => {
            let mut o = super::run::subcommand(&cli, &paths, &mut p, &audit, &user).await;
            warn_all(&mut o, &problems);
            return emit(&o);
        }
        Choice::Kube(setup) => kube::worker::spawn(setup, read_only, ptx),
        Choice::Docker(setup) => docker::worker::spawn(setup, read_only, ptx),
        Choice::Mixed { kube, docker } => mixed(kube, docker, read_only, ptx),
    };
    let mut o = match Remote::open(handle, prx, CLI_SYNC_TIMEOUT).await {
        Ok(mut remote) => super::run::subcommand(&cli, &paths, &mut remote, &audit, &user).await,
        Err(e) => Outcome::fail(e.exit_code(), e.to_string(), output),
    };
    warn_all(&mut o, &problems);
    emit(&o)
}

fn warn_all(o: &mut Outcome, problems: &[String]) {
    for p in problems {
        o.warn(p);
    }
}

/// `aggregate`: one aggregation worker of a consumer group.
async fn aggregate(cli: &Cli) -> Outcome {
    let Some(Command::Aggregate {
        to_topic,
        idle_exit,
    }) = &cli.command
    else {
        return Outcome::ok(String::new());
    };
    let mut options = match kafka_options(cli, kafka::StartAt::Beginning) {
        Ok(o) => o,
        Err(e) => return Outcome::fail(exit::INVALID, e, Output::Text),
    };
    if cli.global.kafka_group.is_none() {
        options.group = "wheelhouse-aggregate".into();
    }
    match crate::telemetry::worker::run(options, to_topic, *idle_exit).await {
        Ok(report) => Outcome::ok(serde_json::to_string(&report).unwrap_or_default()),
        Err(e) => Outcome::fail(exit::UNAVAILABLE, e.to_string(), Output::Text),
    }
}

/// `traffic`: a report of the stream alone (no platform needed).
async fn traffic(cli: &Cli) -> Outcome {
    let Some(Command::Traffic {
        target,
        idle_exit,
        output,
    }) = &cli.command
    else {
        return Outcome::ok(String::new());
    };
    let options = match kafka_options(cli, kafka::StartAt::Beginning) {
        Ok(o) => o,
        Err(e) => return Outcome::fail(exit::INVALID, e, *output),
    };
    let (code, text) =
        cli_telemetry::traffic(options, target.as_deref(), *idle_exit, *output).await;
    if code == exit::OK {
        Outcome::ok(text)
    } else {
        Outcome {
            code,
            stdout: text,
            stderr: String::new(),
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
    crate::platform::mixed::spawn(spawners, owners, read_only, events)
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

/// What the cockpit starts with.
struct Start {
    handle: PlatformHandle,
    prx: mpsc::UnboundedReceiver<PlatformEvent>,
    audit: AuditLog,
    user: Identity,
    now: i64,
    problems: Vec<String>,
    notify: bool,
}

async fn tui(cli: Cli, paths: Paths, start: Start) -> i32 {
    let Start {
        handle,
        prx,
        audit,
        user,
        now,
        mut problems,
        notify,
    } = start;
    let (keymap, keymap_problems) = config::load_keymap(&cli.global.keymap, &paths);
    let (theme, theme_problems) =
        config::load_theme(cli.global.theme.as_deref(), &paths, ColorDepth::detect());
    problems.extend(keymap_problems);
    problems.extend(theme_problems);
    if let Err(e) = audit.check() {
        problems.push(format!("{e}: writes will be refused until it can be"));
    }
    let (tx, rx) = mpsc::unbounded_channel();
    runtime::forward_platform(prx, tx.clone());
    let mut state = State::new(handle.info.clone(), cli.global.read_only, keymap, user, now);
    state.notify = notify;
    if handle.info.kind == "demo"
        && let Some(reason) = startup::demo_reason(&cli.global)
    {
        state.log(crate::app::Level::Info, reason);
    }
    runtime::report(&mut state, &problems);
    tracing::info!(platform = ?handle.info, read_only = cli.global.read_only, "cockpit starting");
    if cli.global.first_frame {
        return match runtime::first_frame(state, &theme, rx).await {
            Ok(text) => emit(&Outcome::ok(text)),
            Err(e) => emit(&Outcome::fail(exit::ERROR, format!("{e:#}"), Output::Text)),
        };
    }
    let saver = {
        let tx = tx.clone();
        crate::train_store::Saver::start(paths.trains_dir(), move |p| {
            let _ = tx.send(crate::app::Event::Problem(p));
        })
    };
    let (saved, train_problems) = crate::train_store::load_all(&paths.trains_dir());
    for p in train_problems {
        state.log(crate::app::Level::Warn, p);
    }
    for train in saved {
        let _ = tx.send(crate::app::Event::TrainLoaded(Box::new(train)));
    }
    match runtime::run(state, theme, handle, audit, saver, tx, rx).await {
        Ok(ending) => ending.exit_code(),
        Err(e) => emit(&Outcome::fail(exit::ERROR, format!("{e:#}"), Output::Text)),
    }
}
