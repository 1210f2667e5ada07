"""HTTP as a client of a system under chaos sees it: refused connections while a service
restarts, 503 while the database is away. Such answers are retried, with the same body (and so
the same `external_id` or `client_event_id`), until the deadline."""

import asyncio
import time
from collections import Counter
from typing import Any

import httpx

RETRIED_STATUSES = frozenset({429, 500, 502, 503, 504})
# Transient answers seen over the run, by kind ("refused", "503", ...): the report shows them.
TRANSIENT: Counter[str] = Counter()


class GaveUp(Exception):
    """The deadline passed with the service still unreachable or unavailable."""


async def send(
    client: httpx.AsyncClient, method: str, path: str, deadline: float, **kwargs: Any
) -> httpx.Response:
    """The first answer that is not a transient failure."""
    pause = 0.2
    while True:
        try:
            response = await client.request(method, path, **kwargs)
            if response.status_code not in RETRIED_STATUSES:
                return response
            TRANSIENT[str(response.status_code)] += 1
            wait = min(float(response.headers.get("Retry-After", pause)), 2.0)
        except httpx.TransportError as exc:
            TRANSIENT[type(exc).__name__] += 1
            wait = pause
        if time.monotonic() + wait > deadline:
            raise GaveUp(f"{method} {path}: still failing at the deadline")
        await asyncio.sleep(wait)
        pause = min(pause * 2, 2.0)
