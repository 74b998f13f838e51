//! The operation registry: every write wheelhouse can make, declared once. The keymap,
//! the help overlay, the palette, the command line, the read-only guard, the confirmation
//! and the audit log all read an operation's name, keys, arguments and wording from here.
//!
//! Adding an operation: a variant of [`Op`] and of [`Change`], its [`Spec`] in [`SPECS`],
//! its arm in [`Op::change`] and [`Change::op`]/[`Change::value`], its plan
//! (`change::plan` here in the domain, and in each platform that supports it), its tests.

use super::model::Capability;
use serde::{Deserialize, Serialize};
use std::fmt;

/// An operation, without its arguments: what a key, a palette entry or a subcommand names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Op {
    Deploy,
    CanaryStart,
    CanaryWeight,
    CanaryStepUp,
    CanaryStepDown,
    TagAdd,
    TagRemove,
    Promote,
    Abort,
    Scale,
    ScaleRecommended,
    Rollback,
    Restart,
    Pause,
    Resume,
    LaneJoin,
    LaneLeave,
    LaneShare,
    EnvCopy,
    EnvRemove,
}

/// One write against one service: an operation with its arguments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "kebab-case")]
pub enum Change {
    Deploy {
        version: String,
    },
    /// Create (or re-version) the canary next to the stable release, at weight 0.
    StartCanary {
        version: String,
    },
    SetCanaryWeight {
        weight: u8,
    },
    AddTagRoute {
        tag: String,
    },
    RemoveTagRoute {
        tag: String,
    },
    Promote,
    Abort,
    Scale {
        replicas: u32,
    },
    Rollback,
    /// Restart every replica, one at a time.
    Restart,
    /// Stop the rollout where it is (template changes wait until it is resumed).
    Pause,
    Resume,
    /// Put the service's `version` in `lane` (the lane is created with its first service).
    JoinLane {
        lane: String,
        version: String,
    },
    /// Take the service out of `lane` (the lane goes with its last service).
    LeaveLane {
        lane: String,
    },
    /// Tag `share` % of the untagged requests entering through this service into `lane`.
    SetLaneShare {
        lane: String,
        share: u8,
    },
    /// Copy the service into the line's environment `env` (made with its first service) at
    /// `version`, its config with `config` over it; secrets are not copied.
    CopyTo {
        env: String,
        version: String,
        #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
        config: std::collections::BTreeMap<String, String>,
    },
    /// Remove the service from an environment wheelhouse made (which goes with its last).
    RemoveService,
}

/// What an operation takes, and where the value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    /// Nothing: the operation is confirmed as it is.
    None,
    /// A version picked from the known ones, other than the stable one (and, for a canary,
    /// other than the canary's).
    Version { canary: bool },
    /// A canary weight 0-100, typed over the current one.
    Weight,
    /// The next (or previous) canary weight step, computed from the current weight.
    Step { up: bool },
    /// A new traffic tag, typed.
    NewTag,
    /// One of the service's tag routes, picked.
    RouteTag,
    /// A replica count, typed over the current one.
    Replicas,
    /// The replica count recommended from observed load, computed.
    Recommended,
    /// A lane and a version, typed: `checkout-v2 4.4.0`.
    LaneVersion,
    /// One of the lanes the service is in, picked.
    Lane,
    /// A lane and a percent of untagged entry requests, typed: `checkout-v2 5`.
    LaneShare,
    /// None: a step of a train (an environment made or deleted), never asked for alone;
    /// no key, no palette entry, no subcommand of its own.
    Planned,
}

impl Input {
    /// The value is picked from a list (not typed).
    pub fn picks(self) -> bool {
        matches!(self, Input::Version { .. } | Input::RouteTag | Input::Lane)
    }

    /// The operation asks for a value (typed or picked); the others compute theirs.
    pub fn takes_value(self) -> bool {
        !matches!(self, Input::None | Input::Step { .. } | Input::Recommended)
    }
}

/// A value given to an operation: picked or typed in the cockpit, or a CLI argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    None,
    Text(String),
    Number(u32),
}

/// How the command line spells an operation: `wheelhouse COMMAND TARGET [VALUE]` when
/// `flag` is None, else `wheelhouse COMMAND TARGET --FLAG [VALUE]` (operations sharing a
/// command are its alternatives: exactly one is given).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CliForm {
    pub command: &'static str,
    pub flag: Option<&'static str>,
    /// The value's name in usage lines (VERSION, REPLICAS…), when the input takes one.
    pub value_name: &'static str,
    /// The command's description (given by the first operation of a command).
    pub about: &'static str,
}

/// Default keys, per shipped keymap preset (a user keymap rebinds them by name).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Keys {
    pub default: &'static [&'static str],
    pub vim: &'static [&'static str],
}

/// Everything the layers need to know about an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Spec {
    pub op: Op,
    /// The action name: keymap files, the palette, the audit log's `action`.
    pub name: &'static str,
    /// One line for the help overlay, the palette and the CLI's help.
    pub help: &'static str,
    pub keys: Keys,
    pub cli: CliForm,
    pub input: Input,
    /// Takes a while: the cockpit follows the rollout after it is applied.
    pub long: bool,
    /// Needs a running canary.
    pub needs_canary: bool,
    /// Needs this capability of the environment's platform.
    pub needs: Option<Capability>,
    /// The verb for messages and the audit log ("start canary").
    pub verb: &'static str,
    /// The change as one phrase, `{}` standing for its value ("scale to {}").
    pub phrase: &'static str,
}

const fn keys(default: &'static [&'static str], vim: &'static [&'static str]) -> Keys {
    Keys { default, vim }
}

const fn cli(
    command: &'static str,
    flag: Option<&'static str>,
    value_name: &'static str,
) -> CliForm {
    CliForm {
        command,
        flag,
        value_name,
        about: "",
    }
}

const fn about(form: CliForm, about: &'static str) -> CliForm {
    CliForm { about, ..form }
}

const ROUTING: Option<Capability> = Some(Capability::CanaryRouting);
const LANES: Option<Capability> = Some(Capability::Lanes);

/// The registry, in the order help and the palette list operations.
pub const SPECS: &[Spec] = &[
    Spec {
        op: Op::Deploy,
        name: "deploy",
        help: "deploy a version",
        keys: keys(&["d"], &["d d"]),
        cli: about(
            cli("deploy", None, "VERSION"),
            "Deploy a version of a service: deploy LINE/ENV/SERVICE VERSION",
        ),
        input: Input::Version { canary: false },
        long: true,
        needs_canary: false,
        needs: None,
        verb: "deploy",
        phrase: "deploy {}",
    },
    Spec {
        op: Op::CanaryStart,
        name: "canary-start",
        help: "canary: start (or re-version) a canary",
        keys: keys(&["C"], &["c s"]),
        cli: about(
            cli("shift", Some("start"), "VERSION"),
            "Shift canary traffic: a weight, a step, a tag route, promote or abort",
        ),
        input: Input::Version { canary: true },
        long: false,
        needs_canary: false,
        needs: ROUTING,
        verb: "start canary",
        phrase: "start canary {}",
    },
    Spec {
        op: Op::CanaryWeight,
        name: "canary-weight",
        help: "set the canary weight",
        keys: keys(&["w"], &["c w"]),
        cli: cli("shift", Some("weight"), "WEIGHT"),
        input: Input::Weight,
        long: false,
        needs_canary: true,
        needs: ROUTING,
        verb: "canary weight",
        phrase: "canary weight {}%",
    },
    Spec {
        op: Op::CanaryStepUp,
        name: "canary-step-up",
        help: "canary: next weight step",
        keys: keys(&["+", "="], &["c k", "+"]),
        cli: cli("shift", Some("step-up"), ""),
        input: Input::Step { up: true },
        long: false,
        needs_canary: true,
        needs: ROUTING,
        verb: "canary weight",
        phrase: "canary weight {}%",
    },
    Spec {
        op: Op::CanaryStepDown,
        name: "canary-step-down",
        help: "canary: previous weight step",
        keys: keys(&["-"], &["c j", "-"]),
        cli: cli("shift", Some("step-down"), ""),
        input: Input::Step { up: false },
        long: false,
        needs_canary: true,
        needs: ROUTING,
        verb: "canary weight",
        phrase: "canary weight {}%",
    },
    Spec {
        op: Op::TagAdd,
        name: "add-tag-route",
        help: "canary: route a traffic tag",
        keys: keys(&["t"], &["c t"]),
        cli: cli("shift", Some("add-tag"), "TAG"),
        input: Input::NewTag,
        long: false,
        needs_canary: true,
        needs: ROUTING,
        verb: "add tag route",
        phrase: "add tag route {}",
    },
    Spec {
        op: Op::TagRemove,
        name: "remove-tag-route",
        help: "canary: remove a tag route",
        keys: keys(&["T"], &["c T"]),
        cli: cli("shift", Some("remove-tag"), "TAG"),
        input: Input::RouteTag,
        long: false,
        needs_canary: false,
        needs: ROUTING,
        verb: "remove tag route",
        phrase: "remove tag route {}",
    },
    Spec {
        op: Op::Promote,
        name: "promote",
        help: "canary: promote to stable",
        keys: keys(&["P"], &["c p"]),
        cli: cli("shift", Some("promote"), ""),
        input: Input::None,
        long: true,
        needs_canary: true,
        needs: ROUTING,
        verb: "promote canary",
        phrase: "promote canary",
    },
    Spec {
        op: Op::Abort,
        name: "abort",
        help: "canary: abort (weight 0)",
        keys: keys(&["A"], &["c a"]),
        cli: cli("shift", Some("abort"), ""),
        input: Input::None,
        long: false,
        needs_canary: true,
        needs: ROUTING,
        verb: "abort canary",
        phrase: "abort canary",
    },
    Spec {
        op: Op::Scale,
        name: "scale",
        help: "scale: set replicas",
        keys: keys(&["s"], &["s s"]),
        cli: about(
            cli("scale", None, "REPLICAS"),
            "Scale a service: scale LINE/ENV/SERVICE REPLICAS, or --recommended",
        ),
        input: Input::Replicas,
        long: true,
        needs_canary: false,
        needs: None,
        verb: "scale",
        phrase: "scale to {}",
    },
    Spec {
        op: Op::ScaleRecommended,
        name: "scale-recommended",
        help: "scale: accept the recommendation",
        keys: keys(&["S"], &["s r"]),
        cli: cli("scale", Some("recommended"), ""),
        input: Input::Recommended,
        long: true,
        needs_canary: false,
        needs: None,
        verb: "scale",
        phrase: "scale to {}",
    },
    Spec {
        op: Op::Rollback,
        name: "rollback",
        help: "roll back to the previous release",
        keys: keys(&["R"], &["u"]),
        cli: about(
            cli("rollback", None, ""),
            "Roll a service back to its previous release",
        ),
        input: Input::None,
        long: true,
        needs_canary: false,
        needs: None,
        verb: "rollback",
        phrase: "rollback",
    },
    Spec {
        op: Op::Restart,
        name: "restart",
        help: "restart every replica, one at a time",
        keys: keys(&["X"], &["g r"]),
        cli: about(
            cli("restart", None, ""),
            "Restart every replica of a service, one at a time",
        ),
        input: Input::None,
        long: true,
        needs_canary: false,
        needs: None,
        verb: "restart",
        phrase: "restart",
    },
    Spec {
        op: Op::Pause,
        name: "pause-rollout",
        help: "pause the rollout where it is (as kubectl rollout pause)",
        keys: keys(&["p"], &["r p"]),
        cli: about(
            cli("pause", None, ""),
            "Pause a service's rollout where it is: pause LINE/ENV/SERVICE",
        ),
        input: Input::None,
        long: false,
        needs_canary: false,
        needs: Some(Capability::RolloutPause),
        verb: "pause rollout",
        phrase: "pause rollout",
    },
    Spec {
        op: Op::Resume,
        name: "resume-rollout",
        help: "resume a paused rollout",
        keys: keys(&["r"], &["r r"]),
        cli: about(
            cli("resume", None, ""),
            "Resume a service's paused rollout: resume LINE/ENV/SERVICE",
        ),
        input: Input::None,
        long: true,
        needs_canary: false,
        needs: Some(Capability::RolloutPause),
        verb: "resume rollout",
        phrase: "resume rollout",
    },
    Spec {
        op: Op::LaneJoin,
        name: "lane-add",
        help: "lane: put a version of the service in a lane (new or existing)",
        keys: keys(&["a"], &["b a"]),
        cli: cli("lane", Some("add"), "LANE VERSION"),
        input: Input::LaneVersion,
        long: false,
        needs_canary: false,
        needs: LANES,
        verb: "join lane",
        phrase: "join lane {}",
    },
    Spec {
        op: Op::LaneLeave,
        name: "lane-remove",
        help: "lane: take the service out of a lane",
        keys: keys(&["u"], &["b d"]),
        cli: cli("lane", Some("remove"), "LANE"),
        input: Input::Lane,
        long: false,
        needs_canary: false,
        needs: LANES,
        verb: "leave lane",
        phrase: "leave lane {}",
    },
    Spec {
        op: Op::LaneShare,
        name: "lane-share",
        help: "lane: tag a share of untagged entry requests into a lane",
        keys: keys(&["%"], &["b s"]),
        cli: cli("lane", Some("share"), "LANE PERCENT"),
        input: Input::LaneShare,
        long: false,
        needs_canary: false,
        needs: LANES,
        verb: "lane share",
        phrase: "lane share {}%",
    },
    Spec {
        op: Op::EnvCopy,
        name: "env-copy",
        help: "environment on demand: copy a service into a new environment",
        keys: keys(&[], &[]),
        cli: cli("env", Some("create"), ""),
        input: Input::Planned,
        long: true,
        needs_canary: false,
        needs: None,
        verb: "copy",
        phrase: "copy to {}",
    },
    Spec {
        op: Op::EnvRemove,
        name: "env-remove",
        help: "environment on demand: remove a service from an environment wheelhouse made",
        keys: keys(&[], &[]),
        cli: cli("env", Some("delete"), ""),
        input: Input::Planned,
        long: false,
        needs_canary: false,
        needs: None,
        verb: "remove",
        phrase: "remove from the environment",
    },
];

impl Op {
    pub fn spec(self) -> &'static Spec {
        // Every variant has its entry (a unit test checks it), so the search always finds it.
        SPECS.iter().find(|s| s.op == self).unwrap_or(&SPECS[0])
    }

    pub fn name(self) -> &'static str {
        self.spec().name
    }

    pub fn from_name(name: &str) -> Option<Op> {
        SPECS.iter().find(|s| s.name == name).map(|s| s.op)
    }

    /// The operations a user asks for one by one (keys, palette, subcommands); the steps
    /// only trains make ([`Input::Planned`]) are left out.
    pub fn all() -> impl Iterator<Item = Op> {
        SPECS
            .iter()
            .filter(|s| s.input != Input::Planned)
            .map(|s| s.op)
    }

    /// The change this operation makes with `value`, or what is wrong with the value.
    pub fn change(self, value: Value) -> Result<Change, String> {
        let text = |v: Value| match v {
            Value::Text(t) => Ok(t),
            _ => Err(format!("{} needs a value", self.name())),
        };
        let number = |v: Value| match v {
            Value::Number(n) => Ok(n),
            Value::Text(t) => t
                .trim()
                .parse::<u32>()
                .map_err(|_| format!("{t:?} is not a whole number")),
            Value::None => Err(format!("{} needs a number", self.name())),
        };
        let weight = |v: Value| {
            number(v).and_then(|n| {
                u8::try_from(n)
                    .ok()
                    .filter(|w| *w <= 100)
                    .ok_or_else(|| "enter a weight from 0 to 100".to_string())
            })
        };
        Ok(match self {
            Op::Deploy => Change::Deploy {
                version: text(value)?,
            },
            Op::CanaryStart => Change::StartCanary {
                version: text(value)?,
            },
            Op::CanaryWeight | Op::CanaryStepUp | Op::CanaryStepDown => Change::SetCanaryWeight {
                weight: weight(value)?,
            },
            Op::TagAdd => Change::AddTagRoute {
                tag: text(value)?.trim().to_string(),
            },
            Op::TagRemove => Change::RemoveTagRoute { tag: text(value)? },
            Op::Promote => Change::Promote,
            Op::Abort => Change::Abort,
            Op::Scale | Op::ScaleRecommended => Change::Scale {
                replicas: number(value)?,
            },
            Op::Rollback => Change::Rollback,
            Op::Restart => Change::Restart,
            Op::Pause => Change::Pause,
            Op::Resume => Change::Resume,
            Op::LaneJoin => {
                let t = text(value)?;
                let (lane, version) = two_words(&t)
                    .ok_or_else(|| "enter a lane and a version: checkout-v2 4.4.0".to_string())?;
                crate::lane::valid_name(lane)?;
                Change::JoinLane {
                    lane: lane.into(),
                    version: version.into(),
                }
            }
            Op::LaneLeave => Change::LeaveLane {
                lane: text(value)?.trim().to_string(),
            },
            Op::EnvCopy | Op::EnvRemove => {
                return Err(format!(
                    "{} is a step of an environment's creation or deletion (env create, env delete)",
                    self.name()
                ));
            }
            Op::LaneShare => {
                let t = text(value)?;
                let (lane, share) = two_words(&t)
                    .ok_or_else(|| "enter a lane and a percent: checkout-v2 5".to_string())?;
                crate::lane::valid_name(lane)?;
                Change::SetLaneShare {
                    lane: lane.into(),
                    share: weight(Value::Text(share.trim_end_matches('%').into()))?,
                }
            }
        })
    }
}

/// `text` as exactly two words.
fn two_words(text: &str) -> Option<(&str, &str)> {
    let mut words = text.split_whitespace();
    match (words.next(), words.next(), words.next()) {
        (Some(a), Some(b), None) => Some((a, b)),
        _ => None,
    }
}

/// `text` as one shell word: as is when it holds nothing a shell would read, else in
/// single quotes.
pub fn quote(text: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "/._-:=+,@%".contains(c);
    if !text.is_empty() && text.chars().all(plain) {
        return text.to_string();
    }
    format!("'{}'", text.replace('\'', r"'\''"))
}

impl Change {
    /// The operation this change is an instance of (a weight set by a step is a weight).
    pub fn op(&self) -> Op {
        match self {
            Change::Deploy { .. } => Op::Deploy,
            Change::StartCanary { .. } => Op::CanaryStart,
            Change::SetCanaryWeight { .. } => Op::CanaryWeight,
            Change::AddTagRoute { .. } => Op::TagAdd,
            Change::RemoveTagRoute { .. } => Op::TagRemove,
            Change::Promote => Op::Promote,
            Change::Abort => Op::Abort,
            Change::Scale { .. } => Op::Scale,
            Change::Rollback => Op::Rollback,
            Change::Restart => Op::Restart,
            Change::Pause => Op::Pause,
            Change::Resume => Op::Resume,
            Change::JoinLane { .. } => Op::LaneJoin,
            Change::LeaveLane { .. } => Op::LaneLeave,
            Change::SetLaneShare { .. } => Op::LaneShare,
            Change::CopyTo { .. } => Op::EnvCopy,
            Change::RemoveService => Op::EnvRemove,
        }
    }

    /// The change's argument as text, if it has one.
    pub fn value(&self) -> Option<String> {
        match self {
            Change::Deploy { version } | Change::StartCanary { version } => Some(version.clone()),
            Change::SetCanaryWeight { weight } => Some(weight.to_string()),
            Change::AddTagRoute { tag } | Change::RemoveTagRoute { tag } => Some(tag.clone()),
            Change::Scale { replicas } => Some(replicas.to_string()),
            Change::JoinLane { lane, version } => Some(format!("{lane} {version}")),
            Change::LeaveLane { lane } => Some(lane.clone()),
            Change::SetLaneShare { lane, share } => Some(format!("{lane} {share}")),
            Change::CopyTo { env, version, .. } => Some(format!("{env} at {version}")),
            Change::Promote
            | Change::Abort
            | Change::Rollback
            | Change::Restart
            | Change::Pause
            | Change::Resume
            | Change::RemoveService => None,
        }
    }

    pub fn spec(&self) -> &'static Spec {
        self.op().spec()
    }

    /// The command line that makes this change on `target` without asking, decided on
    /// `revision` (refused if someone changed the service since), with the operator's why:
    /// `wheelhouse scale trade/prod/order 6 --if-revision 12/7/- --why '…' --yes`.
    pub fn command_line(&self, target: &str, revision: &str, why: &str) -> String {
        let form = self.spec().cli;
        let mut words = vec!["wheelhouse".to_string(), form.command.into()];
        if let Some(lane_words) = self.lane_words(target) {
            // `wheelhouse lane add LINE/ENV/LANE SERVICE VERSION`: the lane is the target.
            words.extend(lane_words);
        } else {
            words.push(quote(target));
            if let Some(flag) = form.flag {
                words.push(format!("--{flag}"));
            }
            if let Some(v) = self.value() {
                words.push(quote(&v));
            }
        }
        if !revision.is_empty() {
            words.push(format!("--if-revision {}", quote(revision)));
        }
        if !why.trim().is_empty() {
            words.push(format!("--why {}", quote(why.trim())));
        }
        words.push("--yes".into());
        words.join(" ")
    }

    /// A lane change's words after `wheelhouse lane`, for the service `target`
    /// (LINE/ENV/SERVICE): `add LINE/ENV/LANE SERVICE VERSION`, `remove LINE/ENV/LANE
    /// SERVICE`, `share LINE/ENV/LANE PERCENT`.
    fn lane_words(&self, target: &str) -> Option<Vec<String>> {
        let (env, service) = target.rsplit_once('/')?;
        let at = |lane: &str| quote(&format!("{env}/{lane}"));
        Some(match self {
            Change::JoinLane { lane, version } => {
                vec!["add".into(), at(lane), quote(service), quote(version)]
            }
            Change::LeaveLane { lane } => vec!["remove".into(), at(lane), quote(service)],
            Change::SetLaneShare { lane, share } => {
                vec!["share".into(), at(lane), share.to_string()]
            }
            _ => return None,
        })
    }

    /// True for changes that need a traffic router (canaries, weights, tag routes).
    pub fn routes_traffic(&self) -> bool {
        self.spec().needs == Some(Capability::CanaryRouting)
    }

    pub fn verb(&self) -> &'static str {
        self.spec().verb
    }

    /// True when the change can take a while (the UI shows progress).
    pub fn is_long(&self) -> bool {
        self.spec().long
    }
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let phrase = self.spec().phrase;
        match self.value() {
            Some(v) => f.write_str(&phrase.replacen("{}", &v, 1)),
            None => f.write_str(phrase),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_is_declared_once_with_a_unique_name() {
        let ops = [
            Op::Deploy,
            Op::CanaryStart,
            Op::CanaryWeight,
            Op::CanaryStepUp,
            Op::CanaryStepDown,
            Op::TagAdd,
            Op::TagRemove,
            Op::Promote,
            Op::Abort,
            Op::Scale,
            Op::ScaleRecommended,
            Op::Rollback,
            Op::Restart,
            Op::Pause,
            Op::Resume,
            Op::LaneJoin,
            Op::LaneLeave,
            Op::LaneShare,
            Op::EnvCopy,
            Op::EnvRemove,
        ];
        assert_eq!(SPECS.len(), ops.len());
        for op in ops {
            assert_eq!(SPECS.iter().filter(|s| s.op == op).count(), 1, "{op:?}");
            assert_eq!(Op::from_name(op.name()), Some(op));
        }
    }

    #[test]
    fn a_change_round_trips_through_its_operation_and_value() {
        let changes = [
            Change::Deploy {
                version: "1.2".into(),
            },
            Change::StartCanary {
                version: "1.3".into(),
            },
            Change::SetCanaryWeight { weight: 25 },
            Change::AddTagRoute { tag: "beta".into() },
            Change::RemoveTagRoute { tag: "beta".into() },
            Change::Promote,
            Change::Abort,
            Change::Scale { replicas: 4 },
            Change::Rollback,
            Change::Restart,
            Change::Pause,
            Change::Resume,
        ];
        for c in changes {
            let value = c.value().map_or(Value::None, Value::Text);
            assert_eq!(c.op().change(value), Ok(c.clone()), "{c}");
        }
    }

    #[test]
    fn phrases_name_the_value() {
        assert_eq!(Change::Scale { replicas: 4 }.to_string(), "scale to 4");
        assert_eq!(
            Change::SetCanaryWeight { weight: 25 }.to_string(),
            "canary weight 25%"
        );
        assert_eq!(Change::Pause.to_string(), "pause rollout");
    }

    #[test]
    fn a_change_as_the_command_line_that_makes_it() {
        let scale = Change::Scale { replicas: 6 };
        assert_eq!(
            scale.command_line("trade/prod/order", "12/7/-", ""),
            "wheelhouse scale trade/prod/order 6 --if-revision 12/7/- --yes"
        );
        let weight = Change::SetCanaryWeight { weight: 25 };
        assert_eq!(
            weight.command_line("a/b/c", "", "p99 ok; it's fine"),
            "wheelhouse shift a/b/c --weight 25 --why 'p99 ok; it'\\''s fine' --yes"
        );
        assert_eq!(quote("$(rm -rf /)"), "'$(rm -rf /)'");
    }

    #[test]
    fn values_are_checked() {
        assert!(Op::CanaryWeight.change(Value::Number(101)).is_err());
        assert!(Op::Scale.change(Value::Text("x".into())).is_err());
        assert!(Op::Deploy.change(Value::None).is_err());
    }

    #[test]
    fn values_without_a_value_name_take_none() {
        for s in SPECS {
            let takes_typed = matches!(
                s.input,
                Input::Version { .. }
                    | Input::Weight
                    | Input::NewTag
                    | Input::RouteTag
                    | Input::Replicas
                    | Input::LaneVersion
                    | Input::Lane
                    | Input::LaneShare
            );
            assert_eq!(takes_typed, !s.cli.value_name.is_empty(), "{}", s.name);
        }
    }
}
