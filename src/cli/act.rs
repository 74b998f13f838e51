//! Write subcommands (deploy, shift, scale, rollback): dry run, confirmation by --yes,
//! the write, the audit line, and an exit code that says what happened.

use super::output::{Outcome, exit};
use super::write::WriteCommand;
use super::{Output, WriteOpts};
use crate::app::derived::{CANARY_STEPS, next_step};
use crate::app::{AuditRecord, Identity};
use crate::audit::AuditLog;
use crate::domain::ServiceKey;
use crate::domain::capacity::{Thresholds, assess};
use crate::domain::change::{Change, ChangeRequest, FieldChange};
use crate::domain::operation::{Input, Value};
use crate::platform::PlatformError;
use crate::platform::session::Session;
use serde_json::json;

/// Exit code for a request the CLI itself refuses (bad arguments).
pub const EXIT_INVALID: i32 = exit::INVALID;
pub const EXIT_REFUSED: i32 = exit::REFUSED;

fn fail(code: i32, msg: String, output: Output) -> Outcome {
    Outcome::fail(code, msg, output)
}

/// Seconds of simulated traffic observed before recommending replicas on the demo platform.
const OBSERVE_SECONDS: f64 = 15.0;

/// The change a write subcommand asks for; computed values (a weight step, the recommended
/// replicas) are worked out here from what the platform shows.
async fn change_of<P: Session>(
    cmd: &WriteCommand,
    platform: &mut P,
    key: &ServiceKey,
) -> Result<Change, (i32, String)> {
    let service = platform
        .snapshot()
        .service(key)
        .cloned()
        .ok_or((exit::NOT_FOUND, format!("service {key} not found")))?;
    let value = match cmd.op.spec().input {
        Input::Step { up } => {
            let weight = service.traffic.canary_weight;
            let next = next_step(weight, up).ok_or((
                EXIT_INVALID,
                format!("canary weight {weight} is at the end of the steps {CANARY_STEPS:?}"),
            ))?;
            Value::Number(u32::from(next))
        }
        Input::Recommended => Value::Number(recommended(platform, key, &service).await?),
        _ => cmd.value.clone(),
    };
    cmd.op.change(value).map_err(|e| (EXIT_INVALID, e))
}

/// The replicas recommended from the load observed for a while.
async fn recommended<P: Session>(
    platform: &mut P,
    key: &ServiceKey,
    service: &crate::domain::Service,
) -> Result<u32, (i32, String)> {
    let frames = platform.pass(OBSERVE_SECONDS).await;
    let n = frames.iter().filter(|(k, _)| *k == key.env_key()).count();
    if n == 0 || service.capacity_rps <= 0.0 {
        return Err((
            EXIT_INVALID,
            format!(
                "{key}: no traffic seen in {OBSERVE_SECONDS} s or no per-replica capacity known: nothing to recommend"
            ),
        ));
    }
    let observed: f64 = frames
        .iter()
        .filter(|(k, _)| *k == key.env_key())
        .map(|(_, f)| f.inbound_rps(&key.service))
        .sum::<f64>()
        / n as f64;
    let ready = service.replicas.ready + service.canary.as_ref().map_or(0, |c| c.replicas.ready);
    Ok(assess(
        observed,
        ready,
        service.capacity_rps,
        &Thresholds::default(),
    )
    .recommended_replicas)
}

fn table(changes: &[FieldChange]) -> String {
    let w = changes.iter().map(|c| c.field.len()).max().unwrap_or(0);
    changes
        .iter()
        .map(|c| format!("  {:<w$}  {} → {}\n", c.field, c.before, c.after))
        .collect()
}

/// Runs a write subcommand against a platform: decide the request, show the dry run
/// (and stop there unless `--yes`), apply it with its audit records, report.
pub async fn run<P: Session>(
    cmd: &WriteCommand,
    platform: &mut P,
    read_only: bool,
    user: &Identity,
    audit: &AuditLog,
) -> Outcome {
    let opts = &cmd.write;
    let out = opts.output;
    let request = match decide(cmd, platform, user).await {
        Ok(r) => r,
        Err((code, msg)) => return fail(code, msg, out),
    };
    let (key, change) = (&request.target, &request.change);
    let preview = match platform.preview(&request).await {
        Ok(p) => p,
        Err(e) => return fail(e.exit_code(), format!("{key}: {change}: {e}"), out),
    };
    let info = platform.info();
    let preview_text = format!(
        "{key}: {change} on {}: {}\n{}",
        info.kind,
        info.target,
        table(&preview)
    );
    if let Some(stop) = before_applying(&request, &preview, &preview_text, opts, read_only) {
        return stop;
    }
    let platform_name = format!("{}: {}", info.kind, info.target);
    let intent = AuditRecord::intent(1, user, &platform_name, &request, "--yes", &preview);
    let (applied, audit_problem) = match apply_audited(platform, audit, &request, intent).await {
        Ok(done) => done,
        Err((code, msg)) => return fail(code, msg, out),
    };
    let progress = if opts.wait {
        wait_for_rollout(platform, key).await
    } else {
        String::new()
    };
    let done = Done {
        request: &request,
        applied,
        audit_problem,
        progress,
        preview_text,
    };
    report(platform, opts, done)
}

/// The request a write subcommand makes, checked: its target, its change (computed values
/// worked out), the capability it needs, the revision it is decided on.
async fn decide<P: Session>(
    cmd: &WriteCommand,
    platform: &mut P,
    user: &Identity,
) -> Result<ChangeRequest, (i32, String)> {
    let target = cmd.target.as_str();
    let key = ServiceKey::parse(target).ok_or_else(|| {
        (
            EXIT_INVALID,
            format!("target {target:?} is not LINE/ENV/SERVICE"),
        )
    })?;
    let change = change_of(cmd, platform, &key).await?;
    if let Some(capability) = change.spec().needs
        && let Some(Err(e)) = platform
            .snapshot()
            .environment(&key.env_key())
            .map(|e| e.location.require(capability))
    {
        return Err((EXIT_INVALID, format!("{key}: {e}")));
    }
    let service = platform
        .snapshot()
        .service(&key)
        .cloned()
        .ok_or((exit::NOT_FOUND, format!("service {key} not found")))?;
    Ok(request_for(&key, &change, &service, &cmd.write, user))
}

/// Where a write stops before it is applied: a dry run, read-only, or `--yes` missing.
fn before_applying(
    request: &ChangeRequest,
    preview: &[FieldChange],
    preview_text: &str,
    opts: &WriteOpts,
    read_only: bool,
) -> Option<Outcome> {
    let out = opts.output;
    if opts.dry_run {
        let stdout = match out {
            Output::Json => json!({ "ok": true, "dry_run": true, "target": request.target, "change": request.change, "changes": preview }).to_string(),
            Output::Text => format!("dry run (nothing changed)\n{preview_text}"),
        };
        return Some(Outcome {
            code: 0,
            stdout,
            stderr: String::new(),
        });
    }
    if read_only {
        return Some(fail(
            EXIT_REFUSED,
            format!(
                "read-only: {} not applied (started with --read-only)",
                request.change.verb()
            ),
            out,
        ));
    }
    if !opts.yes {
        let mut o = fail(
            EXIT_REFUSED,
            "not applied: add --yes to apply (or --dry-run to preview)".into(),
            out,
        );
        if out == Output::Text {
            o.stdout = preview_text.to_string();
        }
        return Some(o);
    }
    None
}

/// A write that was applied, and what was seen of it.
struct Done<'a> {
    request: &'a ChangeRequest,
    applied: crate::platform::Applied,
    audit_problem: Option<crate::audit::AuditError>,
    progress: String,
    preview_text: String,
}

/// The outcome of an applied write: what it changed, where the service is now, and (with
/// `--wait`) an error when the rollout failed or did not finish.
fn report<P: Session>(platform: &mut P, opts: &WriteOpts, done: Done) -> Outcome {
    let (out, key, change) = (opts.output, &done.request.target, &done.request.change);
    let after = platform.snapshot().service(key).cloned();
    let mut stderr = String::new();
    if let Some(p) = done.audit_problem {
        stderr = format!("wheelhouse: warning: the result is not in the audit log: {p}");
    }
    // --wait promises a finished rollout: say so when it failed or is still going.
    let wait_error = after
        .as_ref()
        .filter(|_| opts.wait)
        .and_then(unfinished)
        .map(|why| format!("{key}: {why}"));
    let code = if wait_error.is_some() {
        exit::ERROR
    } else {
        exit::OK
    };
    if let Some(e) = &wait_error {
        stderr = [stderr, format!("wheelhouse: {e}")]
            .join("\n")
            .trim()
            .to_string();
    }
    let stdout = match out {
        Output::Json => json!({
            "ok": code == 0,
            "error": wait_error,
            "exit_code": code,
            "applied": true,
            "target": key,
            "change": change,
            "changes": done.applied.changes,
            "revision": after.as_ref().map(|s| s.revision.clone()).unwrap_or(done.applied.revision),
            "service": after,
            "note": platform.note(),
        })
        .to_string(),
        Output::Text => {
            let state = after.as_ref().map(now_running).unwrap_or_default();
            let note = platform
                .note()
                .map(|n| format!("({n})\n"))
                .unwrap_or_default();
            format!(
                "applied\n{}{}{key}: {state}\n{note}",
                done.preview_text, done.progress
            )
        }
    };
    Outcome {
        code,
        stdout,
        stderr,
    }
}

/// The write with its audit records: the intent on disk before anything is sent (else
/// exit 7, nothing sent), then the result. A result record that cannot be written is
/// returned beside the applied write (a warning: the write happened).
async fn apply_audited<P: Session>(
    platform: &mut P,
    audit: &AuditLog,
    request: &ChangeRequest,
    intent: AuditRecord,
) -> Result<(crate::platform::Applied, Option<crate::audit::AuditError>), (i32, String)> {
    let (key, change) = (&request.target, &request.change);
    if let Err(e) = audit.append(&intent) {
        return Err((exit::AUDIT, format!("{key}: {change} not applied: {e}")));
    }
    let result = platform.apply(request).await;
    let record = intent.outcome(
        result
            .as_ref()
            .map(|a| a.changes.as_slice())
            .map_err(PlatformError::to_string),
    );
    let audit_problem = audit.append(&record).err();
    match result {
        Ok(applied) => Ok((applied, audit_problem)),
        Err(e) => {
            let mut msg = format!("{key}: {change}: {e}");
            if let Some(p) = audit_problem {
                msg.push_str(&format!(" (and the result is not in the audit log: {p})"));
            }
            Err((e.exit_code(), msg))
        }
    }
}

/// The request a write subcommand makes: decided on `--if-revision` or the revision seen.
fn request_for(
    key: &ServiceKey,
    change: &Change,
    service: &crate::domain::Service,
    opts: &WriteOpts,
    user: &Identity,
) -> ChangeRequest {
    ChangeRequest {
        target: key.clone(),
        change: change.clone(),
        expected_revision: opts
            .if_revision
            .clone()
            .unwrap_or_else(|| service.revision.clone()),
        who: user.who(),
        why: if opts.why.is_empty() {
            "wheelhouse cli".into()
        } else {
            opts.why.clone()
        },
    }
}

/// Passes time until the service's rollout is done (at most ten minutes); the progress seen.
async fn wait_for_rollout<P: Session>(platform: &mut P, key: &ServiceKey) -> String {
    let mut progress = String::new();
    for _ in 0..600 {
        match platform.snapshot().service(key).cloned() {
            Some(s) if s.rollout.is_some() || s.replicas.ready != s.replicas.desired => {
                if let Some(r) = &s.rollout {
                    progress.push_str(&format!(
                        "  rollout {} {}/{}\n",
                        r.to_version, r.updated, r.total
                    ));
                }
                platform.pass(1.0).await;
            }
            _ => break,
        }
    }
    progress
}

/// Why a waited-for rollout is not a success: failed, or not finished.
fn unfinished(s: &crate::domain::Service) -> Option<String> {
    let failed = s
        .releases
        .last()
        .is_some_and(|r| r.state == crate::domain::ReleaseState::Failed);
    if failed {
        return Some("the rollout failed (progress deadline exceeded)".into());
    }
    (s.rollout.is_some() || s.replicas.ready != s.replicas.desired).then(|| {
        format!(
            "not finished after waiting: {}/{} ready",
            s.replicas.ready, s.replicas.desired
        )
    })
}

/// "now 1.2.0 3/3 ready, rolling out …" for the text output.
fn now_running(s: &crate::domain::Service) -> String {
    format!(
        "now {} {}/{} ready{}",
        s.version,
        s.replicas.ready,
        s.replicas.desired,
        s.rollout
            .as_ref()
            .map(|r| format!(", rolling out {} {}/{}", r.to_version, r.updated, r.total))
            .unwrap_or_default()
    )
}
