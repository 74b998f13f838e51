# shellcheck shell=bash
# Shared by kafka-up, kafka-down, kafka-broker, kafka-tool and kafka-create-topics: state
# paths, the jars, and process helpers for the single-node KRaft broker. Sourced, not run.

KAFKA_HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib/log.sh
. "$KAFKA_HERE/lib/log.sh"
# shellcheck source=lib/lock.sh
. "$KAFKA_HERE/lib/lock.sh"
# shellcheck source=lib/wait.sh
. "$KAFKA_HERE/lib/wait.sh"
# shellcheck source=lib/proc.sh
. "$KAFKA_HERE/lib/proc.sh"
# shellcheck source=lib/env.sh
. "$KAFKA_HERE/lib/env.sh"
STATE="${WH_KAFKA_STATE:-/tmp/wheelhouse-kafka}"
PROPS="$STATE/server.properties"
# The client port: WH_KAFKA_PORT, else the one the broker in $STATE was configured with,
# else 19092. The controller listener takes the next port.
STATE_PORT=$(sed -n 's#^listeners=PLAINTEXT://127\.0\.0\.1:\([0-9]*\).*#\1#p' "$PROPS" 2>/dev/null || true)
PORT="${WH_KAFKA_PORT:-${STATE_PORT:-19092}}"
# shellcheck disable=SC2034 # used by the scripts that source this file
CONTROLLER_PORT=$((PORT + 1))
BOOTSTRAP="127.0.0.1:$PORT"
# shellcheck disable=SC2034
DATA="$STATE/data"
LOGS="$STATE/logs"
PIDFILE="$STATE/broker.pid"
BROKER_CMD="$STATE/broker.cmd"
# Main classes in the jars (kafka_2.13 holds the broker and the storage tool).
BROKER_MAIN=kafka.Kafka
# shellcheck disable=SC2034
STORAGE_MAIN=kafka.tools.StorageTool
TOPICS_MAIN=org.apache.kafka.tools.TopicCommand

# Sets KAFKA_VERSION, KAFKA_LIBS, KAFKA_CONFIG_DIR, KAFKA_BUILD_WARM (fetches when cold).
# Usage: kafka_jars say|quiet  (quiet: nothing said when the cache is warm)
kafka_jars() {
    local flags=()
    if [ "$1" = quiet ]; then flags=(-q); fi
    env_from "$KAFKA_HERE/kafka-build" "${flags[@]}" || return 1
    : "${KAFKA_LIBS:?}" "${KAFKA_CONFIG_DIR:?}"
}

# Serialises kafka-up, kafka-down and kafka-broker.
kafka_lock() { lock_state "$STATE" WH_KAFKA_LOCK_HELD 300; }

# Prints the pid of this state dir's running broker, or fails (guards against pid reuse).
broker_pid() { pidfile_pid "$PIDFILE" " $BROKER_MAIN $PROPS "; }

# Lines in the broker's log so far: readiness only counts what a new start writes.
log_mark() { { wc -l <"$LOGS/server.log"; } 2>/dev/null || echo 0; }

# Starts the broker from $BROKER_CMD (one argument a line), detached in a session of its
# own; pid to $PIDFILE, stdout/stderr to $LOGS/broker.out. Sets LOG_MARK.
launch_broker() {
    local cmd
    mapfile -t cmd <"$BROKER_CMD"
    mkdir -p "$LOGS"
    LOG_MARK=$(log_mark)
    proc_launch broker "$PIDFILE" "$LOGS/broker.out" "${cmd[@]}"
}

# Stops the broker: stop_broker TERM (a clean shutdown; KILL after $WH_KAFKA_STOP_GRACE
# seconds, default 30) or stop_broker KILL (a crash). Never fails.
stop_broker() {
    local pid sig=$1
    pid=$(broker_pid) || {
        rm -f "$PIDFILE"
        return 0
    }
    proc_stop "$sig" group "broker:$pid:${WH_KAFKA_STOP_GRACE:-30}"
    rm -f "$PIDFILE"
    say "stopped broker (pid $pid, SIG$sig)"
}

# Sets TOOL_CMD to the command line that runs a tool's main class ($1) with the cached
# jars: a small client JVM tuned to start fast; its warnings go to stderr.
tool_cmd() {
    # shellcheck disable=SC2206 # WH_KAFKA_TOOL_JAVA_OPTS is a list of options
    TOOL_CMD=(java -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1
        -Djava.net.preferIPv4Stack=true ${WH_KAFKA_TOOL_JAVA_OPTS:-}
        -Dlog4j2.configurationFile="$KAFKA_CONFIG_DIR/tools-log4j2.properties"
        -cp "$KAFKA_LIBS/*" "$1")
}

# Runs a tool: kafka_java MAIN_CLASS ARGS...
kafka_java() {
    tool_cmd "$1"
    shift
    "${TOOL_CMD[@]}" "$@"
}

# True once the broker started since LOG_MARK wrote its "started" line.
broker_started() {
    tail -n +"$((LOG_MARK + 1))" "$LOGS/server.log" 2>/dev/null | grep -q 'Kafka Server started'
}

# True when the broker answers a request (lists topics).
broker_answers() {
    kafka_java "$TOPICS_MAIN" --bootstrap-server "$BOOTSTRAP" --list >/dev/null 2>&1
}

# True once the broker started (broker_started; READY_STEP then moves on to "answers")
# and answers (broker_answers): a client JVM is started only after the "started" line.
broker_ready() {
    if [ "$READY_STEP" = started ]; then
        broker_started || return 1
        READY_STEP=answers
    fi
    broker_answers
}

# Prints the errors the broker logged since LOG_MARK (each with its exception's first
# line) and the last lines of its logs to stderr.
log_tail() {
    local errors
    errors=$(tail -n +"$((LOG_MARK + 1))" "$LOGS/server.log" 2>/dev/null |
        awk '/^\[[^]]*\] (ERROR|FATAL) / { print; e = 1; next } e && !/^\[/ && !/^[[:space:]]/ { print } { e = 0 }' |
        head -n 12) || true
    if [ -n "$errors" ]; then
        say "errors in $LOGS/server.log:"
        echo "$errors" >&2
    fi
    say_tail 25 "$LOGS/server.log"
    if [ -s "$LOGS/broker.out" ]; then say_tail 20 "$LOGS/broker.out"; fi
}

# Waits up to $WH_KAFKA_TIMEOUT seconds (default 120) for the broker launched since
# LOG_MARK to start and answer; on failure prints a log tail and fails.
wait_ready() {
    local rc=0
    READY_STEP=started
    wait_until -g broker_pid "${WH_KAFKA_TIMEOUT:-120}" \
        "the broker on $BOOTSTRAP to log 'Kafka Server started' and answer" broker_ready || rc=$?
    [ "$rc" = 0 ] && return 0
    if [ "$rc" = 2 ]; then
        say "broker exited"
    elif [ "$READY_STEP" = answers ]; then
        say "the broker started but does not answer"
    fi
    log_tail
    return 1
}

# Checks topic specs NAME:PARTITIONS[:compact][,...] (several arguments allowed) and sets
# TOPIC_SPECS to one "NAME PARTITIONS POLICY" a spec; fails (2) on a bad one.
topic_specs() {
    local spec rest name parts policy extra all=()
    TOPIC_SPECS=()
    for spec in "$@"; do
        IFS=, read -ra rest <<<"$spec"
        all+=("${rest[@]}")
    done
    for spec in "${all[@]}"; do
        [ -n "$spec" ] || continue
        IFS=: read -r name parts policy extra <<<"$spec"
        if ! [[ "$name" =~ ^[A-Za-z0-9._-]{1,249}$ ]] || ! [[ "$parts" =~ ^[1-9][0-9]*$ ]] ||
            [ -n "$extra" ] || { [ -n "$policy" ] && [ "$policy" != compact ]; }; then
            say "bad topic spec '$spec' (want NAME:PARTITIONS or NAME:PARTITIONS:compact)"
            return 2
        fi
        TOPIC_SPECS+=("$name $parts ${policy:-delete}")
    done
}

# Creates topics if missing: create_topics NAME:PARTITIONS[:compact][,...] ... (one
# TopicCommand JVM a topic). Needs kafka_jars first.
create_topics() {
    local spec name parts policy
    topic_specs "$@" || return
    for spec in "${TOPIC_SPECS[@]}"; do
        read -r name parts policy <<<"$spec"
        kafka_java "$TOPICS_MAIN" --bootstrap-server "$BOOTSTRAP" --create --if-not-exists \
            --topic "$name" --partitions "$parts" --replication-factor 1 \
            --config cleanup.policy="$policy" >/dev/null || {
            say "could not create topic $name"
            return 1
        }
        say "topic $name: $parts partition(s), cleanup.policy=$policy"
    done
}
