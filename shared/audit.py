"""The audit trail: who approved, ruled, reassigned, cancelled or quarantined what, and when.

Every service database holds an `audit_entry` table (like the outbox and inbox). A use case
calls `record` in the transaction of the action itself, so an entry exists exactly when the
action committed; a repeat that changes nothing records nothing. The trail is append-only: no
code path updates or deletes an entry and no route offers to. Admins read it with
`GET /v1/audit` on each service.
"""

from collections.abc import AsyncIterator, Callable, Mapping
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel
from sqlalchemy import JSON, Column, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel, col

from shared import correlation
from shared.auth import Principal, require_role
from shared.columns import timestamp_field
from shared.errors import Problem
from shared.events import utcnow
from shared.messaging import _BIGINT_PK
from shared.pagination import Cursor, Limit, Page, keyset_page
from shared.schemas import Timestamp

# Details name what was decided (a reason, an amount, a technician), not whole documents; a long
# free text is cut to this many characters.
MAX_DETAIL_CHARS = 500
Detail = str | int | float | bool | None


class AuditEntry(SQLModel, table=True):
    __tablename__ = "audit_entry"

    id: int | None = Field(
        default=None, sa_column=Column(_BIGINT_PK, primary_key=True, autoincrement=True)
    )
    at: datetime = timestamp_field(default_factory=utcnow, index=True)
    actor: str = Field(max_length=100, index=True, description="The token's subject.")
    role: str = Field(max_length=20)
    action: str = Field(max_length=60, index=True, description="e.g. `fault.cancelled`.")
    subject: str = Field(max_length=100, index=True, description="The id acted on.")
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    correlation_id: str | None = Field(default=None, max_length=64)


class AuditEntryPublic(BaseModel):
    id: int
    at: datetime
    actor: str
    role: str
    action: str
    subject: str
    details: dict[str, Any]
    correlation_id: str | None


def record(
    session: AsyncSession,
    principal: Principal,
    action: str,
    subject: str,
    details: Mapping[str, Detail] | None = None,
) -> None:
    """Add the entry to the session's transaction: it commits (or not) with the action."""
    bounded = {
        key: value[:MAX_DETAIL_CHARS] if isinstance(value, str) else value
        for key, value in (details or {}).items()
    }
    session.add(AuditEntry(
        actor=principal.sub[:100], role=principal.role, action=action, subject=subject[:100],
        details=bounded, correlation_id=correlation.current(),
    ))


Filter = Annotated[str | None, Query(min_length=1, max_length=100)]
From = Annotated[Timestamp | None, Query(alias="from", description="At or after.")]
To = Annotated[Timestamp | None, Query(description="Before.")]
Admin = Annotated[Principal, Depends(require_role("admin"))]


def audit_router(session_dependency: Callable[..., AsyncIterator[AsyncSession]]) -> APIRouter:
    """`GET /v1/audit` (admin only), reading through the service's session dependency."""
    router = APIRouter(prefix="/v1", tags=["audit"])

    @router.get("/audit", summary="Who did what: the audit trail, oldest first, filtered")
    async def list_audit(
        session: Annotated[AsyncSession, Depends(session_dependency)],
        _: Admin,
        action: Filter = None,
        subject: Filter = None,
        actor: Filter = None,
        at_from: From = None,
        to: To = None,
        limit: Limit = 50,
        cursor: Cursor = None,
    ) -> Page[AuditEntryPublic]:
        if at_from and to and to <= at_from:
            raise Problem(422, "Invalid request", "to must be after from.",
                          errors=[{"field": "to", "message": "must be after from"}])
        entry = AuditEntry
        query = select(entry)
        for column, wanted in ((entry.action, action), (entry.subject, subject),
                               (entry.actor, actor)):
            if wanted is not None:
                query = query.where(col(column) == wanted)
        if at_from:
            query = query.where(col(entry.at) >= at_from)
        if to:
            query = query.where(col(entry.at) < to)
        rows, next_cursor = await keyset_page(session, query, col(entry.id), limit, cursor)
        items = [AuditEntryPublic.model_validate(row, from_attributes=True) for row in rows]
        return Page[AuditEntryPublic](items=items, next_cursor=next_cursor)

    return router
