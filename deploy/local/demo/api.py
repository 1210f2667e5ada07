"""HTTP to the running system as its real clients do it: retry what is transient (refused
connections while a service restarts, 429/502/503/504 with Retry-After) with the same body,
so the same `external_id` or `client_event_id`, and count every answer."""

import asyncio
import os
import time
from dataclasses import dataclass
from typing import Any

import httpx

from demo.tally import Tally, status_class
from shared.auth import issue_token
from shared.settings import ServiceSettings

RETRIED_STATUSES = frozenset({429, 502, 503, 504})
# How long one request is retried before the demo gives up on it (and counts it failed).
PATIENCE_SECONDS = 30.0
MAX_PAUSE_SECONDS = 5.0


class GaveUp(Exception):
    """The service stayed unreachable or unavailable for PATIENCE_SECONDS."""


@dataclass(frozen=True)
class Endpoints:
    """Where `make run` serves: 127.0.0.1, ports FLEETCARE_PORT_BASE + 1..4."""

    base: int
    prometheus_port: int

    @classmethod
    def from_env(cls) -> "Endpoints":
        return cls(int(os.environ.get("FLEETCARE_PORT_BASE", "8000")),
                   int(os.environ.get("PROMETHEUS_PORT", "9090")))

    def url(self, service: str) -> str:
        offset = ("intake", "parts", "dispatch", "quality").index(service) + 1
        return f"http://127.0.0.1:{self.base + offset}"

    @property
    def prometheus(self) -> str:
        return f"http://127.0.0.1:{self.prometheus_port}"


def signing_secret() -> str:
    """The secret the services verify with, from the same environment `make run` has."""
    os.environ.setdefault("FLEETCARE_ENV", "dev")
    return ServiceSettings().jwt_secret


def client(base_url: str, secret: str, role: str, *, depot_id: str | None = None,
           technician_id: str | None = None) -> httpx.AsyncClient:
    """A client carrying a token for the role (one per depot, per engineer's phone)."""
    token = issue_token(secret, role, technician_id or depot_id or f"demo-{role}",
                        depot_id=depot_id, technician_id=technician_id)
    return httpx.AsyncClient(base_url=base_url, timeout=10.0,
                             headers={"Authorization": f"Bearer {token}"})


async def send(http: httpx.AsyncClient, tally: Tally, method: str, path: str,
               **kwargs: Any) -> httpx.Response:
    """The first answer that is not transient; GaveUp after PATIENCE_SECONDS of trying."""
    give_up_at = time.monotonic() + PATIENCE_SECONDS
    pause = 0.2
    while True:
        try:
            response = await http.request(method, path, **kwargs)
            tally.http[status_class(response.status_code)] += 1
            if response.status_code not in RETRIED_STATUSES:
                return response
            wait = retry_after(response.headers.get("Retry-After"), pause)
        except httpx.TransportError as exc:
            tally.http["unreachable"] += 1
            wait = pause
            failure = f"{method} {path}: {type(exc).__name__}"
        else:
            failure = f"{method} {path}: {response.status_code}"
        if time.monotonic() + wait > give_up_at:
            raise GaveUp(failure)
        tally.retries += 1
        await asyncio.sleep(wait)
        pause = min(pause * 2, MAX_PAUSE_SECONDS)


def retry_after(header: str | None, default: float) -> float:
    """Seconds to wait: the server's Retry-After (in seconds) when it gave one, capped."""
    try:
        wait = float(header) if header else default
    except ValueError:
        wait = default
    return min(max(wait, 0.0), MAX_PAUSE_SECONDS)
