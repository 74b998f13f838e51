//! Is a canary (or the version a tag routes to) doing worse than stable? A verdict from
//! the calls each received over the same window, only when both had enough calls to mean
//! it.
//!
//! The rule (documented in the README): over the comparison window, both stable and the
//! canary must have received at least [`MIN_CALLS`] calls. The canary is **worse** when
//! its error ratio is at least [`ERROR_FACTOR`]× stable's and at least
//! [`ERROR_MARGIN`] above it (1 % vs 0.1 % is worse; 0.2 % vs 0.1 % is noise), or when its
//! p99 is at least [`P99_FACTOR`]× stable's and [`P99_MARGIN_MS`] above it. Otherwise it is
//! **as good**; without enough calls, **not enough calls** (no verdict).

/// Calls each side needs in the window before anything is said.
pub const MIN_CALLS: f64 = 100.0;
pub const ERROR_FACTOR: f64 = 2.0;
pub const ERROR_MARGIN: f64 = 0.01;
pub const P99_FACTOR: f64 = 1.5;
pub const P99_MARGIN_MS: f64 = 50.0;

/// What one side (stable or canary) received over the window.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Observed {
    pub calls: f64,
    pub error_ratio: f64,
    pub p99_ms: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// Worse than stable, with why in words and figures.
    Worse(String),
    AsGood,
    /// Fewer calls than [`MIN_CALLS`] on one side: nothing can be said yet.
    NotEnoughCalls,
}

pub fn compare(stable: Observed, canary: Observed) -> Verdict {
    if stable.calls < MIN_CALLS || canary.calls < MIN_CALLS {
        return Verdict::NotEnoughCalls;
    }
    let mut why = Vec::new();
    if canary.error_ratio >= stable.error_ratio * ERROR_FACTOR
        && canary.error_ratio >= stable.error_ratio + ERROR_MARGIN
    {
        let times = if stable.error_ratio > 0.0 {
            format!(" ({:.0}×)", canary.error_ratio / stable.error_ratio)
        } else {
            String::new()
        };
        why.push(format!(
            "errors {:.1}% vs stable {:.1}%{times}",
            canary.error_ratio * 100.0,
            stable.error_ratio * 100.0
        ));
    }
    if canary.p99_ms >= stable.p99_ms * P99_FACTOR && canary.p99_ms >= stable.p99_ms + P99_MARGIN_MS
    {
        why.push(format!(
            "p99 {:.0} ms vs stable {:.0} ms",
            canary.p99_ms, stable.p99_ms
        ));
    }
    if why.is_empty() {
        Verdict::AsGood
    } else {
        Verdict::Worse(format!(
            "{} over {:.0} and {:.0} calls",
            why.join(", "),
            canary.calls,
            stable.calls
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen(calls: f64, error_ratio: f64, p99_ms: f64) -> Observed {
        Observed {
            calls,
            error_ratio,
            p99_ms,
        }
    }

    #[test]
    fn fifty_times_the_errors_is_worse_and_says_so() {
        let v = compare(seen(3000.0, 0.001, 80.0), seen(300.0, 0.05, 85.0));
        let Verdict::Worse(why) = v else {
            panic!("{v:?}")
        };
        assert!(why.contains("errors 5.0% vs stable 0.1% (50×)"), "{why}");
    }

    #[test]
    fn slower_p99_is_worse_small_differences_are_noise() {
        assert!(matches!(
            compare(seen(1000.0, 0.0, 100.0), seen(200.0, 0.0, 400.0)),
            Verdict::Worse(w) if w.contains("p99 400 ms vs stable 100 ms")
        ));
        assert_eq!(
            compare(seen(1000.0, 0.001, 100.0), seen(200.0, 0.002, 130.0)),
            Verdict::AsGood,
            "2× of a tiny ratio and +30 ms are noise"
        );
    }

    #[test]
    fn few_calls_give_no_verdict() {
        assert_eq!(
            compare(seen(1000.0, 0.0, 100.0), seen(20.0, 0.5, 900.0)),
            Verdict::NotEnoughCalls
        );
    }
}
