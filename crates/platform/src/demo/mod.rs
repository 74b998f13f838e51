//! The embedded demo platform: a seeded in-process simulation of product lines,
//! environments and traffic, driven by a scenario file from demo/.

pub mod logs;
pub mod scenario;
pub mod sim;
pub mod worker;

use super::{Applied, PlatformError, PlatformInfo};
use crate::domain::change::{Change, ChangeRequest, FieldChange, plan};
use crate::domain::traffic::TrafficFrame;
use crate::domain::{EnvKey, Snapshot};
use scenario::{Scenario, ScenarioError};
use sim::Simulation;

/// A demo platform you can drive synchronously (tests, the CLI) or through its worker.
#[derive(Debug, Clone)]
pub struct DemoPlatform {
    name: String,
    sim: Simulation,
    writes: u64,
}

impl DemoPlatform {
    pub fn new(scenario: &Scenario, epoch: i64) -> Self {
        DemoPlatform {
            name: scenario.scenario.name.clone(),
            sim: Simulation::new(scenario, epoch),
            writes: 0,
        }
    }

    /// Loads a scenario file's text (`file` names it in errors).
    pub fn from_source(file: &str, source: &str, epoch: i64) -> Result<Self, ScenarioError> {
        Ok(DemoPlatform::new(&scenario::parse(file, source)?, epoch))
    }

    /// The shipped default scenario.
    pub fn default_scenario(epoch: i64) -> Result<Self, ScenarioError> {
        Self::from_source(
            scenario::DEFAULT_SCENARIO_NAME,
            scenario::DEFAULT_SCENARIO,
            epoch,
        )
    }

    pub fn info(&self) -> PlatformInfo {
        PlatformInfo {
            kind: "demo".into(),
            target: format!("scenario {}", self.name),
        }
    }

    pub fn snapshot(&self) -> Snapshot {
        self.sim.snapshot()
    }

    /// Number of writes applied (tests use it to prove read-only sends none).
    pub fn writes(&self) -> u64 {
        self.writes
    }

    pub fn now_unix(&self) -> i64 {
        self.sim.now_unix()
    }

    pub fn advance(&mut self, seconds: f64) -> Vec<(EnvKey, TrafficFrame)> {
        self.sim.advance(seconds)
    }

    /// Call records generated so far (they feed the traffic frames).
    pub fn records(&self) -> u64 {
        self.sim.records
    }

    /// The dry run: what the change would do, checked as the write would be.
    pub fn preview(&self, request: &ChangeRequest) -> Result<Vec<FieldChange>, PlatformError> {
        let snapshot = self.sim.snapshot();
        let service = snapshot
            .service(&request.target)
            .ok_or_else(|| PlatformError::NotFound {
                what: format!("service {}", request.target),
            })?;
        if let Some(version) = crate::domain::change::unknown_version(service, &request.change) {
            return Err(PlatformError::NotFound {
                what: format!("image {}:{version}", service.name),
            });
        }
        if !request.expected_revision.is_empty() && request.expected_revision != service.revision {
            return Err(PlatformError::Conflict {
                target: request.target.to_string(),
            });
        }
        crate::domain::change::copy_destination(&snapshot, &request.target, &request.change)
            .map_err(|e| PlatformError::Invalid { reason: e.0 })?;
        let planned = match snapshot.environment(&request.target.env_key()) {
            Some(env) => crate::domain::change::plan_in(env, service, &request.change),
            None => plan(service, &request.change),
        };
        planned.map_err(|e| PlatformError::Invalid { reason: e.0 })
    }

    pub fn apply(&mut self, request: &ChangeRequest) -> Result<Applied, PlatformError> {
        let changes = self.preview(request)?;
        let now = self.sim.now_unix();
        match &request.change {
            Change::CopyTo {
                env,
                version,
                config,
            } => {
                let revision = self
                    .sim
                    .copy_service(&request.target, (env, version, config), &request.who, now)
                    .unwrap_or_default();
                self.writes += 1;
                return Ok(Applied {
                    request: request.clone(),
                    changes,
                    revision,
                });
            }
            Change::RemoveService => {
                self.sim.remove_service(&request.target);
                self.writes += 1;
                return Ok(Applied {
                    request: request.clone(),
                    changes,
                    revision: String::new(),
                });
            }
            _ => {}
        }
        if request.change.spec().needs == Some(crate::domain::Capability::Lanes) {
            self.sim
                .apply_lane(&request.target, &request.change, &request.who, now);
            self.writes += 1;
            let revision = self
                .sim
                .service_mut(&request.target)
                .map(|s| s.svc.revision.clone())
                .unwrap_or_default();
            return Ok(Applied {
                request: request.clone(),
                changes,
                revision,
            });
        }
        let service =
            self.sim
                .service_mut(&request.target)
                .ok_or_else(|| PlatformError::NotFound {
                    what: format!("service {}", request.target),
                })?;
        service.apply(&request.change, &request.who, &request.why, now);
        self.writes += 1;
        Ok(Applied {
            request: request.clone(),
            changes,
            revision: service.svc.revision.clone(),
        })
    }
}
