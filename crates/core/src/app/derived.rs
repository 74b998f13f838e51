//! Figures derived from the state, shared by `update` and the views.

use super::state::State;
use crate::domain::capacity::{Capacity, assess};
use crate::domain::{ServiceKey, Tier};

/// Seconds averaged for the current load (smooths one-second noise).
pub const LOAD_WINDOW: usize = 10;

/// Observed load and capacity of a service, when traffic has been seen for it.
pub fn capacity(state: &State, key: &ServiceKey) -> Option<Capacity> {
    capacity_of(state, key, state.snapshot.service(key)?)
}

/// [`capacity`] of a service already at hand (no lookup in the snapshot).
pub fn capacity_of(
    state: &State,
    key: &ServiceKey,
    service: &crate::domain::Service,
) -> Option<Capacity> {
    capacity_in(
        state.traffic.get(&key.env_key())?,
        service,
        &state.thresholds,
    )
}

/// [`capacity`] from the traffic of the service's environment.
pub fn capacity_in(
    traffic: &super::state::EnvTraffic,
    service: &crate::domain::Service,
    thresholds: &crate::domain::capacity::Thresholds,
) -> Option<Capacity> {
    let series = traffic.inbound.get(&service.name)?;
    if series.is_empty() {
        return None;
    }
    let ready = service.replicas.ready + service.canary.as_ref().map_or(0, |c| c.replicas.ready);
    // Lane versions serve their calls on replicas of their own.
    let lanes = traffic
        .lane_inbound
        .get(&service.name)
        .map_or(0.0, |l| l.recent_mean(LOAD_WINDOW));
    Some(assess(
        (series.recent_mean(LOAD_WINDOW) - lanes).max(0.0),
        ready,
        service.capacity_rps,
        thresholds,
    ))
}

pub fn is_production(state: &State, key: &ServiceKey) -> bool {
    state
        .snapshot
        .environment(&key.env_key())
        .is_some_and(|e| e.tier == Tier::Production)
}

/// Canary weight steps used by step up / step down.
pub const CANARY_STEPS: [u8; 8] = [0, 5, 10, 20, 30, 50, 75, 100];

pub fn next_step(current: u8, up: bool) -> Option<u8> {
    if up {
        CANARY_STEPS.iter().copied().find(|s| *s > current)
    } else {
        CANARY_STEPS.iter().rev().copied().find(|s| *s < current)
    }
}
