"""Per-client rate limits: a token bucket per client, in this process's memory.

A client's bucket holds up to `burst` tokens and refills at `per_minute` tokens a minute; a
request costing more tokens than are left is refused whole with 429 and `Retry-After` (whole
seconds until enough have refilled), and takes nothing. The client is the token's role and
subject, plus the depot for depot tokens (two depots sharing a subject name do not share a
bucket).

The buckets live in each process: N replicas behind a load balancer admit up to N times the
limit. That is the honest simple design for a guard against runaway clients; a shared
limit would need a shared store.
"""

import math
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request

from shared.auth import Principal
from shared.errors import Problem

# A bucket left alone refills to full, so forgetting the least recently seen client when there
# are more than this costs nothing unless that many clients are all busy at once.
MAX_CLIENTS = 10_000


@dataclass
class _Bucket:
    tokens: float
    updated: float


def client_of(principal: Principal) -> Hashable:
    """Whose bucket a request draws on."""
    return principal.role, principal.sub, principal.depot_id if principal.role == "depot" else None


class RateLimiter:
    def __init__(
        self,
        per_minute: float,
        burst: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_clients: int = MAX_CLIENTS,
    ) -> None:
        self.per_second = per_minute / 60
        self.burst = burst
        self.clock = clock
        self.max_clients = max_clients
        self._buckets: OrderedDict[Hashable, _Bucket] = OrderedDict()

    def take(self, client: Hashable, cost: int) -> float:
        """Take `cost` tokens (at most `burst`) from the client's bucket: 0 when admitted, else
        the seconds until the bucket will hold them (nothing is taken then). Never awaits, so
        concurrent requests of one process cannot both spend the same tokens."""
        assert cost <= self.burst, "a bucket never holds more than the burst"
        now = self.clock()
        bucket = self._buckets.pop(client, None) or _Bucket(self.burst, now)
        self._buckets[client] = bucket  # now the most recently seen
        if len(self._buckets) > self.max_clients:
            self._buckets.popitem(last=False)
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.per_second)
        bucket.updated = now
        if bucket.tokens >= cost:
            bucket.tokens -= cost
            return 0.0
        return (cost - bucket.tokens) / self.per_second

    def charge(self, principal: Principal, cost: int) -> None:
        """Admit a request worth `cost` (a batch: its number of faults) or raise the 429."""
        # No wait admits more than the burst at once; Retry-After is then when a full one is.
        oversized = cost > self.burst
        wait = self.burst / self.per_second if oversized else self.take(client_of(principal), cost)
        if not wait:
            return
        retry_after = str(max(1, math.ceil(wait)))
        detail = (
            f"This request counts {cost} against a limit of {self.burst} at once: send at most "
            f"{self.burst} at a time." if oversized
            else f"Too many requests from this client; retry in {retry_after} s."
        )
        raise Problem(429, "Too many requests", detail, headers={"Retry-After": retry_after})


async def _limiter(request: Request) -> RateLimiter:  # async: no worker-thread hop
    limiter = request.app.state.rate_limiter
    assert isinstance(limiter, RateLimiter), "the service sets app.state.rate_limiter"
    return limiter


# A route charges the caller before it reads or writes anything: `limits.charge(principal, n)`.
RateLimits = Annotated[RateLimiter, Depends(_limiter)]
RATE_LIMITED: dict[int | str, dict[str, Any]] = {
    429: {"description": "Over the client's rate limit; retry after `Retry-After` seconds"},
}
