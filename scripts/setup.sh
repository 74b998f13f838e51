#!/usr/bin/env bash
# Installs what building and testing wheelhouse needs on a fresh Debian machine:
# a Rust toolchain (rustup is expected; cargo must be on PATH), tmux for the end-to-end
# terminal test. Idempotent: a warm machine skips everything.
set -euo pipefail

need_apt=()
command -v tmux >/dev/null 2>&1 || need_apt+=(tmux)
command -v cc >/dev/null 2>&1 || need_apt+=(build-essential)
if [ ${#need_apt[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ]; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}"
    else
        echo "setup: please install: ${need_apt[*]}" >&2
        exit 1
    fi
fi
if ! command -v cargo >/dev/null 2>&1; then
    if [ -x "$HOME/.cargo/bin/cargo" ]; then
        echo "setup: cargo is in $HOME/.cargo/bin; add it to PATH" >&2
    fi
    echo "setup: cargo not found (install Rust with rustup)" >&2
    exit 1
fi
rustup component add rustfmt clippy >/dev/null 2>&1 || true
