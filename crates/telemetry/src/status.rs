//! What a call-record source tells the cockpit about itself once a second (declared in the
//! platform interface, which the UI reads).

pub use wheelhouse_core::interface::SourceStatus;
