//! Lanes: in an environment of the line, of services that run there, at versions the
//! service lists; an environment's lanes must be able to coexist.

use super::{LineCtx, count, name, number};
use crate::demo::scenario::limits::{self, MAX_LANES_PER_LINE};
use crate::demo::scenario::locate::{Locator, Path};
use crate::demo::scenario::text::LABEL;
use crate::demo::scenario::{LaneSpec, Problem};
use crate::domain::lane::{self, Lane};

pub(super) fn check(ctx: &LineCtx, doc: &Locator) -> Result<(), Problem> {
    let at = ctx.path.key("lane");
    let what = format!("lanes in line {}", ctx.spec.name.get_ref());
    count(doc, &at, &what, ctx.spec.lanes.len(), MAX_LANES_PER_LINE)?;
    for (i, l) in ctx.spec.lanes.iter().enumerate() {
        one(ctx, l.get_ref(), &at.index(i), doc)?;
    }
    for env in &ctx.envs {
        let lanes: Vec<Lane> = ctx
            .spec
            .lanes
            .iter()
            .map(|l| l.get_ref())
            .filter(|l| l.env == *env)
            .map(|l| crate::demo::scenario::lane_of(l, 0))
            .collect();
        if let Err(why) = lane::check(&lanes) {
            let first = ctx
                .spec
                .lanes
                .iter()
                .position(|l| l.get_ref().env == *env)
                .unwrap_or(0);
            return Err((
                doc.offset(&at.index(first)),
                format!("lanes of {env}: {why}"),
            ));
        }
    }
    Ok(())
}

fn one(ctx: &LineCtx, spec: &LaneSpec, at: &Path, doc: &Locator) -> Result<(), Problem> {
    ctx.known_env(doc.offset(&at.key("env")), &spec.env)?;
    if let Err(why) = lane::valid_name(&spec.name) {
        return Err((doc.offset(&at.key("name")), why));
    }
    name(doc, &at.key("who"), LABEL, "who", &spec.who)?;
    if let Some(rate) = spec.error_rate {
        number(
            doc,
            &at.key("error_rate"),
            "error_rate",
            rate,
            limits::ERROR_RATE,
        )?;
    }
    let services_at = doc.offset(&at.key("services"));
    if spec.services.is_empty() {
        return Err((services_at, format!("lane {} has no service", spec.name)));
    }
    for (service, version) in &spec.services {
        let Some(&j) = ctx.services.get(service.as_str()) else {
            return Err((
                services_at,
                format!("lane {} names unknown service {service:?}", spec.name),
            ));
        };
        let svc = &ctx.spec.services[j];
        if !svc.runs_in(&spec.env) {
            return Err((
                services_at,
                format!("lane {}: {service} does not run in {}", spec.name, spec.env),
            ));
        }
        if !svc.versions.get_ref().contains(version) {
            return Err((
                services_at,
                format!(
                    "lane {}: {service} {version} is not one of its versions ({})",
                    spec.name,
                    svc.versions.get_ref().join(", ")
                ),
            ));
        }
    }
    Ok(())
}
