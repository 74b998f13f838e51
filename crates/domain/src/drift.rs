//! Version drift: which environments lag behind earlier ones in the promotion path.

use super::model::ProductLine;
use std::cmp::Ordering;

/// Compares versions numerically where they are dotted numbers (`1.10.0` > `1.9.2`),
/// falling back to text order for the rest.
pub fn compare_versions(a: &str, b: &str) -> Ordering {
    let parse = |v: &str| -> Vec<Result<u64, String>> {
        v.trim_start_matches('v')
            .split(['.', '-', '+'])
            .map(|p| p.parse::<u64>().map_err(|_| p.to_string()))
            .collect()
    };
    let (pa, pb) = (parse(a), parse(b));
    for (x, y) in pa.iter().zip(pb.iter()) {
        let ord = match (x, y) {
            (Ok(x), Ok(y)) => x.cmp(y),
            (Ok(_), Err(_)) => Ordering::Greater,
            (Err(_), Ok(_)) => Ordering::Less,
            (Err(x), Err(y)) => x.cmp(y),
        };
        if ord != Ordering::Equal {
            return ord;
        }
    }
    pa.len().cmp(&pb.len())
}

/// One cell of the services × environments matrix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    pub version: Option<String>,
    pub canary: Option<String>,
    /// Set when an earlier environment in the promotion path runs a newer version: its name.
    pub behind: Option<String>,
}

/// Services × environments with drift marked. Rows follow `line.service_names()`.
pub fn matrix(line: &ProductLine) -> Vec<(String, Vec<Cell>)> {
    line.service_names()
        .into_iter()
        .map(|name| {
            let mut newest: Option<(String, String)> = None; // (version, env)
            let cells = line
                .environments
                .iter()
                .map(|env| {
                    let svc = env.service(&name);
                    let version = svc.map(|s| s.version.clone());
                    let canary = svc.and_then(|s| s.canary.as_ref().map(|c| c.version.clone()));
                    let behind = match (&version, &newest) {
                        (Some(v), Some((nv, nenv)))
                            if compare_versions(v, nv) == Ordering::Less =>
                        {
                            Some(nenv.clone())
                        }
                        _ => None,
                    };
                    if let Some(v) = &version {
                        let newer = newest
                            .as_ref()
                            .is_none_or(|(nv, _)| compare_versions(v, nv) == Ordering::Greater);
                        if newer {
                            newest = Some((v.clone(), env.name.clone()));
                        }
                    }
                    Cell {
                        version,
                        canary,
                        behind,
                    }
                })
                .collect();
            (name, cells)
        })
        .collect()
}

/// Number of (service, environment) cells that lag behind an earlier environment.
pub fn drift_count(line: &ProductLine) -> usize {
    matrix(line)
        .iter()
        .flat_map(|(_, cells)| cells.iter())
        .filter(|c| c.behind.is_some())
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_version_order() {
        assert_eq!(compare_versions("1.10.0", "1.9.2"), Ordering::Greater);
        assert_eq!(compare_versions("v2.0", "2.0"), Ordering::Equal);
        assert_eq!(compare_versions("1.2", "1.2.1"), Ordering::Less);
        assert_eq!(compare_versions("1.2.0-rc1", "1.2.0-rc2"), Ordering::Less);
    }
}
