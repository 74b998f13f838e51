//! Placeholder: layered layout of the call graph (being written).
