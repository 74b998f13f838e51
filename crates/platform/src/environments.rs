//! Environment words: what an environment's name says about its place on the promotion
//! path and its tier. Used for environments named by labels and the catalog (ordering,
//! default tier) and to recognise environments in namespace names (`shop-staging`).

use crate::domain::Tier;

/// A word naming an environment, its position on the promotion path, and whether it
/// serves production traffic.
struct Word {
    word: &'static str,
    rank: usize,
    production: bool,
}

const fn w(word: &'static str, rank: usize, production: bool) -> Word {
    Word {
        word,
        rank,
        production,
    }
}

/// Every word recognised, in promotion order.
const WORDS: [Word; 18] = [
    w("dev", 0, false),
    w("development", 0, false),
    w("test", 1, false),
    w("testing", 1, false),
    w("qa", 1, false),
    w("int", 2, false),
    w("integration", 2, false),
    w("sandbox", 3, false),
    w("staging", 4, false),
    w("stage", 4, false),
    w("stg", 4, false),
    w("uat", 4, false),
    w("preprod", 4, false),
    w("gray", 5, true),
    w("grey", 5, true),
    w("prod", 6, true),
    w("production", 6, true),
    w("prd", 6, true),
];

fn word(name: &str) -> Option<&'static Word> {
    WORDS.iter().find(|w| w.word.eq_ignore_ascii_case(name))
}

/// Whether `name` is an environment word (`staging`, `qa`, `prod`…).
pub fn is_environment(name: &str) -> bool {
    word(name).is_some()
}

/// Position of an environment on the promotion path (unknown names go last).
pub fn rank(env: &str) -> usize {
    word(env).map_or(WORDS.len(), |w| w.rank)
}

/// Tier from an explicit label value, else from the environment's name.
pub fn tier(label: Option<&str>, env: &str) -> Tier {
    match label {
        Some("production") => Tier::Production,
        Some("non-production") => Tier::NonProduction,
        _ if word(env).is_some_and(|w| w.production) => Tier::Production,
        _ => Tier::NonProduction,
    }
}

/// What a namespace's name says: its environment and, when the name has one, its product
/// line, and which of the two conventions matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedEnvironment {
    pub env: String,
    pub line: Option<String>,
    /// `<line>-<env>`, `<env>-<line>` or `<env>`.
    pub pattern: &'static str,
}

/// Reads a namespace name by convention: `<line>-<env>` (`shop-staging`), `<env>-<line>`
/// (`prod-payments`) or a bare `<env>`; None when no part is an environment word.
pub fn from_namespace(name: &str) -> Option<NamedEnvironment> {
    if is_environment(name) {
        return Some(NamedEnvironment {
            env: name.to_string(),
            line: None,
            pattern: "<env>",
        });
    }
    if let Some((line, env)) = name.rsplit_once('-')
        && !line.is_empty()
        && is_environment(env)
    {
        return Some(NamedEnvironment {
            env: env.to_string(),
            line: Some(line.to_string()),
            pattern: "<line>-<env>",
        });
    }
    if let Some((env, line)) = name.split_once('-')
        && !line.is_empty()
        && is_environment(env)
    {
        return Some(NamedEnvironment {
            env: env.to_string(),
            line: Some(line.to_string()),
            pattern: "<env>-<line>",
        });
    }
    None
}

/// Namespaces of the cluster itself (hidden unless asked for): `kube-*` and `*-system`.
pub fn is_system_namespace(name: &str) -> bool {
    name.starts_with("kube-") || name.ends_with("-system")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(name: &str) -> Option<(String, Option<String>, &'static str)> {
        from_namespace(name).map(|n| (n.env, n.line, n.pattern))
    }

    #[test]
    fn namespace_names_by_convention() {
        let some = |env: &str, line: Option<&str>, p| Some((env.into(), line.map(String::from), p));
        assert_eq!(
            read("shop-staging"),
            some("staging", Some("shop"), "<line>-<env>")
        );
        assert_eq!(
            read("loan-core-prod"),
            some("prod", Some("loan-core"), "<line>-<env>")
        );
        assert_eq!(
            read("qa-payments"),
            some("qa", Some("payments"), "<env>-<line>")
        );
        assert_eq!(read("uat"), some("uat", None, "<env>"));
        assert_eq!(
            read("Prod-Shop"),
            some("Prod", Some("Shop"), "<env>-<line>")
        );
        // The environment is the last word when both ends are one.
        assert_eq!(read("dev-prod"), some("prod", Some("dev"), "<line>-<env>"));
        assert_eq!(read("payments"), None);
        assert_eq!(
            read("product-api"),
            None,
            "a word merely starting so is not one"
        );
        assert_eq!(read("-prod"), None);
        assert_eq!(read("prod-"), None);
    }

    #[test]
    fn ranks_follow_the_promotion_path_and_tiers_the_word() {
        let mut envs = vec![
            "prod",
            "staging",
            "dev",
            "other",
            "qa",
            "gray",
            "integration",
        ];
        envs.sort_by_key(|e| rank(e));
        assert_eq!(
            envs,
            vec![
                "dev",
                "qa",
                "integration",
                "staging",
                "gray",
                "prod",
                "other"
            ]
        );
        assert_eq!(tier(None, "production"), Tier::Production);
        assert_eq!(tier(None, "grey"), Tier::Production);
        assert_eq!(tier(None, "preprod"), Tier::NonProduction);
        assert_eq!(tier(Some("non-production"), "prod"), Tier::NonProduction);
        assert_eq!(tier(Some("production"), "dev"), Tier::Production);
    }

    #[test]
    fn system_namespaces() {
        assert!(is_system_namespace("kube-system"));
        assert!(is_system_namespace("kube-node-lease"));
        assert!(is_system_namespace("gatekeeper-system"));
        assert!(!is_system_namespace("default"));
        assert!(!is_system_namespace("shop-prod"));
    }
}
