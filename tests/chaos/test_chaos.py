"""Faults survive crashes, restarts and outages: the chaos run (issue 9, docs/reliability.md).

`make test` runs the bounded plan (500 faults, each service killed once, the broker restarted
once, PostgreSQL stopped for 5 s); `make chaos` the full one (FLEETCARE_CHAOS=full).

Run it in a pytest run of its own (as deploy/local/test.sh does): its services join the same
consumer groups as the end-to-end ones, which must not be running meanwhile."""

from tests.chaos import invariants
from tests.chaos.plan import chosen_plan
from tests.chaos.run import run_chaos


async def test_under_kills_and_outages_every_fault_is_handled_exactly_once() -> None:
    plan = chosen_plan()
    result = await run_chaos(plan)

    assert not result.violations, invariants.describe(result.violations)
    assert result.faults_accepted == result.faults_offered == plan.faults
    kills = [d["what"] for d in result.disruptions]
    for service in ("intake", "parts", "dispatch", "quality"):
        assert kills.count(f"kill {service}") == plan.kills_per_service
    assert kills.count("restart broker") == plan.broker_restarts
    assert kills.count("stop postgres") == (1 if plan.postgres_outage_seconds else 0)

