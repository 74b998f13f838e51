//! The Kubernetes platform: environments are labelled namespaces (or catalog entries),
//! services are Deployments, traffic is Gateway API HTTPRoutes. Everything shown comes from
//! watches; writes are server-side applies and patches that carry the resourceVersion they
//! were decided on. See the README's "Kubernetes contract".

pub mod assemble;
pub mod config_refs;
pub mod contract;
pub mod discover;
pub mod errors;
pub mod inventory;
pub mod logs;
pub mod pods;
pub mod route;
pub mod watch;
pub mod worker;
pub mod workloads;
pub mod writes;

use crate::PlatformInfo;
use crate::config::catalog::Catalog;
use assemble::EnvBinding;
use discover::{Discovery, Source};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};
use watch::Scope;

/// The User-Agent of every request wheelhouse sends.
pub const USER_AGENT: &str = concat!("wheelhouse/", env!("CARGO_PKG_VERSION"));

/// What the command line says about the cluster (kubectl's meaning).
#[derive(Debug, Clone, Default)]
pub struct KubeOptions {
    pub context: Option<String>,
    pub namespace: Option<String>,
    /// Show the cluster's own namespaces (`kube-*`, `*-system`) under "other namespaces".
    pub system_namespaces: bool,
}

/// One context's client and what its watches cover.
#[derive(Clone)]
pub struct ContextSetup {
    pub name: String,
    pub client: Client,
    pub scope: Scope,
}

/// Everything the worker needs: clients per context and what discovery starts from.
#[derive(Clone)]
pub struct KubeSetup {
    pub info: PlatformInfo,
    pub contexts: Vec<ContextSetup>,
    pub discovery: Discovery,
}

async fn client_for(context: Option<&str>) -> anyhow::Result<(String, Client)> {
    let options = KubeConfigOptions {
        context: context.map(String::from),
        ..KubeConfigOptions::default()
    };
    let mut config = Config::from_kubeconfig(&options)
        .await
        .map_err(|e| anyhow::anyhow!("kubeconfig: {e}"))?;
    // The API server's audit log tells wheelhouse's requests apart by this.
    config.headers.push((
        http::header::USER_AGENT,
        http::HeaderValue::from_static(USER_AGENT),
    ));
    let name = match context {
        Some(c) => c.to_string(),
        None => Kubeconfig::read()
            .ok()
            .and_then(|k| k.current_context)
            .unwrap_or_else(|| "(current)".into()),
    };
    let client = Client::try_from(config).map_err(|e| anyhow::anyhow!("context {name}: {e}"))?;
    Ok((name, client))
}

/// Builds clients from the kubeconfig (KUBECONFIG, else ~/.kube/config; tokens, client
/// certificates and exec plugins as kubectl does) for the chosen context and every context
/// the catalog names. Nothing is contacted yet: the worker connects and retries.
pub async fn connect(options: &KubeOptions, catalog: &Catalog) -> anyhow::Result<KubeSetup> {
    let (main, client) = client_for(options.context.as_deref()).await?;
    let mut contexts = vec![ContextSetup {
        name: main.clone(),
        client,
        scope: match &options.namespace {
            Some(ns) => Scope::Namespaces(vec![ns.clone()]),
            None => Scope::All,
        },
    }];
    let mut bindings = Vec::new();
    for (e, namespace) in catalog.kube() {
        let context = e.context.clone().unwrap_or_else(|| main.clone());
        bindings.push(EnvBinding {
            line: e.line.clone(),
            env: e.env.clone(),
            tier: e.tier.unwrap_or_else(|| contract::tier(None, &e.env)),
            context: context.clone(),
            namespace: namespace.to_string(),
            part_of: e.part_of.as_ref().map(|p| p.iter().cloned().collect()),
            source: Source::Catalog,
            found_by: format!("the catalog: {}/{} is namespace {namespace}", e.line, e.env),
            origin: None,
        });
        match contexts.iter_mut().find(|c| c.name == context) {
            Some(c) => {
                if let Scope::Namespaces(list) = &mut c.scope
                    && !list.iter().any(|n| n == namespace)
                {
                    list.push(namespace.to_string());
                }
            }
            None => {
                let (name, client) = client_for(Some(&context)).await?;
                contexts.push(ContextSetup {
                    name,
                    client,
                    scope: Scope::Namespaces(vec![namespace.to_string()]),
                });
            }
        }
    }
    let named = options
        .namespace
        .iter()
        .map(|ns| (main.clone(), ns.clone()))
        .collect();
    let target = match &options.namespace {
        Some(ns) => format!("context {main}, namespace {ns}"),
        None if contexts.len() > 1 => format!("context {main} (+{} more)", contexts.len() - 1),
        None => format!("context {main}"),
    };
    Ok(KubeSetup {
        info: PlatformInfo {
            kind: "kube".into(),
            target,
        },
        contexts,
        discovery: Discovery {
            catalog: bindings,
            named,
            system: options.system_namespaces,
        },
    })
}

#[cfg(test)]
mod discover_tests;
#[cfg(test)]
mod tests;
