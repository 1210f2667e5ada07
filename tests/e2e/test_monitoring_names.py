"""Every metric the Grafana dashboards and alert rules read is one the running services export:
a renamed metric would otherwise leave an empty panel or an alert that can never fire."""

import asyncio

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.conftest import System
from tests.support.monitoring import PROMETHEUS_OWN, referenced_names

# One authenticated read per service, so each has served a request before it is scraped.
READS = {"intake": "/v1/faults", "parts": "/v1/warehouses", "dispatch": "/v1/technicians",
         "quality": "/v1/complaints"}
# The series names a family of each type is queried by (a counter family is named without
# `_total` by the parser).
SERIES_SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_sum", "_count")}
# The database gauges and consumer lag are refreshed by a background loop, not at scrape time.
REFRESH_ROUNDS = 30
REFRESH_PAUSE_SECONDS = 2.0


def exported_names(exposition: str) -> set[str]:
    """Every name a query could read from this exposition, declared families included even
    before their first sample (a labelled counter nobody incremented yet)."""
    names: set[str] = set()
    for family in text_string_to_metric_families(exposition):
        names.add(family.name)
        names.update(family.name + suffix for suffix in SERIES_SUFFIXES.get(family.type, ()))
        names.update(sample.name for sample in family.samples)
    return names


async def exported_by_any_service(system: System) -> set[str]:
    names: set[str] = set()
    for service in READS:
        async with system.client(service) as client:
            response = await client.get("/metrics")
            response.raise_for_status()
            names |= exported_names(response.text)
    return names


async def test_dashboards_and_alert_rules_read_only_metrics_the_services_export(
    system: System,
) -> None:
    for service, path in READS.items():
        async with system.client(service) as client:
            assert (await client.get(path)).status_code == 200, service
    wanted = referenced_names() - PROMETHEUS_OWN
    assert wanted

    missing = wanted
    for _ in range(REFRESH_ROUNDS):
        missing = wanted - await exported_by_any_service(system)
        if not missing:
            return
        await asyncio.sleep(REFRESH_PAUSE_SECONDS)
    pytest.fail(f"read by dashboards or rules but exported by no service: {sorted(missing)}")
