"""The Kubernetes manifests agree with the services: ports, probes, resources, settings, secrets."""

from importlib import import_module
from pathlib import Path
from typing import Any

import pytest
import yaml

from shared.events import SERVICES
from shared.settings import ServiceSettings

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
EXAMPLE_SECRET = "secret.example.yaml"


def _documents(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc]


# Every object of every manifest, by (kind, name).
OBJECTS = {
    (doc["kind"], doc["metadata"]["name"]): doc
    for path in sorted(K8S.glob("*.yaml")) if path.name != "kustomization.yaml"
    for doc in _documents(path)
}
# The ports the services run on, as docker-compose.yml gives them: the one place they are set.
_COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))["services"]
PORTS = {service: int(_COMPOSE[service]["environment"]["PORT"]) for service in SERVICES}


def _container(service: str) -> dict[str, Any]:
    containers: list[dict[str, Any]] = OBJECTS["Deployment", service]["spec"]["template"]["spec"][
        "containers"
    ]
    assert len(containers) == 1
    return containers[0]


def _port_number(container: dict[str, Any], port: int | str) -> int:
    """A probe's or Service's port: a number, or the name of one of the container's ports."""
    if isinstance(port, int):
        return port
    return next(p["containerPort"] for p in container["ports"] if p.get("name") == port)


def _settings_fields(service: str | None) -> set[str]:
    if service is None:
        return set(ServiceSettings.model_fields)
    kind = getattr(import_module(f"services.{service}.config"), f"{service.capitalize()}Settings")
    return set(kind.model_fields)


def test_the_kustomization_lists_every_manifest_but_the_example_secret() -> None:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text(encoding="utf-8"))
    manifests = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml", EXAMPLE_SECRET}
    assert sorted(kustomization["resources"]) == sorted(manifests)
    assert kustomization["namespace"] == "fleetcare"


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_runs_the_one_image_on_its_port_behind_a_service(service: str) -> None:
    container = _container(service)
    env = {e["name"]: e.get("value") for e in container["env"]}
    assert container["image"].split(":")[0] == "fleetcare"
    assert (env["SERVICE"], env["PORT"]) == (service, str(PORTS[service]))
    assert [p["containerPort"] for p in container["ports"]] == [PORTS[service]]

    deployment, svc = OBJECTS["Deployment", service], OBJECTS["Service", service]
    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert deployment["spec"]["selector"]["matchLabels"].items() <= pod_labels.items()
    assert svc["spec"]["selector"].items() <= pod_labels.items()
    [port] = svc["spec"]["ports"]
    assert port["port"] == PORTS[service]
    assert _port_number(container, port["targetPort"]) == PORTS[service]


@pytest.mark.parametrize("service", SERVICES)
def test_probes_ask_the_service_itself_whether_it_is_alive_and_ready(service: str) -> None:
    container = _container(service)
    # Readiness by the database alone: a broker outage must not empty the Service.
    paths = {"startupProbe": "/healthz", "livenessProbe": "/healthz",
             "readinessProbe": "/readyz?require=database"}
    for probe, path in paths.items():
        get = container[probe]["httpGet"]
        assert (get["path"], _port_number(container, get["port"])) == (path, PORTS[service])
    # The readiness check itself may take 2 s (the database ping's timeout).
    assert container["readinessProbe"]["timeoutSeconds"] >= 3


@pytest.mark.parametrize("service", SERVICES)
def test_each_container_requests_cpu_and_memory_and_caps_memory(service: str) -> None:
    resources = _container(service)["resources"]
    assert {"cpu", "memory"} <= resources["requests"].keys()
    assert "memory" in resources["limits"]


@pytest.mark.parametrize("service", SERVICES)
def test_prometheus_scrapes_each_pod_on_its_port_and_stops_it_gracefully(service: str) -> None:
    pod = OBJECTS["Deployment", service]["spec"]["template"]
    annotations = pod["metadata"]["annotations"]
    assert annotations["prometheus.io/scrape"] == "true"
    assert annotations["prometheus.io/port"] == str(PORTS[service])
    assert annotations["prometheus.io/path"] == "/metrics"
    pre_stop = _container(service)["lifecycle"]["preStop"]["exec"]["command"]
    assert pod["spec"]["terminationGracePeriodSeconds"] > int(pre_stop[-1])


@pytest.mark.parametrize("service", SERVICES)
def test_every_config_and_secret_a_container_names_exists(service: str) -> None:
    container = _container(service)
    for source in container["envFrom"]:
        assert ("ConfigMap", source["configMapRef"]["name"]) in OBJECTS
    for entry in container["env"]:
        for kind, ref in (("Secret", "secretKeyRef"), ("ConfigMap", "configMapKeyRef")):
            if ref in entry.get("valueFrom", {}):
                key = entry["valueFrom"][ref]
                found = OBJECTS[kind, key["name"]]
                assert key["key"] in found.get("data", {}) | found.get("stringData", {})
    secret_env = {e["name"] for e in container["env"] if "secretKeyRef" in e.get("valueFrom", {})}
    assert secret_env == {"FLEETCARE_JWT_SECRET", "FLEETCARE_DATABASE_URL"}


@pytest.mark.parametrize("service", [None, *SERVICES])
def test_config_maps_set_only_settings_the_service_has_and_no_secrets(service: str | None) -> None:
    data = OBJECTS["ConfigMap", f"fleetcare-{service or 'common'}"]["data"]
    fields = {key.removeprefix("FLEETCARE_").lower() for key in data}
    assert all(key.startswith("FLEETCARE_") for key in data)
    assert fields <= _settings_fields(service)
    assert not fields & {"jwt_secret", "database_url"}


def test_the_services_run_in_production_mode() -> None:
    assert OBJECTS["ConfigMap", "fleetcare-common"]["data"]["FLEETCARE_ENV"] == "prod"


def test_the_example_secret_holds_placeholders_only() -> None:
    values = OBJECTS["Secret", "fleetcare-secrets"]["stringData"].values()
    assert all("REPLACE-ME" in value for value in values)
