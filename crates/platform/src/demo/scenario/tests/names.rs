//! Names and text: non-empty identifiers, no `/` in line/env/service names, bounded
//! length, no control or text-direction characters anywhere.

use super::*;

#[test]
fn line_env_and_service_names_are_path_parts() {
    edit_rejected("name = \"trade\"", "name = \"tr/ade\"", "contains '/'");
    edit_rejected(
        "name = \"dev\"",
        "name = \"\"",
        "the environment name is empty",
    );
    edit_rejected("name = \"db\"", "name = \"d b\"", "contains white space");
    let long = format!("name = \"{}\"", "s".repeat(65));
    edit_rejected("name = \"db\"", &long, "is 65 characters long (at most 64)");
    let name = "s".repeat(64);
    let text = BASE
        .replace("\"db\"", &format!("\"{name}\""))
        .replace("{ db =", &format!("{{ {name} ="));
    parse("t.toml", &text).unwrap();
}

#[test]
fn an_environment_cannot_be_called_default() {
    edit_rejected(
        "name = \"dev\"",
        "name = \"default\"",
        "cannot be called \"default\"",
    );
}

#[test]
fn versions_tags_clusters_and_namespaces_are_identifiers() {
    edit_rejected(
        "versions = [\"2.0\"]",
        "versions = [\"2.0\", \"2 .1\"]",
        "the version \"2 .1\" contains white space",
    );
    edit_rejected(
        "versions = [\"2.0\"]",
        "versions = [\"2.0\", \"a:b\"]",
        "contains ':'",
    );
    edit_rejected(
        "versions = [\"2.0\"]",
        "versions = [\"2.0\", \"\"]",
        "the version is empty",
    );
    edit_rejected(
        "tag_routes = [\"beta\"]",
        "tag_routes = [\"be ta\"]",
        "a tag route",
    );
    edit_rejected(
        "cluster = \"c\"\ntraffic_share",
        "cluster = \"\"\ntraffic_share",
        "cluster is empty",
    );
    let text = edit(
        BASE,
        "traffic_share = 1.0",
        "traffic_share = 1.0\nnamespace = \"a b\"",
    );
    rejected_at(
        &text,
        "namespace = \"a b\"",
        "namespace \"a b\" contains white space",
    );
    edit_rejected(
        "base_image = \"base:1\"",
        "base_image = \"base 1\"",
        "base_image",
    );
    edit_rejected(
        "log_level = \"warn\"",
        "log_level = \"warn\", \"bad key\" = \"x\"",
        "a config key",
    );
}

#[test]
fn release_authors_are_labels_and_reasons_free_text() {
    edit_rejected("who = \"mei\"", "who = \" \"", "who is empty");
    parse("t.toml", &edit(BASE, "who = \"mei\"", "who = \"Mei Chen\"")).unwrap();
    parse("t.toml", &edit(BASE, "why = \"fix\"", "why = \"\"")).unwrap();
    let long = format!("why = \"{}\"", "w".repeat(257));
    edit_rejected(
        "why = \"fix\"",
        &long,
        "why is 257 characters long (at most 256)",
    );
}

#[test]
fn control_characters_are_refused_everywhere() {
    edit_rejected(
        "name = \"t\"",
        "name = \"t\\e[31m\"",
        "scenario.name contains the control character U+001B",
    );
    edit_rejected(
        "why = \"fix\"",
        "why = \"fix\\u0007\"",
        "why contains the control character U+0007",
    );
    edit_rejected(
        "log_level = \"warn\"",
        "log_level = \"w\\u0000\"",
        "config_env.prod.log_level contains",
    );
    edit_rejected(
        "token = \"t\"",
        "\"to\\u001bken\" = \"t\"",
        "the key \"to\\u{1b}ken\" contains the control character",
    );
    edit_rejected(
        "tag_routes = [\"beta\"]",
        "tag_routes = [\"beta\\r\"]",
        "tag_routes[0] contains the control character U+000D",
    );
    edit_rejected("who = \"mei\"", "who = \"\\u009b\"", "U+009B");
}

#[test]
fn text_direction_characters_are_refused_everywhere() {
    for c in ['\u{202A}', '\u{202E}', '\u{2066}', '\u{2069}'] {
        let to = format!("who = \"m{c}ei\"");
        let err = edit_rejected("who = \"mei\"", &to, "text-direction character");
        assert!(
            err.reason.contains(&format!("U+{:04X}", u32::from(c))),
            "{err}"
        );
    }
    edit_rejected(
        "registry = \"reg/trade\"",
        "registry = \"reg/\\u202Etrade\"",
        "registry contains the text-direction",
    );
}

#[test]
fn every_string_is_bounded() {
    let long = format!("log_level = \"{}\"", "x".repeat(300));
    edit_rejected(
        "log_level = \"info\"",
        &long,
        "config.log_level is 300 characters long",
    );
    let key = "k".repeat(300);
    edit_rejected("token = \"t\"", &format!("{key} = \"t\""), "the key");
}
