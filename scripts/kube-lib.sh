# shellcheck shell=bash
# Shared by kube-up, kube-down and kube-apiserver: state paths and process helpers.
# Sourced, not run.

STATE="${WH_KUBE_STATE:-/tmp/wheelhouse-kube}"
# The API server's port: WH_KUBE_PORT, else the one the running cluster in $STATE was
# started with, else 16443.
PORT="${WH_KUBE_PORT:-$({ sed -n 's/^--secure-port=//p' "$STATE/apiserver.cmd" 2>/dev/null || true; } | head -1)}"
PORT="${PORT:-16443}"
PIDS="$STATE/pids"
LOGS="$STATE/logs"
# Every component, in start order.
# shellcheck disable=SC2034 # used by the scripts that source this file
COMPONENTS=(etcd kube-apiserver kube-controller-manager kube-scheduler kwok)

kube_log() { echo "${0##*/}: $*" >&2; }

# Serialises kube-up, kube-down and kube-apiserver (tests may call them in parallel);
# the lock file sits beside the state dir, which kube-down removes. Held until exit.
kube_lock() {
    [ -n "${WH_KUBE_LOCK_HELD:-}" ] && return 0
    mkdir -p "$(dirname "$STATE")"
    exec 9>"$STATE.lock"
    flock -w 900 9 || {
        kube_log "timed out waiting for $STATE.lock"
        exit 1
    }
    export WH_KUBE_LOCK_HELD=1
}

# True while process $1 runs (a zombie not yet reaped by init counts as gone).
pid_alive() {
    local st
    st=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null) || return 1
    [ -n "$st" ] && [ "${st%% *}" != Z ]
}

# True while process $2 runs component $1 (guards against a pid reused since).
pid_is() {
    local cmd
    pid_alive "$2" || return 1
    cmd=$(tr '\0' ' ' <"/proc/$2/cmdline" 2>/dev/null) || return 1
    [[ "$cmd" == *"/$1 "* ]]
}

# Prints the pid of a running component, or fails.
component_pid() {
    local pid
    pid=$(cat "$PIDS/$1.pid" 2>/dev/null) || return 1
    [ -n "$pid" ] && pid_is "$1" "$pid" || return 1
    echo "$pid"
}

# Starts a component detached in a session (and process group) of its own:
# launch NAME COMMAND ARGS... ; output goes to $LOGS/NAME.log, pid to $PIDS/NAME.pid.
# The lock's descriptor is closed so that the component does not hold the lock.
launch() {
    local name=$1 pidfile="$PIDS/$1.pid"
    shift
    mkdir -p "$PIDS" "$LOGS"
    rm -f "$pidfile"
    # shellcheck disable=SC2016 # $$ and $@ belong to the inner shell
    setsid -f bash -c 'echo $$ >"$0.tmp" && mv "$0.tmp" "$0" && exec "$@"' "$pidfile" "$@" \
        >>"$LOGS/$name.log" 2>&1 </dev/null 9>&-
    for _ in $(seq 50); do
        [ -s "$pidfile" ] && return 0
        sleep 0.1
    done
    kube_log "$name did not start"
    return 1
}

# Stops components' process groups all at once: TERM, then KILL what still runs after
# a grace period ($WH_KUBE_STOP_GRACE seconds, default 10; kube-apiserver gets
# $WH_KUBE_APISERVER_STOP_GRACE, default 1, as it otherwise waits for its clients' open
# watches to drain). Never fails. Usage: stop_components NAME...
stop_components() {
    local name pid tick=0 busy i running=() names=() limits=()
    for name in "$@"; do
        pid=$(component_pid "$name") || true
        if [ -n "$pid" ]; then
            kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
            running+=("$pid")
            names+=("$name")
            if [ "$name" = kube-apiserver ]; then
                limits+=($((${WH_KUBE_APISERVER_STOP_GRACE:-1} * 10)))
            else
                limits+=($((${WH_KUBE_STOP_GRACE:-10} * 10)))
            fi
        fi
    done
    # Poll every 0.1s; KILL each process at its limit; give up 5s past the last one.
    while :; do
        busy=0
        for i in "${!running[@]}"; do
            pid=${running[$i]}
            pid_alive "$pid" || continue
            if [ "$tick" -eq "${limits[$i]}" ]; then
                # Expected of kube-apiserver; worth a word for anything else.
                if [ "${names[$i]}" != kube-apiserver ]; then
                    kube_log "${names[$i]} (pid $pid) still running after TERM; killing"
                fi
                kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
            fi
            if [ "$tick" -le $((limits[i] + 50)) ]; then busy=1; fi
        done
        [ "$busy" = 0 ] && break
        sleep 0.1
        tick=$((tick + 1))
    done
    for i in "${!running[@]}"; do kube_log "stopped ${names[$i]} (pid ${running[$i]})"; done
    for name in "$@"; do rm -f "$PIDS/$name.pid"; done
}

# True when the API server answers /readyz (anonymous access to /readyz is allowed).
apiserver_ready() {
    [ "$(curl -sk --max-time 2 "https://127.0.0.1:$PORT/readyz" 2>/dev/null)" = ok ]
}

# Waits up to $2 seconds for the check "$3..." to pass; on timeout prints the tail of
# component $1's log and fails.
wait_for() {
    local name=$1 timeout=$2 deadline
    shift 2
    deadline=$(($(date +%s) + timeout))
    until "$@"; do
        if ! component_pid "$name" >/dev/null; then
            kube_log "$name exited; last lines of $LOGS/$name.log:"
            tail -n 40 "$LOGS/$name.log" >&2 || true
            return 1
        fi
        if [ "$(date +%s)" -ge "$deadline" ]; then
            kube_log "$name not ready after ${timeout}s; last lines of $LOGS/$name.log:"
            tail -n 40 "$LOGS/$name.log" >&2 || true
            return 1
        fi
        sleep 0.2
    done
}
