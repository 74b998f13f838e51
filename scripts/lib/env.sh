# shellcheck shell=bash
# Env lines: what a script prints for `eval "$(scripts/x)"` and writes to a state dir's
# env file, each value quoted (printf %q) so that eval gives back exactly that value.
# Sourced, not run; needs log.sh.

# env_lines KEY VALUE [KEY VALUE...]: prints KEY=value lines.
env_lines() {
    [ $(($# % 2)) = 0 ] || die "env_lines: KEY VALUE pairs expected, got: $*"
    [ $# = 0 ] || printf '%s=%q\n' "$@"
}

# env_exports KEY VALUE [KEY VALUE...]: prints `export KEY=value` lines.
env_exports() {
    [ $(($# % 2)) = 0 ] || die "env_exports: KEY VALUE pairs expected, got: $*"
    [ $# = 0 ] || printf 'export %s=%q\n' "$@"
}

# env_from COMMAND [ARGS...]: runs COMMAND and evaluates the env lines it prints (its
# variables are set in the calling shell); fails when COMMAND fails.
env_from() {
    local out
    out=$("$@") || return
    eval "$out"
}
