#!/usr/bin/env bash
# Runs every test of wheelhouse: format and lint checks, unit, UI, CLI and tmux tests,
# and checks that the benchmarks build. This is the README's test command.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
bash scripts/setup.sh
export INSTA_UPDATE=no
cargo fmt --check
cargo clippy --all-targets --locked -- -D warnings
cargo build --locked --bins
cargo test --locked --all-targets
cargo bench --locked --no-run
