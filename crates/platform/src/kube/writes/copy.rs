//! Environments on demand on Kubernetes: a service copied into a new namespace (made
//! with its first service, labelled as the contract says and with the environment it was
//! made from), and removed again (the namespace goes with its last service).
//!
//! A copy is the service's Deployment (its pod template at the version asked, config keys
//! set over it), its Service, the ConfigMaps its template reads and its gateway route.
//! Secrets are never copied: the plan lists them, to be provided.

use super::{Op, Target};
use crate::PlatformError;
use crate::domain::change::{ChangeRequest, retag};
use crate::kube::contract::*;
use crate::kube::inventory::*;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// Where a copy goes: the namespace, and whether it has to be made.
pub struct Destination<'a> {
    pub namespace: &'a str,
    pub create: bool,
    pub line: &'a str,
    pub env: &'a str,
}

/// The requests that copy `t`'s service into `to` at `version`, `config` over its config.
pub fn copy_ops(
    inv: &Inventory,
    t: &Target,
    req: &ChangeRequest,
    now: &str,
    to: &Destination,
    (version, config): (&str, &BTreeMap<String, String>),
) -> Result<Vec<Op>, PlatformError> {
    if t.stable.kind != crate::domain::workload::WorkloadKind::Deployment {
        return Err(PlatformError::Invalid {
            reason: format!(
                "{} is a {:?}: only Deployments are copied into a new environment",
                t.app, t.stable.kind
            ),
        });
    }
    let (app, s, ns) = (t.app, t.stable, to.namespace);
    let mut ops = Vec::new();
    if to.create {
        ops.push(Op::ApplyNamespace {
            name: ns.to_string(),
            body: json!({
                "apiVersion": "v1", "kind": "Namespace",
                "metadata": { "name": ns, "labels": {
                    LABEL_LINE: to.line, LABEL_ENV: to.env,
                    LABEL_TIER: "non-production",
                    LABEL_CREATED_FROM: t.binding.env } }
            }),
        });
    }
    let mut template = serde_json::to_value(&s.template).unwrap_or(Value::Null);
    if !template.is_object() {
        return Err(PlatformError::Invalid {
            reason: format!("deployment {app} has no pod template to copy"),
        });
    }
    template["metadata"]["labels"][LABEL_VERSION] = json!(version);
    // Config keys set: in the ConfigMap that has the key, else as the container's env.
    let (ctx, from_ns) = (t.binding.context.as_str(), t.binding.namespace.as_str());
    let mut maps: Vec<(String, BTreeMap<String, String>)> = s
        .refs
        .config_map_names()
        .filter_map(
            |name| match inv.get(Kind::ConfigMap, &ObjKey::new(ctx, from_ns, name)) {
                Some(Obj::ConfigMap(d)) => Some((name.to_string(), d.data.clone())),
                _ => None,
            },
        )
        .collect();
    maps.sort();
    maps.dedup_by(|a, b| a.0 == b.0);
    let mut left: BTreeMap<String, String> = config.clone();
    for (_, data) in &mut maps {
        for (k, v) in config {
            if data.contains_key(k) {
                data.insert(k.clone(), v.clone());
                left.remove(k);
            }
        }
    }
    if let Some(cs) = template["spec"]["containers"].as_array_mut() {
        for c in cs.iter_mut().filter(|c| c["name"] == json!(s.container)) {
            c["image"] = json!(retag(&s.image, version));
            let env = c["env"].as_array().cloned().unwrap_or_default();
            let mut env: Vec<Value> = env
                .into_iter()
                .filter(|e| e["name"].as_str().is_none_or(|n| !left.contains_key(n)))
                .collect();
            env.extend(left.iter().map(|(k, v)| json!({ "name": k, "value": v })));
            if !env.is_empty() {
                c["env"] = json!(env);
            }
        }
    }
    for (name, data) in maps {
        ops.push(Op::ApplyConfigMap {
            name: name.clone(),
            body: json!({
                "apiVersion": "v1", "kind": "ConfigMap",
                "metadata": { "name": name, "namespace": ns,
                              "labels": { LABEL_NAME: app, LABEL_CREATED_FROM: t.binding.env } },
                "data": data
            }),
        });
    }
    let mut selector = json!({ LABEL_NAME: app });
    if let Some(track) = template["metadata"]["labels"][LABEL_TRACK].as_str() {
        selector[LABEL_TRACK] = json!(track);
    }
    template["metadata"]["labels"][LABEL_NAME] = json!(app);
    let mut labels: BTreeMap<String, String> = s.labels.clone().into_iter().collect();
    labels.insert(LABEL_VERSION.into(), version.into());
    labels.insert(LABEL_CREATED_FROM.into(), t.binding.env.clone());
    let mut ann = json!({
        ANN_CHANGED_BY: req.who, ANN_CHANGED_AT: now, ANN_CHANGE_WHY: req.why,
        ANN_CHANGE_CAUSE: format!("wheelhouse: copied from {} by {}", t.binding.env, req.who),
    });
    for k in [
        ANN_CAPACITY,
        ANN_DEPENDS_ON,
        ANN_BASE_IMAGE,
        ANN_VERSIONS,
        ANN_SECRET_KEYS,
    ] {
        if let Some(v) = s.annotations.get(k) {
            ann[k] = json!(v);
        }
    }
    ops.push(Op::ApplyDeployment {
        name: t.stable_name.to_string(),
        body: json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": { "name": t.stable_name, "namespace": ns,
                          "labels": labels, "annotations": ann },
            "spec": { "replicas": s.replicas.max(1),
                      "selector": { "matchLabels": selector },
                      "template": template }
        }),
    });
    if let Some(svc) = t.stable_service {
        ops.push(Op::ApplyService {
            name: app.to_string(),
            body: json!({
                "apiVersion": "v1", "kind": "Service",
                "metadata": { "name": app, "namespace": ns,
                              "labels": { LABEL_NAME: app, LABEL_CREATED_FROM: t.binding.env } },
                "spec": { "selector": selector, "ports": svc.ports }
            }),
        });
    }
    if let Some((name, r)) = t.route {
        // The route to the stable Service alone, attached where the source's is (a
        // parent in another namespace is named with it); canaries and tag routes stay
        // behind.
        let mut parents = if r.parent_refs.is_array() {
            r.parent_refs.clone()
        } else {
            json!([{ "name": format!("{}-gateway", to.line) }])
        };
        if let Some(list) = parents.as_array_mut() {
            for p in list.iter_mut() {
                let gateway = p["kind"].as_str().is_none_or(|k| k == "Gateway");
                if gateway && p.get("namespace").is_none() {
                    p["namespace"] = json!(from_ns);
                }
            }
        }
        ops.push(Op::ApplyRoute {
            name: name.to_string(),
            body: json!({
                "apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute",
                "metadata": { "name": name, "namespace": ns,
                              "labels": { LABEL_NAME: app, LABEL_CREATED_FROM: t.binding.env } },
                "spec": { "parentRefs": parents,
                          "rules": [{ "backendRefs": [{ "name": app, "port": 80, "weight": 100 }] }] }
            }),
        });
    }
    Ok(ops)
}

/// The requests that remove `t`'s service from an environment wheelhouse made: its
/// route, Service, Deployment and ConfigMaps; with `last`, the namespace too.
pub fn remove_ops(t: &Target, last: bool) -> Vec<Op> {
    let ns = &t.binding.namespace;
    if last {
        // Everything in it goes with the namespace.
        return vec![Op::DeleteNamespace { name: ns.clone() }];
    }
    let mut ops = Vec::new();
    if let Some((name, _)) = t.route {
        ops.push(Op::DeleteRoute {
            name: name.to_string(),
        });
    }
    if t.stable_service.is_some() {
        ops.push(Op::DeleteService {
            name: t.app.to_string(),
        });
    }
    ops.push(Op::DeleteDeployment {
        name: t.stable_name.to_string(),
        resource_version: t.stable.resource_version.clone(),
    });
    for name in t.stable.refs.config_map_names() {
        ops.push(Op::DeleteConfigMap {
            name: name.to_string(),
        });
    }
    ops
}
