//! The ConfigMaps and Secrets a workload's pod template reads: `envFrom`, `env[].valueFrom`
//! and volumes (plain and projected), of init and regular containers. A workload nobody
//! labelled for wheelhouse gets its config from these, so the config diff works on it as on
//! a labelled one.

use k8s_openapi::api::core::v1::{Container, PodTemplateSpec, Volume};

/// The ConfigMap every namespace gets from the cluster (the API server's CA), mounted into
/// every pod by the service account's projected volume: never a service's config.
pub const ROOT_CA_CONFIG_MAP: &str = "kube-root-ca.crt";

/// Secrets that hold no service's settings: Helm's release records and service account
/// tokens.
pub const HELM_RELEASE_SECRET: &str = "helm.sh/release.v1";
pub const SERVICE_ACCOUNT_TOKEN_SECRET: &str = "kubernetes.io/service-account-token";

/// One object read by the template: all its keys, or one key of it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Ref {
    pub name: String,
    /// `Some(key)` when only that key is read (`configMapKeyRef`, `secretKeyRef`).
    pub key: Option<String>,
}

impl Ref {
    fn all(name: &str) -> Ref {
        Ref {
            name: name.to_string(),
            key: None,
        }
    }

    fn one(name: &str, key: &str) -> Ref {
        Ref {
            name: name.to_string(),
            key: Some(key.to_string()),
        }
    }

    /// Whether `key` of object `name` is read through this reference.
    pub fn reads(&self, name: &str, key: &str) -> bool {
        self.name == name && self.key.as_deref().is_none_or(|k| k == key)
    }
}

/// What a pod template reads, in template order, without repeats.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConfigRefs {
    pub config_maps: Vec<Ref>,
    pub secrets: Vec<Ref>,
}

impl ConfigRefs {
    pub fn of(template: &PodTemplateSpec) -> ConfigRefs {
        let mut refs = ConfigRefs::default();
        let Some(spec) = &template.spec else {
            return refs;
        };
        let init = spec.init_containers.iter().flatten();
        for c in init.chain(spec.containers.iter()) {
            refs.container(c);
        }
        for v in spec.volumes.iter().flatten() {
            refs.volume(v);
        }
        refs.config_maps.retain(|r| r.name != ROOT_CA_CONFIG_MAP);
        refs
    }

    pub fn is_empty(&self) -> bool {
        self.config_maps.is_empty() && self.secrets.is_empty()
    }

    /// The names of the ConfigMaps read, each once.
    pub fn config_map_names(&self) -> impl Iterator<Item = &str> {
        names(&self.config_maps)
    }

    /// The names of the Secrets read, each once.
    pub fn secret_names(&self) -> impl Iterator<Item = &str> {
        names(&self.secrets)
    }

    fn container(&mut self, c: &Container) {
        for source in c.env_from.iter().flatten() {
            if let Some(r) = &source.config_map_ref {
                push(&mut self.config_maps, Ref::all(&r.name));
            }
            if let Some(r) = &source.secret_ref {
                push(&mut self.secrets, Ref::all(&r.name));
            }
        }
        for var in c.env.iter().flatten() {
            let Some(from) = &var.value_from else {
                continue;
            };
            if let Some(r) = &from.config_map_key_ref {
                push(&mut self.config_maps, Ref::one(&r.name, &r.key));
            }
            if let Some(r) = &from.secret_key_ref {
                push(&mut self.secrets, Ref::one(&r.name, &r.key));
            }
        }
    }

    fn volume(&mut self, v: &Volume) {
        if let Some(cm) = &v.config_map {
            push(&mut self.config_maps, Ref::all(&cm.name));
        }
        if let Some(s) = v.secret.as_ref().and_then(|s| s.secret_name.as_deref()) {
            push(&mut self.secrets, Ref::all(s));
        }
        for source in v.projected.iter().flat_map(|p| p.sources.iter().flatten()) {
            if let Some(cm) = &source.config_map {
                push(&mut self.config_maps, Ref::all(&cm.name));
            }
            if let Some(s) = &source.secret {
                push(&mut self.secrets, Ref::all(&s.name));
            }
        }
    }
}

fn push(list: &mut Vec<Ref>, r: Ref) {
    if r.name.is_empty() || list.contains(&r) {
        return;
    }
    list.push(r);
}

fn names(list: &[Ref]) -> impl Iterator<Item = &str> {
    let mut seen = Vec::<&str>::new();
    list.iter().filter_map(move |r| {
        if seen.contains(&r.name.as_str()) {
            None
        } else {
            seen.push(&r.name);
            Some(r.name.as_str())
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn template(spec: serde_json::Value) -> PodTemplateSpec {
        serde_json::from_value(json!({ "spec": spec })).unwrap()
    }

    #[test]
    fn env_from_key_refs_and_volumes_are_found_once_each() {
        let t = template(json!({
            "initContainers": [{ "name": "migrate", "envFrom": [{ "configMapRef": { "name": "db-settings" } }] }],
            "containers": [{ "name": "main",
                "envFrom": [{ "configMapRef": { "name": "web-settings" } }, { "secretRef": { "name": "web-keys" } }],
                "env": [
                    { "name": "PLAIN", "value": "1" },
                    { "name": "MODE", "valueFrom": { "configMapKeyRef": { "name": "flags", "key": "mode" } } },
                    { "name": "DB_PASSWORD", "valueFrom": { "secretKeyRef": { "name": "db", "key": "password" } } },
                    { "name": "POD", "valueFrom": { "fieldRef": { "fieldPath": "metadata.name" } } }
                ] },
                { "name": "side", "envFrom": [{ "configMapRef": { "name": "web-settings" } }] }],
            "volumes": [
                { "name": "files", "configMap": { "name": "web-files" } },
                { "name": "tls", "secret": { "secretName": "web-tls" } },
                { "name": "kube-api-access", "projected": { "sources": [
                    { "serviceAccountToken": { "path": "token" } },
                    { "configMap": { "name": "kube-root-ca.crt" } } ] } },
                { "name": "bundle", "projected": { "sources": [ { "secret": { "name": "bundle" } } ] } }
            ]
        }));
        let refs = ConfigRefs::of(&t);
        let cms: Vec<&str> = refs.config_map_names().collect();
        assert_eq!(cms, ["db-settings", "web-settings", "flags", "web-files"]);
        let secrets: Vec<&str> = refs.secret_names().collect();
        assert_eq!(secrets, ["web-keys", "db", "web-tls", "bundle"]);
        let flags = refs.config_maps.iter().find(|r| r.name == "flags").unwrap();
        assert!(flags.reads("flags", "mode"));
        assert!(!flags.reads("flags", "other"), "only the key referenced");
        assert!(refs.config_maps[1].reads("web-settings", "anything"));
    }

    #[test]
    fn a_template_without_references_reads_nothing() {
        let t = template(json!({ "containers": [{ "name": "main", "image": "x:1" }] }));
        assert!(ConfigRefs::of(&t).is_empty());
        assert!(ConfigRefs::of(&PodTemplateSpec::default()).is_empty());
    }
}
