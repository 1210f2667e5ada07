"""Single reports stored together: the `POST /v1/faults` requests that arrived at the same
moment, in one transaction (one numbering lock, one multi-row insert, one commit), each answered
exactly as if it had been stored alone (201, or 200 / 409 for a known external_id or
Idempotency-Key). `report_queue` gathers them."""

from contextvars import Context
from dataclasses import dataclass
from typing import Any

from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession

from services.intake.batch import ExternalKey, known_faults
from services.intake.config import IntakeSettings
from services.intake.models import FaultCreate, IntakeFault, IntakeTimelineEntry
from services.intake.presenting import load_timeline, load_timelines, present
from services.intake.reporting import report_faults, reused_external_id
from shared.errors import Problem
from shared.idempotency import (
    REPLAYED,
    IdempotencyRecord,
    key_reused,
    remember,
    replayed,
    stored_records,
)


@dataclass(frozen=True)
class Report:
    """One request's card, with what its answer depends on."""

    card: FaultCreate
    request_hash: str
    scope: str  # the caller's Idempotency-Key scope
    key: str | None  # its Idempotency-Key
    # The request's context (its log fields, its trace), for what is done on its behalf.
    context: Context | None = None

    @property
    def external(self) -> ExternalKey | None:
        return (self.card.depot_id, self.card.external_id) if self.card.external_id else None


Answer = JSONResponse | Problem
Body = tuple[int, dict[str, Any]]


async def store_group(
    session: AsyncSession, settings: IntakeSettings, reports: list[Report]
) -> list[Answer]:
    """One answer per report, in order; the caller commits. A report repeating an earlier one
    of the group (same Idempotency-Key, or same external_id) answers as that one's resend."""
    answers: list[Answer | None] = [None] * len(reports)
    keyed = [(r.scope, r.key) for r in reports if r.key]
    stored = await stored_records(session, keyed)
    first_keyed: dict[tuple[str, str], int] = {}
    first_external: dict[ExternalKey, int] = {}
    repeats: list[tuple[int, int]] = []  # (report, the earlier one it repeats)
    for index, report in enumerate(reports):
        pair = (report.scope, report.key) if report.key else None
        if pair in stored:
            answers[index] = _replayed(stored[pair], report.request_hash)
        elif pair in first_keyed:
            repeats.append((index, first_keyed[pair]))
        elif report.external in first_external:
            repeats.append((index, first_external[report.external]))
        else:
            if pair is not None:
                first_keyed[pair] = index
            if report.external is not None:
                first_external[report.external] = index
    bodies = await _store_new(session, settings, reports, answers, repeats)
    for index, earlier in repeats:
        answers[index] = _repeat(reports[index], reports[earlier], bodies.get(earlier),
                                 answers[earlier])
    for index, body in bodies.items():
        report = reports[index]
        if report.key:
            remember(session, report.scope, report.key, report.request_hash, *body)
        answers[index] = JSONResponse(body[1], status_code=body[0])
    assert all(answer is not None for answer in answers)
    return answers  # type: ignore[return-value]


async def _store_new(
    session: AsyncSession,
    settings: IntakeSettings,
    reports: list[Report],
    answers: list[Answer | None],
    repeats: list[tuple[int, int]],
) -> dict[int, Body]:
    """Status and body of each report still to answer: a resend of a stored external_id, or
    a new fault (all new ones inserted together)."""
    repeating = {index for index, _ in repeats}
    todo = [i for i, answer in enumerate(answers) if answer is None and i not in repeating]
    known = await known_faults(session, [reports[i].card for i in todo])
    bodies: dict[int, Body] = {}
    new: list[int] = []
    for index in todo:
        fault = known.get(reports[index].external)  # type: ignore[arg-type]
        if fault is None:
            new.append(index)
        elif fault.request_hash != reports[index].request_hash:
            answers[index] = reused_external_id(reports[index].card)
        else:
            bodies[index] = (200, _body(fault, await load_timeline(session, fault.id)))
    faults = await report_faults(
        session, settings, [(reports[i].card, reports[i].request_hash) for i in new],
        [reports[i].context for i in new])
    timelines = await load_timelines(session, [f.id for f in faults])
    for index, fault in zip(new, faults, strict=True):
        bodies[index] = (201, _body(fault, timelines.get(fault.id, [])))
    return bodies


def _body(fault: IntakeFault, timeline: list[IntakeTimelineEntry]) -> dict[str, Any]:
    return present(fault, timeline).model_dump(mode="json")


def _replayed(record: IdempotencyRecord, request_hash: str) -> Answer:
    try:
        return replayed(record, request_hash)
    except Problem as problem:
        return problem


def _repeat(report: Report, earlier: Report, body: Body | None, answer: Answer | None) -> Answer:
    """A report sent again while its first copy was being stored: the first one's answer."""
    if report.request_hash != earlier.request_hash:
        if report.key and report.key == earlier.key:
            return key_reused()
        return reused_external_id(report.card)
    if body is None:  # the earlier one was refused: so is this copy
        assert answer is not None
        return answer
    status, content = body
    if report.key and report.key == earlier.key:
        return JSONResponse(content, status_code=status, headers={REPLAYED: "true"})
    return JSONResponse(content, status_code=200)
