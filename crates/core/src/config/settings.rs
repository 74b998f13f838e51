//! config.toml in the config directory: settings that are not a theme, keymap or catalog.
//! Today: `operator`, the name recorded beside the OS user in the audit log and history,
//! and `notify`, desktop notifications for new critical items.

use super::paths::Paths;
use serde::Deserialize;

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Operator name (overridden by `--as`).
    pub operator: Option<String>,
    /// A new critical item of the attention list is also sent as a desktop notification
    /// (OSC 777 and OSC 9) beside the bell.
    #[serde(default)]
    pub notify: bool,
}

/// The settings, and what was wrong with the file (the defaults are used then).
pub fn load(paths: &Paths) -> (Settings, Vec<String>) {
    let file = paths.config_dir.join("config.toml");
    let text = match std::fs::read_to_string(&file) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return (Settings::default(), vec![]),
        Err(e) => {
            return (
                Settings::default(),
                vec![format!("cannot read {}: {e}", file.display())],
            );
        }
    };
    match parse(&text) {
        Ok(s) => (s, vec![]),
        Err(e) => (
            Settings::default(),
            vec![format!("{}: {e}; settings not applied", file.display())],
        ),
    }
}

pub fn parse(text: &str) -> Result<Settings, String> {
    let s: Settings = toml::from_str(text).map_err(|e| e.message().trim().to_string())?;
    if let Some(op) = &s.operator {
        crate::domain::text::name(op).map_err(|e| format!("operator: {e}"))?;
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notify_is_off_unless_asked() {
        assert_eq!(parse("").map(|s| s.notify), Ok(false));
        assert_eq!(parse("notify = true\n").map(|s| s.notify), Ok(true));
        assert!(parse("notify = \"yes\"\n").is_err());
    }

    #[test]
    fn operator_is_read_and_checked() {
        assert_eq!(
            parse("operator = \"ana\"\n").map(|s| s.operator),
            Ok(Some("ana".into()))
        );
        assert!(parse("operator = \"\"\n").is_err());
        assert!(parse("operator = \"a\\u001b[2J\"\n").is_err());
        assert!(parse("operatr = \"ana\"\n").is_err());
    }
}
