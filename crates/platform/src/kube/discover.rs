//! Which namespaces are environments, of which product line. Precedence: the catalog,
//! then wheelhouse's namespace labels, then conventions any cluster follows:
//! - a namespace named `<line>-<env>`, `<env>-<line>` or `<env>`, where env is an
//!   environment word (`crate::environments`: dev, qa, staging, uat, prod…);
//! - the product line from `app.kubernetes.io/part-of` of its workloads (one namespace
//!   can hold several lines), else from the rest of the namespace name.
//!
//! Namespaces that match nothing are environments of the "other namespaces" group, one
//! each; the cluster's own (`kube-*`, `*-system`) only when asked for. Nothing a user can
//! list is invisible.

use super::contract::*;
use super::inventory::*;
use crate::domain::{OTHER_NAMESPACES, Tier};
use crate::environments::{self, NamedEnvironment};
use std::collections::{BTreeMap, BTreeSet};

/// How an environment was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Catalog,
    Labels,
    Convention,
    /// A namespace that follows no convention ("other namespaces").
    Other,
}

/// Where one environment lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvBinding {
    pub line: String,
    pub env: String,
    pub tier: Tier,
    pub context: String,
    pub namespace: String,
    /// Only the workloads whose `app.kubernetes.io/part-of` is one of these (`""`: those
    /// without the label); None: every workload of the namespace.
    pub part_of: Option<BTreeSet<String>>,
    pub source: Source,
    /// How it was found, in words (the service view shows it).
    pub found_by: String,
    /// The environment `env create` made it from (its namespace's label), if it did.
    pub origin: Option<String>,
}

impl EnvBinding {
    /// Whether a workload with these labels belongs to this environment.
    pub fn includes(&self, labels: &Labels) -> bool {
        self.part_of.as_ref().is_none_or(|set| {
            let value = labels.get(LABEL_PART_OF).map_or("", String::as_str);
            set.contains(value)
        })
    }
}

/// What discovery starts from besides the watched namespaces.
#[derive(Debug, Clone, Default)]
pub struct Discovery {
    /// Environments the catalog names.
    pub catalog: Vec<EnvBinding>,
    /// (context, namespace) given with -n: considered even when the Namespace object
    /// cannot be read.
    pub named: Vec<(String, String)>,
    /// Show the cluster's own namespaces (`kube-*`, `*-system`) too.
    pub system: bool,
}

/// Every environment: the catalog's, the labelled namespaces', then the conventions'.
pub fn bindings(inv: &Inventory, discovery: &Discovery) -> Vec<EnvBinding> {
    let mut out: Vec<EnvBinding> = discovery.catalog.to_vec();
    let mut rest: BTreeSet<(String, String)> = BTreeSet::new();
    for (key, obj) in inv.of(Kind::Namespace) {
        let Obj::Namespace(ns) = obj else { continue };
        match (ns.labels.get(LABEL_LINE), ns.labels.get(LABEL_ENV)) {
            (Some(line), Some(env)) => labelled(&mut out, key, ns, line, env),
            _ => {
                rest.insert((key.context.clone(), key.name.clone()));
            }
        }
    }
    rest.extend(discovery.named.iter().cloned());
    for (context, namespace) in rest {
        let covered = out
            .iter()
            .any(|b| b.context == context && b.namespace == namespace);
        if covered || (!discovery.system && environments::is_system_namespace(&namespace)) {
            continue;
        }
        match environments::from_namespace(&namespace) {
            Some(named) => by_convention(&mut out, inv, &context, &namespace, &named),
            None => other(
                &mut out,
                &context,
                &namespace,
                "its name has no environment word",
            ),
        }
    }
    out
}

fn taken(out: &[EnvBinding], line: &str, env: &str) -> Option<String> {
    out.iter()
        .find(|b| b.line == line && b.env == env)
        .map(|b| b.namespace.clone())
}

fn labelled(out: &mut Vec<EnvBinding>, key: &ObjKey, ns: &NamespaceInfo, line: &str, env: &str) {
    if out.iter().any(|b| {
        (b.line == line && b.env == env) || (b.context == key.context && b.namespace == key.name)
    }) {
        return;
    }
    out.push(EnvBinding {
        line: line.to_string(),
        env: env.to_string(),
        tier: environments::tier(ns.labels.get(LABEL_TIER).map(String::as_str), env),
        context: key.context.clone(),
        namespace: key.name.clone(),
        part_of: None,
        source: Source::Labels,
        found_by: format!(
            "namespace {} labelled {LABEL_LINE}={line}, {LABEL_ENV}={env}",
            key.name
        ),
        origin: ns
            .labels
            .get(LABEL_CREATED_FROM)
            .map(|from| format!("made from {from} by wheelhouse")),
    });
}

/// The environments of a namespace named by convention: one per product line its
/// workloads are part of.
fn by_convention(
    out: &mut Vec<EnvBinding>,
    inv: &Inventory,
    context: &str,
    namespace: &str,
    named: &NamedEnvironment,
) {
    // line → the part-of values that lead to it ("" for workloads without the label).
    let mut lines: BTreeMap<Option<String>, BTreeSet<String>> = BTreeMap::new();
    for (_, w) in inv.workloads_in(context, namespace) {
        let part_of = w.labels.get(LABEL_PART_OF).filter(|p| !p.is_empty());
        let line = part_of.cloned().or_else(|| named.line.clone());
        let value = part_of.cloned().unwrap_or_default();
        lines.entry(line).or_default().insert(value);
    }
    if lines.is_empty() {
        lines.insert(named.line.clone(), BTreeSet::new());
    }
    let whole = lines.len() == 1;
    let rule = format!("namespace name {namespace} ({})", named.pattern);
    for (line, values) in lines {
        let part_of = (!whole).then_some(values.clone());
        let Some(line) = line else {
            // A bare `<env>` namespace's workloads that name no line.
            let why = format!(
                "its name is the environment {} but names no product line, and these workloads have no {LABEL_PART_OF}",
                named.env
            );
            other_part(out, context, namespace, &why, part_of);
            continue;
        };
        if let Some(ns) = taken(out, &line, &named.env) {
            let why = format!("{line}/{} is already namespace {ns}", named.env);
            other_part(out, context, namespace, &why, part_of);
            continue;
        }
        let from_part_of = values.iter().any(|v| v == &line);
        let found_by = if from_part_of {
            format!("{rule}; product line from {LABEL_PART_OF}={line} of its workloads")
        } else {
            rule.clone()
        };
        out.push(EnvBinding {
            line,
            env: named.env.clone(),
            tier: environments::tier(None, &named.env),
            context: context.to_string(),
            namespace: namespace.to_string(),
            part_of,
            source: Source::Convention,
            found_by,
            origin: None,
        });
    }
}

fn other(out: &mut Vec<EnvBinding>, context: &str, namespace: &str, why: &str) {
    other_part(out, context, namespace, why, None);
}

/// A namespace (or part of one) under "other namespaces", named by the namespace (and
/// its context when another context has one of the same name).
fn other_part(
    out: &mut Vec<EnvBinding>,
    context: &str,
    namespace: &str,
    why: &str,
    part_of: Option<BTreeSet<String>>,
) {
    let env = if taken(out, OTHER_NAMESPACES, namespace).is_none() {
        namespace.to_string()
    } else {
        format!("{namespace}@{context}")
    };
    if taken(out, OTHER_NAMESPACES, &env).is_some() {
        return;
    }
    out.push(EnvBinding {
        line: OTHER_NAMESPACES.to_string(),
        env,
        // Nothing says it is not production: a write asks for the name typed.
        tier: Tier::Production,
        context: context.to_string(),
        namespace: namespace.to_string(),
        part_of,
        source: Source::Other,
        found_by: format!("namespace {namespace}: {why} (other namespaces)"),
        origin: None,
    });
}
