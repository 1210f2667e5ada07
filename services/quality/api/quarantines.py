"""Quality HTTP routes: quarantines (stock that must not be used)."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import JSONResponse
from sqlalchemy import select
from sqlmodel import col

from services.quality.config import QualitySettings
from services.quality.models import QualityQuarantine, QuarantineBase, QuarantineCreate
from services.quality.quarantines import quarantine
from shared.app import SessionDep, settings_dependency
from shared.auth import Principal, require_role
from shared.errors import Problem
from shared.events import utcnow
from shared.idempotency import IdempotencyKey, fingerprint, idempotent_write
from shared.pagination import Cursor, Limit, Page, keyset_page

router = APIRouter(prefix="/v1", tags=["quality"])

Quality = Annotated[Principal, Depends(require_role("quality"))]
Readers = Annotated[Principal, Depends(require_role("quality", "warehouse", "dispatcher"))]
Settings = Annotated[QualitySettings, Depends(settings_dependency(QualitySettings))]
QuarantineId = Annotated[str, Path(min_length=1, max_length=40)]


def _public(record: QualityQuarantine) -> QuarantineBase:
    return QuarantineBase.model_validate(record, from_attributes=True)


@router.post(
    "/quarantines", status_code=201, response_model=QuarantineBase,
    summary="Quarantine stock of a part (a batch, a supplier's, or all): parts stops using it",
)
async def post_quarantine(
    body: QuarantineCreate,
    session: SessionDep,
    principal: Quality,
    settings: Settings,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    async def write() -> tuple[int, dict[str, Any]]:
        record = quarantine(session, settings, body, principal, utcnow())
        return 201, _public(record).model_dump(mode="json")

    request_hash = fingerprint(body.model_dump(mode="json"))
    return await idempotent_write(session, principal, idempotency_key, request_hash, write)


@router.get("/quarantines", summary="Quarantines, oldest first, filtered by part")
async def list_quarantines(
    session: SessionDep,
    _: Readers,
    part_number: Annotated[str | None, Query(min_length=1, max_length=60)] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[QuarantineBase]:
    query = select(QualityQuarantine)
    if part_number is not None:
        query = query.where(col(QualityQuarantine.part_number) == part_number)
    rows, next_cursor = await keyset_page(session, query, col(QualityQuarantine.seq), limit,
                                          cursor)
    return Page[QuarantineBase](items=[_public(r) for r in rows], next_cursor=next_cursor)


@router.get("/quarantines/{quarantine_id}", summary="One quarantine")
async def get_quarantine(
    quarantine_id: QuarantineId, session: SessionDep, _: Readers
) -> QuarantineBase:
    record = (await session.scalars(select(QualityQuarantine).where(
        col(QualityQuarantine.id) == quarantine_id))).first()
    if record is None:
        raise Problem(404, "Not found", "No such quarantine.")
    return _public(record)
