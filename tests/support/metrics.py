"""Read metrics the way Prometheus does: a service's /metrics, or this process's registry."""

import httpx
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


async def scrape(client: httpx.AsyncClient) -> Samples:
    """Every sample as {(name, labels): value}."""
    response = await client.get("/metrics", headers={})
    response.raise_for_status()
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def total(samples: Samples, name: str, **labels: str) -> float:
    """Sum of the samples of `name` whose labels include `labels`."""
    wanted = set(labels.items())
    return sum(v for (n, ls), v in samples.items() if n == name and wanted <= ls)


def series(samples: Samples, name: str, **labels: str) -> list[dict[str, str]]:
    """The label sets of the samples of `name` whose labels include `labels`."""
    wanted = set(labels.items())
    return [dict(ls) for (n, ls) in samples if n == name and wanted <= ls]


def sample(name: str, **labels: str) -> float:
    """One sample of this process's own registry (unit tests); 0 when it was never set."""
    return REGISTRY.get_sample_value(name, labels) or 0.0


def exported(name: str, **labels: str) -> bool:
    """Whether this process's registry holds a sample with exactly these labels."""
    return REGISTRY.get_sample_value(name, labels) is not None
