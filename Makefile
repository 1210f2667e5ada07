# FleetCare — `make run` starts the whole system, `make test` runs every test.
# Prerequisites: Python 3.11+, Java 17+, Maven (see README.md).

PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed
ROLE ?= dispatcher

.PHONY: help setup run test test-unit chaos lint token migration dlq-replay kafka-start kafka-stop pg-start pg-stop clean bench bench-dispatch bench-pipeline demo

help:
	@echo "make run      - Kafka + the four services on SQLite, with demo data (Ctrl-C stops)"
	@echo "make demo RATE=2 DURATION=300 - depots and engineers working a running make run, live"
	@echo "make test     - lint + unit, integration and end-to-end tests (real Kafka, PostgreSQL)"
	@echo "make test-unit- the fast tests only (no broker, no database)"
	@echo "make chaos    - the long chaos run: 10,000 faults, kills, broker and PostgreSQL outages"
	@echo "make lint     - ruff and mypy"
	@echo "make token ROLE=depot DEPOT=D-BJ | ROLE=technician TECH=T-BJ-01 - print an API token"
	@echo "make migration SERVICE=parts MSG='add bins' - autogenerate a migration"
	@echo "make dlq-replay GROUP=parts [DRY_RUN=1] [LIMIT=n] - re-publish a group's dead letters"
	@echo "make bench-dispatch SIZE=medium SEEDS=10 - the dispatch scheduling benchmark"
	@echo "make bench-pipeline [QUICK=1] - intake throughput, saga latency, memory vs the ceilings"

# The venv is rebuilt only when the dependencies change.
$(STAMP): pyproject.toml
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is required"'
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)
	deploy/kafka/kafka.sh fetch

run: setup
	deploy/local/run.sh

# Against a running `make run` (the same FLEETCARE_PORT_BASE): depots report RATE faults a
# second (1), the demo engineers work them, until Ctrl-C or DURATION seconds. DEMO_ARGS: --help.
demo: $(STAMP)
	@PYTHONPATH=deploy/local $(VENV)/bin/python -m demo $(if $(RATE),--rate $(RATE)) \
	  $(if $(DURATION),--duration $(DURATION)) $(DEMO_ARGS)

test: setup
	deploy/local/test.sh $(ARGS)

# The full chaos run (docs/reliability.md); `make test` runs its bounded plan. Figures go to
# .data/chaos/full.json, the services' logs to .data/chaos/full-logs/. It has a broker and a
# PostgreSQL cluster of its own (other ports and data), since it stops and restarts them.
chaos: setup
	FLEETCARE_SKIP_LINT=1 FLEETCARE_CHAOS=full FLEETCARE_TEST_KAFKA_PORT=29092 \
	FLEETCARE_TEST_KAFKA_CONTROLLER_PORT=29093 FLEETCARE_TEST_KAFKA_DATA_DIR=.data/kafka-chaos \
	PG_PORT=56432 PG_DATA=/var/tmp/fleetcare-pg-chaos deploy/local/test.sh tests/chaos -q -s

test-unit: $(STAMP)
	$(VENV)/bin/pytest tests/unit

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy shared services tests deploy/local bench

# Benchmarks print figures; they are not tests (docs/performance.md has the latest results).
bench: bench-dispatch bench-pipeline

# SIZE=small|medium|large, SEEDS=n; small and its stress variant by default (about a minute).
SIZE ?= small
SEEDS ?= 10
bench-dispatch: $(STAMP)
	$(VENV)/bin/python -m bench.dispatch --size $(SIZE) --seeds $(SEEDS)
	$(VENV)/bin/python -m bench.dispatch --size $(SIZE) --seeds $(SEEDS) --stress

# Its own Kafka (39092) and PostgreSQL (58432), started and stopped by the run, so it never
# disturbs `make test`; about 25 minutes (QUICK=1: 10 s phases, about 4 minutes).
bench-pipeline: setup
	$(VENV)/bin/python -m bench.pipeline $(if $(QUICK),--quick) $(BENCH_ARGS)

token: $(STAMP)
	@$(VENV)/bin/python -m shared.auth --role $(ROLE) $(if $(DEPOT),--depot-id $(DEPOT)) $(if $(TECH),--technician-id $(TECH))

migration: $(STAMP)
	$(VENV)/bin/python -m shared.makemigration $(SERVICE) "$(MSG)"

# Re-publishes fleetcare.dlt.$(GROUP) to the original topics (docs/operations.md#runbook);
# the broker is FLEETCARE_KAFKA_BOOTSTRAP (127.0.0.1:9092 by default).
dlq-replay: $(STAMP)
	@test -n "$(GROUP)" || { echo "usage: make dlq-replay GROUP=parts [DRY_RUN=1] [LIMIT=n]" >&2; exit 2; }
	$(VENV)/bin/python -m shared.dlq replay --group $(GROUP) $(if $(DRY_RUN),--dry-run) $(if $(LIMIT),--limit $(LIMIT))

kafka-start: setup
	deploy/kafka/kafka.sh start

kafka-stop:
	deploy/kafka/kafka.sh stop

pg-start:
	deploy/postgres/postgres.sh start

pg-stop:
	deploy/postgres/postgres.sh stop

clean:
	rm -rf .data
