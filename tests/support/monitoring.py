"""The PromQL of the Grafana dashboards and Prometheus rules, and the metric names it uses."""

import json
import re
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
DASHBOARDS = REPO / "deploy/grafana/dashboards"
RULES = REPO / "deploy/prometheus/rules"
CATALOGUE = REPO / "docs/metrics.md"
HISTOGRAM_SERIES = ("_bucket", "_sum", "_count")
# Prometheus' own per-target series: the only name not exported by the services themselves.
PROMETHEUS_OWN = {"up"}

# Quoted strings hold label values (topics are `fleetcare.intake`), never metric names.
_QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'')
_METRIC = re.compile(r"\b(fleetcare_[a-z0-9_]+|up)\b")
_CATALOGUE_ROW = re.compile(r"^\| `(fleetcare_[a-z0-9_]+)` \| (\w+) \|", re.MULTILINE)


def dashboards() -> dict[str, dict[str, Any]]:
    """Every dashboard by file name."""
    return {path.name: json.loads(path.read_text(encoding="utf-8"))
            for path in sorted(DASHBOARDS.glob("*.json"))}


def rules() -> list[dict[str, Any]]:
    """Every alerting and recording rule of every rule file."""
    return [rule for path in sorted(RULES.glob("*.yml"))
            for group in yaml.safe_load(path.read_text(encoding="utf-8"))["groups"]
            for rule in group["rules"]]


def dashboard_queries(board: dict[str, Any]) -> list[str]:
    """The panels' PromQL and the template variables' queries (`label_values(...)`)."""
    targets = [t["expr"] for panel in board["panels"] for t in panel.get("targets", [])]
    variables = [v["definition"] for v in board["templating"]["list"] if v["type"] == "query"]
    return targets + variables


def promql_expressions() -> dict[str, str]:
    """Every PromQL expression of the dashboards and rules, keyed by where it is."""
    found = {f"{name} #{i}": query for name, board in dashboards().items()
             for i, query in enumerate(dashboard_queries(board))}
    found |= {rule.get("alert") or rule["record"]: rule["expr"] for rule in rules()}
    return found


def metric_names(expr: str) -> set[str]:
    """Metric names an expression reads, as written (histogram series keep their suffix)."""
    return set(_METRIC.findall(_QUOTED.sub('""', expr)))


def referenced_names() -> set[str]:
    return {name for expr in promql_expressions().values() for name in metric_names(expr)}


def catalogue() -> dict[str, str]:
    """docs/metrics.md's table: metric name -> type."""
    return dict(_CATALOGUE_ROW.findall(CATALOGUE.read_text(encoding="utf-8")))


def catalogue_name(name: str, types: dict[str, str]) -> str | None:
    """The catalogue entry a series name belongs to (`x_bucket` is histogram `x`), if any."""
    if name in types:
        return name
    for suffix in HISTOGRAM_SERIES:
        base = name.removesuffix(suffix)
        if base != name and types.get(base) == "histogram":
            return base
    return None
