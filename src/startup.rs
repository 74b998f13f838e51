//! Choosing and starting the platform from the command line and the environment.

use crate::app::Identity;
use crate::cli::Global;
use crate::cli::output::exit;
use crate::config::catalog::{self, Catalog};
use crate::config::paths::Paths;
use crate::platform::demo::DemoPlatform;
use crate::platform::demo::scenario;
use crate::platform::docker::{self, DockerSetup};
use crate::platform::kube::{self, KubeOptions, KubeSetup};

/// The platform a run uses.
pub enum Choice {
    Demo(DemoPlatform),
    Kube(KubeSetup),
    Docker(DockerSetup),
    /// A catalog puts environments on Docker engines (and maybe Kubernetes): all open at once.
    Mixed {
        kube: Option<KubeSetup>,
        docker: Vec<DockerSetup>,
    },
}

/// The catalog's path: --catalog, else catalog.toml in the config dir.
pub fn catalog_path(global: &Global, paths: &Paths) -> std::path::PathBuf {
    global
        .catalog
        .clone()
        .unwrap_or_else(|| paths.config_dir.join("catalog.toml"))
}

/// The catalog from --catalog or the config dir (missing = empty; broken = an error).
pub fn catalog(global: &Global, paths: &Paths) -> Result<Catalog, String> {
    match &global.catalog {
        Some(path) if !path.is_file() => Err(format!("catalog {} not found", path.display())),
        Some(path) => catalog::load(path),
        None => catalog::load(&paths.config_dir.join("catalog.toml")),
    }
}

/// Demo when asked for (--demo, --scenario) or when no cluster is configured; else kube.
/// An error carries the exit code: 2 for a bad file, 6 when the cluster cannot be reached.
pub async fn choose(global: &Global, paths: &Paths, epoch: i64) -> Result<Choice, (i32, String)> {
    let bad = |e: String| (exit::INVALID, e);
    let asked_demo = global.demo || global.scenario.is_some();
    if asked_demo {
        return demo_platform(global, epoch).map(Choice::Demo).map_err(bad);
    }
    if global.docker || global.docker_host.is_some() {
        let host = docker::host(global.docker_host.as_deref());
        return docker::connect(&host, docker::assemble::Scope::default())
            .await
            .map(Choice::Docker)
            .map_err(|e| (exit::UNAVAILABLE, format!("{e:#}")));
    }
    let catalog = catalog(global, paths).map_err(bad)?;
    if catalog.docker().next().is_some() {
        return mixed(global, &catalog)
            .await
            .map_err(|e| (exit::UNAVAILABLE, e));
    }
    let asked_kube =
        global.context.is_some() || global.namespace.is_some() || !catalog.environment.is_empty();
    if !asked_kube && !kubeconfig_present() {
        return demo_platform(global, epoch).map(Choice::Demo).map_err(bad);
    }
    let options = KubeOptions {
        context: global.context.clone(),
        namespace: global.namespace.clone(),
        system_namespaces: global.all_namespaces,
    };
    kube::connect(&options, &catalog)
        .await
        .map(Choice::Kube)
        .map_err(|e| (exit::UNAVAILABLE, format!("{e:#}")))
}

/// The catalog's Docker engines (each showing its environments only) and, when the
/// catalog also names Kubernetes namespaces (or --context/-n asks), the kube platform.
async fn mixed(global: &Global, catalog: &Catalog) -> Result<Choice, String> {
    let mut engines: Vec<(String, docker::assemble::Scope)> = Vec::new();
    for (e, engine) in catalog.docker() {
        let host = if engine == "default" {
            docker::host(global.docker_host.as_deref())
        } else {
            engine.to_string()
        };
        let i = match engines.iter().position(|(h, _)| *h == host) {
            Some(i) => i,
            None => {
                engines.push((host, docker::assemble::Scope::default()));
                engines.len() - 1
            }
        };
        let scope = &mut engines[i].1;
        scope.only.push((e.line.clone(), e.env.clone()));
        if let Some(t) = e.tier {
            scope.tiers.push((e.line.clone(), e.env.clone(), t));
        }
    }
    let mut dockers = Vec::new();
    for (host, scope) in engines {
        let setup = docker::connect(&host, scope)
            .await
            .map_err(|e| format!("{e:#}"))?;
        dockers.push(setup);
    }
    let wants_kube =
        catalog.kube().next().is_some() || global.context.is_some() || global.namespace.is_some();
    let kube = if wants_kube {
        let options = KubeOptions {
            context: global.context.clone(),
            namespace: global.namespace.clone(),
            system_namespaces: global.all_namespaces,
        };
        Some(
            kube::connect(&options, catalog)
                .await
                .map_err(|e| format!("{e:#}"))?,
        )
    } else {
        None
    };
    Ok(Choice::Mixed {
        kube,
        docker: dockers,
    })
}

/// Where a kubeconfig would be found (KUBECONFIG, else ~/.kube/config).
pub fn kubeconfig_present() -> bool {
    if let Some(v) = std::env::var_os("KUBECONFIG") {
        return std::env::split_paths(&v).any(|p| p.is_file());
    }
    std::env::var_os("HOME")
        .map(|h| std::path::Path::new(&h).join(".kube").join("config"))
        .is_some_and(|p| p.is_file())
}

/// The demo platform from --scenario (or the built-in one), seeded by --seed. The file
/// is read through `scenario::load`: a regular file, bounded in size, checked throughout.
pub fn demo_platform(global: &Global, epoch: i64) -> Result<DemoPlatform, String> {
    let loaded = match &global.scenario {
        Some(path) => scenario::load(path),
        None => scenario::parse(scenario::DEFAULT_SCENARIO_NAME, scenario::DEFAULT_SCENARIO),
    };
    let mut parsed = loaded.map_err(|e| format!("bad scenario: {e}"))?;
    if let Some(seed) = global.seed {
        parsed.scenario.seed = seed;
    }
    Ok(DemoPlatform::new(&parsed, epoch))
}

/// Why the demo platform is used (shown in the events view), if there is something to say.
pub fn demo_reason(global: &Global) -> Option<String> {
    if global.demo || global.scenario.is_some() {
        None
    } else {
        Some("no kubeconfig found: running the embedded demo platform (--demo)".into())
    }
}

/// The OS identity this process runs as: its uid, the uid's name in the password
/// database (`uid N` when it has none), `$USER` when it names someone else, and the
/// operator name given beside it.
pub fn identity(operator: Option<String>) -> Identity {
    // SAFETY: getuid cannot fail.
    let uid = unsafe { libc::getuid() };
    let name = passwd_name(uid).unwrap_or_else(|| format!("uid {uid}"));
    let env_user = std::env::var("USER")
        .ok()
        .filter(|u| !u.is_empty() && *u != name);
    let sudo_user = std::env::var("SUDO_USER")
        .ok()
        .filter(|u| !u.is_empty() && *u != name);
    Identity {
        uid,
        name,
        env_user,
        sudo_user,
        operator,
    }
}

/// The name of `uid` in the password database (files, LDAP… as NSS is set up).
fn passwd_name(uid: libc::uid_t) -> Option<String> {
    let mut buf = vec![0u8; 4096];
    loop {
        // SAFETY: getpwuid_r writes into `pwd` and `buf` (of the length given) only, and
        // sets `result` to null or to `pwd`; the name is copied out before `buf` is freed.
        let mut pwd: libc::passwd = unsafe { std::mem::zeroed() };
        let mut result: *mut libc::passwd = std::ptr::null_mut();
        let rc = unsafe {
            libc::getpwuid_r(
                uid,
                &mut pwd,
                buf.as_mut_ptr().cast(),
                buf.len(),
                &mut result,
            )
        };
        if rc == libc::ERANGE && buf.len() < 1 << 20 {
            buf.resize(buf.len() * 2, 0);
            continue;
        }
        if rc != 0 || result.is_null() || pwd.pw_name.is_null() {
            return None;
        }
        // SAFETY: pw_name points to a NUL-terminated string inside `buf`.
        let name = unsafe { std::ffi::CStr::from_ptr(pwd.pw_name) };
        return Some(name.to_string_lossy().into_owned());
    }
}

/// A short name for defaults such as the Kafka consumer group.
pub fn user() -> String {
    std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| "unknown".into())
}
