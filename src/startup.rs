//! Choosing and starting the platform from the command line and the environment.

use crate::cli::Global;
use crate::platform::demo::DemoPlatform;
use crate::platform::demo::scenario;

/// Where a kubeconfig would be found (KUBECONFIG, else ~/.kube/config).
pub fn kubeconfig_present() -> bool {
    if let Some(v) = std::env::var_os("KUBECONFIG") {
        return std::env::split_paths(&v).any(|p| p.is_file());
    }
    std::env::var_os("HOME")
        .map(|h| std::path::Path::new(&h).join(".kube").join("config"))
        .is_some_and(|p| p.is_file())
}

/// The demo platform from --scenario (or the built-in one), seeded by --seed.
pub fn demo_platform(global: &Global, epoch: i64) -> Result<DemoPlatform, String> {
    let (name, text) = match &global.scenario {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read scenario {}: {e}", path.display()))?;
            (path.display().to_string(), text)
        }
        None => (
            scenario::DEFAULT_SCENARIO_NAME.to_string(),
            scenario::DEFAULT_SCENARIO.to_string(),
        ),
    };
    let mut parsed = scenario::parse(&name, &text).map_err(|e| format!("bad scenario: {e}"))?;
    if let Some(seed) = global.seed {
        parsed.scenario.seed = seed;
    }
    Ok(DemoPlatform::new(&parsed, epoch))
}

/// Why the demo platform is used (shown in the events view), if there is something to say.
pub fn demo_reason(global: &Global) -> Option<String> {
    if global.demo {
        None
    } else if kubeconfig_present() {
        Some("a kubeconfig exists but this build has no kube platform yet: running the demo platform".into())
    } else {
        Some("no kubeconfig found: running the embedded demo platform (--demo)".into())
    }
}

pub fn user() -> String {
    std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| "unknown".into())
}
