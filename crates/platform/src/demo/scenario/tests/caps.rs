//! Caps on lists and on what the simulation builds from a scenario.

use super::*;

/// A service body: capacity, one replica, one version.
fn plain(_: usize) -> String {
    "capacity = 1.0\nreplicas = 1\nversions = [\"1\"]\nversion = \"1\"\n".into()
}

/// `lines` product lines of `envs` environments and `services` services (`body` gives
/// each service's settings after its name).
fn fleet(lines: usize, envs: usize, services: usize, body: impl Fn(usize) -> String) -> String {
    let mut t = String::from("[scenario]\nname = \"big\"\n");
    for l in 0..lines {
        t += &format!("\n[[line]]\nname = \"l{l}\"\nbase_image = \"b\"\nregistry = \"r\"\n");
        for e in 0..envs {
            t += &format!(
                "\n[[line.env]]\nname = \"e{e}\"\ntier = \"non-production\"\ncluster = \"c\"\n"
            );
        }
        for s in 0..services {
            t += &format!("\n[[line.service]]\nname = \"s{s}\"\n{}", body(s));
        }
    }
    t
}

fn header_of_service(s: usize) -> String {
    format!("[[line.service]]\nname = \"s{s}\"\n")
}

#[test]
fn lists_are_capped() {
    rejected_at(
        &fleet(65, 1, 1, plain),
        "[[line]]\nname = \"l64\"",
        "too many product lines: 65 (at most 64)",
    );
    rejected_at(
        &fleet(1, 33, 1, plain),
        "[[line.env]]\nname = \"e32\"",
        "too many environments in line l0: 33 (at most 32)",
    );
    rejected_at(
        &fleet(1, 1, 513, plain),
        &header_of_service(512),
        "too many services in line l0: 513 (at most 512)",
    );
    let calls = |s: usize| {
        let deps: Vec<String> = (1..=65).map(|d| format!("s{d} = 1.0")).collect();
        let calls = if s == 0 {
            format!("calls = {{ {} }}\n", deps.join(", "))
        } else {
            String::new()
        };
        format!("{}{calls}", plain(s))
    };
    rejected_at(
        &fleet(1, 1, 66, calls),
        "calls = {",
        "too many calls of service s0: 65 (at most 64)",
    );
}

#[test]
fn a_service_s_lists_are_capped() {
    let versions: Vec<String> = (0..65).map(|v| format!("\"{v}\"")).collect();
    let to = format!("versions = [{}]", versions.join(", "));
    edit_rejected(
        "versions = [\"2.0\"]",
        &to,
        "too many versions of service db: 65 (at most 64)",
    );
    let keys: Vec<String> = (0..129).map(|k| format!("k{k} = \"v\"")).collect();
    let to = format!("config = {{ token = \"t\", {} }}", keys.join(", "));
    edit_rejected(
        "config = { log_level = \"info\", token = \"t\" }",
        &to,
        "too many config entries of service api: 130 (at most 128)",
    );
    let tags: Vec<String> = (0..17).map(|t| format!("\"t{t}\"")).collect();
    let to = format!("tag_routes = [{}]", tags.join(", "));
    edit_rejected(
        "tag_routes = [\"beta\"]",
        &to,
        "too many tag routes of the canary of api: 17 (at most 16)",
    );
    let secrets: Vec<String> = (0..65).map(|t| format!("\"s{t}\"")).collect();
    let to = format!("secrets = [{}]", secrets.join(", "));
    edit_rejected(
        "secrets = [\"token\"]",
        &to,
        "too many secrets of service api: 65 (at most 64)",
    );
}

#[test]
fn profiles_and_releases_are_capped() {
    let profile = "[[profile]]\nkind = \"flash-sale\"\nline = \"trade\"\nenv = \"prod\"\nservice = \"db\"\nstart_s = 1\nduration_s = 1\nfactor = 1.5\n\n";
    let text = edit(BASE, "[[line]]", &format!("{}[[line]]", profile.repeat(63)));
    let err = parse("t.toml", &text).unwrap_err();
    assert!(
        err.reason.contains("too many profiles: 65 (at most 64)"),
        "{err}"
    );
    let release = &BASE[BASE.find("[[line.release]]").unwrap()..];
    let text = format!("{BASE}{}", format!("\n{release}").repeat(1000));
    let err = parse("t.toml", &text).unwrap_err();
    assert!(
        err.reason
            .contains("too many releases in line trade: 1001 (at most 1000)"),
        "{err}"
    );
}

#[test]
fn service_instances_are_capped() {
    // 32 environments × 63 services: the 63rd crosses 2000.
    let err = rejected_at(
        &fleet(1, 32, 63, plain),
        &header_of_service(62),
        "more than 2000 service instances",
    );
    assert!(err.reason.starts_with("with service s62 "), "{err}");
    parse("t.toml", &fleet(1, 32, 62, plain)).unwrap();
}

#[test]
fn call_edges_are_capped() {
    // Service s calls every later one, in 32 environments.
    let body = |s: usize| {
        let deps: Vec<String> = (s + 1..30).map(|d| format!("s{d} = 0.01")).collect();
        format!("{}calls = {{ {} }}\n", plain(s), deps.join(", "))
    };
    let mut edges = 0;
    let crossing = (0..30)
        .find(|s| {
            edges += 32 * (29 - s);
            edges > 10_000
        })
        .unwrap();
    rejected_at(
        &fleet(1, 32, 30, body),
        &header_of_service(crossing),
        "more than 10000 calls between services",
    );
}

#[test]
fn replicas_are_capped_over_the_scenario() {
    let body = |_: usize| {
        "capacity = 1.0\nreplicas = 1000\nversions = [\"1\"]\nversion = \"1\"\n".to_string()
    };
    // 32 000 per service: the 4th crosses 100 000.
    rejected_at(
        &fleet(1, 32, 10, body),
        &header_of_service(3),
        "more than 100000 replicas",
    );
}

#[test]
fn copied_entries_are_capped() {
    let versions: Vec<String> = (0..64).map(|v| format!("\"{v}\"")).collect();
    let body = move |_: usize| {
        format!(
            "capacity = 1.0\nreplicas = 1\nversions = [{}]\nversion = \"1\"\n",
            versions.join(", ")
        )
    };
    // 64 versions × 32 environments = 2048 per service: the 49th crosses 100 000.
    rejected_at(
        &fleet(1, 32, 60, body),
        &header_of_service(48),
        "more than 100000 versions, config entries and secrets",
    );
}

#[test]
fn the_peak_rate_along_the_calls_is_capped() {
    // s0 takes 1e6 requests/s × 0.05 (share); each hop multiplies by 100.
    let body = |s: usize| {
        let entry = if s == 0 { "entry_rps = 1e6\n" } else { "" };
        let calls = if s < 4 {
            format!("calls = {{ s{} = 100.0 }}\n", s + 1)
        } else {
            String::new()
        };
        format!("{}{entry}{calls}", plain(s))
    };
    let err = rejected_at(
        &fleet(1, 1, 5, body),
        &header_of_service(3),
        "at the peak, service s3 in e0 would receive 5.000e10 requests/s",
    );
    assert!(err.reason.contains("at most 1e9"), "{err}");
    let body = |s: usize| {
        let entry = if s == 0 { "entry_rps = 1e6\n" } else { "" };
        let calls = if s < 2 {
            format!("calls = {{ s{} = 100.0 }}\n", s + 1)
        } else {
            String::new()
        };
        format!("{}{entry}{calls}", plain(s))
    };
    parse("t.toml", &fleet(1, 1, 3, body)).unwrap();
}

#[test]
fn flash_sales_count_in_the_peak_rate() {
    let text = edit(
        BASE,
        "entry_rps = 50.0",
        "entry_rps = 1e6\nenvs = [\"prod\"]",
    );
    let text = edit(&text, "calls = { db = 1.0 }", "calls = { db = 100.0 }");
    let text = edit(&text, "factor = 2.0", "factor = 20.0");
    let text = edit(
        &text,
        "replicas = { default = 1, prod = 2 }",
        "replicas = 2",
    );
    let text = edit(
        &text,
        "version = { default = \"1.1\", prod = \"1.0\" }",
        "version = \"1.0\"",
    );
    // api: 1e6 × 20 = 2e7; db: 2e9.
    let err = rejected_at(
        &text,
        "[[line.service]]\nname = \"db\"",
        "service db in prod would receive 2.000e9",
    );
    assert!(err.reason.contains("flash-sale factors"), "{err}");
}
