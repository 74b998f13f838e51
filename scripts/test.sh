#!/usr/bin/env bash
# Runs every test of wheelhouse: format and lint checks (shellcheck over the scripts too),
# unit, UI, CLI and tmux tests, checks that the benchmarks build, then the end-to-end
# tests against a real Kubernetes control plane (built from source and cached by
# scripts/kube-build, started by scripts/kube-up on its own port and state dir) and a
# real Apache Kafka broker (scripts/kafka-up) and a real Docker engine (Debian's
# docker.io, scripts/docker-up), all torn down at the end whatever happens.
# This is the README's test command.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=lib/log.sh
. scripts/lib/log.sh
# shellcheck source=lib/env.sh
. scripts/lib/env.sh
export PATH="$HOME/.cargo/bin:$PATH"
bash scripts/setup.sh
export INSTA_UPDATE=no
cargo fmt --all --check
# Every script and the libraries they source (followed, -x); any finding fails the run.
shell_files=()
for f in scripts/* scripts/lib/* .ci/run; do
    if [ -f "$f" ]; then shell_files+=("$f"); fi
done
shellcheck -x "${shell_files[@]}"
cargo clippy --workspace --all-targets --locked -- -D warnings
# The layering: the model and the core never link a platform or Kafka client (their
# manifests cannot name one without this failing; their code cannot use one without it).
for crate in wheelhouse-domain wheelhouse-core; do
    if cargo tree --locked -p "$crate" -e normal --prefix none | grep -E '^(kube|bollard|rdkafka|k8s-openapi|wheelhouse-platform|wheelhouse-telemetry) '; then
        die "$crate depends on a platform or telemetry crate (above)"
    fi
done
cargo build --locked --bins
cargo test --locked --workspace --all-targets
cargo bench --locked --no-run

# End to end against a real control plane; a cluster of the developer's own is left alone.
# A second cluster without the Gateway API CRDs holds the other half of a product line
# that spans two clusters, and the replica-ratio fallback.
export WH_KUBE_STATE="${WH_KUBE_E2E_STATE:-/tmp/wheelhouse-kube-e2e}"
export WH_KUBE_PORT="${WH_KUBE_E2E_PORT:-16543}"
nogw_state="$WH_KUBE_STATE-nogw"
nogw_port=$((WH_KUBE_PORT + 200))
export WH_KAFKA_STATE="${WH_KAFKA_E2E_STATE:-/tmp/wheelhouse-kafka-e2e}"
export WH_KAFKA_PORT="${WH_KAFKA_E2E_PORT:-19192}"
export WH_DOCKER_STATE="${WH_DOCKER_E2E_STATE:-/tmp/wheelhouse-docker-e2e}"
docker_tcp_port="${WH_DOCKER_E2E_TCP_PORT:-12375}"
down() {
    bash scripts/kube-down
    WH_KUBE_STATE="$nogw_state" WH_KUBE_PORT="$nogw_port" bash scripts/kube-down
    bash scripts/kafka-down
    bash scripts/docker-down
}
trap down EXIT
down
bash scripts/kube-up
WH_KUBE_STATE="$nogw_state" WH_KUBE_PORT="$nogw_port" bash scripts/kube-up --no-gateway-api
env_from bash scripts/kube-build
for kc in "$WH_KUBE_STATE/kubeconfig" "$nogw_state/kubeconfig"; do
    KUBECONFIG="$kc" KUBECTL="$KUBE_BIN/kubectl" bash scripts/kube-demo-load --wait
done
WHEELHOUSE_E2E_KUBECONFIG="$WH_KUBE_STATE/kubeconfig" \
WHEELHOUSE_E2E_KUBECONFIG_NO_GATEWAY="$nogw_state/kubeconfig" \
    cargo test --locked --test kube_e2e -- --ignored --test-threads=1

# End to end through a real Apache Kafka broker (jars from Maven, cached by scripts/kafka-build).
bash scripts/kafka-up
WHEELHOUSE_E2E_KAFKA="127.0.0.1:$WH_KAFKA_PORT" \
WHEELHOUSE_E2E_KUBECONFIG="$WH_KUBE_STATE/kubeconfig" \
    cargo test --locked --test kafka_e2e -- --ignored --test-threads=1

# End to end against a real Docker engine on a private socket (and loopback TCP), with
# the FROM-scratch test images and the demo containers.
env_from bash scripts/docker-up --tcp "$docker_tcp_port"
bash scripts/docker-images
WHEELHOUSE_E2E_DOCKER_HOST="$DOCKER_HOST" \
WHEELHOUSE_E2E_DOCKER_TCP="tcp://127.0.0.1:$docker_tcp_port" \
WHEELHOUSE_E2E_KUBECONFIG="$WH_KUBE_STATE/kubeconfig" \
    cargo test --locked --test docker_e2e -- --ignored --test-threads=1
