# shellcheck shell=bash
# Waiting: a condition polled until it holds, for a bounded time. Sourced, not run;
# needs log.sh.

# wait_until [-e EVERY] [-g GUARD] TIMEOUT WHAT CHECK [ARGS...]: runs CHECK until it
# passes, every EVERY seconds (0.2), for at most TIMEOUT seconds. GUARD (a command line of
# plain words, its output discarded) runs whenever CHECK fails: when it fails too, what
# is awaited cannot come any more (the process that was to answer is gone).
# Returns 0 once CHECK passed; 1 after TIMEOUT, having said "timed out after TIMEOUTs
# waiting for WHAT"; 2 when GUARD failed (the caller says what that means).
wait_until() {
    local every=0.2 guard=() timeout what deadline now
    while :; do
        case "$1" in
        -e) every=$2 ;;
        -g) read -ra guard <<<"$2" ;;
        *) break ;;
        esac
        shift 2
    done
    timeout=$1 what=$2
    shift 2
    printf -v now '%(%s)T' -1
    deadline=$((now + timeout))
    until "$@"; do
        if [ ${#guard[@]} -gt 0 ] && ! "${guard[@]}" >/dev/null; then return 2; fi
        printf -v now '%(%s)T' -1
        if [ "$now" -ge "$deadline" ]; then
            say "timed out after ${timeout}s waiting for $what"
            return 1
        fi
        sleep "$every"
    done
}
