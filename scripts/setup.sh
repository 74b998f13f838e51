#!/usr/bin/env bash
# Installs what building and testing wheelhouse needs on a fresh Debian machine:
# a Rust toolchain (rustup is expected; cargo must be on PATH), tmux for the end-to-end
# terminal test, shellcheck for the scripts. Idempotent: a warm machine skips everything.
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=lib/log.sh
. "$HERE/lib/log.sh"
LOG_NAME=setup

need_apt=()
command -v tmux >/dev/null 2>&1 || need_apt+=(tmux)
command -v shellcheck >/dev/null 2>&1 || need_apt+=(shellcheck)
command -v cc >/dev/null 2>&1 || need_apt+=(build-essential)
if [ ${#need_apt[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ]; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}"
    else
        die "please install: ${need_apt[*]}"
    fi
fi
if ! command -v cargo >/dev/null 2>&1; then
    if [ -x "$HOME/.cargo/bin/cargo" ]; then
        say "cargo is in $HOME/.cargo/bin; add it to PATH"
    fi
    die "cargo not found (install Rust with rustup)"
fi
rustup component add rustfmt clippy >/dev/null 2>&1 || true
