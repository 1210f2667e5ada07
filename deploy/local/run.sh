#!/usr/bin/env bash
# `make run`: the whole system on this machine — a local Kafka and the four services on
# SQLite files — with demo reference data. Ctrl-C stops everything it started.
#
# When `prometheus` is installed (Debian package prometheus), it runs too, scraping the services
# with deploy/prometheus/prometheus-local.yml and its alert rules.
#
# Env: FLEETCARE_DATA_DIR (default .data/run), KAFKA_PORT/KAFKA_CONTROLLER_PORT (9092/9093),
# FLEETCARE_PORT_BASE (8000: intake 8001, parts 8002, dispatch 8003, quality 8004),
# PROMETHEUS_PORT (9090).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)"
PY="$REPO/.venv/bin/python"
DATA="$(realpath -m "${FLEETCARE_DATA_DIR:-$REPO/.data/run}")"
BASE="${FLEETCARE_PORT_BASE:-8000}"
PROMETHEUS_PORT="${PROMETHEUS_PORT:-9090}"
export KAFKA_PORT="${KAFKA_PORT:-9092}"
export KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
export KAFKA_DATA_DIR="$DATA/kafka"
export FLEETCARE_ENV="${FLEETCARE_ENV:-dev}"
export FLEETCARE_KAFKA_BOOTSTRAP="127.0.0.1:$KAFKA_PORT"
SERVICES=(intake parts dispatch quality)
PIDS=()
PROMETHEUS_PID=""

mkdir -p "$DATA/logs"
cd "$REPO"

stop_all() {
  trap - INT TERM EXIT
  echo "Stopping FleetCare..."
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [[ -n "$PROMETHEUS_PID" ]]; then
    kill -TERM "$PROMETHEUS_PID" 2>/dev/null || true
    wait "$PROMETHEUS_PID" 2>/dev/null || true
  fi
  "$REPO/deploy/kafka/kafka.sh" stop || true
  echo "Stopped."
}
# After a signal the script ends with its conventional status rather than resuming after the
# interrupted `wait` below (which would report a service that only stopped because it was told to).
trap 'stop_all; exit 130' INT
trap 'stop_all; exit 143' TERM
trap stop_all EXIT

# Prometheus with the local config, rewritten for this run's ports and with the rules' absolute
# path (the copy no longer sits next to rules/). Monitoring is a convenience: if it cannot come
# up (the port is taken, say), the system runs without it.
start_prometheus() {
  local address="127.0.0.1:$PROMETHEUS_PORT" config="$DATA/prometheus.yml"
  if "$PY" -c "import socket; socket.create_connection(('127.0.0.1', $PROMETHEUS_PORT), 1)" 2>/dev/null; then
    echo "Something already listens on $address; running without Prometheus" >&2
    return
  fi
  local edits=(-e "s#- rules/#- $REPO/deploy/prometheus/rules/#")
  for i in 1 2 3 4; do edits+=(-e "s#\"127\.0\.0\.1:800$i\"#\"127.0.0.1:$((BASE + i))\"#"); done
  sed "${edits[@]}" "$REPO/deploy/prometheus/prometheus-local.yml" >"$config"
  prometheus --config.file="$config" --storage.tsdb.path="$DATA/prometheus" \
    --web.listen-address="$address" >>"$DATA/logs/prometheus.log" 2>&1 &
  PROMETHEUS_PID=$!
  for _ in $(seq 1 60); do
    if "$PY" -c "import httpx,sys; sys.exit(httpx.get('http://$address/-/ready').status_code != 200)" 2>/dev/null; then
      return
    fi
    if ! kill -0 "$PROMETHEUS_PID" 2>/dev/null; then break; fi
    sleep 0.5
  done
  echo "Prometheus did not start; running without it (see $DATA/logs/prometheus.log)" >&2
  kill -TERM "$PROMETHEUS_PID" 2>/dev/null || true
  wait "$PROMETHEUS_PID" 2>/dev/null || true
  PROMETHEUS_PID=""
}

"$REPO/deploy/kafka/kafka.sh" start

for i in "${!SERVICES[@]}"; do
  name="${SERVICES[$i]}"
  port=$((BASE + i + 1))
  FLEETCARE_DATABASE_URL="sqlite+aiosqlite:///$DATA/$name.db" \
    "$PY" -m uvicorn --factory "services.$name.main:create_app" \
    --host 127.0.0.1 --port "$port" >>"$DATA/logs/$name.log" 2>&1 &
  PIDS+=($!)
done

for i in "${!SERVICES[@]}"; do
  port=$((BASE + i + 1))
  for _ in $(seq 1 120); do
    if "$PY" -c "import httpx,sys; sys.exit(httpx.get('http://127.0.0.1:$port/readyz').status_code != 200)" 2>/dev/null; then
      break
    fi
    if ! kill -0 "${PIDS[$i]}" 2>/dev/null; then
      echo "${SERVICES[$i]} exited; see $DATA/logs/${SERVICES[$i]}.log" >&2
      exit 1
    fi
    sleep 0.5
  done
done

if command -v prometheus >/dev/null; then start_prometheus; fi

# Stock receipts add up, so the demo data is loaded once per data directory.
if [[ ! -f "$DATA/.seeded" ]]; then
  "$PY" "$REPO/deploy/local/seed_demo.py" --intake "http://127.0.0.1:$((BASE + 1))" \
    --parts "http://127.0.0.1:$((BASE + 2))" --dispatch "http://127.0.0.1:$((BASE + 3))"
  touch "$DATA/.seeded"
fi

TOKEN="$("$PY" -m shared.auth --role depot --depot-id D-BJ)"
monitoring=""
if [[ -n "$PROMETHEUS_PID" ]]; then
  monitoring=$'\n'"  prometheus http://127.0.0.1:$PROMETHEUS_PORT (the FleetCare alerts under Alerts)"
fi
cat <<INFO

FleetCare is running (data in $DATA, logs in $DATA/logs):
  intake    http://127.0.0.1:$((BASE + 1))/docs
  parts     http://127.0.0.1:$((BASE + 2))/docs
  dispatch  http://127.0.0.1:$((BASE + 3))/docs
  quality   http://127.0.0.1:$((BASE + 4))/docs
  kafka     127.0.0.1:$KAFKA_PORT$monitoring

Report a fault as depot D-BJ:
  curl -s -X POST http://127.0.0.1:$((BASE + 1))/v1/faults \\
    -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \\
    -d '{"depot_id":"D-BJ","vehicle_number":"C70-4811","vehicle_model":"C70",
         "reporter":{"name":"王师傅","phone":"+86 10 5555 0101"},
         "description":"制动缓解不良","system":"brake","can_run":false,"repairable_on_site":true,
         "location":{"site_code":"BJ-FENGTAI","lat":39.86,"lon":116.29},
         "suspected_parts":[{"part_number":"BRK-VALVE-01","qty":1}]}'
Then GET http://127.0.0.1:$((BASE + 1))/v1/faults/<id> with the same token.
Other tokens: .venv/bin/python -m shared.auth --role dispatcher   (Ctrl-C stops everything)
INFO

wait -n "${PIDS[@]}" || true
echo "A service exited; see $DATA/logs." >&2
