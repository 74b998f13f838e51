//! Platform errors, worded for the person at the keyboard.

use serde::Serialize;
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "error", rename_all = "kebab-case")]
pub enum PlatformError {
    /// The object changed since the operator looked at it.
    Conflict {
        target: String,
    },
    NotFound {
        what: String,
    },
    /// The platform refused the change as invalid.
    Invalid {
        reason: String,
    },
    /// Writes are disabled (--read-only).
    ReadOnly,
    Forbidden {
        verb: String,
        resource: String,
        namespace: String,
        /// What the platform said (RBAC or an admission policy), if anything.
        detail: String,
    },
    Timeout {
        verb: String,
        resource: String,
        namespace: String,
    },
    Unavailable {
        reason: String,
    },
    /// A change of several requests stopped part-way: `done` went through.
    Partial {
        done: Vec<String>,
        failed: Box<PlatformError>,
    },
}

impl PlatformError {
    /// Process exit code for the CLI.
    pub fn exit_code(&self) -> i32 {
        match self {
            PlatformError::Invalid { .. } => 2,
            PlatformError::ReadOnly | PlatformError::Forbidden { .. } => 3,
            PlatformError::NotFound { .. } => 4,
            PlatformError::Conflict { .. } => 5,
            PlatformError::Timeout { .. } | PlatformError::Unavailable { .. } => 6,
            PlatformError::Partial { failed, .. } => failed.exit_code(),
        }
    }
}

impl fmt::Display for PlatformError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PlatformError::Conflict { target } => write!(
                f,
                "{target} was changed by someone else since you looked; review it and try again"
            ),
            PlatformError::NotFound { what } => write!(f, "{what} not found"),
            PlatformError::Invalid { reason } => write!(f, "{reason}"),
            PlatformError::ReadOnly => write!(f, "read-only mode: writes are disabled"),
            PlatformError::Forbidden {
                verb,
                resource,
                namespace,
                detail,
            } => {
                write!(
                    f,
                    "forbidden: cannot {verb} {resource} in namespace {namespace}"
                )?;
                if !detail.is_empty() {
                    write!(f, " ({detail})")?;
                }
                Ok(())
            }
            PlatformError::Timeout {
                verb,
                resource,
                namespace,
            } => {
                write!(f, "timed out: {verb} {resource}")?;
                if !namespace.is_empty() {
                    write!(f, " in namespace {namespace}")?;
                }
                Ok(())
            }
            PlatformError::Unavailable { reason } => write!(f, "platform unavailable: {reason}"),
            PlatformError::Partial { done, failed } => write!(
                f,
                "{failed}; stopped part-way, already done: {}",
                done.join(", ")
            ),
        }
    }
}

impl std::error::Error for PlatformError {}
