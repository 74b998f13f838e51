//! wheelhouse: a terminal operations cockpit for container delivery.

pub mod domain;
