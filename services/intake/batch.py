"""Batch intake: up to 500 cards, each judged on its own, stored together in one transaction."""

from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.intake.config import IntakeSettings
from services.intake.models import BatchItemResult, BatchResponse, FaultCreate, IntakeFault
from services.intake.presenting import present
from services.intake.reporting import check_card, report_faults
from shared.auth import Principal
from shared.errors import Problem, field_errors
from shared.idempotency import fingerprint

ExternalKey = tuple[str, str]  # (depot_id, external_id)


async def submit_batch(
    session: AsyncSession,
    settings: IntakeSettings,
    principal: Principal,
    cards: list[dict[str, Any]],
) -> BatchResponse:
    """One result per card, in order; a bad card is reported and leaves the others alone.

    The new faults are inserted together (one numbering lock, one multi-row insert); a card
    whose external_id is already known answers like a resend of a single report: 200 with
    the fault when it is the same card, 409 when it is another. A concurrent request storing
    the same external_id meanwhile makes the whole insert conflict, and the caller
    (`idempotent_write`) runs the batch once more, when that card is known."""
    results: list[BatchItemResult | None] = []
    judged: list[tuple[int, FaultCreate, str]] = []
    for index, raw in enumerate(cards):
        card_or_refusal = _judge(index, raw, principal)
        results.append(card_or_refusal if isinstance(card_or_refusal, BatchItemResult) else None)
        if isinstance(card_or_refusal, FaultCreate):
            judged.append((index, card_or_refusal, fingerprint(card_or_refusal.model_dump(
                mode="json"))))
    known = await known_faults(session, [card for _, card, _ in judged])
    fresh: list[tuple[int, FaultCreate, str]] = []
    for index, card, digest in judged:
        key = (card.depot_id, card.external_id) if card.external_id else None
        if key is not None and key in known:
            results[index] = _resend(index, card, digest, known[key])
        else:
            fresh.append((index, card, digest))
    stored = await report_faults(session, settings, [(card, digest) for _, card, digest in
                                                     _first_of_each(fresh)])
    created = iter(stored)
    answered: dict[ExternalKey, IntakeFault] = {}
    for index, card, digest in fresh:
        key = (card.depot_id, card.external_id) if card.external_id else None
        if key is not None and key in answered:  # repeated within the batch
            results[index] = _resend(index, card, digest, answered[key])
            continue
        fault = next(created)
        if key is not None:
            answered[key] = fault
        results[index] = BatchItemResult(index=index, status=201, fault=present(fault))
    final = [r for r in results if r is not None]
    return BatchResponse(results=final, created=sum(1 for r in final if r.status == 201),
                         failed=sum(1 for r in final if r.status >= 400))


def _judge(index: int, raw: dict[str, Any], principal: Principal) -> BatchItemResult | FaultCreate:
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
    except Problem as problem:
        return BatchItemResult(index=index, status=problem.status, title=problem.title,
                               detail=problem.detail, errors=problem.extra.get("errors"))
    return card


async def known_faults(
    session: AsyncSession, cards: list[FaultCreate]
) -> dict[ExternalKey, IntakeFault]:
    """Faults already stored under the cards' external_ids."""
    wanted = {card.external_id for card in cards if card.external_id}
    if not wanted:
        return {}
    found = (await session.scalars(
        select(IntakeFault).where(col(IntakeFault.external_id).in_(wanted)))).all()
    return {(f.depot_id, f.external_id): f for f in found if f.external_id}


def _first_of_each(
    fresh: list[tuple[int, FaultCreate, str]],
) -> list[tuple[int, FaultCreate, str]]:
    """The cards to store: an external_id repeated within the batch is stored once."""
    seen: set[ExternalKey] = set()
    first = []
    for item in fresh:
        card = item[1]
        if card.external_id:
            key = (card.depot_id, card.external_id)
            if key in seen:
                continue
            seen.add(key)
        first.append(item)
    return first


def _resend(index: int, card: FaultCreate, digest: str, fault: IntakeFault) -> BatchItemResult:
    if fault.request_hash != digest:
        return BatchItemResult(
            index=index, status=409, title="external_id reused",
            detail=f"external_id {card.external_id!r} was already reported with other content.")
    return BatchItemResult(index=index, status=200, fault=present(fault))
