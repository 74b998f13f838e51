//! Scenario-wide caps on what the simulation builds from the file (see `limits`): service
//! instances, call edges, replicas, copied entries, and the peak request rate once entry
//! traffic has been multiplied along the calls.

use super::limits::{
    MAX_CALL_EDGES, MAX_COPIED_ENTRIES, MAX_PEAK_RPS, MAX_SERVICE_INSTANCES, MAX_TOTAL_REPLICAS,
};
use super::locate::{Locator, Path};
use super::{LineSpec, Problem, Profile, Scenario, ServiceSpec, call_order};
use std::collections::HashMap;

/// Running totals over the service instances seen so far.
#[derive(Default)]
struct Totals {
    instances: usize,
    edges: usize,
    replicas: u64,
    copied: usize,
}

pub(super) fn check(s: &Scenario, doc: &Locator) -> Result<(), Problem> {
    let mut totals = Totals::default();
    for (li, line) in s.lines.iter().enumerate() {
        for (si, svc) in line.services.iter().enumerate() {
            let at = doc.offset(&Path::root().key("line").index(li).key("service").index(si));
            add_service(line, svc, &mut totals).map_err(|reason| (at, reason))?;
        }
        peak_rates(s, li, doc)?;
    }
    Ok(())
}

/// Adds what a service costs in every environment it runs in; says which cap it crosses.
fn add_service(line: &LineSpec, svc: &ServiceSpec, t: &mut Totals) -> Result<(), String> {
    let sname = svc.name.get_ref();
    for env in line.environments.iter().map(|e| e.name.get_ref()) {
        if !svc.runs_in(env) {
            continue;
        }
        t.instances += 1;
        t.edges += svc.calls.get_ref().len();
        let canary: u32 = svc
            .canaries
            .iter()
            .filter(|c| c.get_ref().env == *env)
            .map(|c| c.get_ref().replicas)
            .sum();
        let stable = svc.replicas.get_ref().get(env).unwrap_or(0);
        t.replicas += u64::from(stable) + u64::from(canary);
        let overrides = svc.config_env.get_ref().get(env).map_or(0, |m| m.len());
        t.copied += svc.versions.get_ref().len() + svc.config.len() + overrides + svc.secrets.len();
    }
    let over = |what: &str, max: usize| {
        format!("with service {sname} the scenario has more than {max} {what}")
    };
    if t.instances > MAX_SERVICE_INSTANCES {
        return Err(over(
            "service instances (a service in one environment counts once)",
            MAX_SERVICE_INSTANCES,
        ));
    }
    if t.edges > MAX_CALL_EDGES {
        return Err(over(
            "calls between services, counted in each environment",
            MAX_CALL_EDGES,
        ));
    }
    if t.replicas > MAX_TOTAL_REPLICAS {
        let max = usize::try_from(MAX_TOTAL_REPLICAS).unwrap_or(usize::MAX);
        return Err(over("replicas, counted in every environment", max));
    }
    if t.copied > MAX_COPIED_ENTRIES {
        return Err(over(
            "versions, config entries and secrets, counted in each environment",
            MAX_COPIED_ENTRIES,
        ));
    }
    Ok(())
}

/// Requests/s each service of a line receives at the peak in each environment: entry
/// rate × traffic share × flash-sale factors, passed on along the calls (callers first).
fn peak_rates(s: &Scenario, li: usize, doc: &Locator) -> Result<(), Problem> {
    let line = &s.lines[li];
    let order = call_order(line);
    let index: HashMap<&str, usize> = line
        .services
        .iter()
        .enumerate()
        .map(|(i, sv)| (sv.name.get_ref().as_str(), i))
        .collect();
    for env in &line.environments {
        let ename = env.name.get_ref();
        let mut inbound = vec![0.0_f64; line.services.len()];
        for &i in &order {
            let svc = &line.services[i];
            if !svc.runs_in(ename) {
                continue;
            }
            let flash = flash_factor(&s.profiles, line.name.get_ref(), ename, svc.name.get_ref());
            inbound[i] = (inbound[i] + svc.entry_rps * env.share()) * flash;
            if inbound[i].is_nan() || inbound[i] > MAX_PEAK_RPS {
                let path = Path::root().key("line").index(li).key("service").index(i);
                return Err((
                    doc.offset(&path),
                    format!(
                        "at the peak, service {} in {ename} would receive {:.3e} requests/s (entry_rps × traffic_share × flash-sale factors, multiplied along the calls): at most {MAX_PEAK_RPS:e}",
                        svc.name.get_ref(),
                        inbound[i]
                    ),
                ));
            }
            for (dep, per_request) in svc.calls.get_ref() {
                if let Some(&j) = index.get(dep.as_str()) {
                    inbound[j] += inbound[i] * per_request;
                }
            }
        }
    }
    Ok(())
}

/// The product of the flash-sale factors above 1 aimed at a service (as if they overlap).
fn flash_factor(profiles: &[toml::Spanned<Profile>], line: &str, env: &str, service: &str) -> f64 {
    profiles
        .iter()
        .filter_map(|p| match p.get_ref() {
            Profile::FlashSale {
                line: l,
                env: e,
                service: s,
                factor,
                ..
            } if l == line && e == env && s == service => Some(factor.max(1.0)),
            _ => None,
        })
        .product()
}
