//! wheelhouse: a terminal operations cockpit for container delivery.
//!
//! `domain` is the model, `platform` the systems it runs on, `app` the state and `update`,
//! `ui` the pure rendering, `config` files and keymaps, `cli` the command line.

pub mod app;
pub mod audit;
pub mod cli;
pub mod config;
pub mod domain;
pub mod logging;
pub mod platform;
pub mod runtime;
pub mod startup;
pub mod telemetry;
pub mod terminal;
pub mod ui;
