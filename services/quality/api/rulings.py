"""Quality HTTP routes: responsibility rulings and supplier claims (thin: parse, authorise,
call the use case, commit, return)."""

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Query
from fastapi.responses import JSONResponse
from sqlalchemy import select
from sqlmodel import col

from services.quality.claims import act_on_claim, claim_filters, claim_totals
from services.quality.config import QualitySettings
from services.quality.domain.rulings import ClaimAction, ClaimStatus, Responsibility
from services.quality.models import (
    ClaimAccept,
    ClaimDispute,
    ClaimPublic,
    ClaimSettle,
    QualityClaim,
    QualityRuling,
    RulingCreate,
    RulingPublic,
    SupplierClaimTotals,
)
from services.quality.rulings import load_ruling, present, present_rulings, rule
from shared.app import SessionDep, settings_dependency
from shared.auth import Principal, require_role
from shared.errors import Problem
from shared.idempotency import IdempotencyKey, fingerprint, idempotent_write
from shared.pagination import Cursor, Limit, Page, cursor_position, encode_cursor, keyset_page
from shared.schemas import Timestamp

router = APIRouter(prefix="/v1", tags=["rulings and claims"])

Quality = Annotated[Principal, Depends(require_role("quality"))]
Readers = Annotated[Principal, Depends(require_role("quality", "dispatcher"))]
Settings = Annotated[QualitySettings, Depends(settings_dependency(QualitySettings))]
Id = Annotated[str, Path(min_length=1, max_length=36)]
Text = Annotated[str | None, Query(min_length=1, max_length=100)]
From = Annotated[Timestamp | None, Query(alias="from", description="Raised at or after.")]
To = Annotated[Timestamp | None, Query(description="Raised before.")]
CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"description": "Not possible now; `current_status` says where the claim is"}}


@router.post(
    "/rulings", status_code=201, response_model=RulingPublic,
    summary="Rule who is responsible for a repaired fault; a supplier is claimed against",
    responses={200: {"description": "The same ruling asked again: the one made"},
               409: {"description": "Repair not done yet, or ruled differently before"}},
)
async def post_ruling(
    body: RulingCreate,
    session: SessionDep,
    principal: Quality,
    settings: Settings,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    request_hash = fingerprint(body.model_dump(mode="json"))

    async def write() -> tuple[int, dict[str, Any]]:
        ruled = await rule(session, settings, body, principal, request_hash)
        shown = present(ruled.ruling, ruled.claim).model_dump(mode="json")
        return (201 if ruled.created else 200), shown

    return await idempotent_write(session, principal, idempotency_key, request_hash, write)


@router.get("/rulings", summary="Rulings in the order they were made")
async def get_rulings(
    session: SessionDep,
    _: Readers,
    fault_id: Text = None,
    responsibility: Responsibility | None = None,
    supplier_id: Text = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[RulingPublic]:
    query = select(QualityRuling)
    if fault_id is not None:
        query = query.where(col(QualityRuling.fault_id) == fault_id)
    if responsibility is not None:
        query = query.where(col(QualityRuling.responsibility) == responsibility.value)
    if supplier_id is not None:
        query = query.where(col(QualityRuling.supplier_id) == supplier_id)
    rows, next_cursor = await keyset_page(session, query, col(QualityRuling.seq), limit, cursor)
    return Page[RulingPublic](items=await present_rulings(session, list(rows)),
                              next_cursor=next_cursor)


@router.get("/rulings/{ruling_id}", summary="A ruling with its claim")
async def get_ruling(ruling_id: Id, session: SessionDep, _: Readers) -> RulingPublic:
    ruled = await load_ruling(session, ruling_id)
    if ruled is None:
        raise Problem(404, "Not found", "No such ruling.")
    return present(ruled.ruling, ruled.claim)


def _check_period(raised_from: Timestamp | None, to: Timestamp | None) -> None:
    if raised_from and to and to <= raised_from:
        raise Problem(422, "Invalid request", "to must be after from.",
                      errors=[{"field": "to", "message": "must be after from"}])


@router.get("/claims", summary="Claims against suppliers in the order they were raised")
async def get_claims(
    session: SessionDep,
    _: Quality,
    supplier_id: Annotated[str | None, Query(min_length=1, max_length=40)] = None,
    status: ClaimStatus | None = None,
    fault_id: Text = None,
    raised_from: From = None,
    to: To = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[ClaimPublic]:
    _check_period(raised_from, to)
    conditions = claim_filters(supplier_id, status.value if status else None, fault_id,
                               raised_from, to)
    query = select(QualityClaim).where(*conditions)
    rows, next_cursor = await keyset_page(session, query, col(QualityClaim.seq), limit, cursor)
    items = [ClaimPublic.model_validate(c, from_attributes=True) for c in rows]
    return Page[ClaimPublic](items=items, next_cursor=next_cursor)


@router.get("/claims/totals", summary="Per supplier: claims raised in a period and their amounts")
async def get_claim_totals(
    session: SessionDep,
    _: Quality,
    supplier_id: Annotated[str | None, Query(min_length=1, max_length=40)] = None,
    raised_from: From = None,
    to: To = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[SupplierClaimTotals]:
    _check_period(raised_from, to)
    conditions = claim_filters(supplier_id, None, None, raised_from, to)
    items, position = await claim_totals(
        session, conditions, cursor_position(cursor, str), limit
    )
    next_cursor = encode_cursor(position) if position is not None else None
    return Page[SupplierClaimTotals](items=items, next_cursor=next_cursor)


@router.get("/claims/{claim_id}", summary="A claim")
async def get_claim(claim_id: Id, session: SessionDep, _: Quality) -> ClaimPublic:
    claim = (await session.scalars(
        select(QualityClaim).where(col(QualityClaim.id) == claim_id))).first()
    if claim is None:
        raise Problem(404, "Not found", "No such claim.")
    return ClaimPublic.model_validate(claim, from_attributes=True)


@router.post("/claims/{claim_id}/accept", summary="The supplier accepts the claim",
             responses=CONFLICT)
async def accept_claim(
    claim_id: Id, session: SessionDep, principal: Quality,
    body: Annotated[ClaimAccept | None, Body()] = None,
) -> ClaimPublic:
    amount = body.accepted_amount if body else None
    claim = await act_on_claim(session, claim_id, ClaimAction.ACCEPT, principal,
                               amount=amount)
    await session.commit()
    return ClaimPublic.model_validate(claim, from_attributes=True)


@router.post("/claims/{claim_id}/dispute", summary="The supplier disputes the claim",
             responses=CONFLICT)
async def dispute_claim(
    claim_id: Id, body: ClaimDispute, session: SessionDep, principal: Quality
) -> ClaimPublic:
    claim = await act_on_claim(session, claim_id, ClaimAction.DISPUTE, principal,
                               reason=body.reason)
    await session.commit()
    return ClaimPublic.model_validate(claim, from_attributes=True)


@router.post("/claims/{claim_id}/settle", summary="The supplier paid the claim",
             responses=CONFLICT)
async def settle_claim(
    claim_id: Id, session: SessionDep, principal: Quality,
    body: Annotated[ClaimSettle | None, Body()] = None,
) -> ClaimPublic:
    amount = body.settled_amount if body else None
    claim = await act_on_claim(session, claim_id, ClaimAction.SETTLE, principal,
                               amount=amount)
    await session.commit()
    return ClaimPublic.model_validate(claim, from_attributes=True)
