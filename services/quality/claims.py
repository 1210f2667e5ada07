"""Claims against suppliers: their lifecycle (accept, dispute, settle) and totals per supplier.

A step repeated with the same figures is a retry and changes nothing; a step the claim's
status does not allow, or a repeat with other figures, is a 409 naming the current status.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.quality.domain.rulings import (
    OPEN_CLAIM_STATUSES,
    ClaimAction,
    ClaimRefused,
    ClaimStatus,
    accepted_amount,
    next_claim_status,
    settled_amount,
)
from services.quality.models import QualityClaim, SupplierClaimTotals
from shared import audit
from shared.auth import Principal
from shared.errors import Problem
from shared.events import utcnow


async def act_on_claim(
    session: AsyncSession,
    claim_id: str,
    action: ClaimAction,
    principal: Principal,
    *,
    amount: float | None = None,
    reason: str | None = None,
) -> QualityClaim:
    """Move the claim one step: `amount` is the accepted or settled amount (defaults: the
    claim's, then the accepted one), `reason` why it is disputed. The step (not a repeat) goes
    on the audit trail. Never commits."""
    query = select(QualityClaim).where(col(QualityClaim.id) == claim_id)
    claim = (await session.scalars(query.with_for_update())).first()
    if claim is None:
        raise Problem(404, "Not found", "No such claim.")
    try:
        target = next_claim_status(claim.status, action)
    except ClaimRefused as refused:
        raise Problem(409, "Conflict", f"{str(refused).capitalize()}.",
                      current_status=refused.current) from refused
    figures = _figures(claim, action, amount, reason)
    if target is None:
        if figures != _recorded(claim, action):
            raise Problem(409, "Conflict", f"The claim is already {claim.status} with other "
                          "figures.", current_status=claim.status)
        return claim
    now = utcnow()
    if action is ClaimAction.ACCEPT:
        claim.accepted_amount, claim.accepted_at = figures["accepted_amount"], now
    elif action is ClaimAction.DISPUTE:
        claim.dispute_reason, claim.disputed_at = figures["dispute_reason"], now
    else:
        claim.settled_amount, claim.settled_at = figures["settled_amount"], now
    claim.status = target.value
    claim.updated_by = principal.sub[:100]
    claim.updated_at = now
    audit.record(session, principal, f"claim.{claim.status}", claim.id,
                 {"fault_id": claim.fault_id, "supplier_id": claim.supplier_id, **figures})
    return claim


def _figures(
    claim: QualityClaim, action: ClaimAction, amount: float | None, reason: str | None
) -> dict[str, Any]:
    """What this step would record, defaults resolved."""
    if action is ClaimAction.DISPUTE:
        return {"dispute_reason": reason}
    if action is ClaimAction.ACCEPT:
        try:
            return {"accepted_amount": accepted_amount(claim.amount, amount)}
        except ValueError as exc:
            raise Problem(422, "Invalid request", f"accepted_amount {exc}.",
                          errors=[{"field": "accepted_amount", "message": str(exc)}]) from exc
    # Only an accepted (or settled) claim gets here, so its accepted amount is known.
    agreed = claim.accepted_amount if claim.accepted_amount is not None else claim.amount
    return {"settled_amount": settled_amount(agreed, amount)}


def _recorded(claim: QualityClaim, action: ClaimAction) -> dict[str, Any]:
    if action is ClaimAction.DISPUTE:
        return {"dispute_reason": claim.dispute_reason}
    if action is ClaimAction.ACCEPT:
        return {"accepted_amount": claim.accepted_amount}
    return {"settled_amount": claim.settled_amount}


def claim_filters(
    supplier_id: str | None, status: str | None, fault_id: str | None,
    raised_from: datetime | None, raised_to: datetime | None,
) -> list[Any]:
    """SQL conditions for claims of a supplier, status or fault raised in [from, to)."""
    conditions: list[Any] = []
    if supplier_id is not None:
        conditions.append(col(QualityClaim.supplier_id) == supplier_id)
    if status is not None:
        conditions.append(col(QualityClaim.status) == status)
    if fault_id is not None:
        conditions.append(col(QualityClaim.fault_id) == fault_id)
    if raised_from is not None:
        conditions.append(col(QualityClaim.raised_at) >= raised_from)
    if raised_to is not None:
        conditions.append(col(QualityClaim.raised_at) < raised_to)
    return conditions


async def claim_totals(
    session: AsyncSession, conditions: list[Any], after: str | None, limit: int
) -> tuple[list[SupplierClaimTotals], str | None]:
    """Per supplier (in supplier id order, from after `after`): claims raised, amounts claimed,
    accepted and settled, and how many are still open; with the position to continue after."""
    status = col(QualityClaim.status)
    agreed = case((status.in_([ClaimStatus.ACCEPTED.value, ClaimStatus.SETTLED.value]),
                   col(QualityClaim.accepted_amount)), else_=0)
    paid = case((status == ClaimStatus.SETTLED.value, col(QualityClaim.settled_amount)), else_=0)
    is_open = case((status.in_([s.value for s in OPEN_CLAIM_STATUSES]), 1), else_=0)
    supplier = col(QualityClaim.supplier_id)
    query = (
        select(supplier, func.count(), func.sum(col(QualityClaim.amount)), func.sum(agreed),
               func.sum(paid), func.sum(is_open))
        .where(*conditions)
        .group_by(supplier)
        .order_by(supplier)
        .limit(limit + 1)
    )
    if after is not None:
        query = query.where(supplier > after)
    rows = (await session.execute(query)).all()
    page = [
        SupplierClaimTotals(supplier_id=s, count=n, claimed=round(claimed or 0, 2),
                            accepted=round(accepted or 0, 2), settled=round(settled or 0, 2),
                            open=int(open_ or 0))
        for s, n, claimed, accepted, settled, open_ in rows[:limit]
    ]
    return page, (page[-1].supplier_id if len(rows) > limit else None)
