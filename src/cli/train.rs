//! `wheelhouse promote LINE FROM TO`, `--resume`, and the lane commands made of a train
//! (`lane promote`, `lane delete`): the plan with every step's dry run, then (with
//! `--yes`) the train run here one step at a time through `domain::train`, its state
//! saved in the data directory as it moves (`promote --resume` picks it up, as does the
//! cockpit), its record in the audit log before its first step and at its end, progress
//! on stderr as it happens.

use super::output::{Outcome, exit};
use super::{Output, WriteOpts};
use crate::app::{AuditRecord, Identity, TrainRecord};
use crate::audit::AuditLog;
use crate::domain::EnvKey;
use crate::domain::change::{ChangeRequest, FieldChange};
use crate::domain::train::gate::Gate;
use crate::domain::train::plan::{self, Selection};
use crate::domain::train::{Next, State as TrainState, StepState, Train};
use crate::platform::session::Session;
use clap::Args;
use serde_json::json;
use std::io::Write;
use std::path::Path;

#[derive(Debug, Clone, Args)]
pub struct PromoteArgs {
    /// The product line.
    #[arg(required_unless_present = "resume")]
    pub line: Option<String>,
    /// The environment whose versions go.
    #[arg(required_unless_present = "resume")]
    pub from: Option<String>,
    /// The environment brought level with FROM.
    #[arg(required_unless_present = "resume")]
    pub to: Option<String>,
    /// Only these services (comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "S,…")]
    pub only: Vec<String>,
    /// Not these services (comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "S,…")]
    pub except: Vec<String>,
    /// Pick up the train saved on disk (of LINE/TO when given, else the only one): from
    /// what the platform shows.
    #[arg(long, conflicts_with_all = ["only", "except"])]
    pub resume: bool,
    /// With --resume: roll the train's applied steps back, newest first.
    #[arg(long, requires = "resume")]
    pub rollback: bool,
    /// Seconds of traffic watched after each step (compared with as many before it).
    #[arg(long, default_value_t = Gate::default().window, value_parser = clap::value_parser!(u32).range(1..=3600))]
    pub gate_window: u32,
    /// How much a step may raise the service's error ratio (0.01: one percentage point).
    #[arg(long, default_value_t = Gate::default().max_error_rise, value_parser = super::args::ratio)]
    pub max_error_rise: f64,
    /// How many times its p99 before the step the p99 may become.
    #[arg(long, default_value_t = Gate::default().max_p99_ratio, value_parser = super::args::factor)]
    pub max_p99_ratio: f64,
    /// Seconds a step may take to be ready.
    #[arg(long, default_value_t = Gate::default().ready_timeout, value_parser = clap::value_parser!(u32).range(1..=86_400))]
    pub ready_timeout: u32,
    #[command(flatten)]
    pub write: WriteOpts,
}

impl PromoteArgs {
    fn gate(&self) -> Gate {
        Gate {
            window: self.gate_window,
            max_error_rise: self.max_error_rise,
            max_p99_ratio: self.max_p99_ratio,
            ready_timeout: self.ready_timeout,
        }
    }
}

/// What the run needs besides the platform.
pub struct Context<'a> {
    pub read_only: bool,
    pub user: &'a Identity,
    pub audit: &'a AuditLog,
    pub trains_dir: &'a Path,
}

fn platform_name<P: Session>(platform: &P) -> String {
    let info = platform.info();
    format!("{}: {}", info.kind, info.target)
}

pub async fn promote<P: Session>(
    args: &PromoteArgs,
    platform: &mut P,
    cx: &Context<'_>,
) -> Outcome {
    let out = args.write.output;
    if args.resume {
        return resume(args, platform, cx).await;
    }
    let (Some(line), Some(from), Some(to)) = (&args.line, &args.from, &args.to) else {
        return Outcome::fail(
            exit::INVALID,
            "promote needs LINE FROM TO (or --resume)",
            out,
        );
    };
    let snapshot = platform.snapshot();
    let Some(l) = snapshot.line(line) else {
        return Outcome::fail(
            exit::NOT_FOUND,
            format!("there is no product line {line}"),
            out,
        );
    };
    let selection = Selection {
        only: args.only.clone(),
        except: args.except.clone(),
    };
    let train = match plan::promote(
        l,
        from,
        to,
        &selection,
        &platform_name(platform),
        args.gate(),
    ) {
        Ok(t) => t,
        Err(e) => {
            let code = if e.starts_with("there is no") || e.contains("has no service") {
                exit::NOT_FOUND
            } else {
                exit::INVALID
            };
            return Outcome::fail(code, e, out);
        }
    };
    run(train, platform, cx, &args.write).await
}

/// A train planned elsewhere (a lane's promotion or deletion), run the same way.
pub async fn run<P: Session>(
    mut train: Train,
    platform: &mut P,
    cx: &Context<'_>,
    opts: &WriteOpts,
) -> Outcome {
    let out = opts.output;
    let key = train.env_key();
    if train.steps.is_empty() {
        let text = format!("{}: nothing to do (level already)\n", train.title());
        return match out {
            Output::Json => {
                Outcome::ok(json!({"ok": true, "train": train, "nothing_to_do": true}).to_string())
            }
            Output::Text => Outcome::ok(text),
        };
    }
    let dry_runs = match previews(&train, platform).await {
        Ok(d) => d,
        Err((code, msg)) => return Outcome::fail(code, msg, out),
    };
    let plan_text = plan_text(&train, &dry_runs);
    if opts.dry_run {
        return match out {
            Output::Json => Outcome::ok(
                json!({"ok": true, "dry_run": true, "train": train, "changes": dry_runs})
                    .to_string(),
            ),
            Output::Text => Outcome::ok(format!("dry run (nothing changed)\n{plan_text}")),
        };
    }
    if cx.read_only {
        return Outcome::fail(
            exit::REFUSED,
            format!(
                "read-only: {} not started (started with --read-only)",
                train.title()
            ),
            out,
        );
    }
    if !opts.yes {
        let mut o = Outcome::fail(
            exit::REFUSED,
            "not started: add --yes to run the train (or --dry-run to preview)",
            out,
        );
        if out == Output::Text {
            o.stdout = plan_text;
        }
        return o;
    }
    match crate::train_store::read(cx.trains_dir, &key) {
        Ok(Some(saved)) if !saved.state.finished() => {
            return Outcome::fail(
                exit::CONFLICT,
                format!(
                    "{key} has a train already: {} ({}); `wheelhouse promote --resume` picks it up",
                    saved.title(),
                    saved.state.label()
                ),
                out,
            );
        }
        Err(e) => return Outcome::fail(exit::ERROR, e, out),
        _ => {}
    }
    train.id = format!(
        "{}-{}",
        chrono::Utc::now().timestamp_millis(),
        std::process::id()
    );
    train.who = cx.user.who();
    train.why = if opts.why.is_empty() {
        "wheelhouse cli".into()
    } else {
        opts.why.clone()
    };
    let record = TrainRecord::intent(&train, cx.user, "--yes", &dry_runs);
    if let Err(e) = cx.audit.append(&record) {
        return Outcome::fail(
            exit::AUDIT,
            format!("{} not started: {e}", train.title()),
            out,
        );
    }
    progress(&plan_text, out);
    drive(train, record, platform, cx, out).await
}

/// `promote --resume [--rollback]`: the saved train, reconciled with the platform.
async fn resume<P: Session>(args: &PromoteArgs, platform: &mut P, cx: &Context<'_>) -> Outcome {
    let out = args.write.output;
    let here = platform_name(platform);
    let (saved, problems) = crate::train_store::load_all(cx.trains_dir);
    for p in &problems {
        progress(&format!("wheelhouse: warning: {p}\n"), out);
    }
    let mut mine: Vec<Train> = saved
        .into_iter()
        .filter(|t| t.platform == here)
        .filter(|t| match (&args.line, &args.to) {
            (Some(l), Some(to)) => t.line == *l && t.env == *to,
            (Some(l), None) => t.line == *l,
            _ => true,
        })
        .collect();
    let mut train = match mine.len() {
        0 => {
            return Outcome::fail(
                exit::NOT_FOUND,
                format!("no train is saved for {here}"),
                out,
            );
        }
        1 => mine.remove(0),
        _ => {
            let names: Vec<String> = mine.iter().map(|t| t.title()).collect();
            return Outcome::fail(
                exit::INVALID,
                format!(
                    "several trains are saved: {}; name LINE FROM TO",
                    names.join(", ")
                ),
                out,
            );
        }
    };
    if cx.read_only {
        return Outcome::fail(
            exit::REFUSED,
            format!("read-only: {} not resumed", train.title()),
            out,
        );
    }
    if !args.write.yes {
        return Outcome::fail(
            exit::REFUSED,
            format!(
                "{} ({}): add --yes to go on",
                train.title(),
                train.state.label()
            ),
            out,
        );
    }
    match platform.snapshot().environment(&train.env_key()) {
        Some(env) => train.reconcile(env),
        // An environment being made whose first copy never arrived.
        None if matches!(train.kind, crate::domain::train::Kind::EnvCreate { .. }) => {
            train.reconcile_absent()
        }
        None => {
            return Outcome::fail(
                exit::NOT_FOUND,
                format!("{} is not on the platform", train.env_key()),
                out,
            );
        }
    }
    let moved = if args.rollback {
        if train.state != TrainState::Stopped {
            let _ = train.abort(&cx.user.who());
        }
        train.roll_back()
    } else {
        match train.state {
            TrainState::Paused | TrainState::Stopped => train.resume(),
            _ => Ok(()),
        }
    };
    if let Err(e) = moved {
        return Outcome::fail(exit::INVALID, format!("{}: {e}", train.title()), out);
    }
    let confirmation = if args.rollback {
        "--resume --rollback --yes"
    } else {
        "--resume --yes"
    };
    let record = TrainRecord::intent(&train, cx.user, confirmation, &[]);
    if let Err(e) = cx.audit.append(&record) {
        return Outcome::fail(
            exit::AUDIT,
            format!("{} not resumed: {e}", train.title()),
            out,
        );
    }
    progress(
        &format!(
            "{}: picked up ({}, {}/{} steps done)\n",
            train.title(),
            train.state.label(),
            train.progress().0,
            train.progress().1
        ),
        out,
    );
    drive(train, record, platform, cx, out).await
}

/// Each step's dry run, in step order; a step the platform refuses stops here.
async fn previews<P: Session>(
    train: &Train,
    platform: &mut P,
) -> Result<Vec<Vec<FieldChange>>, (i32, String)> {
    let mut all = Vec::new();
    for (i, step) in train.steps.iter().enumerate() {
        let request = request_for(train, i, &step.change, platform, "");
        match platform.preview(&request).await {
            Ok(changes) => all.push(changes),
            Err(e) => {
                return Err((
                    e.exit_code(),
                    format!(
                        "step {} ({}: {}) cannot be applied: {e}",
                        i + 1,
                        request.target,
                        request.change
                    ),
                ));
            }
        }
    }
    Ok(all)
}

fn request_for<P: Session>(
    train: &Train,
    i: usize,
    change: &crate::domain::Change,
    platform: &P,
    why: &str,
) -> ChangeRequest {
    train.request(i, change, &platform.snapshot(), (&train.who, why))
}

/// The plan as text: the gate, the notes, each step with its dry run.
fn plan_text(train: &Train, dry_runs: &[Vec<FieldChange>]) -> String {
    let mut text = format!("{}\n", train.title());
    if train.steps.iter().any(|s| s.settle_on.is_some()) {
        text.push_str(&format!(
            "  gate after each deploy: {}\n",
            train.gate.describe()
        ));
    }
    for n in &train.notes {
        text.push_str(&format!("  note: {n}\n"));
    }
    for (i, (step, changes)) in train.steps.iter().zip(dry_runs).enumerate() {
        text.push_str(&format!(
            "{:>3}. {}/{}/{}: {}{}\n",
            i + 1,
            train.line,
            train.env,
            step.service,
            step.change,
            if step.settle_on.is_some() {
                " (waits for ready, gated)"
            } else {
                ""
            }
        ));
        let w = changes.iter().map(|c| c.field.len()).max().unwrap_or(0);
        for c in changes {
            text.push_str(&format!(
                "       {:<w$}  {} → {}\n",
                c.field, c.before, c.after
            ));
        }
    }
    text
}

/// Progress as it happens, on stdout (text output only; JSON says it all at the end). A
/// reader gone (a closed pipe) does not stop the train.
fn progress(text: &str, out: Output) {
    if out == Output::Text {
        let clean = crate::domain::text::clean_text(text);
        let mut stdout = std::io::stdout().lock();
        let _ = stdout
            .write_all(clean.as_bytes())
            .and_then(|()| stdout.flush());
    }
}

/// Runs the train to its end, or until it stops.
async fn drive<P: Session>(
    mut train: Train,
    record: TrainRecord,
    platform: &mut P,
    cx: &Context<'_>,
    out: Output,
) -> Outcome {
    let key = train.env_key();
    let started = chrono::Utc::now().timestamp();
    let mut clock = started;
    // The traffic of the moments before is the first step's "before".
    observe(&mut train, &key, platform.pass(2.0).await, &mut clock);
    if train.has_seen_traffic() {
        let window = f64::from(train.gate.window);
        observe(&mut train, &key, platform.pass(window).await, &mut clock);
    }
    let mut audit_problem = None;
    loop {
        let before: Vec<StepState> = train.steps.iter().map(|s| s.state).collect();
        let next = train.next(clock, platform.snapshot().environment(&key));
        say_moves(&train, &before, out);
        save(cx, &train, out);
        match next {
            Next::Finished => break,
            Next::Apply { step, change } => {
                let applied = apply(&train, step, &change, platform, cx).await;
                match applied {
                    Ok((text, problem)) => {
                        audit_problem = audit_problem.or(problem);
                        progress(&text, out);
                        train.applied(step, Ok(()));
                    }
                    Err((code, msg)) if code == exit::AUDIT => {
                        train.applied(step, Err(msg.clone()));
                        save(cx, &train, out);
                        return Outcome::fail(code, msg, out);
                    }
                    Err((_, msg)) => train.applied(step, Err(msg)),
                }
            }
            Next::Wait => {
                let in_flight = train.steps.iter().any(|s| {
                    matches!(
                        s.state,
                        StepState::Applying
                            | StepState::Settling
                            | StepState::Undoing
                            | StepState::UndoSettling
                    )
                });
                if matches!(train.state, TrainState::Stopped | TrainState::Paused) && !in_flight {
                    break;
                }
                let frames = platform.pass(1.0).await;
                observe(&mut train, &key, frames, &mut clock);
            }
        }
    }
    let end = record.outcome(&train);
    let end_problem = cx.audit.append(&end).err();
    if train.state.finished()
        && let Err(e) = crate::train_store::remove(cx.trains_dir, &key)
    {
        progress(
            &format!("wheelhouse: warning: the train's file stays: {e}\n"),
            out,
        );
    }
    report(
        &train,
        audit_problem.or(end_problem.map(|e| e.to_string())),
        out,
    )
}

fn observe(
    train: &mut Train,
    key: &EnvKey,
    frames: Vec<(EnvKey, crate::domain::traffic::TrafficFrame)>,
    clock: &mut i64,
) {
    for (k, f) in frames {
        if k == *key {
            *clock += 1;
            train.observe(*clock, f);
        }
    }
    // A second passes even without traffic (the clock is the train's).
    *clock = (*clock).max(train.now + 1);
}

fn save(cx: &Context<'_>, train: &Train, out: Output) {
    if let Err(e) = crate::train_store::write(cx.trains_dir, train) {
        progress(
            &format!("wheelhouse: warning: the train's state is not saved: {e}\n"),
            out,
        );
    }
}

/// Says the steps that moved since `before`.
fn say_moves(train: &Train, before: &[StepState], out: Output) {
    for (i, (s, was)) in train.steps.iter().zip(before).enumerate() {
        if s.state == *was || matches!(s.state, StepState::Applying | StepState::Undoing) {
            continue;
        }
        let mark = match s.state {
            StepState::Done => "✓",
            StepState::Failed | StepState::UndoFailed => "✗",
            StepState::Undone => "↺",
            _ => "…",
        };
        let text = format!(
            "{mark} step {}/{} {}/{}/{} {}: {} {}\n",
            i + 1,
            train.steps.len(),
            train.line,
            train.env,
            s.service,
            s.change,
            label(s.state),
            s.note
        );
        progress(&text, out);
    }
}

fn label(s: StepState) -> &'static str {
    match s {
        StepState::Pending => "pending",
        StepState::Applying => "sent",
        StepState::Settling => "applied, waiting for ready",
        StepState::Done => "done",
        StepState::Failed => "failed",
        StepState::Undoing => "undo sent",
        StepState::UndoSettling => "undone, waiting for ready",
        StepState::Undone => "undone",
        StepState::UndoFailed => "undo failed",
    }
}

/// Sends one step's change with its two audit records.
async fn apply<P: Session>(
    train: &Train,
    step: usize,
    change: &crate::domain::Change,
    platform: &mut P,
    cx: &Context<'_>,
) -> Result<(String, Option<String>), (i32, String)> {
    let request = request_for(train, step, change, platform, &train.why);
    let confirmation = train.step_confirmation(step);
    let intent = AuditRecord::intent(0, cx.user, &train.platform, &request, &confirmation, &[]);
    if let Err(e) = cx.audit.append(&intent) {
        return Err((
            exit::AUDIT,
            format!("{}: {} not applied: {e}", request.target, request.change),
        ));
    }
    let result = platform.apply(&request).await;
    let record = intent.outcome(
        result
            .as_ref()
            .map(|a| a.changes.as_slice())
            .map_err(crate::platform::PlatformError::to_string),
    );
    let problem = cx.audit.append(&record).err().map(|e| e.to_string());
    match result {
        Ok(applied) => {
            let w = applied
                .changes
                .iter()
                .map(|c| c.field.len())
                .max()
                .unwrap_or(0);
            let mut text = format!("{}: {}\n", request.target, request.change);
            for c in &applied.changes {
                text.push_str(&format!("  {:<w$}  {} → {}\n", c.field, c.before, c.after));
            }
            Ok((text, problem))
        }
        Err(e) => Err((
            e.exit_code(),
            format!("{}: {}: {e}", request.target, request.change),
        )),
    }
}

/// How the train ended: 0 done (or rolled back as asked), 1 stopped.
fn report(train: &Train, audit_problem: Option<String>, out: Output) -> Outcome {
    let ok =
        train.state.finished() && !train.steps.iter().any(|s| s.state == StepState::UndoFailed);
    let code = if ok { exit::OK } else { exit::ERROR };
    let summary = match &train.why_stopped {
        Some(why) if !ok => format!(
            "{} stopped: {why}\n  `wheelhouse promote --resume --yes` tries the failed step again; `--resume --rollback --yes` rolls the done steps back\n",
            train.title()
        ),
        _ if train.state == TrainState::RolledBack => {
            let undone = train
                .steps
                .iter()
                .filter(|s| s.state == StepState::Undone)
                .count();
            let failed = train
                .steps
                .iter()
                .filter(|s| s.state == StepState::UndoFailed)
                .count();
            let more = if failed > 0 {
                format!(", {failed} could not be undone")
            } else {
                String::new()
            };
            format!(
                "{}: rolled back ({undone} steps undone{more})\n",
                train.title()
            )
        }
        _ => format!(
            "{}: {} ({}/{} steps)\n",
            train.title(),
            train.state.label(),
            train.progress().0,
            train.progress().1
        ),
    };
    let mut stderr = String::new();
    if let Some(p) = audit_problem {
        stderr.push_str(&format!(
            "wheelhouse: warning: not everything is in the audit log: {p}\n"
        ));
    }
    if !ok {
        stderr.push_str(&format!("wheelhouse: {summary}"));
    }
    let stdout = match out {
        Output::Json => json!({"ok": ok, "train": train}).to_string(),
        // The lines went out as they happened.
        Output::Text => summary,
    };
    Outcome {
        code,
        stdout,
        stderr: stderr.trim_end().to_string(),
    }
}
