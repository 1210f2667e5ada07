"""Batch intake: up to 500 cards, each judged on its own, in one transaction."""

from typing import Any

from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.intake.config import IntakeSettings
from services.intake.models import BatchItemResult, BatchResponse, FaultCreate
from services.intake.presenting import present
from services.intake.reporting import check_card, submit_fault
from shared.auth import Principal
from shared.errors import Problem, field_errors
from shared.idempotency import fingerprint


async def submit_batch(
    session: AsyncSession,
    settings: IntakeSettings,
    principal: Principal,
    cards: list[dict[str, Any]],
) -> BatchResponse:
    """One result per card, in order; a bad card is reported and leaves the others alone."""
    results = [
        await _submit_one(session, settings, principal, index, raw)
        for index, raw in enumerate(cards)
    ]
    created = sum(1 for r in results if r.status == 201)
    failed = sum(1 for r in results if r.status >= 400)
    return BatchResponse(results=results, created=created, failed=failed)


async def _submit_one(
    session: AsyncSession,
    settings: IntakeSettings,
    principal: Principal,
    index: int,
    raw: dict[str, Any],
) -> BatchItemResult:
    try:
        card = FaultCreate.model_validate(raw)
    except ValidationError as exc:
        return BatchItemResult(
            index=index, status=422, title="Invalid request",
            detail=f"{exc.error_count()} field(s) failed validation.",
            errors=field_errors(exc.errors()),
        )
    try:
        check_card(card, principal)
        # A savepoint per card: a conflict undoes that card only.
        async with session.begin_nested():
            submission = await submit_fault(
                session, settings, card, fingerprint(card.model_dump(mode="json"))
            )
    except Problem as problem:
        return BatchItemResult(index=index, status=problem.status, title=problem.title,
                               detail=problem.detail, errors=problem.extra.get("errors"))
    except IntegrityError:
        return BatchItemResult(index=index, status=409, title="Conflict",
                               detail="A concurrent request reported this card; send it again.")
    return BatchItemResult(
        index=index, status=201 if submission.created else 200, fault=present(submission.fault)
    )
