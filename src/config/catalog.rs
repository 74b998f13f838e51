//! The catalog file: where each product line's environments live when namespace labels
//! are not enough, e.g. one product line spanning two clusters.
//!
//! ```toml
//! [[environment]]
//! line = "trade"
//! env = "prod"
//! context = "prod-cluster"   # optional: the current context
//! namespace = "trade-prod"
//! tier = "production"        # optional: from the environment's name
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
    pub namespace: String,
    pub tier: Option<Tier>,
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
        if a.line.is_empty() || a.env.is_empty() || a.namespace.is_empty() {
            return Err(format!(
                "{file}: environment #{}: line, env and namespace must not be empty",
                i + 1
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
        assert!(
            parse(
                "c.toml",
                "[[environment]]\nline='a'\nenv='b'\nnamespace='x'\nextra=1\n"
            )
            .is_err()
        );
    }
}
