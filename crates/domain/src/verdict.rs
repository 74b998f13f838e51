//! Is a canary (or the version a tag routes to) doing worse than stable? A verdict from
//! the calls each received over the same window, only when both had enough calls to mean
//! it.
//!
//! The rule (documented in the README): over the comparison window, both stable and the
//! canary must have received at least [`MIN_CALLS`] calls. The canary is **worse** when
//! its error ratio is at least [`ERROR_FACTOR`]× stable's and at least
//! [`ERROR_MARGIN`] above it (1 % vs 0.1 % is worse; 0.2 % vs 0.1 % is noise) and the
//! difference is significant (a two-proportion z-test of at least [`MIN_Z`]: 2 errors in
//! 130 calls against none is not), or when its
//! p99 is at least [`P99_FACTOR`]× stable's and [`P99_MARGIN_MS`] above it. Otherwise it is
//! **as good**; without enough calls, **not enough calls** (no verdict).

/// Calls each side needs in the window before anything is said.
pub const MIN_CALLS: f64 = 100.0;
pub const ERROR_FACTOR: f64 = 2.0;
pub const ERROR_MARGIN: f64 = 0.01;
pub const P99_FACTOR: f64 = 1.5;
pub const P99_MARGIN_MS: f64 = 50.0;
/// How many standard errors apart the two error ratios must be.
pub const MIN_Z: f64 = 3.0;

/// The two-proportion z statistic of the canary's error ratio over stable's (pooled).
fn z(stable: Observed, canary: Observed) -> f64 {
    let errors = stable.error_ratio * stable.calls + canary.error_ratio * canary.calls;
    let pooled = errors / (stable.calls + canary.calls);
    let se = (pooled * (1.0 - pooled) * (1.0 / stable.calls + 1.0 / canary.calls)).sqrt();
    if se > 0.0 {
        (canary.error_ratio - stable.error_ratio) / se
    } else {
        0.0
    }
}

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
        && z(stable, canary) >= MIN_Z
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
    fn a_difference_chance_explains_is_not_worse() {
        assert_eq!(
            compare(seen(133.0, 0.0, 40.0), seen(136.0, 0.015, 40.0)),
            Verdict::AsGood,
            "2 errors in 136 calls against none"
        );
        assert!(matches!(
            compare(seen(1344.0, 0.001, 40.0), seen(211.0, 0.066, 40.0)),
            Verdict::Worse(_)
        ));
    }

    #[test]
    fn few_calls_give_no_verdict() {
        assert_eq!(
            compare(seen(1000.0, 0.0, 100.0), seen(20.0, 0.5, 900.0)),
            Verdict::NotEnoughCalls
        );
    }
}
