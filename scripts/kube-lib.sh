# shellcheck shell=bash
# Shared by kube-up, kube-down and kube-apiserver: state paths and the components'
# processes. Sourced, not run.

KUBE_HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib/log.sh
. "$KUBE_HERE/lib/log.sh"
# shellcheck source=lib/lock.sh
. "$KUBE_HERE/lib/lock.sh"
# shellcheck source=lib/wait.sh
. "$KUBE_HERE/lib/wait.sh"
# shellcheck source=lib/proc.sh
. "$KUBE_HERE/lib/proc.sh"

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

# Serialises kube-up, kube-down and kube-apiserver (tests may call them in parallel).
kube_lock() { lock_state "$STATE" WH_KUBE_LOCK_HELD 900; }

# Prints the pid of a running component, or fails (guards against a pid reused since).
component_pid() { pidfile_pid "$PIDS/$1.pid" "/$1 "; }

# Starts a component detached in a session (and process group) of its own:
# launch NAME COMMAND ARGS... ; output goes to $LOGS/NAME.log, pid to $PIDS/NAME.pid.
launch() {
    local name=$1
    shift
    mkdir -p "$PIDS" "$LOGS"
    proc_launch "$name" "$PIDS/$name.pid" "$LOGS/$name.log" "$@"
}

# Stops components' process groups all at once: TERM, then KILL what still runs after
# a grace period ($WH_KUBE_STOP_GRACE seconds, default 10; kube-apiserver gets
# $WH_KUBE_APISERVER_STOP_GRACE, default 1, as it otherwise waits for its clients' open
# watches to drain, so its KILL goes unsaid). Never fails. Usage: stop_components NAME...
stop_components() {
    local name pid e stops=()
    for name in "$@"; do
        pid=$(component_pid "$name") || continue
        if [ "$name" = kube-apiserver ]; then
            stops+=("$name:$pid:${WH_KUBE_APISERVER_STOP_GRACE:-1}:quiet")
        else
            stops+=("$name:$pid:${WH_KUBE_STOP_GRACE:-10}")
        fi
    done
    proc_stop TERM group "${stops[@]}"
    for e in "${stops[@]}"; do
        IFS=: read -r name pid _ <<<"$e"
        say "stopped $name (pid $pid)"
    done
    for name in "$@"; do rm -f "$PIDS/$name.pid"; done
}

# True when the API server answers /readyz (anonymous access to /readyz is allowed).
apiserver_ready() {
    [ "$(curl -sk --max-time 2 "https://127.0.0.1:$PORT/readyz" 2>/dev/null)" = ok ]
}

# wait_for NAME TIMEOUT WHAT CHECK...: waits up to TIMEOUT seconds for CHECK to pass
# while component NAME runs; otherwise shows the tail of NAME's log and fails.
wait_for() {
    local name=$1 timeout=$2 what=$3 rc=0
    shift 3
    wait_until -g "component_pid $name" "$timeout" "$what" "$@" || rc=$?
    [ "$rc" = 0 ] && return 0
    [ "$rc" = 2 ] && say "$name exited"
    say_tail 40 "$LOGS/$name.log"
    return 1
}
