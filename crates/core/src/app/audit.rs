//! What the audit log records of a write: who (the OS identity, and the operator name
//! given beside it), where, what, why, how it was confirmed, the revision it was decided
//! on and the dry run, then the result. A write has two records sharing its `write` id:
//! the intent, written (and synced) before anything is sent, and the result.

use crate::domain::Change;
use crate::domain::change::{ChangeRequest, FieldChange};
use serde::Serialize;

/// Who acts: the OS identity the process runs as (uid and its name in the password
/// database), `$USER` only when it says something else, and the operator name given with
/// `--as` or the config's `operator`, recorded beside the OS identity, never instead of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Identity {
    pub uid: u32,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub env_user: Option<String>,
    /// Who ran `sudo` (`$SUDO_USER`), when the process runs under it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sudo_user: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operator: Option<String>,
}

impl Identity {
    /// An identity by name alone (tests, drills).
    pub fn named(name: &str) -> Identity {
        Identity {
            uid: 0,
            name: name.to_string(),
            env_user: None,
            sudo_user: None,
            operator: None,
        }
    }

    /// The name written into release history (`changed-by`): the operator with the OS
    /// name beside it, or the OS name.
    pub fn who(&self) -> String {
        match &self.operator {
            Some(op) if *op != self.name => format!("{op} ({})", self.name),
            _ => self.name.clone(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Phase {
    /// Written before the write is sent: a write whose intent cannot be recorded is refused.
    Intent,
    /// Written when the platform has answered.
    Result,
}

/// One line of the audit log (JSON lines); the log adds the time and the process id.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditRecord {
    pub phase: Phase,
    /// The write's id within the process (with the pid, unique in the log).
    pub write: u64,
    pub user: Identity,
    pub platform: String,
    pub target: String,
    pub action: Change,
    pub why: String,
    /// How the operator confirmed: `--yes`, `enter`, or `typed "<text>"`.
    pub confirmation: String,
    /// The revision the decision was made on (a newer one refuses the write).
    pub revision: String,
    /// The platform's dry run the operator saw (intent), or what the write changed (result).
    pub changes: Vec<FieldChange>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<String>,
}

impl AuditRecord {
    /// The intent of a write, before it is sent.
    pub fn intent(
        write: u64,
        user: &Identity,
        platform: &str,
        request: &ChangeRequest,
        confirmation: &str,
        dry_run: &[FieldChange],
    ) -> Self {
        AuditRecord {
            phase: Phase::Intent,
            write,
            user: user.clone(),
            platform: platform.to_string(),
            target: request.target.to_string(),
            action: request.change.clone(),
            why: request.why.clone(),
            confirmation: confirmation.to_string(),
            revision: request.expected_revision.clone(),
            changes: dry_run.to_vec(),
            result: None,
        }
    }

    /// The result of the write this intent announced: what changed, or the error.
    pub fn outcome(&self, result: Result<&[FieldChange], String>) -> Self {
        let mut r = self.clone();
        r.phase = Phase::Result;
        match result {
            Ok(changes) => {
                r.changes = changes.to_vec();
                r.result = Some("ok".into());
            }
            Err(e) => r.result = Some(format!("error: {e}")),
        }
        r
    }
}

/// A train's record: the whole plan with each step's dry run (intent, written before its
/// first step is sent: a train whose record cannot be written does not start), then the
/// same with each step's result (result). Each step's write also has its own two
/// records, whose `confirmation` names the train and the step.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrainRecord {
    pub phase: Phase,
    pub train: String,
    pub user: Identity,
    pub platform: String,
    /// "promote trade test → gray".
    pub title: String,
    pub why: String,
    pub confirmation: String,
    pub gate: crate::domain::train::gate::Gate,
    pub notes: Vec<String>,
    pub steps: Vec<TrainStepRecord>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrainStepRecord {
    pub target: String,
    pub action: Change,
    /// The dry run shown (intent).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<FieldChange>,
    pub state: crate::domain::train::StepState,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub note: String,
}

impl TrainRecord {
    /// The intent of `train`, with the dry run of each step (in step order).
    pub fn intent(
        train: &crate::domain::train::Train,
        user: &Identity,
        confirmation: &str,
        dry_runs: &[Vec<FieldChange>],
    ) -> TrainRecord {
        let mut r = TrainRecord {
            phase: Phase::Intent,
            train: train.id.clone(),
            user: user.clone(),
            platform: train.platform.clone(),
            title: train.title(),
            why: train.why.clone(),
            confirmation: confirmation.to_string(),
            gate: train.gate,
            notes: train.notes.clone(),
            steps: Vec::new(),
            result: None,
        };
        r.steps = steps_of(train);
        for (s, d) in r.steps.iter_mut().zip(dry_runs) {
            s.changes = d.clone();
        }
        r
    }

    /// How the train ended, each step with its state and note.
    pub fn outcome(&self, train: &crate::domain::train::Train) -> TrainRecord {
        let mut r = self.clone();
        r.phase = Phase::Result;
        r.steps = steps_of(train);
        r.result = Some(match &train.why_stopped {
            Some(why) => format!("{}: {why}", train.state.label()),
            None => train.state.label().to_string(),
        });
        r
    }
}

fn steps_of(train: &crate::domain::train::Train) -> Vec<TrainStepRecord> {
    train
        .steps
        .iter()
        .map(|s| TrainStepRecord {
            target: format!("{}/{}/{}", train.line, train.env, s.service),
            action: s.change.clone(),
            changes: Vec::new(),
            state: s.state,
            note: s.note.clone(),
        })
        .collect()
}
