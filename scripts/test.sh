#!/usr/bin/env bash
# Runs every test of wheelhouse: format and lint checks, unit, UI, CLI and tmux tests,
# checks that the benchmarks build, then the end-to-end tests against a real Kubernetes
# control plane (built from source and cached by scripts/kube-build, started by
# scripts/kube-up on its own port and state dir, torn down at the end whatever happens).
# This is the README's test command.
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

# End to end against a real control plane; a cluster of the developer's own is left alone.
export WH_KUBE_STATE="${WH_KUBE_E2E_STATE:-/tmp/wheelhouse-kube-e2e}"
export WH_KUBE_PORT="${WH_KUBE_E2E_PORT:-16543}"
trap 'bash scripts/kube-down' EXIT
bash scripts/kube-down
bash scripts/kube-up
eval "$(bash scripts/kube-build)"
KUBECONFIG="$WH_KUBE_STATE/kubeconfig" KUBECTL="$KUBE_BIN/kubectl" bash scripts/kube-demo-load --wait
WHEELHOUSE_E2E_KUBECONFIG="$WH_KUBE_STATE/kubeconfig" \
    cargo test --locked --test kube_e2e -- --ignored --test-threads=1
