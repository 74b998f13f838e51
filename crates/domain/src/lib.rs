//! The delivery model and its pure logic. No I/O here.

pub mod capacity;
pub mod change;
pub mod config_diff;
pub mod drift;
pub mod events;
pub mod fuzzy;
pub mod image;
pub mod lane;
pub mod logs;
pub mod model;
pub mod operation;
pub mod order;
pub mod pods;
pub mod rng;
pub mod secret;
pub mod text;
pub mod topology;
pub mod traffic;
pub mod train;
pub mod verdict;
pub mod workload;

pub use change::Change;
pub use model::*;
