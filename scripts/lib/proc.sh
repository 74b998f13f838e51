# shellcheck shell=bash
# The servers' processes: started detached with a pid file, known by their command line
# (a pid file outlives its process, and pids get reused), stopped with a grace period.
# Sourced, not run; needs log.sh and wait.sh.

# pid_alive PID: true while the process runs (a zombie not yet reaped counts as gone).
pid_alive() {
    local st
    { read -r st <"/proc/$1/stat"; } 2>/dev/null || return 1
    st=${st##*) }
    [ -n "$st" ] && [ "${st%% *}" != Z ]
}

# pid_runs PID WORD...: true while PID runs with each WORD in its command line (the
# arguments joined by spaces, a space after the last), in that order.
pid_runs() {
    local cmd w
    pid_alive "$1" || return 1
    cmd=$({ tr '\0' ' ' <"/proc/$1/cmdline"; } 2>/dev/null) || return 1
    shift
    for w in "$@"; do
        [[ "$cmd" == *"$w"* ]] || return 1
        cmd=${cmd#*"$w"}
    done
}

# pidfile_pid FILE WORD...: prints the pid in FILE while that process runs with each WORD
# in its command line (pid_runs), or fails.
pidfile_pid() {
    local pid=""
    { read -r pid <"$1"; } 2>/dev/null || [ -n "$pid" ] || return 1
    [[ "$pid" =~ ^[1-9][0-9]*$ ]] && pid_runs "$pid" "${@:2}" || return 1
    echo "$pid"
}

# proc_launch NAME PIDFILE LOG COMMAND [ARGS...]: starts COMMAND detached, in a session
# (and process group) of its own, output appended to LOG, its pid written to PIDFILE
# (atomically, before it runs); the state lock's descriptor is closed so that it does
# not hold the lock. Fails, saying so, when no pid file appears within 5 s.
proc_launch() {
    local name=$1 pidfile=$2 log=$3
    shift 3
    rm -f "$pidfile"
    # shellcheck disable=SC2016 # $$ and $@ belong to the inner shell
    setsid -f bash -c 'echo $$ >"$0.tmp" && mv "$0.tmp" "$0" && exec "$@"' "$pidfile" "$@" \
        >>"$log" 2>&1 </dev/null 9>&-
    wait_until -e 0.05 5 "the pid file of $name" test -s "$pidfile" || {
        say "$name did not start"
        return 1
    }
}

# proc_kill SIG group|pid PID: signals PID's process group (a launched process leads
# one), or PID only with `pid` or when it leads none. Never fails.
proc_kill() {
    if [ "$2" = group ]; then
        kill "-$1" -- "-$3" 2>/dev/null || kill "-$1" "$3" 2>/dev/null || true
    else
        kill "-$1" "$3" 2>/dev/null || true
    fi
}

# proc_stop SIG group|pid NAME:PID:GRACE[:quiet]...: sends SIG to every process at once
# (proc_kill), then polls every 0.1 s: one still running GRACE seconds later is KILLed
# (saying so, unless quiet: that KILL is expected), and the wait ends when all are gone
# or 5 s after the last KILL. Never fails.
proc_stop() {
    local sig=$1 mode=$2 e name pid grace note tick=0 busy i names=() pids=() limits=() quiet=()
    shift 2
    for e in "$@"; do
        IFS=: read -r name pid grace note <<<"$e"
        names+=("$name") pids+=("$pid") limits+=($((grace * 10))) quiet+=("$note")
        proc_kill "$sig" "$mode" "$pid"
    done
    while :; do
        busy=0
        for i in "${!pids[@]}"; do
            pid=${pids[$i]}
            pid_alive "$pid" || continue
            if [ "$tick" -eq "${limits[$i]}" ]; then
                [ -n "${quiet[$i]}" ] || say "${names[$i]} (pid $pid) still running after $sig; killing"
                proc_kill KILL "$mode" "$pid"
            fi
            if [ "$tick" -le $((limits[i] + 50)) ]; then busy=1; fi
        done
        [ "$busy" = 0 ] && break
        sleep 0.1
        tick=$((tick + 1))
    done
}
