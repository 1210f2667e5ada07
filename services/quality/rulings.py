"""Responsibility rulings: who caused a repaired fault, what the repair cost, and the claim
against the supplier when it was the supplier's part.

A fault is ruled on once. The same request again (a client retrying) answers with the ruling
made; a different one is a conflict: re-ruling would have to undo a claim already in progress,
so it is not offered.
"""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.quality.config import QualitySettings
from services.quality.domain.records import labour_hours, parts_cost
from services.quality.domain.rulings import (
    RULABLE_RECORD_STATUSES,
    Responsibility,
    allocate_cost,
    claim_amount,
    ruling_errors,
)
from services.quality.models import (
    ClaimPublic,
    QualityClaim,
    QualityRuling,
    RulingCreate,
    RulingPublic,
)
from services.quality.records import load_record
from shared import audit
from shared.auth import Principal
from shared.errors import Problem
from shared.events import EventType, QualityRulingMade
from shared.outbox import add_event, new_event


@dataclass(frozen=True)
class Ruled:
    ruling: QualityRuling
    claim: QualityClaim | None
    created: bool


async def rule(
    session: AsyncSession,
    settings: QualitySettings,
    body: RulingCreate,
    principal: Principal,
    request_hash: str,
) -> Ruled:
    """Rule on a repaired fault, raise the supplier's claim, stage `quality.ruling_made` and
    put the ruling on the audit trail (by the fault's id).

    422 for a request that names a supplier or amount where none belongs (or lacks one), 409
    when the repair is not recorded as done or the fault was ruled on differently. Never
    commits.
    """
    errors = ruling_errors(body.responsibility, body.supplier_id, body.claim_amount)
    if errors:
        raise Problem(422, "Invalid request", "; ".join(f"{f}: {m}" for f, m in errors),
                      errors=[{"field": f, "message": m} for f, m in errors])
    existing = await ruling_of_fault(session, body.fault_id)
    if existing is not None:
        if existing.request_hash != request_hash:
            raise Problem(409, "Already ruled",
                          f"This fault was already ruled {existing.responsibility}.",
                          ruling_id=existing.id)
        return Ruled(existing, await claim_of(session, existing), created=False)
    record = await load_record(session, body.fault_id)
    # Closed but no completion seen yet: intake's fault.closed can be consumed before
    # dispatch's completion report, and the cost needs the report's times.
    if record is None or record.status not in RULABLE_RECORD_STATUSES or not record.completed_at:
        status = record.status if record else None
        raise Problem(409, "Repair not done",
                      f"The fault's service record is {status or 'not known yet'}: a fault is "
                      "ruled on once its repair is recorded as completed.",
                      record_status=status)
    allocation = allocate_cost(
        parts_cost(record.parts_consumed),
        labour_hours(record.on_site_at, record.completed_at),
        settings.labour_rate_per_hour,
    )
    ruling = QualityRuling(
        fault_id=body.fault_id, responsibility=body.responsibility.value,
        supplier_id=body.supplier_id, parts_cost=allocation.parts_cost,
        labour_hours=allocation.labour_hours, labour_rate=allocation.labour_rate,
        labour_cost=allocation.labour_cost, total_cost=allocation.total_cost,
        ruled_by=principal.sub[:100], request_hash=request_hash,
    )
    claim = None
    if body.responsibility is Responsibility.SUPPLIER:
        assert body.supplier_id is not None  # ruling_errors demands it
        claim = QualityClaim(
            ruling_id=ruling.id, fault_id=body.fault_id, supplier_id=body.supplier_id,
            amount=claim_amount(body.claim_amount, allocation), updated_by=principal.sub[:100],
            raised_at=ruling.ruled_at, updated_at=ruling.ruled_at,
        )
        ruling.claim_id = claim.id
        session.add(claim)
    session.add(ruling)
    add_event(session, new_event(
        settings, EventType.QUALITY_RULING_MADE, body.fault_id, _ruling_made(ruling, claim),
    ))
    audit.record(session, principal, "ruling.made", body.fault_id, {
        "ruling_id": ruling.id, "responsibility": ruling.responsibility,
        "supplier_id": ruling.supplier_id, "total_cost": ruling.total_cost,
        "claim_id": claim.id if claim else None, "claim_amount": claim.amount if claim else None,
    })
    return Ruled(ruling, claim, created=True)


def _ruling_made(ruling: QualityRuling, claim: QualityClaim | None) -> dict[str, Any]:
    return QualityRulingMade(
        fault_id=ruling.fault_id, ruling_id=ruling.id, responsibility=ruling.responsibility,
        supplier_id=ruling.supplier_id, parts_cost=ruling.parts_cost,
        labour_hours=ruling.labour_hours, labour_cost=ruling.labour_cost,
        total_cost=ruling.total_cost, claim_id=claim.id if claim else None,
        claim_amount=claim.amount if claim else None, ruled_by=ruling.ruled_by,
        ruled_at=ruling.ruled_at,
    ).model_dump(mode="json")


async def ruling_of_fault(session: AsyncSession, fault_id: str) -> QualityRuling | None:
    query = select(QualityRuling).where(col(QualityRuling.fault_id) == fault_id)
    return (await session.scalars(query)).first()


async def claim_of(session: AsyncSession, ruling: QualityRuling) -> QualityClaim | None:
    if ruling.claim_id is None:
        return None
    query = select(QualityClaim).where(col(QualityClaim.id) == ruling.claim_id)
    return (await session.scalars(query)).first()


async def load_ruling(session: AsyncSession, ruling_id: str) -> Ruled | None:
    ruling = (await session.scalars(
        select(QualityRuling).where(col(QualityRuling.id) == ruling_id))).first()
    if ruling is None:
        return None
    return Ruled(ruling, await claim_of(session, ruling), created=False)


async def present_rulings(
    session: AsyncSession, rulings: list[QualityRuling]
) -> list[RulingPublic]:
    """The rulings with their claims, in the order given (one query for all the claims)."""
    claim_ids = [r.claim_id for r in rulings if r.claim_id]
    claims = {
        c.id: c for c in (await session.scalars(
            select(QualityClaim).where(col(QualityClaim.id).in_(claim_ids)))).all()
    } if claim_ids else {}
    return [present(r, claims.get(r.claim_id) if r.claim_id else None) for r in rulings]


def present(ruling: QualityRuling, claim: QualityClaim | None) -> RulingPublic:
    return RulingPublic.model_validate(
        ruling.model_dump(exclude={"seq", "request_hash", "claim_id"})
        | {"claim": ClaimPublic.model_validate(claim, from_attributes=True) if claim else None}
    )
