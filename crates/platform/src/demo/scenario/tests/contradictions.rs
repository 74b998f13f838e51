//! Duplicates and contradictions, each rejected at the line that makes it.

use super::*;

/// BASE with a second product line appended (its own environments and one service).
fn with_second_line(name: &str, env: &str, namespace: &str) -> String {
    format!(
        "{BASE}\n[[line]]\nname = \"{name}\"\nbase_image = \"b\"\nregistry = \"r\"\n\n[[line.env]]\nname = \"{env}\"\ntier = \"production\"\ncluster = \"c\"\n{namespace}\n[[line.service]]\nname = \"x\"\ncapacity = 1.0\nreplicas = 1\nversions = [\"1\"]\nversion = \"1\"\n"
    )
}

/// BASE with api running in dev only (its per-environment values follow).
fn api_only_in_dev(text: &str) -> String {
    let t = edit(
        text,
        "replicas = { default = 1, prod = 2 }",
        "replicas = 1\nenvs = [\"dev\"]",
    );
    let t = edit(
        &t,
        "version = { default = \"1.1\", prod = \"1.0\" }",
        "version = \"1.0\"",
    );
    edit(&t, "config_env.prod", "config_env.dev")
}

/// BASE where api calls nothing.
fn no_calls() -> String {
    edit(BASE, "calls = { db = 1.0 }", "")
}

#[test]
fn lines_environments_and_services_are_defined_once() {
    let text = with_second_line("trade", "dev", "");
    let err = rejected_at(
        &text,
        "name = \"trade\"\nbase_image = \"b\"",
        "product line trade is defined twice",
    );
    assert!(
        err.reason.contains(&format!(
            "first at line {}",
            line_of(BASE, "name = \"trade\"")
        )),
        "{err}"
    );
    let text = edit(BASE, "name = \"prod\"", "name = \"dev\"");
    rejected_at(
        &text,
        "name = \"dev\"\ntier = \"production\"",
        "environment dev is defined twice",
    );
    let text = edit(BASE, "name = \"db\"", "name = \"api\"");
    rejected_at(
        &text,
        "name = \"api\"\ncapacity = 100.0\nreplicas = 1",
        "service api is defined twice",
    );
}

#[test]
fn two_environments_cannot_share_a_namespace() {
    // trade/dev's default namespace is trade-dev.
    let text = with_second_line("other", "e", "namespace = \"trade-dev\"");
    rejected_at(&text, "namespace = \"trade-dev\"", "like trade/dev (line");
    parse("t.toml", &with_second_line("other", "dev", "")).unwrap();
}

#[test]
fn versions_are_listed_once() {
    let err = edit_rejected(
        "versions = [\"2.0\"]",
        "versions = [\"2.0\", \"2.0\"]",
        "version 2.0 is defined twice",
    );
    assert_eq!(err.column, 20, "{err}");
}

#[test]
fn envs_lists_known_environments_once_and_not_none() {
    let db_envs = |list: &str| {
        edit(
            &no_calls(),
            "version = \"2.0\"",
            &format!("version = \"2.0\"\nenvs = {list}"),
        )
    };
    rejected_at(&db_envs("[]"), "envs = []", "would run nowhere");
    rejected_at(
        &db_envs("[\"dev\", \"dev\"]"),
        "envs = [",
        "environment dev is defined twice",
    );
    rejected_at(
        &db_envs("[\"qa\"]"),
        "envs = [",
        "unknown environment \"qa\"",
    );
    parse("t.toml", &db_envs("[\"dev\"]")).unwrap();
}

#[test]
fn per_environment_values_name_environments_where_the_service_runs() {
    let text = edit(
        BASE,
        "version = \"2.0\"",
        "version = \"2.0\"\nenvs = [\"prod\"]",
    );
    // db runs in prod only, but api (everywhere) calls it.
    rejected_at(
        &text,
        "calls = { db",
        "service api calls db, which does not run in dev (where api runs)",
    );
    let api_prod = edit(
        BASE,
        "replicas = { default = 1, prod = 2 }",
        "replicas = { default = 1, prod = 2 }\nenvs = [\"prod\"]",
    );
    parse("t.toml", &api_prod).unwrap();
    let text = edit(
        &api_prod,
        "replicas = { default = 1, prod = 2 }",
        "replicas = { dev = 1, prod = 2 }",
    );
    rejected_at(
        &text,
        "replicas = { dev = 1",
        "replicas names dev, where service api does not run",
    );
    let text = edit(
        &api_prod,
        "version = { default = \"1.1\", prod = \"1.0\" }",
        "version = { dev = \"1.1\", prod = \"1.0\" }",
    );
    rejected_at(
        &text,
        "version = { dev",
        "version names dev, where service api does not run",
    );
    let text = edit(&api_prod, "config_env.prod", "config_env.dev");
    rejected_at(
        &text,
        "config_env.dev",
        "config_env names dev, where service api does not run",
    );
}

#[test]
fn every_running_environment_has_a_version_and_replicas() {
    edit_rejected(
        "version = { default = \"1.1\", prod = \"1.0\" }",
        "version = { prod = \"1.0\" }",
        "service api has no version for dev (add a default)",
    );
    edit_rejected(
        "replicas = { default = 1, prod = 2 }",
        "replicas = { prod = 2 }",
        "service api has no replica count for dev",
    );
    edit_rejected(
        "version = { default = \"1.1\", prod = \"1.0\" }",
        "version = { default = \"1.1\", prod = \"3.0\" }",
        "version 3.0 in prod is not in versions",
    );
}

#[test]
fn calls_must_reach_a_running_service_other_than_itself_without_cycles() {
    edit_rejected(
        "calls = { db = 1.0 }",
        "calls = { api = 1.0 }",
        "service api calls itself",
    );
    let text = edit(
        BASE,
        "version = \"2.0\"",
        "version = \"2.0\"\ncalls = { api = 0.5 }",
    );
    rejected_at(
        &text,
        "calls = { db = 1.0 }",
        "the calls between services form a cycle",
    );
}

#[test]
fn a_service_has_at_most_one_canary_per_environment() {
    let second = "[[line.service.canary]]\nenv = \"prod\"\nversion = \"1.1\"\nweight = 5\n\n[[line.service]]\nname = \"db\"";
    let text = edit(BASE, "[[line.service]]\nname = \"db\"", second);
    let err = rejected_at(
        &text,
        "env = \"prod\"\nversion = \"1.1\"\nweight = 5",
        "canary for environment prod is defined twice",
    );
    assert!(err.reason.contains("first at line"), "{err}");
}

#[test]
fn a_canary_runs_where_its_service_runs_with_a_known_version_and_replicas() {
    let text = api_only_in_dev(BASE);
    let text = edit(
        &text,
        "env = \"prod\"\nversion = \"1.1\"",
        "env = \"prod\" # here\nversion = \"1.1\"",
    );
    rejected_at(
        &text,
        "env = \"prod\" # here",
        "the canary names prod, where service api does not run",
    );
    edit_rejected(
        "env = \"prod\"\nversion = \"1.1\"",
        "env = \"qa\"\nversion = \"1.1\"",
        "unknown environment \"qa\"",
    );
    edit_rejected(
        "version = \"1.1\"\nweight",
        "version = \"9.9\"\nweight",
        "canary version 9.9 is not in versions",
    );
    edit_rejected(
        "version = \"1.1\"\nweight",
        "version = \"1.0\"\nweight",
        "runs 1.0, the stable version there",
    );
    edit_rejected(
        "replicas = 1\nerror_rate = 0.05",
        "replicas = 0\nerror_rate = 0.05",
        "has weight 10 but 0 replicas",
    );
    parse(
        "t.toml",
        &edit(
            BASE,
            "weight = 10\nreplicas = 1",
            "weight = 0\nreplicas = 0",
        ),
    )
    .unwrap();
}

#[test]
fn tag_routes_are_listed_once() {
    edit_rejected(
        "tag_routes = [\"beta\"]",
        "tag_routes = [\"beta\", \"beta\"]",
        "tag route beta is defined twice",
    );
}

#[test]
fn secrets_name_config_keys_once() {
    edit_rejected(
        "secrets = [\"token\"]",
        "secrets = [\"tokn\"]",
        "secret \"tokn\" of service api is not a config key",
    );
    edit_rejected(
        "secrets = [\"token\"]",
        "secrets = [\"token\", \"token\"]",
        "secret token is defined twice",
    );
    // A key given only for one environment can be a secret.
    let text = edit(
        BASE,
        "config_env.prod = { log_level = \"warn\" }",
        "config_env.prod = { log_level = \"warn\", key = \"k\" }",
    );
    parse(
        "t.toml",
        &edit(
            &text,
            "secrets = [\"token\"]",
            "secrets = [\"token\", \"key\"]",
        ),
    )
    .unwrap();
}

#[test]
fn releases_are_of_running_services_between_two_versions() {
    edit_rejected(
        "service = \"api\"\nenv = \"prod\"\nfrom",
        "service = \"web\"\nenv = \"prod\"\nfrom",
        "release of unknown service \"web\"",
    );
    edit_rejected(
        "env = \"prod\"\nfrom",
        "env = \"qa\"\nfrom",
        "unknown environment \"qa\"",
    );
    let text = edit(
        BASE,
        "replicas = 1\nversions",
        "replicas = 1\nenvs = [\"prod\"]\nversions",
    );
    let text = edit(&text, "calls = { db = 1.0 }", "");
    let text = edit(
        &text,
        "service = \"api\"\nenv = \"prod\"",
        "service = \"db\"\nenv = \"dev\"",
    );
    rejected_at(
        &text,
        "env = \"dev\"\nfrom",
        "release of db in dev, where it does not run",
    );
    edit_rejected(
        "to = \"1.0\"",
        "to = \"0.9\"",
        "a release from 0.9 to the same version",
    );
    edit_rejected(
        "state = \"complete\"",
        "state = \"progressing\"",
        "cannot be progressing",
    );
}

#[test]
fn the_latest_release_agrees_with_the_running_version() {
    let newer = "[[line.release]]\nservice = \"api\"\nenv = \"prod\"\nfrom = \"1.0\"\nto = \"1.1\"\nwho = \"ci\"\nwhy = \"later\"\nago_minutes = 10\nstate = \"complete\"\n";
    let text = format!("{BASE}\n{newer}");
    let err = rejected_at(&text, "to = \"1.1\"", "the latest release of api in prod");
    assert!(
        err.reason
            .contains("leaves it at 1.1, but its version there is 1.0"),
        "{err}"
    );
    // Failed: the service stays at `from`.
    let failed = newer.replace("\"complete\"", "\"failed\"");
    parse("t.toml", &format!("{BASE}\n{failed}")).unwrap();
    // Older than the one in BASE: BASE's (to 1.0) is still the latest.
    let older = newer.replace("ago_minutes = 10", "ago_minutes = 100");
    parse("t.toml", &format!("{BASE}\n{older}")).unwrap();
}

#[test]
fn profiles_target_running_services_and_one_diurnal() {
    let second = "[[profile]]\nkind = \"diurnal\"\namplitude = 0.1\n\n[[line]]";
    let text = edit(BASE, "[[line]]", second);
    rejected_at(
        &text,
        "[[profile]]\nkind = \"diurnal\"\namplitude = 0.1",
        "a second diurnal profile (the first is at line 7)",
    );
    edit_rejected(
        "service = \"api\"\nstart_s",
        "service = \"web\"\nstart_s",
        "flash-sale targets unknown trade/prod/web",
    );
    let text = api_only_in_dev(BASE);
    let text = edit(
        &text,
        "[[line.service.canary]]\nenv = \"prod\"",
        "[[line.service.canary]]\nenv = \"dev\"",
    );
    let text = edit(
        &text,
        "service = \"api\"\nenv = \"prod\"\nfrom",
        "service = \"api\"\nenv = \"dev\"\nfrom",
    );
    let err = parse("t.toml", &text).unwrap_err();
    assert!(err.reason.contains("but api does not run in prod"), "{err}");
    assert_eq!(
        err.line,
        line_of(&text, "env = \"prod\"\nservice = \"api\""),
        "{err}"
    );
}

/// BASE with a lane in dev appended (`body` after its env line).
fn with_lane(body: &str) -> String {
    format!("{BASE}\n[[line.lane]]\nenv = \"dev\"\n{body}\nwho = \"mei\"\nago_minutes = 5\n")
}

#[test]
fn lanes_name_services_that_run_there_at_listed_versions() {
    let ok = with_lane("name = \"x\"\nservices = { api = \"1.0\", db = \"2.0\" }\nentry_share = 5");
    let s = parse("t.toml", &ok).unwrap();
    assert_eq!(s.lines[0].lanes.len(), 1);
    rejected_at(
        &with_lane("name = \"x\"\nservices = { nope = \"1.0\" }"),
        "services = { nope",
        "lane x names unknown service \"nope\"",
    );
    rejected_at(
        &with_lane("name = \"x\"\nservices = { api = \"9.9\" }"),
        "services = { api = \"9.9\"",
        "api 9.9 is not one of its versions (1.0, 1.1)",
    );
    rejected_at(
        &with_lane("name = \"X y\"\nservices = { api = \"1.0\" }"),
        "name = \"X y\"",
        "is not a lane name",
    );
    rejected_at(
        &with_lane("name = \"x\"\nservices = {}"),
        "services = {}",
        "lane x has no service",
    );
    let two = format!(
        "{}\n[[line.lane]]\nenv = \"dev\"\nname = \"y\"\nservices = {{ db = \"2.0\" }}\nentry_share = 60\nwho = \"mei\"\nago_minutes = 5\n",
        with_lane("name = \"x\"\nservices = { api = \"1.0\" }\nentry_share = 50")
    );
    rejected_at(
        &two,
        "[[line.lane]]",
        "lanes of dev: the lanes' entry shares add up to 110 %",
    );
}
