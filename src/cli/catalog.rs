//! `catalog init`: the environments as found (labels, conventions) written as a catalog,
//! so a team can pin them and edit them. Namespaces that follow no convention are written
//! commented out: they need a product line and an environment to be pinned.

use super::Output;
use super::output::{Outcome, exit};
use crate::domain::{Location, OTHER_NAMESPACES, Snapshot, Tier};
use std::fmt::Write as _;
use std::path::Path;

fn quoted(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// The catalog text for a snapshot (None: nothing in it lives on Kubernetes or Docker).
pub fn render(snapshot: &Snapshot, target: &str) -> Option<String> {
    let mut out = format!(
        "# wheelhouse catalog: the environments of {target} as found on {}.\n\
         # The catalog wins over namespace labels and naming conventions: edit it to pin them.\n",
        chrono::Utc::now().format("%Y-%m-%d")
    );
    let mut any = false;
    for line in &snapshot.product_lines {
        for env in &line.environments {
            let place = match &env.location {
                Location::Kube { context, namespace } => format!(
                    "context = {}\nnamespace = {}\n",
                    quoted(context),
                    quoted(namespace)
                ),
                Location::Docker { engine } => format!("docker = {}\n", quoted(engine)),
                Location::Demo { .. } => continue,
            };
            any = true;
            let tier = match env.tier {
                Tier::Production => "production",
                Tier::NonProduction => "non-production",
            };
            let mut entry = format!(
                "[[environment]]\nline = {}\nenv = {}\n{place}tier = {}\n",
                quoted(&line.name),
                quoted(&env.name),
                quoted(tier)
            );
            if !env.part_of.is_empty() {
                let values: Vec<String> = env.part_of.iter().map(|v| quoted(v)).collect();
                let _ = writeln!(entry, "part_of = [{}]", values.join(", "));
            }
            let _ = write!(out, "\n# found by {}\n", env.found_by);
            if line.name == OTHER_NAMESPACES {
                out.push_str(
                    "# follows no convention: give it a line and an environment to pin it\n",
                );
                for l in entry.lines() {
                    let _ = writeln!(out, "# {l}");
                }
            } else {
                out.push_str(&entry);
            }
        }
    }
    any.then_some(out)
}

/// Writes the catalog to `dest` ("-": standard output), refusing to replace a file
/// unless `force`.
pub fn init(snapshot: &Snapshot, target: &str, dest: &Path, force: bool) -> Outcome {
    let Some(text) = render(snapshot, target) else {
        return Outcome::fail(
            exit::INVALID,
            "nothing to write: the demo platform's environments are built in (point wheelhouse at a cluster or a Docker engine)",
            Output::Text,
        );
    };
    if dest == Path::new("-") {
        return Outcome::ok(text);
    }
    if dest.exists() && !force {
        return Outcome::fail(
            exit::REFUSED,
            format!(
                "{} exists: give --force to replace it, or --output FILE",
                dest.display()
            ),
            Output::Text,
        );
    }
    if let Some(dir) = dest.parent().filter(|d| !d.as_os_str().is_empty())
        && let Err(e) = std::fs::create_dir_all(dir)
    {
        return Outcome::fail(
            exit::ERROR,
            format!("cannot create {}: {e}", dir.display()),
            Output::Text,
        );
    }
    // Written beside and renamed: a reader never sees half a catalog.
    let partial = dest.with_extension("toml.partial");
    let written = std::fs::write(&partial, &text).and_then(|()| std::fs::rename(&partial, dest));
    match written {
        Ok(()) => {
            let count = text.lines().filter(|l| *l == "[[environment]]").count();
            Outcome::ok(format!("wrote {} ({count} environments)\n", dest.display()))
        }
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            Outcome::fail(
                exit::ERROR,
                format!("cannot write {}: {e}", dest.display()),
                Output::Text,
            )
        }
    }
}
