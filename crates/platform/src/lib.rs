//! Platforms: where services run. Each platform runs as a worker task that owns its
//! connection, sends [`PlatformEvent`]s to the app and takes [`PlatformRequest`]s.
//! The demo platform is embedded; kube and docker platforms plug in the same way.

pub mod contract;
pub mod demo;
pub mod docker;
pub mod environments;
pub mod handle;
pub mod kube;
pub mod log_batch;
pub mod mixed;
pub mod session;
pub(crate) mod worker;

pub use handle::PlatformHandle;
pub use wheelhouse_core::interface::*;

use wheelhouse_core::{config, domain};
use wheelhouse_telemetry as telemetry;
