"""Per-client token buckets: a burst, then a steady rate; what is refused takes nothing."""

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated

import httpx
import pytest
from fastapi import APIRouter, Depends

from shared.auth import Principal, require_role
from shared.errors import PROBLEM_JSON
from shared.ratelimit import RateLimiter, RateLimits, client_of
from tests.support.apps import bearer, service_app


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def limiter(per_minute: float = 60, burst: int = 5, **kw: int) -> tuple[RateLimiter, Clock]:
    clock = Clock()
    return RateLimiter(per_minute, burst, clock=clock, **kw), clock


def test_a_client_gets_its_burst_at_once_then_waits_for_the_refill() -> None:
    limits, clock = limiter(per_minute=60, burst=5)

    assert [limits.take("a", 1) for _ in range(5)] == [0] * 5
    assert limits.take("a", 1) == pytest.approx(1.0)
    clock.now += 0.5
    assert limits.take("a", 1) == pytest.approx(0.5)
    clock.now += 0.5
    assert limits.take("a", 1) == 0


def test_a_refused_request_takes_nothing() -> None:
    limits, _ = limiter(per_minute=60, burst=5)
    assert limits.take("a", 3) == 0

    assert limits.take("a", 3) == pytest.approx(1.0)  # 2 left, 1 short
    assert limits.take("a", 2) == 0


def test_a_batch_costs_its_size_and_the_bucket_never_holds_more_than_the_burst() -> None:
    limits, clock = limiter(per_minute=60, burst=5)
    clock.now += 3600

    assert limits.take("a", 5) == 0
    assert limits.take("a", 1) == pytest.approx(1.0)


def test_clients_have_their_own_buckets() -> None:
    limits, _ = limiter(per_minute=60, burst=1)

    assert limits.take("a", 1) == 0
    assert limits.take("b", 1) == 0
    assert limits.take("a", 1) > 0


def test_a_client_is_the_role_and_subject_and_for_a_depot_its_depot() -> None:
    north = Principal(sub="gateway", role="depot", depot_id="D-BJ")
    south = Principal(sub="gateway", role="depot", depot_id="D-GZ")
    desk = Principal(sub="gateway", role="dispatcher")

    assert len({client_of(north), client_of(south), client_of(desk)}) == 3
    assert client_of(north) == client_of(Principal(sub="gateway", role="depot", depot_id="D-BJ"))


def test_beyond_max_clients_the_least_recently_seen_starts_again_full() -> None:
    limits, _ = limiter(per_minute=60, burst=1, max_clients=2)
    for client in ("a", "b", "a", "c"):  # "b" is the least recently seen when "c" arrives
        limits.take(client, 1)

    assert limits.take("b", 1) == 0
    assert limits.take("c", 1) > 0


def _router(runs: list[int]) -> APIRouter:
    router = APIRouter()

    @router.post("/v1/faults:batch")
    async def report(
        size: int,
        principal: Annotated[Principal, Depends(require_role("depot"))],
        limits: RateLimits,
    ) -> dict[str, int]:
        limits.charge(principal, size)
        runs.append(size)
        return {"created": size}

    return router


@pytest.fixture
def runs() -> list[int]:
    return []


@pytest.fixture
async def client(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, runs: list[int]
) -> AsyncIterator[tuple[httpx.AsyncClient, Clock]]:
    app = service_app(monkeypatch, tmp_path, _router(runs))
    clock = Clock()
    app.state.rate_limiter = RateLimiter(6, 4, clock=clock)  # a token every 10 s
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://unit", headers=bearer(app, "depot", "D-BJ")
    ) as http:
        yield http, clock


async def test_over_the_limit_is_429_with_retry_after_and_the_route_never_runs(
    client: tuple[httpx.AsyncClient, Clock], runs: list[int]
) -> None:
    http, clock = client

    admitted = await http.post("/v1/faults:batch", params={"size": 3})
    refused = await http.post("/v1/faults:batch", params={"size": 2})
    clock.now += 10
    again = await http.post("/v1/faults:batch", params={"size": 2})

    assert admitted.status_code == 200
    assert refused.status_code == 429
    assert refused.headers["content-type"] == PROBLEM_JSON
    assert refused.headers["retry-after"] == "10"
    assert refused.json()["detail"] == "Too many requests from this client; retry in 10 s."
    assert again.status_code == 200
    assert runs == [3, 2]


async def test_more_than_the_burst_at_once_is_refused_saying_how_many_may_be_sent(
    client: tuple[httpx.AsyncClient, Clock], runs: list[int]
) -> None:
    http, _ = client

    response = await http.post("/v1/faults:batch", params={"size": 5})

    assert response.status_code == 429
    assert "send at most 4 at a time" in response.json()["detail"]
    assert response.headers["retry-after"] == "40"  # when a full burst is possible
    assert runs == []
