//! The catalog file: where each product line's environments live when namespace labels
//! are not enough, e.g. one product line spanning two clusters, or its dev and test on a
//! local Docker engine and its gray and prod on Kubernetes.
//!
//! ```toml
//! [[environment]]
//! line = "trade"
//! env = "prod"
//! context = "prod-cluster"   # optional: the current context
//! namespace = "trade-prod"
//! tier = "production"        # optional: from the environment's name
//! part_of = ["checkout"]     # optional: only workloads with this app.kubernetes.io/part-of
//!                            # ("" for those without it); all of the namespace's when absent
//!
//! [[environment]]
//! line = "trade"
//! env = "dev"
//! docker = "default"         # DOCKER_HOST (or the default socket), or a unix:// or tcp:// URL
//! ```

use crate::domain::Tier;
use serde::Deserialize;
use std::path::Path;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogEntry {
    pub line: String,
    pub env: String,
    pub context: Option<String>,
    /// The Kubernetes namespace (one of `namespace` and `docker`).
    pub namespace: Option<String>,
    /// The Docker engine: "default" or a unix:// / tcp:// address.
    pub docker: Option<String>,
    pub tier: Option<Tier>,
    /// Only the namespace's workloads whose `app.kubernetes.io/part-of` is one of these
    /// (`""`: workloads without the label).
    pub part_of: Option<Vec<String>>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catalog {
    #[serde(default)]
    pub environment: Vec<CatalogEntry>,
}

/// Parses catalog text; `file` names it in errors.
pub fn parse(file: &str, text: &str) -> Result<Catalog, String> {
    let catalog: Catalog = toml::from_str(text).map_err(|e| format!("{file}: {e}"))?;
    for (i, a) in catalog.environment.iter().enumerate() {
        let filled = |v: &Option<String>| v.as_ref().is_some_and(|s| !s.is_empty());
        if a.line.is_empty() || a.env.is_empty() {
            return Err(format!(
                "{file}: environment #{}: line and env must not be empty",
                i + 1
            ));
        }
        if filled(&a.namespace) == filled(&a.docker) {
            return Err(format!(
                "{file}: environment #{} ({}/{}): give either namespace (Kubernetes) or docker",
                i + 1,
                a.line,
                a.env
            ));
        }
        if catalog.environment[..i]
            .iter()
            .any(|b| b.line == a.line && b.env == a.env)
        {
            return Err(format!("{file}: {}/{} is listed twice", a.line, a.env));
        }
    }
    Ok(catalog)
}

impl Catalog {
    /// The entries on Kubernetes, each with its namespace.
    pub fn kube(&self) -> impl Iterator<Item = (&CatalogEntry, &str)> {
        self.environment
            .iter()
            .filter_map(|e| e.namespace.as_deref().map(|ns| (e, ns)))
    }

    /// The entries on Docker, each with its engine ("default" or an address).
    pub fn docker(&self) -> impl Iterator<Item = (&CatalogEntry, &str)> {
        self.environment
            .iter()
            .filter_map(|e| e.docker.as_deref().map(|d| (e, d)))
    }
}

/// Reads the catalog at `path`; a missing file is an empty catalog.
pub fn load(path: &Path) -> Result<Catalog, String> {
    match std::fs::read_to_string(path) {
        Ok(text) => parse(&path.display().to_string(), &text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Catalog::default()),
        Err(e) => Err(format!("cannot read {}: {e}", path.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_entries_across_contexts() {
        let c = parse(
            "catalog.toml",
            r#"
            [[environment]]
            line = "trade"
            env = "dev"
            namespace = "trade-dev"
            [[environment]]
            line = "trade"
            env = "prod"
            context = "prod-cluster"
            namespace = "trade"
            tier = "production"
            "#,
        )
        .unwrap();
        assert_eq!(c.environment.len(), 2);
        assert_eq!(c.environment[1].context.as_deref(), Some("prod-cluster"));
        assert_eq!(c.environment[1].tier, Some(Tier::Production));
    }

    #[test]
    fn bad_files_are_named() {
        let e = parse("c.toml", "[[environment]]\nline = 'a'\n").unwrap_err();
        assert!(e.starts_with("c.toml:"), "{e}");
        let dup = "[[environment]]\nline='a'\nenv='b'\nnamespace='x'\n[[environment]]\nline='a'\nenv='b'\nnamespace='y'\n";
        assert!(parse("c.toml", dup).unwrap_err().contains("listed twice"));
        let both = "[[environment]]\nline='a'\nenv='b'\nnamespace='x'\ndocker='default'\n";
        assert!(
            parse("c.toml", both)
                .unwrap_err()
                .contains("either namespace")
        );
        let neither = "[[environment]]\nline='a'\nenv='b'\n";
        assert!(
            parse("c.toml", neither)
                .unwrap_err()
                .contains("either namespace")
        );
        assert!(
            parse(
                "c.toml",
                "[[environment]]\nline='a'\nenv='b'\nnamespace='x'\nextra=1\n"
            )
            .is_err()
        );
    }
}
