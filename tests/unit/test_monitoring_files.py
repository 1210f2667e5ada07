"""Dashboards and alert rules hold together: valid, complete, and naming catalogued metrics."""

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.monitoring import (
    CATALOGUE,
    PROMETHEUS_OWN,
    REPO,
    catalogue,
    catalogue_name,
    dashboard_queries,
    dashboards,
    metric_names,
    referenced_names,
    rules,
)

DATASOURCES = REPO / "deploy/grafana/provisioning/datasources/prometheus.yml"
RUNBOOK = REPO / "docs/operations.md"
# Grafana's own variables, replaced by what it would send for a day-long view.
GRAFANA_BUILTINS = {"$__rate_interval": "1m", "$__range": "1d"}
_ALERT_ROW = re.compile(r"^\| `(Fleetcare\w+)` \| .* \| (\w+) \|$", re.MULTILINE)


def _alerts() -> dict[str, dict[str, Any]]:
    return {rule["alert"]: rule for rule in rules() if "alert" in rule}


def _prometheus_uid() -> str:
    uid: str = yaml.safe_load(DATASOURCES.read_text())["datasources"][0]["uid"]
    return uid


def test_the_three_dashboards_are_the_sla_pipeline_and_parts_views() -> None:
    titles = {board["title"] for board in dashboards().values()}
    assert titles == {"FleetCare — SLA overview", "FleetCare — pipeline health",
                      "FleetCare — parts and technicians"}
    assert len({board["uid"] for board in dashboards().values()}) == 3


@pytest.mark.parametrize("name", dashboards())
def test_every_panel_queries_the_provisioned_prometheus(name: str) -> None:
    board = dashboards()[name]
    assert board["panels"]
    assert len({panel["id"] for panel in board["panels"]}) == len(board["panels"])
    for panel in board["panels"]:
        where = f"{name}: {panel['title']}"
        assert panel["targets"], where
        assert panel["datasource"]["uid"] == _prometheus_uid(), where
        assert all(target["expr"].strip() for target in panel["targets"]), where
        assert len({t["refId"] for t in panel["targets"]}) == len(panel["targets"]), where
        grid = panel["gridPos"]
        assert grid["x"] + grid["w"] <= 24, where


def test_every_catalogued_alert_is_a_rule_with_its_severity_and_runbook() -> None:
    documented = dict(_ALERT_ROW.findall(CATALOGUE.read_text(encoding="utf-8")))
    alerts = _alerts()
    assert set(alerts) == set(documented)
    for name, rule in alerts.items():
        assert rule["labels"]["severity"] == documented[name], name
        annotations = rule["annotations"]
        assert annotations["summary"].strip() and annotations["description"].strip(), name
        assert annotations["runbook_url"] == f"docs/operations.md#{name.lower()}", name


def _github_anchor(heading: str) -> str:
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def test_every_runbook_link_lands_on_a_heading_of_the_runbook() -> None:
    headings = re.findall(r"^#+ (.+)$", RUNBOOK.read_text(encoding="utf-8"), re.MULTILINE)
    anchors = {_github_anchor(heading) for heading in headings}
    missing = {name for name, rule in _alerts().items()
               if rule["annotations"]["runbook_url"].split("#")[1] not in anchors}
    assert not missing, f"docs/operations.md has no section for {sorted(missing)}"


def test_metric_names_are_read_from_the_query_not_from_label_values() -> None:
    expr = ('sum(rate(fleetcare_x_seconds_bucket{topic="fleetcare_intake"}[5m])) '
            'or up == 0 or fleetcare_ready')
    assert metric_names(expr) == {"fleetcare_x_seconds_bucket", "up", "fleetcare_ready"}


def test_dashboards_and_rules_name_only_catalogued_metrics() -> None:
    types = catalogue()
    unknown = {name for name in referenced_names()
               if name not in PROMETHEUS_OWN and catalogue_name(name, types) is None}
    assert not unknown, f"not in docs/metrics.md: {sorted(unknown)}"


def test_every_catalogued_metric_is_on_a_dashboard() -> None:
    types = catalogue()
    shown = {catalogue_name(name, types) for board in dashboards().values()
             for query in dashboard_queries(board) for name in metric_names(query)}
    assert set(types) - shown == set()


def _as_prometheus_sees_it(query: str, board: dict[str, Any]) -> str:
    """The query with Grafana's variables replaced: custom ones by their current value."""
    for variable in board["templating"]["list"]:
        value = variable["current"]["value"] if variable["type"] == "custom" else ".*"
        query = query.replace(f"${variable['name']}", value)
    for builtin, value in GRAFANA_BUILTINS.items():
        query = query.replace(builtin, value)
    return query


@pytest.mark.skipif(shutil.which("promtool") is None,
                    reason="promtool (Debian package prometheus) is installed by `make test`")
def test_every_dashboard_query_is_valid_promql(tmp_path: Path) -> None:
    # promtool parses rule expressions: each query becomes a recording rule to be checked.
    queries = [_as_prometheus_sees_it(query, board) for board in dashboards().values()
               for query in dashboard_queries(board) if not query.startswith("label_values(")]
    rule_file = tmp_path / "dashboards.yml"
    rule_file.write_text(yaml.safe_dump({"groups": [{"name": "dashboards", "rules": [
        {"record": f"dashboard:query{i}", "expr": query} for i, query in enumerate(queries)
    ]}]}))
    checked = subprocess.run(["promtool", "check", "rules", str(rule_file)],
                             capture_output=True, text=True, timeout=60)
    assert checked.returncode == 0, checked.stdout + checked.stderr


@pytest.mark.parametrize("config", ["prometheus.yml", "prometheus-local.yml"])
def test_both_prometheus_configs_load_the_alert_rules(config: str) -> None:
    loaded = yaml.safe_load((REPO / "deploy/prometheus" / config).read_text())
    assert loaded["rule_files"] == ["rules/*.yml"]
    assert list((REPO / "deploy/prometheus").glob(loaded["rule_files"][0]))
