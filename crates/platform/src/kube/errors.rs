//! Kubernetes API errors worded for the operator: verb, resource and namespace named.

use crate::PlatformError;
use kube::runtime::watcher;

/// What a write was trying to do, for the error message.
#[derive(Debug, Clone)]
pub struct Attempt {
    pub verb: &'static str,
    pub resource: String,
    pub namespace: String,
    /// What the operator would call the object (`trade/gray/order`).
    pub target: String,
}

impl Attempt {
    pub fn timeout(&self) -> PlatformError {
        PlatformError::Timeout {
            verb: self.verb.into(),
            resource: self.resource.clone(),
            namespace: self.namespace.clone(),
        }
    }
}

/// Maps a client error to the platform's words.
pub fn classify(e: &kube::Error, at: &Attempt) -> PlatformError {
    match e {
        kube::Error::Api(status) => {
            let mut s = status.as_ref().clone();
            s.message = scrub(&s.message);
            classify_api(&s, at)
        }
        other => PlatformError::Unavailable {
            reason: format!(
                "{} {} in namespace {}: {}",
                at.verb,
                at.resource,
                at.namespace,
                short(&scrub(&other.to_string()))
            ),
        },
    }
}

/// An API status, its message already scrubbed.
fn classify_api(s: &kube::core::Status, at: &Attempt) -> PlatformError {
    {
        match s.code {
            409 if s.reason == "Conflict" || s.message.contains("modified") => {
                PlatformError::Conflict {
                    target: at.target.clone(),
                }
            }
            409 => PlatformError::Invalid {
                reason: format!("{} {}: {}", at.verb, at.resource, s.message),
            },
            403 => PlatformError::Forbidden {
                verb: at.verb.into(),
                resource: at.resource.clone(),
                namespace: at.namespace.clone(),
                // RBAC's own words repeat the above; an admission policy's say why.
                detail: if s.message.contains("cannot ") && s.message.contains("User ") {
                    String::new()
                } else {
                    short(&s.message)
                },
            },
            404 => PlatformError::NotFound {
                what: format!("{} in namespace {}", at.resource, at.namespace),
            },
            401 => PlatformError::Unavailable {
                reason: format!(
                    "unauthorized: the credentials of this context were refused ({})",
                    s.message
                ),
            },
            408 | 504 => at.timeout(),
            // A JSON patch whose resourceVersion test failed: changed since.
            422 if s.message.contains("testing value") || s.message.contains("test operation") => {
                PlatformError::Conflict {
                    target: at.target.clone(),
                }
            }
            400 | 422 => PlatformError::Invalid {
                reason: format!("{} {} refused: {}", at.verb, at.resource, s.message),
            },
            _ => PlatformError::Unavailable {
                reason: format!(
                    "{} {} in {}: {} ({})",
                    at.verb, at.resource, at.namespace, s.message, s.code
                ),
            },
        }
    }
}

/// One line for a failing watch (the status line shows it).
pub fn describe_watch(e: &watcher::Error) -> String {
    match e {
        watcher::Error::InitialListFailed(k) | watcher::Error::WatchStartFailed(k) => {
            if let kube::Error::Api(s) = k {
                match s.code {
                    403 => format!("forbidden to list/watch ({})", scrub(&s.message)),
                    _ => format!("{} ({})", scrub(&s.message), s.code),
                }
            } else {
                short(&k.to_string())
            }
        }
        other => short(&other.to_string()),
    }
}

/// Error chains from the HTTP stack can be long; the first clause says enough.
/// API messages quote rejected values (`…env[0].value: Invalid value: "s3cret": …`),
/// which may be secrets from a pod template: every quoted value after `value: ` is masked
/// before the message can reach a screen, an error or the audit log.
pub fn scrub(text: &str) -> String {
    const AT: &str = "value: \"";
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(AT) {
        out.push_str(&rest[..i + AT.len()]);
        let quoted = &rest[i + AT.len()..];
        let mut escaped = false;
        let end = quoted.char_indices().find(|&(_, c)| {
            let close = c == '"' && !escaped;
            escaped = c == '\\' && !escaped;
            close
        });
        out.push_str(crate::domain::secret::MASK);
        out.push('"');
        rest = end.map_or("", |(j, _)| &quoted[j + 1..]);
    }
    out.push_str(rest);
    out
}

fn short(text: &str) -> String {
    let t = text.trim();
    if t.contains("Connection refused") || t.contains("connection refused") {
        return "connection refused by the API server".into();
    }
    if t.len() > 160 {
        format!(
            "{}…",
            &t[..t.char_indices().nth(159).map_or(t.len(), |(i, _)| i)]
        )
    } else {
        t.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(code: u16, reason: &str, message: &str) -> kube::Error {
        kube::Error::Api(Box::new(kube::core::Status {
            code,
            reason: reason.into(),
            message: message.into(),
            ..kube::core::Status::default()
        }))
    }

    fn attempt() -> Attempt {
        Attempt {
            verb: "patch",
            resource: "deployments/order/scale".into(),
            namespace: "trade-dev".into(),
            target: "trade/dev/order".into(),
        }
    }

    #[test]
    fn values_the_api_quotes_are_masked() {
        let msg = r#"Deployment.apps "order" is invalid: spec.template.spec.containers[0].env[1].value: Invalid value: "postgres://app:s3cr\"et@db/x": must be no more than 63 characters, spec.x: Unsupported value: "hunter2": supported values: "a""#;
        let e = classify(&api(422, "Invalid", msg), &attempt()).to_string();
        assert!(!e.contains("s3cr") && !e.contains("hunter2"), "{e}");
        assert!(e.contains("Invalid value: \"••••••\""), "{e}");
        assert!(e.contains("must be no more than 63 characters"), "{e}");
    }

    #[test]
    fn api_errors_name_verb_resource_and_namespace() {
        let rbac = "deployments.apps \"order\" is forbidden: User \"wh-viewer\" cannot patch resource \"deployments/scale\"";
        let forbidden = classify(&api(403, "Forbidden", rbac), &attempt()).to_string();
        assert_eq!(
            forbidden,
            "forbidden: cannot patch deployments/order/scale in namespace trade-dev"
        );
        let policy = classify(
            &api(
                403,
                "Forbidden",
                "admission webhook denied: replicas above 50 need a ticket",
            ),
            &attempt(),
        )
        .to_string();
        assert!(
            policy.ends_with("(admission webhook denied: replicas above 50 need a ticket)"),
            "{policy}"
        );
        let conflict = classify(
            &api(409, "Conflict", "the object has been modified"),
            &attempt(),
        );
        assert!(matches!(conflict, PlatformError::Conflict { .. }));
        assert!(conflict.to_string().contains("changed by someone else"));
        let missing = classify(&api(404, "NotFound", "gone"), &attempt()).to_string();
        assert!(missing.contains("deployments/order/scale in namespace trade-dev"));
        let slow = classify(&api(504, "Timeout", "slow"), &attempt()).to_string();
        assert_eq!(
            slow,
            "timed out: patch deployments/order/scale in namespace trade-dev"
        );
        let invalid = classify(&api(422, "Invalid", "spec.replicas: bad"), &attempt());
        assert_eq!(invalid.exit_code(), 2);
    }

    #[test]
    fn connection_errors_are_short() {
        assert_eq!(
            short("error trying to connect: tcp connect error: Connection refused (os error 111)"),
            "connection refused by the API server"
        );
        assert!(short(&"x".repeat(500)).chars().count() <= 161);
    }
}
