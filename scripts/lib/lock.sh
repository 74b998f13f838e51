# shellcheck shell=bash
# Locks: flock(1) on a lock file, held through an open descriptor until the script exits.
# Sourced, not run; needs log.sh.

# lock_state STATE HELD_VAR TIMEOUT: serialises the scripts of one state dir (tests may
# call them in parallel) with "$STATE.lock", beside the state dir (which the *-down
# scripts remove), on descriptor 9: proc_launch keeps it from the servers it starts.
# HELD_VAR is exported as 1, so that a script run meanwhile (kube-up runs kube-down) knows
# the lock is its caller's and goes on. Dies after TIMEOUT seconds.
lock_state() {
    local state=$1 held=$2 timeout=$3
    [ -n "${!held:-}" ] && return 0
    mkdir -p "$(dirname "$state")"
    exec 9>"$state.lock"
    flock -w "$timeout" 9 || die "timed out waiting for $state.lock"
    export "$held=1"
}

# lock_build FILE: one cache fill at a time: waits for FILE's lock as long as it takes,
# on descriptor 8.
lock_build() {
    mkdir -p "$(dirname "$1")"
    exec 8>"$1"
    flock 8 || die "cannot lock $1"
}
