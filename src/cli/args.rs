//! Checks of command-line values where they enter: each parser refuses what would be
//! silently wrong later (an empty revision that disables the guard, NaN seconds, a weight
//! over 100, control characters in text that ends up in history and on terminals).

use crate::domain::text::{MAX_NAME, MAX_TEXT, printable};

/// `--if-revision`: a revision as `status -o json` prints it; never empty.
pub fn revision(s: &str) -> Result<String, String> {
    if s.trim().is_empty() {
        return Err("an empty revision would disable the check: give the `revision` that `status -o json` printed".into());
    }
    if s.chars().any(char::is_whitespace) {
        return Err(format!("{s:?} is not a revision (no spaces in a revision)"));
    }
    printable("the revision", s, MAX_NAME)
}

/// `--why`: free text, one line.
pub fn why(s: &str) -> Result<String, String> {
    printable("--why", s, MAX_TEXT)
}

/// `--as` and version arguments: a non-empty name.
pub fn name(s: &str) -> Result<String, String> {
    crate::domain::text::name(s)
}

/// `--kafka-from`: checked here so a bad value is an argument error (exit 2).
pub fn kafka_start(s: &str) -> Result<String, String> {
    crate::telemetry::kafka::StartAt::parse(s, 0).map(|_| s.to_string())
}

/// A target: `LINE`, `LINE/ENV` or `LINE/ENV/SERVICE`, each part a name.
pub fn target(s: &str) -> Result<String, String> {
    printable("the target", s, 200)?;
    if s.split('/').count() > 3 || s.split('/').any(|p| p.trim().is_empty()) {
        return Err(format!("{s:?} is not LINE, LINE/ENV or LINE/ENV/SERVICE"));
    }
    Ok(s.to_string())
}

/// A version (deploy, canary start): what an image tag and a label value can hold.
pub fn version(s: &str) -> Result<String, String> {
    crate::domain::change::valid_version(s)
        .map(|()| s.to_string())
        .map_err(|e| e.0)
}

/// A traffic tag.
pub fn tag(s: &str) -> Result<String, String> {
    crate::domain::change::valid_tag(s)
        .map(|()| s.to_string())
        .map_err(|e| e.0)
}

/// Seconds: finite, from 0 to a day.
pub fn seconds(s: &str) -> Result<f64, String> {
    let v: f64 = s
        .parse()
        .map_err(|_| format!("{s:?} is not a number of seconds"))?;
    if !v.is_finite() || !(0.0..=86_400.0).contains(&v) {
        return Err(format!("{s} is not a number of seconds from 0 to 86400"));
    }
    Ok(v)
}

/// A rate of requests per second: finite, above 0, at most a million.
pub fn rate(s: &str) -> Result<f64, String> {
    let v: f64 = s.parse().map_err(|_| format!("{s:?} is not a rate"))?;
    if !v.is_finite() || v <= 0.0 || v > 1_000_000.0 {
        return Err(format!("{s} is not a rate from above 0 to 1000000 req/s"));
    }
    Ok(v)
}

/// A ratio from 0 to 1 (0.01 is one percentage point).
pub fn ratio(s: &str) -> Result<f64, String> {
    let v: f64 = s.parse().map_err(|_| format!("{s:?} is not a ratio"))?;
    if !v.is_finite() || !(0.0..=1.0).contains(&v) {
        return Err(format!(
            "{s} is not a ratio from 0 to 1 (0.01 is one percentage point)"
        ));
    }
    Ok(v)
}

/// A factor of at least 1 (how many times a figure may grow), at most 100.
pub fn factor(s: &str) -> Result<f64, String> {
    let v: f64 = s.parse().map_err(|_| format!("{s:?} is not a factor"))?;
    if !v.is_finite() || !(1.0..=100.0).contains(&v) {
        return Err(format!("{s} is not a factor from 1 to 100"));
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_or_malformed_revisions_are_errors() {
        assert!(revision("").is_err());
        assert!(revision("  ").is_err());
        assert!(revision("3 4").is_err());
        assert!(revision("12/7/-").is_ok());
    }

    #[test]
    fn numbers_are_finite_and_in_range() {
        for bad in ["nan", "inf", "-1", "1e9", "x"] {
            assert!(seconds(bad).is_err(), "{bad}");
        }
        assert_eq!(seconds("2.5"), Ok(2.5));
        assert!(rate("0").is_err() && rate("NaN").is_err() && rate("10").is_ok());
    }

    #[test]
    fn text_without_control_characters() {
        assert!(why("rollback: p99 up").is_ok());
        assert!(why("evil\x1b]52;c;AAAA\x07").is_err());
        assert!(name("").is_err());
        assert!(name(&"x".repeat(200)).is_err());
    }
}
