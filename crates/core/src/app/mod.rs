//! The application core: state, events, actions and `update`. No terminal, no I/O.

pub mod action;
pub mod attention;
pub mod audit;
pub mod derived;
pub mod event;
pub mod help;
pub mod logs;
pub mod navigation;
pub mod operations;
pub mod palette;
pub mod state;
pub mod text_input;
pub mod trains;
pub mod update;

pub use action::{Action, Op};
pub use audit::{AuditRecord, Identity, TrainRecord};
pub use event::{Command, Event};
pub use state::{Level, Mode, State, View};
pub use update::update;
