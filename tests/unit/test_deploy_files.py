"""The container deployment files agree with the code: ports, databases, topics, scraping."""

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from shared.events import SERVICES, dead_letter_topic, topic_for

ROOT = Path(__file__).resolve().parents[2]
PORTS = {"intake": 8001, "parts": 8002, "dispatch": 8003, "quality": 8004}


def _yaml(relative: str) -> Any:
    return yaml.safe_load((ROOT / relative).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    services: dict[str, Any] = _yaml("docker-compose.yml")["services"]
    return services


def _scrape_targets(config: Any) -> dict[str, list[str]]:
    return {
        job["job_name"]: [t for group in job["static_configs"] for t in group["targets"]]
        for job in config["scrape_configs"]
    }


@pytest.mark.parametrize(("service", "port"), PORTS.items())
def test_each_service_runs_from_the_one_image_on_its_own_port(
    compose: dict[str, Any], service: str, port: int
) -> None:
    spec = compose[service]
    assert spec["build"]["dockerfile"] == "Dockerfile"
    assert spec["environment"]["SERVICE"] == service
    assert str(spec["environment"]["PORT"]) == str(port)
    assert f"{port}:{port}" in spec["ports"]
    assert spec["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert spec["depends_on"]["kafka-init"]["condition"] == "service_completed_successfully"
    assert spec["environment"]["FLEETCARE_KAFKA_BOOTSTRAP"] == "kafka:9092"


@pytest.mark.parametrize("service", PORTS)
def test_each_service_uses_its_own_database(compose: dict[str, Any], service: str) -> None:
    url = urlsplit(compose[service]["environment"]["FLEETCARE_DATABASE_URL"])
    assert url.scheme == "postgresql+asyncpg"
    assert url.hostname == "postgres"
    assert url.path == f"/fleetcare_{service}"
    init_sql = (ROOT / "deploy/postgres/docker-init/01-databases.sql").read_text()
    assert f"CREATE DATABASE fleetcare_{service};" in init_sql


def test_the_broker_database_and_prometheus_are_part_of_the_system(
    compose: dict[str, Any],
) -> None:
    assert compose["kafka"]["image"].startswith("apache/kafka:")
    assert compose["kafka"]["environment"]["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"
    assert compose["postgres"]["image"].startswith("postgres:16")
    assert compose["prometheus"]["image"].startswith("prom/prometheus")
    assert "9090:9090" in compose["prometheus"]["ports"]


def test_kafka_init_creates_exactly_the_topics_the_code_uses(compose: dict[str, Any]) -> None:
    event_topics = [topic_for(service) for service in SERVICES]
    assert event_topics == [
        "fleetcare.intake", "fleetcare.parts", "fleetcare.dispatch", "fleetcare.quality"
    ]
    expected = event_topics + [dead_letter_topic(service) for service in SERVICES]
    command = " ".join(compose["kafka-init"]["command"])
    assert sorted(re.findall(r"\bfleetcare\.[a-z.]*[a-z]", command)) == sorted(expected)
    assert "--if-not-exists" in command
    assert "--partitions 6" in command


@pytest.mark.parametrize(
    ("config", "on_host"),
    [("deploy/prometheus/prometheus.yml", False), ("deploy/prometheus/prometheus-local.yml", True)],
)
def test_prometheus_scrapes_every_service(config: str, on_host: bool) -> None:
    targets = _scrape_targets(_yaml(config))
    assert targets == {
        service: [f"{'127.0.0.1' if on_host else service}:{port}"]
        for service, port in PORTS.items()
    }


def test_the_image_starts_the_chosen_service_with_the_app_factory() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    cmd = next(line for line in dockerfile.splitlines() if line.startswith("CMD "))
    assert "--factory" in cmd
    assert "services.${SERVICE}.main:create_app" in cmd
    assert "--port ${PORT}" in cmd
    assert re.search(r"^USER (?!root)\S+", dockerfile, re.MULTILINE)


def test_prometheus_in_compose_loads_the_alert_rules(compose: dict[str, Any]) -> None:
    volumes = compose["prometheus"]["volumes"]
    assert "./deploy/prometheus/rules:/etc/prometheus/rules:ro" in volumes
    config = _yaml("deploy/prometheus/prometheus.yml")
    assert config["rule_files"] == ["rules/*.yml"]  # relative to /etc/prometheus/prometheus.yml


def test_grafana_shows_the_provisioned_dashboards_on_loopback_only(
    compose: dict[str, Any],
) -> None:
    grafana = compose["grafana"]
    assert grafana["image"].startswith("grafana/grafana-oss:")
    assert grafana["ports"] == ["127.0.0.1:3000:3000"]
    mounts = dict(volume.removesuffix(":ro").split(":") for volume in grafana["volumes"])
    assert all(volume.endswith(":ro") for volume in grafana["volumes"])
    assert mounts["./deploy/grafana/provisioning"] == "/etc/grafana/provisioning"
    provider = _yaml("deploy/grafana/provisioning/dashboards/fleetcare.yml")["providers"][0]
    assert mounts["./deploy/grafana/dashboards"] == provider["options"]["path"]
    home = grafana["environment"]["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"]
    assert str(Path(home).parent) == provider["options"]["path"]
    assert (ROOT / "deploy/grafana/dashboards" / Path(home).name).exists()
    datasource = _yaml("deploy/grafana/provisioning/datasources/prometheus.yml")["datasources"][0]
    assert datasource["url"] == "http://prometheus:9090"
