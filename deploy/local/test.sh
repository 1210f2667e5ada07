#!/usr/bin/env bash
# `make test`: lint, the Prometheus configs and alert rules (promtool), then unit, integration and
# end-to-end tests against a real Kafka broker and a real PostgreSQL that this script starts (and
# stops again if it started them).
# Arguments go to pytest, e.g. `make test ARGS="tests/unit -x"`.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)"
cd "$REPO"

# A broker of its own on other ports, so `make run` and `make test` can coexist; its data is
# wiped per run so every run starts from empty topics.
export KAFKA_PORT="${FLEETCARE_TEST_KAFKA_PORT:-19092}"
export KAFKA_CONTROLLER_PORT="${FLEETCARE_TEST_KAFKA_CONTROLLER_PORT:-19093}"
export KAFKA_DATA_DIR="${FLEETCARE_TEST_KAFKA_DATA_DIR:-$REPO/.data/kafka-test}"
export PG_PORT="${PG_PORT:-55432}"

cleanup() {
  deploy/kafka/kafka.sh stop || true
  if [[ "${pg_started:-0}" == 1 ]]; then deploy/postgres/postgres.sh stop || true; fi
}
trap cleanup EXIT

if [[ "${FLEETCARE_SKIP_LINT:-0}" != 1 ]]; then
  echo "== lint"
  .venv/bin/ruff check .
  .venv/bin/mypy shared services tests deploy/local bench
fi

# Installs a Debian package when the command it provides is missing (as root, or with sudo).
install_if_missing() {
  local command="$1" package="$2"
  if command -v "$command" >/dev/null; then return; fi
  echo "$command not found; installing the $package package"
  local sudo=(); if [[ "$(id -u)" != 0 ]]; then sudo=(sudo); fi
  "${sudo[@]}" apt-get update -q
  # RUNLEVEL=1: invoke-rc.d then starts no daemon the package ships (a stray Prometheus on :9090).
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 apt-get install -y -q "$package"
}

echo "== monitoring"
# promtool comes with Debian's prometheus package: the configs, the alert rules and their tests.
install_if_missing promtool prometheus
promtool check config deploy/prometheus/prometheus.yml deploy/prometheus/prometheus-local.yml
promtool check rules deploy/prometheus/rules/*.yml
promtool test rules deploy/prometheus/tests/*.yml

echo "== infrastructure"
# The quality report's end-to-end test renders its HTML in headless Chromium (Debian package).
install_if_missing chromium chromium
pg_started=0
deploy/postgres/postgres.sh status >/dev/null 2>&1 || pg_started=1
deploy/postgres/postgres.sh start
deploy/kafka/kafka.sh reset
deploy/kafka/kafka.sh start

export FLEETCARE_TEST_KAFKA="127.0.0.1:$KAFKA_PORT"
export FLEETCARE_TEST_PG="postgresql+asyncpg://fleetcare:fleetcare@127.0.0.1:$PG_PORT"

echo "== tests"
# Fast tiers first: a broken unit fails in seconds, not after the end-to-end run.
if (($#)); then
  .venv/bin/pytest "$@"
else
  .venv/bin/pytest tests/unit tests/bench tests/integration tests/e2e
  # The chaos run last and on its own: it restarts the broker and stops PostgreSQL, and its
  # services join the same consumer groups as the end-to-end ones (stopped by then).
  .venv/bin/pytest tests/chaos
fi
