"""Idempotency-Key: a retried write returns the original result; a reused key with another body
is 409. One row per (caller scope, key), written in the same transaction as the write itself."""

import hashlib
import json
from collections.abc import Awaitable, Callable, Collection
from datetime import datetime
from typing import Annotated, Any

from fastapi import Header
from fastapi.responses import JSONResponse
from sqlalchemy import Column, Text, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel, col

from shared.auth import Principal
from shared.columns import timestamp_field
from shared.db import retry_once_on_conflict
from shared.errors import Problem
from shared.events import utcnow

# The header telling a client its retry got the stored answer, not a second write.
REPLAYED = "Idempotent-Replayed"

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key", min_length=1, max_length=200, pattern=r"^[\x21-\x7e]+$",
        description="Any unique string (e.g. a UUID); a retry with the same key and body "
        "returns the original result.",
    ),
]


class IdempotencyRecord(SQLModel, table=True):
    __tablename__ = "idempotency"

    scope: str = Field(primary_key=True, max_length=120)
    key: str = Field(primary_key=True, max_length=200)
    request_hash: str = Field(max_length=64)
    status_code: int
    response: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = timestamp_field(default_factory=utcnow)


def fingerprint(payload: Any) -> str:
    """A stable hash of a request body (canonical JSON)."""
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def scope_of(principal: Principal) -> str:
    """Keys are per caller: two depots may pick the same key without colliding."""
    owner = principal.depot_id or principal.technician_id or principal.sub
    return f"{principal.role}:{owner}"[:120]


async def replay(
    session: AsyncSession, scope: str, key: str, request_hash: str
) -> JSONResponse | None:
    """The stored response for this key, or None when the key is new."""
    record = await session.get(IdempotencyRecord, (scope, key))
    return None if record is None else replayed(record, request_hash)


async def stored_records(
    session: AsyncSession, pairs: Collection[tuple[str, str]]
) -> dict[tuple[str, str], IdempotencyRecord]:
    """The records of several (scope, key) pairs in one query (requests stored together)."""
    if not pairs:
        return {}
    query = select(IdempotencyRecord).where(
        tuple_(col(IdempotencyRecord.scope), col(IdempotencyRecord.key)).in_(list(pairs)))
    return {(r.scope, r.key): r for r in (await session.scalars(query)).all()}


def replayed(record: IdempotencyRecord, request_hash: str) -> JSONResponse:
    """The original answer to a retry; 409 when the key came with another body."""
    if record.request_hash != request_hash:
        raise key_reused()
    return JSONResponse(
        json.loads(record.response), status_code=record.status_code,
        headers={REPLAYED: "true"},
    )


def concurrent_change() -> Problem:
    """A uniqueness race lost twice running: the caller should simply retry."""
    return Problem(409, "Conflict", "A concurrent request changed this resource; retry it.")


def key_reused() -> Problem:
    return Problem(
        409, "Idempotency-Key reused",
        "This Idempotency-Key was already used with a different request body.",
    )


def remember(
    session: AsyncSession, scope: str, key: str, request_hash: str, status_code: int, body: Any
) -> None:
    session.add(
        IdempotencyRecord(
            scope=scope, key=key, request_hash=request_hash, status_code=status_code,
            response=json.dumps(body, ensure_ascii=False),
        )
    )


async def idempotent_write(
    session: AsyncSession,
    principal: Principal,
    key: str | None,
    request_hash: str,
    write: Callable[[], Awaitable[tuple[int, Any]]],
) -> JSONResponse:
    """Run `write` once per Idempotency-Key and commit; a retry gets the stored answer.

    When a concurrent request wins a uniqueness race (same key, or a natural key such as an
    external_id), the transaction is rolled back and the lookup runs again, so the loser
    answers exactly as the winner did instead of failing.
    """
    scope = scope_of(principal)

    async def attempt() -> JSONResponse:
        if key and (stored := await replay(session, scope, key, request_hash)):
            return stored
        status_code, body = await write()
        if key:
            remember(session, scope, key, request_hash, status_code, body)
        await session.commit()
        return JSONResponse(body, status_code=status_code)

    return await retry_once_on_conflict(
        session, attempt,
        concurrent_change(),
    )
