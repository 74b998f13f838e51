//! The write subcommands, built from the operation registry: each operation's command,
//! flag, value and help come from its declaration (`domain::operation::SPECS`), so a new
//! operation is on the command line without an edit here.
//!
//! `wheelhouse COMMAND TARGET [VALUE]` for an operation alone in its command (deploy,
//! rollback…); operations that share a command are its alternatives, exactly one given
//! (`shift TARGET --weight 30`, `scale TARGET 4` or `scale TARGET --recommended`).

use super::{WriteOpts, args};
use crate::domain::operation::{Input, Op, SPECS, Spec, Value};
use clap::{Arg, ArgAction, ArgGroup, ArgMatches, Args, FromArgMatches, Subcommand};

/// A parsed write subcommand: the operation, its target and value, the write options.
#[derive(Debug, Clone)]
pub struct WriteCommand {
    pub op: Op,
    pub target: String,
    pub value: Value,
    pub write: WriteOpts,
}

/// The registry's commands, each once, in declaration order.
fn commands() -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    // `lane` is built by hand: its target is a lane (see `cli::lane`); the steps only
    // trains make have no command (`env` is `cli::env`'s).
    for s in SPECS
        .iter()
        .filter(|s| s.cli.command != LANE && s.input != Input::Planned)
    {
        if !out.contains(&s.cli.command) {
            out.push(s.cli.command);
        }
    }
    out
}

/// The command of the lane operations, which `cli::lane` builds.
const LANE: &str = "lane";

fn specs_of(command: &str) -> impl Iterator<Item = &'static Spec> + '_ {
    SPECS.iter().filter(move |s| s.cli.command == command)
}

/// The argument of one operation in its command (none for an operation that is its command
/// alone and takes no value, such as rollback).
fn argument(spec: &Spec, alone: bool) -> Option<Arg> {
    let arg = match spec.cli.flag {
        None if spec.cli.value_name.is_empty() => return None,
        None => Arg::new(spec.name).required(alone),
        Some(flag) => Arg::new(spec.name).long(flag),
    }
    .help(spec.help);
    let arg = if spec.cli.value_name.is_empty() {
        arg.action(ArgAction::SetTrue)
    } else {
        arg.value_name(spec.cli.value_name)
    };
    Some(match spec.input {
        Input::Version { .. } => arg.value_parser(args::version),
        Input::NewTag | Input::RouteTag => arg.value_parser(args::tag),
        Input::Weight => arg.value_parser(clap::value_parser!(u32).range(0..=100)),
        Input::Replicas => arg.value_parser(clap::value_parser!(u32).range(0..=100_000)),
        Input::None
        | Input::Step { .. }
        | Input::Recommended
        | Input::LaneVersion
        | Input::Lane
        | Input::LaneShare
        | Input::Planned => arg,
    })
}

/// One command with every operation it offers.
fn command(name: &'static str) -> clap::Command {
    let specs: Vec<&Spec> = specs_of(name).collect();
    let alone = specs.len() == 1;
    let about = specs
        .iter()
        .map(|s| s.cli.about)
        .find(|a| !a.is_empty())
        .map_or_else(
            || capitalized(specs.first().map_or("", |s| s.help)),
            str::to_string,
        );
    let mut cmd = clap::Command::new(name).about(about).arg(
        Arg::new("target")
            .value_name("TARGET")
            .help("LINE/ENV/SERVICE")
            .required(true)
            .value_parser(args::target),
    );
    cmd = cmd.next_help_heading("Operation");
    cmd = cmd.args(specs.iter().filter_map(|s| argument(s, alone)));
    if !alone {
        cmd = cmd.group(
            ArgGroup::new("operation")
                .args(specs.iter().map(|s| s.name))
                .required(true),
        );
    }
    WriteOpts::augment_args(cmd.next_help_heading("Write"))
}

fn capitalized(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|first| first.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// The operation given in a command's matches, with its value.
fn given(command: &str, m: &ArgMatches) -> Option<(Op, Value)> {
    specs_of(command).find_map(|spec| {
        if spec.cli.flag.is_none() && spec.cli.value_name.is_empty() {
            return Some((spec.op, Value::None));
        }
        let value = match spec.input {
            Input::Weight | Input::Replicas => {
                m.get_one::<u32>(spec.name).map(|n| Value::Number(*n))
            }
            Input::Version { .. }
            | Input::NewTag
            | Input::RouteTag
            | Input::LaneVersion
            | Input::Lane
            | Input::LaneShare => m.get_one::<String>(spec.name).cloned().map(Value::Text),
            Input::None | Input::Step { .. } | Input::Recommended => {
                m.get_flag(spec.name).then_some(Value::None)
            }
            Input::Planned => None,
        };
        value.map(|v| (spec.op, v))
    })
}

fn missing(what: &str) -> clap::Error {
    clap::Error::raw(clap::error::ErrorKind::MissingRequiredArgument, what)
}

impl FromArgMatches for WriteCommand {
    fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        let (name, m) = matches
            .subcommand()
            .ok_or_else(|| missing("a subcommand is required"))?;
        let (op, value) = given(name, m).ok_or_else(|| missing("an operation is required"))?;
        let target = m
            .get_one::<String>("target")
            .cloned()
            .ok_or_else(|| missing("TARGET is required"))?;
        Ok(WriteCommand {
            op,
            target,
            value,
            write: WriteOpts::from_arg_matches(m)?,
        })
    }

    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(matches)?;
        Ok(())
    }
}

impl Subcommand for WriteCommand {
    fn augment_subcommands(cmd: clap::Command) -> clap::Command {
        commands()
            .into_iter()
            .fold(cmd, |cmd, name| cmd.subcommand(command(name)))
    }

    fn augment_subcommands_for_update(cmd: clap::Command) -> clap::Command {
        Self::augment_subcommands(cmd)
    }

    fn has_subcommand(name: &str) -> bool {
        name != LANE
            && SPECS
                .iter()
                .any(|s| s.cli.command == name && s.input != Input::Planned)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Debug, Parser)]
    struct T {
        #[command(subcommand)]
        write: WriteCommand,
    }

    fn parse(args: &[&str]) -> Result<WriteCommand, clap::Error> {
        T::try_parse_from(std::iter::once("wheelhouse").chain(args.iter().copied()))
            .map(|t| t.write)
    }

    #[test]
    fn every_operation_parses_from_its_declared_form() {
        let cases: &[(&[&str], Op, Value)] = &[
            (
                &["deploy", "a/b/c", "1.2"],
                Op::Deploy,
                Value::Text("1.2".into()),
            ),
            (
                &["shift", "a/b/c", "--weight", "30"],
                Op::CanaryWeight,
                Value::Number(30),
            ),
            (
                &["shift", "a/b/c", "--step-up"],
                Op::CanaryStepUp,
                Value::None,
            ),
            (
                &["shift", "a/b/c", "--add-tag", "beta"],
                Op::TagAdd,
                Value::Text("beta".into()),
            ),
            (&["scale", "a/b/c", "4"], Op::Scale, Value::Number(4)),
            (
                &["scale", "a/b/c", "--recommended"],
                Op::ScaleRecommended,
                Value::None,
            ),
            (&["rollback", "a/b/c", "--yes"], Op::Rollback, Value::None),
        ];
        for (args, op, value) in cases {
            let c = parse(args).unwrap();
            assert_eq!(
                (c.op, &c.value, c.target.as_str()),
                (*op, value, "a/b/c"),
                "{args:?}"
            );
        }
        assert!(parse(&["rollback", "a/b/c", "--yes"]).unwrap().write.yes);
    }

    #[test]
    fn alternatives_are_exclusive_and_one_is_required() {
        assert!(parse(&["shift", "a/b/c"]).is_err());
        assert!(parse(&["shift", "a/b/c", "--promote", "--abort"]).is_err());
        assert!(parse(&["scale", "a/b/c", "3", "--recommended"]).is_err());
        assert!(parse(&["shift", "a/b/c", "--weight", "101"]).is_err());
        assert!(parse(&["deploy", "a/b/c"]).is_err());
    }

    #[test]
    fn every_registry_command_is_a_subcommand() {
        let cmd = <T as clap::CommandFactory>::command();
        for s in SPECS.iter().filter(|s| s.cli.command != LANE) {
            let planned = s.input == Input::Planned;
            assert_eq!(
                cmd.find_subcommand(s.cli.command).is_some(),
                !planned,
                "{}: a subcommand unless it is a train's step (env is cli::env's)",
                s.name
            );
        }
    }
}
