# shellcheck shell=bash
# Timings for the scripts' messages, without a process per reading. Sourced, not run.

# clock_now: prints a mark for elapsed_since (microseconds since the epoch; EPOCHREALTIME,
# whatever the locale's decimal point, or date(1) before bash 5).
clock_now() {
    local t=${EPOCHREALTIME:-}
    [ -n "$t" ] || t=$(date +%s.%6N)
    echo "${t//[!0-9]/}"
}

# elapsed_since MARK: prints the seconds since MARK (a clock_now), one decimal.
elapsed_since() {
    local d
    d=$((($(clock_now) - $1 + 50000) / 100000))
    echo "$((d / 10)).$((d % 10))"
}

# clock_start: sets the mark of elapsed; elapsed: prints the seconds since then.
clock_start() { CLOCK_START=$(clock_now); }
elapsed() { elapsed_since "$CLOCK_START"; }
