# shellcheck shell=bash
# Shared by docker-up, docker-down, docker-engine, docker-images and docker-demo-load:
# state paths, the install step, and process helpers for a private Docker engine
# (dockerd with its own supervised containerd) on a unix socket in the state dir.
# Sourced, not run.
#
# Everything the engine writes lives under $STATE: root/ (images, containers, the
# supervised containerd's content store in root/containerd), exec/ (runtime state: the
# supervised containerd's socket and config in exec/containerd, runc's state in
# exec/runtime-runc, network namespaces in exec/netns), docker.sock, docker.pid (written by
# dockerd), dockerd.pid (the launcher's), dockerd.log, dockerd.cmd (the command line, one
# argument a line, reused by docker-engine start), daemon.json (ours, so that a system
# /etc/docker/daemon.json does not leak in; it moves key.json, dockerd 20.10's identity
# key, from /etc/docker to $STATE). Outside $STATE only the containerd shims' sockets, in
# /run/containerd/s/ (not configurable in containerd 1.6; removed as the shims exit).
# Containers' cgroups sit under a parent named after the state dir ($CGROUP_PARENT) so
# that leftovers can be found and killed.

DOCKER_HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib/log.sh
. "$DOCKER_HERE/lib/log.sh"
# shellcheck source=lib/clock.sh
. "$DOCKER_HERE/lib/clock.sh"
# shellcheck source=lib/lock.sh
. "$DOCKER_HERE/lib/lock.sh"
# shellcheck source=lib/wait.sh
. "$DOCKER_HERE/lib/wait.sh"
# shellcheck source=lib/proc.sh
. "$DOCKER_HERE/lib/proc.sh"
# The Dockerfiles and the entry script of the test images.
# shellcheck disable=SC2034 # used by the scripts that source this file
DEMO_DOCKER_DIR="${WH_DOCKER_DEMO_DIR:-$(dirname "$DOCKER_HERE")/demo/docker}"
STATE="${WH_DOCKER_STATE:-/tmp/wheelhouse-docker}"
SOCK="$STATE/docker.sock"
DOCKER_HOST_URL="unix://$SOCK"
DATA_ROOT="$STATE/root"
EXEC_ROOT="$STATE/exec"
PIDFILE="$STATE/dockerd.pid"
DOCKERD_PIDFILE="$STATE/docker.pid"
DOCKERD_LOG="$STATE/dockerd.log"
DOCKERD_CMD="$STATE/dockerd.cmd"
DAEMON_JSON="$STATE/daemon.json"
# The static busybox copied into the test images.
BUSYBOX="${WH_DOCKER_BUSYBOX:-/bin/busybox}"
# The docker CLI (any version that negotiates the API version: the static 28.x in
# /usr/local/bin or the Debian one); always pointed at our socket, never the default one.
DOCKER_CLI="${WH_DOCKER_CLI:-docker}"
# A cgroup parent of this state dir's own (cgroupfs driver: /<name> in every hierarchy).
CGROUP_PARENT="wheelhouse-docker-$(printf '%s' "$STATE" | cksum | cut -d' ' -f1)"
# The demo's product line: every container docker-demo-load makes carries this label.
# shellcheck disable=SC2034 # used by the scripts that source this file
DEMO_LINE=shop

# The CLI against this engine: d ARGS...
# (A context or TLS settings from the caller's environment would not fit our socket.)
d() {
    env -u DOCKER_CONTEXT -u DOCKER_TLS_VERIFY -u DOCKER_CERT_PATH \
        "$DOCKER_CLI" -H "$DOCKER_HOST_URL" "$@"
}

# The scripts' timings (elapsed) count from here.
clock_start

# Serialises the docker-* scripts (tests may call them in parallel).
docker_lock() { lock_state "$STATE" WH_DOCKER_LOCK_HELD 300; }

# True when $1 is a static executable (runs in an image FROM scratch).
is_static() {
    local out
    [ -x "$1" ] || return 1
    out=$(LC_ALL=C ldd "$1" 2>&1) || true # ldd fails on a static executable
    grep -qE 'not a dynamic executable|statically linked' <<<"$out"
}

# Installs the engine (docker.io: dockerd, containerd, runc) and a static busybox
# (busybox-static, which replaces a dynamic busybox package) with apt, only when one is
# missing. Sets DOCKER_INSTALLED=1 when it installed something, else 0. The system's own
# docker service is not started: the install runs under a policy-rc.d that forbids it
# (one that is already there is kept).
docker_install() {
    local pkgs=() bin out rc=0 policy=/usr/sbin/policy-rc.d own_policy=0
    DOCKER_INSTALLED=0
    for bin in dockerd containerd containerd-shim-runc-v2 runc; do
        if ! command -v "$bin" >/dev/null 2>&1; then
            pkgs+=(docker.io)
            break
        fi
    done
    if [ "$BUSYBOX" = /bin/busybox ] && ! is_static /bin/busybox; then pkgs+=(busybox-static); fi
    if ! is_static "$BUSYBOX" && [ "$BUSYBOX" != /bin/busybox ]; then
        say "WH_DOCKER_BUSYBOX=$BUSYBOX is not a static executable"
        return 1
    fi
    if ! command -v "$DOCKER_CLI" >/dev/null 2>&1 && [ ${#pkgs[@]} -eq 0 ]; then pkgs+=(docker.io); fi
    [ ${#pkgs[@]} -gt 0 ] || return 0
    if [ "$(id -u)" != 0 ]; then
        say "please install: ${pkgs[*]} (needs root)"
        return 1
    fi
    say "installing ${pkgs[*]} with apt"
    if ! [ -e "$policy" ]; then
        printf '#!/bin/sh\n# Written by wheelhouse docker_install for the time of one apt-get run.\nexit 101\n' >"$policy"
        chmod 755 "$policy"
        own_policy=1
    fi
    out=$(mktemp)
    {
        apt-get update -qq &&
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${pkgs[@]}"
    } >"$out" 2>&1 || rc=$?
    if [ "$own_policy" = 1 ]; then rm -f "$policy"; fi
    if [ "$rc" != 0 ]; then
        say "apt-get failed ($rc):"
        tail -n 30 "$out" >&2
        rm -f "$out"
        return 1
    fi
    rm -f "$out"
    is_static "$BUSYBOX" || {
        say "$BUSYBOX is still not a static executable"
        return 1
    }
    # shellcheck disable=SC2034 # read by docker-up
    DOCKER_INSTALLED=1
}

# Prints the pid of this state dir's running dockerd, or fails (guards against pid reuse).
dockerd_pid() { pidfile_pid "$PIDFILE" dockerd " --data-root $DATA_ROOT "; }

# True when the engine answers on our socket.
engine_answers() { d version --format '{{.Server.Version}}' >/dev/null 2>&1; }

# Writes $DOCKERD_CMD: the dockerd command line, one argument a line. With a port ($1),
# dockerd also listens on tcp://127.0.0.1:PORT: plain TCP, no TLS, loopback only.
# --tls=false says so explicitly: dockerd 20.10 logs two warnings for an unauthenticated
# TCP listener and pauses 1 s whatever the flags, while newer engines pause 15 s (23-26)
# or refuse to start (27+) unless --tls=false is given.
write_dockerd_cmd() {
    local port=${1:-} cmd
    mkdir -p "$STATE" "$DATA_ROOT" "$EXEC_ROOT"
    chmod 711 "$STATE"
    # Only a config file can move dockerd 20.10's identity key (no such flag).
    printf '{\n  "deprecated-key-path": "%s"\n}\n' "$STATE/key.json" >"$DAEMON_JSON"
    cmd=(
        dockerd
        --config-file "$DAEMON_JSON"
        --host "unix://$SOCK"
        --data-root "$DATA_ROOT"
        --exec-root "$EXEC_ROOT"
        --pidfile "$DOCKERD_PIDFILE"
        --iptables=false --ip6tables=false --ip-masq=false --bridge=none
        --storage-driver=vfs
        --exec-opt native.cgroupdriver=cgroupfs
        --cgroup-parent "/$CGROUP_PARENT"
        --userland-proxy=false
        --log-level "${WH_DOCKER_LOG_LEVEL:-info}"
    )
    if [ -n "$port" ]; then cmd+=(--host "tcp://127.0.0.1:$port" --tls=false); fi
    printf '%s\n' "${cmd[@]}" >"$DOCKERD_CMD"
}

# The TCP port in $DOCKERD_CMD, if any.
dockerd_cmd_port() {
    sed -n 's#^tcp://127\.0\.0\.1:\([0-9]*\)$#\1#p' "$DOCKERD_CMD" 2>/dev/null | head -1
}

# Starts dockerd from $DOCKERD_CMD, detached in a session of its own; the launcher's pid
# to $PIDFILE, output to $DOCKERD_LOG (appended: restarts keep the history). Sets LOG_MARK.
launch_dockerd() {
    local cmd cpid
    mapfile -t cmd <"$DOCKERD_CMD"
    LOG_MARK=$({ wc -l <"$DOCKERD_LOG"; } 2>/dev/null || echo 0)
    rm -f "$PIDFILE"
    # Leftovers of a killed dockerd: its pid file (dockerd refuses to start while the pid
    # in it exists, and a killed dockerd may linger as a zombie until init reaps it) and
    # its socket. The caller holds the lock and has checked that no dockerd of ours runs.
    rm -f "$DOCKERD_PIDFILE" "$SOCK"
    # Likewise the supervised containerd's pid file: dockerd would take a dead (zombie)
    # containerd for a live one and wait for its socket in vain ("timeout waiting for
    # containerd to start").
    cpid=$(cat "$EXEC_ROOT/containerd/containerd.pid" 2>/dev/null) || true
    if [ -n "$cpid" ] && ! { state_pids | grep -qx "$cpid"; }; then
        rm -f "$EXEC_ROOT/containerd/containerd.pid"
    fi
    proc_launch dockerd "$PIDFILE" "$DOCKERD_LOG" "${cmd[@]}"
}

# Prints the last lines of dockerd.log written since LOG_MARK (errors first) to stderr.
log_tail() {
    local errors
    errors=$(tail -n +"$((${LOG_MARK:-0} + 1))" "$DOCKERD_LOG" 2>/dev/null |
        grep -E 'level=(error|fatal)|failed to start' | head -n 10) || true
    if [ -n "$errors" ]; then
        say "errors in $DOCKERD_LOG:"
        echo "$errors" >&2
    fi
    say_tail 25 "$DOCKERD_LOG"
}

# Waits up to $WH_DOCKER_TIMEOUT seconds (default 30) for the engine to answer
# `docker version` on our socket; on failure shows the tail of dockerd.log and fails.
wait_ready() {
    local rc=0
    wait_until -g dockerd_pid "${WH_DOCKER_TIMEOUT:-30}" "dockerd to answer on $SOCK" engine_answers || rc=$?
    [ "$rc" = 0 ] && return 0
    [ "$rc" = 2 ] && say "dockerd exited"
    log_tail
    return 1
}

# Pids of engine processes still working for this state dir once dockerd is gone: the
# supervised containerd, the containerd-shims, a stray runc (their command lines name
# $STATE).
state_pids() {
    local p cmd argv0
    for p in /proc/[0-9]*; do
        p=${p#/proc/}
        cmd=$({ tr '\0' ' ' <"/proc/$p/cmdline"; } 2>/dev/null) || continue
        argv0=${cmd%% *}
        case "${argv0##*/}" in
        containerd* | runc | dockerd) if [[ "$cmd" == *" $STATE/"* ]]; then echo "$p"; fi ;;
        esac
    done
}

# Pids in the containers' cgroups (under $CGROUP_PARENT, any hierarchy).
container_pids() {
    local f
    for f in /sys/fs/cgroup/pids/"$CGROUP_PARENT" /sys/fs/cgroup/unified/"$CGROUP_PARENT" \
        /sys/fs/cgroup/"$CGROUP_PARENT"; do
        [ -d "$f" ] || continue
        find "$f" -name cgroup.procs -exec cat {} + 2>/dev/null
        return 0
    done
}

# Kills (KILL) whatever still runs for this state dir: containers' processes, shims and
# the supervised containerd; then removes the containers' empty cgroups. Says what it
# killed. Never fails.
kill_leftovers() {
    local pids tick socks=() f a h
    # The shims' sockets are the one thing of the engine outside $STATE: containerd 1.6
    # puts them in /run/containerd/s/ (a shim removes its own when it exits cleanly).
    for f in "$EXEC_ROOT"/containerd/daemon/io.containerd.runtime.v2.task/*/*/address; do
        [ -f "$f" ] || continue
        a=$(cat "$f" 2>/dev/null) || continue
        a=${a#unix://}
        if [[ "$a" == /run/containerd/s/* ]]; then socks+=("$a"); fi
    done
    for tick in $(seq 20); do
        mapfile -t pids < <({ container_pids; state_pids; } | sort -u)
        [ ${#pids[@]} -gt 0 ] || break
        if [ "$tick" = 1 ]; then say "killing leftover processes: ${pids[*]}"; fi
        kill -KILL "${pids[@]}" 2>/dev/null || true
        sleep 0.1
    done
    for h in /sys/fs/cgroup/*/"$CGROUP_PARENT" /sys/fs/cgroup/"$CGROUP_PARENT"; do
        [ -d "$h" ] || continue
        find "$h" -depth -type d -exec rmdir {} + 2>/dev/null || true
    done
    # Sockets of shims that are gone (a live one belongs to a running engine).
    if [ ${#socks[@]} -gt 0 ] && ! dockerd_pid >/dev/null; then rm -f "${socks[@]}"; fi
}

# Unmounts everything mounted under $STATE (netns bind mounts, containers' shm tmpfs),
# deepest first, lazily when busy. Never fails.
unmount_state() {
    local m mounts
    [ -d "$STATE" ] || return 0
    mapfile -t mounts < <(awk -v s="$STATE/" 'index($2, s) == 1 { print $2 }' /proc/self/mounts | sort -r)
    for m in "${mounts[@]}"; do
        # /proc/self/mounts escapes spaces and the like as octal; our paths have none.
        umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || say "could not unmount $m"
    done
}

# Stops dockerd: stop_dockerd TERM (a clean shutdown: dockerd stops the containers, each
# within its stop timeout, then its containerd; KILL after $WH_DOCKER_STOP_GRACE seconds,
# default 30) or stop_dockerd KILL (dockerd alone crashes: its containerd dies with it,
# the shims and containers keep running; kill_leftovers ends them). Never fails.
stop_dockerd() {
    local pid sig=$1
    pid=$(dockerd_pid) || {
        rm -f "$PIDFILE"
        return 0
    }
    proc_stop "$sig" pid "dockerd:$pid:${WH_DOCKER_STOP_GRACE:-30}"
    rm -f "$PIDFILE"
    say "stopped dockerd (pid $pid, SIG$sig)"
}
