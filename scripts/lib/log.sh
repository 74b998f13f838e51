# shellcheck shell=bash
# Messages: one line each on stderr, prefixed with the running script's name, so that
# stdout stays free for what a script prints for `eval`. Sourced, not run.

# The prefix; a script may set another (setup.sh says "setup").
LOG_NAME=${0##*/}

# say WORDS...: prints "NAME: WORDS" on stderr.
say() { echo "$LOG_NAME: $*" >&2; }

# die WORDS...: says WORDS and exits 1.
die() {
    say "$@"
    exit 1
}

# die_usage WORDS...: says WORDS and exits 2 (a bad command line).
die_usage() {
    say "$@"
    exit 2
}

# usage_exit SYNOPSIS...: prints "usage: NAME SYNOPSIS" on stderr and exits 2.
usage_exit() {
    echo "usage: $LOG_NAME $*" >&2
    exit 2
}

# say_tail LINES FILE: says "last lines of FILE:" and prints them on stderr.
say_tail() {
    say "last lines of $2:"
    tail -n "$1" "$2" >&2 2>/dev/null || true
}

# print_help: prints the script's header comment (from line 2 to `set -e`), uncommented.
print_help() { sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; }
