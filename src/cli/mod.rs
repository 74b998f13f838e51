//! Command-line interface: the TUI by default, and non-interactive subcommands for drills
//! and scripts (status, deploy, shift, scale, rollback) on the same platform layer.

pub mod act;
pub mod args;
pub mod attention;
pub mod catalog;
pub mod dispatch;
pub mod env;
pub mod inspect;
pub mod lane;
pub mod output;
pub mod run;
pub mod status;
pub mod telemetry;
pub mod train;
pub mod write;

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "wheelhouse",
    version,
    about = "A terminal operations cockpit for container delivery",
    long_about = "A terminal operations cockpit for container delivery: product lines, \
environments, services and releases; live topology and capacity; deploy, canary shift, \
scale and rollback.\n\nWith a kubeconfig (KUBECONFIG or ~/.kube/config) it operates \
that cluster's current context; --context and -n/--namespace behave as in kubectl. With \
no kubeconfig (or with --demo) it runs on the embedded demo platform. Subcommands against the demo platform act on a fresh simulation: state does \
not persist between runs.",
    after_help = "Exit codes: 0 ok, 1 error, 2 invalid request, 3 refused (read-only, or \
--yes missing), 4 not found, 5 changed by someone else, 6 platform unavailable, 7 the \
audit log cannot be written (nothing was sent), 8 attention: warnings, 9 attention: \
something critical, 141 stdout closed by its reader, 128+n ended by signal n."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Args, Clone)]
pub struct Global {
    /// Use the embedded demo platform (the default when no kubeconfig exists).
    #[arg(long, global = true)]
    pub demo: bool,
    /// Demo scenario file (TOML, see demo/default.toml) instead of the built-in one.
    #[arg(long, global = true, value_name = "FILE")]
    pub scenario: Option<PathBuf>,
    /// Seed of the demo simulation (overrides the scenario's).
    #[arg(long, global = true)]
    pub seed: Option<u64>,
    /// Never write to the platform; write actions explain why they do nothing.
    #[arg(long, global = true)]
    pub read_only: bool,
    /// Operator name recorded in the audit log and release history beside the OS user
    /// (default: `operator` in config.toml).
    #[arg(long = "as", global = true, value_name = "NAME", value_parser = args::name)]
    pub operator: Option<String>,
    /// Theme: dark, light, high-contrast, monochrome (NO_COLOR selects monochrome).
    #[arg(long, global = true)]
    pub theme: Option<String>,
    /// Keymap preset: default or vim (a keymap.toml in the config dir applies over it).
    #[arg(long, global = true, default_value = "default")]
    pub keymap: String,
    /// Kubernetes context (default: the kubeconfig's current context).
    #[arg(long, global = true, value_name = "NAME")]
    pub context: Option<String>,
    /// Only this namespace (an environment even when its namespace is unlabelled).
    #[arg(short = 'n', long, global = true, value_name = "NAMESPACE")]
    pub namespace: Option<String>,
    /// Also show the cluster's own namespaces (kube-*, *-system) under "other namespaces".
    #[arg(short = 'A', long, global = true, conflicts_with = "namespace")]
    pub all_namespaces: bool,
    /// Use the local Docker engine (DOCKER_HOST, else the default socket).
    #[arg(long, global = true)]
    pub docker: bool,
    /// The Docker engine's address (unix:///path or tcp://host:port); implies --docker.
    #[arg(long, global = true, value_name = "URL")]
    pub docker_host: Option<String>,
    /// Catalog of environments (default: catalog.toml in the config dir).
    #[arg(long, global = true, value_name = "FILE")]
    pub catalog: Option<PathBuf>,
    /// Kafka bootstrap servers of the call-record stream (enables the Kafka source).
    #[arg(long, global = true, value_name = "HOST:PORT,...")]
    pub kafka_brokers: Option<String>,
    /// Topic of the call records.
    #[arg(long, global = true, default_value = "wheelhouse.calls")]
    pub kafka_topic: String,
    /// Consumer group (default: wheelhouse-<user>).
    #[arg(long, global = true)]
    pub kafka_group: Option<String>,
    /// Where to start reading: latest (default), beginning, an RFC 3339 time, or -10m.
    #[arg(long, global = true, value_name = "WHEN", value_parser = args::kafka_start)]
    pub kafka_from: Option<String>,
    /// The topic holds edge-second aggregates published by `wheelhouse aggregate`.
    #[arg(long, global = true)]
    pub kafka_aggregates: bool,
    /// A librdkafka property, as kcat takes it (e.g. -X security.protocol=SASL_SSL).
    #[arg(short = 'X', global = true, value_name = "KEY=VALUE", value_parser = crate::telemetry::kafka::property)]
    pub kafka_property: Vec<(String, String)>,
    /// Render the first frame off-screen (200×60) and exit: measures start-up.
    #[arg(long, hide = true)]
    pub first_frame: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Output {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show product lines, environments and services.
    Status {
        /// LINE or LINE/ENV.
        #[arg(value_parser = args::target)]
        target: Option<String>,
        #[arg(short = 'o', long, value_enum, default_value = "text")]
        output: Output,
    },
    /// What needs attention, most urgent first (exit 0 nothing, 8 warnings, 9 critical).
    Attention {
        /// Seconds of traffic to watch first (0: what the platform shows now).
        #[arg(long, default_value_t = 0.0, value_parser = args::seconds)]
        observe: f64,
        #[arg(short = 'o', long, value_enum, default_value = "text")]
        output: Output,
    },
    /// The write operations (deploy, shift, scale, rollback, restart…), from the registry.
    #[command(flatten)]
    Write(write::WriteCommand),
    /// Lanes: create, add, remove, share, promote, delete LINE/ENV/LANE (see the README's
    /// "Lanes").
    #[command(subcommand)]
    Lane(lane::LaneCommand),
    /// Release train: bring TO level with FROM, every service whose version differs,
    /// callees first, each step waiting for ready and gated (see the README's "Release
    /// trains"); --resume picks a saved train up.
    Promote(Box<train::PromoteArgs>),
    /// Environments on demand: create LINE/NEW --from ENV, delete LINE/ENV (see the
    /// README's "Environments on demand").
    #[command(subcommand)]
    Env(env::EnvCommand),
    /// Print the last lines of a service's logs: logs LINE/ENV/SERVICE.
    Logs {
        #[arg(value_parser = args::target)]
        target: String,
        /// Lines to print (1-5000).
        #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..=5000))]
        lines: u32,
        /// Seconds to wait for lines (0-86400).
        #[arg(long, default_value_t = 5.0, value_parser = args::seconds)]
        wait: f64,
        /// The previous containers' logs (of pods whose containers restarted: a crash).
        #[arg(long, short = 'p')]
        previous: bool,
        #[arg(short, long, value_enum, default_value = "text")]
        output: Output,
    },
    /// List images: tags, size, age, base image and the environments running each.
    Images {
        #[arg(short, long, value_enum, default_value = "text")]
        output: Output,
    },
    /// Produce realistic call records for LINE/ENV to Kafka, following its routing.
    Simulate {
        #[arg(value_parser = args::target)]
        target: String,
        #[arg(long, value_enum, default_value = "steady")]
        profile: crate::telemetry::simulate::Profile,
        /// Ingress requests per second at the profile's baseline.
        #[arg(long, default_value_t = 200.0, value_parser = args::rate)]
        rate: f64,
        /// Seconds of traffic (1 to a week).
        #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=604_800))]
        seconds: u64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Send every second at once (timestamps still one second apart) instead of in real time.
        #[arg(long)]
        fast: bool,
        #[arg(short = 'o', long, value_enum, default_value = "text")]
        output: Output,
    },
    /// Run as one aggregation worker of a consumer group: raw records in, per-second edge
    /// aggregates out to a (compacted) topic that cockpits read with --kafka-aggregates.
    Aggregate {
        /// The aggregates topic.
        #[arg(long, value_name = "TOPIC")]
        to_topic: String,
        /// Stop after this many seconds without records (default: run until stopped).
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..=86_400))]
        idle_exit: Option<u64>,
    },
    /// The catalog of environments.
    #[command(subcommand)]
    Catalog(CatalogCommand),
    /// Read call records from Kafka until the stream is idle and print the aggregates.
    Traffic {
        /// LINE or LINE/ENV.
        #[arg(value_parser = args::target)]
        target: Option<String>,
        /// Stop after this many seconds without records.
        #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=86_400))]
        idle_exit: u64,
        #[arg(short = 'o', long, value_enum, default_value = "text")]
        output: Output,
    },
}

#[derive(Debug, Subcommand)]
pub enum CatalogCommand {
    /// Write a catalog of the environments as found (labels, conventions), to pin and edit.
    Init {
        /// Where to write it ("-": standard output; default: the catalog the cockpit reads,
        /// --catalog or catalog.toml in the config dir).
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Replace an existing file.
        #[arg(long)]
        force: bool,
    },
}

#[derive(Debug, Args, Clone)]
pub struct WriteOpts {
    /// Show what would change (the platform's dry run) and change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Apply without asking (required for writes from scripts).
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Why: recorded in the release history and the audit log.
    #[arg(long, default_value = "", value_parser = args::why)]
    pub why: String,
    /// Wait for the rollout to finish (the demo platform simulates the time).
    #[arg(long)]
    pub wait: bool,
    /// Apply only if the service is still at this revision (the `revision` of
    /// `status -o json`): a change made by someone else since is refused, exit code 5.
    #[arg(long, value_name = "REVISION", value_parser = args::revision)]
    pub if_revision: Option<String>,
    #[arg(short = 'o', long, value_enum, default_value = "text")]
    pub output: Output,
}

impl Command {
    /// The output format the command was asked for (errors follow it).
    pub fn output(&self) -> Output {
        match self {
            Command::Status { output, .. }
            | Command::Logs { output, .. }
            | Command::Images { output }
            | Command::Attention { output, .. }
            | Command::Simulate { output, .. }
            | Command::Traffic { output, .. } => *output,
            Command::Write(w) => w.write.output,
            Command::Lane(l) => l.write().output,
            Command::Promote(p) => p.write.output,
            Command::Env(e) => e.write().output,
            Command::Aggregate { .. } | Command::Catalog(_) => Output::Text,
        }
    }
}

/// Whether raw arguments ask for JSON output (for errors found before parsing finished).
pub fn wants_json(args: &[std::ffi::OsString]) -> bool {
    let args: Vec<&str> = args.iter().filter_map(|a| a.to_str()).collect();
    args.windows(2)
        .any(|w| matches!(w[0], "-o" | "--output") && w[1] == "json")
        || args
            .iter()
            .any(|a| matches!(*a, "-ojson" | "--output=json" | "-o=json"))
}
