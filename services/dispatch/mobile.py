"""The engineer's app: accept, decline, depart, arrive, complete — each applied once.

A phone with a bad connection queues its actions and sends them later, maybe twice. Every
action carries the phone's `client_event_id` (a replay returns the first answer, changes and
emits nothing) and `occurred_at` (what SLA clocks use). Actions outside accept → depart →
arrive → complete are 409 with the job's `current_status` (see domain.status).
"""

import json
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.dispatch.config import DispatchSettings
from services.dispatch.domain.status import STARTED_STATUSES, Action, JobStatus, Step, step
from services.dispatch.models import DispatchAppAction, DispatchJob, DispatchTechnician
from services.dispatch.plan_locks import locked_job, queued_job
from services.dispatch.plan_state import origin
from services.dispatch.planning import follow_job, place_job, take_out
from services.dispatch.schemas import AppAction, Completion, Decline, JobPublic, Movement
from services.dispatch.technicians import check_occurred_at, note_position
from services.dispatch.visits import journey, stay
from shared.errors import Problem
from shared.events import (
    DispatchAccepted,
    DispatchCompleted,
    DispatchDeclined,
    DispatchMoved,
    EventType,
    PartLine,
    utcnow,
)
from shared.idempotency import fingerprint
from shared.outbox import add_event, new_event


def public(job: DispatchJob) -> dict[str, Any]:
    return JobPublic.model_validate(job, from_attributes=True).model_dump(mode="json")


async def replayed(
    session: AsyncSession, technician_id: str, body: AppAction, request_hash: str
) -> dict[str, Any] | None:
    """The first answer to this client_event_id, or None when it is new."""
    done = await session.get(DispatchAppAction, (technician_id, body.client_event_id))
    if done is None:
        return None
    if done.request_hash != request_hash:
        raise Problem(409, "client_event_id reused",
                      "This client_event_id was already used for a different action.")
    answer: dict[str, Any] = json.loads(done.response)
    return answer


async def act(
    session: AsyncSession,
    settings: DispatchSettings,
    technician_id: str,
    job_id: str,
    action: Action,
    body: AppAction,
) -> dict[str, Any]:
    """Apply one app action (or answer its replay); the caller commits."""
    request_hash = fingerprint({"job_id": job_id, "action": action.value,
                                "body": body.model_dump(mode="json")})
    answer = await replayed(session, technician_id, body, request_hash)
    if answer is not None:
        return answer
    check_occurred_at(body.occurred_at, settings)
    # A decline re-places the job over the whole plan; every other action stays in the
    # engineer's own queue, so engineers do not wait for each other's actions.
    job = await (locked_job(session, job_id=job_id) if action is Action.DECLINE
                 else queued_job(session, technician_id, job_id))
    # Someone else's job is not found: its existence must not leak.
    if job is None or job.technician_id != technician_id:
        raise Problem(404, "Not found", "No such job.")
    outcome = step(job.status, action)
    if outcome is Step.REJECT:
        raise Problem(409, "Out of order", f"A job that is {job.status} cannot take {action}.",
                      current_status=job.status)
    if outcome is Step.APPLY and action is Action.DEPART:
        await _check_not_elsewhere(session, job)
    technician = await session.get(DispatchTechnician, technician_id)
    assert technician is not None  # the job is theirs
    answer = (
        await _apply(session, settings, job, technician, action, body)
        if outcome is Step.APPLY
        else public(job)
    )
    session.add(DispatchAppAction(
        technician_id=technician_id, client_event_id=body.client_event_id, job_id=job_id,
        action=action.value, request_hash=request_hash, occurred_at=body.occurred_at,
        response=json.dumps(answer, ensure_ascii=False),
    ))
    return answer


async def _check_not_elsewhere(session: AsyncSession, job: DispatchJob) -> None:
    """One job at a time: an engineer on the way to, or at, another job cannot set off."""
    started = [status.value for status in STARTED_STATUSES]
    other = (
        await session.scalars(
            select(DispatchJob).where(
                col(DispatchJob.technician_id) == job.technician_id,
                col(DispatchJob.status).in_(started),
                col(DispatchJob.id) != job.id,
            )
        )
    ).first()
    if other is not None:
        raise Problem(409, "Out of order",
                      f"Job {other.id} is {other.status}: complete it (or have it reassigned) "
                      "before setting off for another.",
                      current_status=job.status, active_job_id=other.id)


async def _apply(
    session: AsyncSession,
    settings: DispatchSettings,
    job: DispatchJob,
    technician: DispatchTechnician,
    action: Action,
    body: AppAction,
) -> dict[str, Any]:
    at = body.occurred_at
    ids: dict[str, Any] = {
        "fault_id": job.fault_id, "job_id": job.id, "technician_id": technician.id,
        "occurred_at": at,
    }

    def announce(type_: EventType, data: BaseModel) -> None:
        add_event(session, new_event(settings, type_, subject=job.fault_id,
                                     data=data.model_dump(mode="json")))

    job.updated_at = utcnow()
    if action is Action.DECLINE:
        assert isinstance(body, Decline)
        answer = public(job) | {"status": JobStatus.DECLINED.value, "eta": None,
                                "queue_position": None, "distance_km": None}
        announce(EventType.DISPATCH_DECLINED,
                  DispatchDeclined(**ids, reason=body.reason))
        job.declined_by = [*job.declined_by, technician.id]
        await place_job(session, settings, job, None)
        return answer
    if action is Action.ACCEPT or job.status == JobStatus.ASSIGNED:
        # Departing without an accept accepts the job: the engineer is on the way.
        job.status, job.accepted_at = JobStatus.ACCEPTED.value, at
        announce(EventType.DISPATCH_ACCEPTED, DispatchAccepted(**ids))
    if action is Action.DEPART:
        assert isinstance(body, Movement)
        start = origin(technician, at, settings)
        if body.lat is not None and body.lon is not None:
            start = (body.lat, body.lon)
            note_position(technician, body.lat, body.lon, at)
        job.status, job.departed_at = JobStatus.EN_ROUTE.value, at
        announce(EventType.DISPATCH_EN_ROUTE,
                  DispatchMoved(**ids, lat=body.lat, lon=body.lon))
        await follow_job(session, settings, job, None,
                         journey(job, technician.id, at, start, settings), queue_locked=True)
    elif action is Action.ARRIVE:
        assert isinstance(body, Movement)
        job.status, job.arrived_at = JobStatus.ON_SITE.value, at
        here = (job.lat, job.lon) if body.lat is None or body.lon is None else (body.lat, body.lon)
        note_position(technician, *here, at)
        announce(EventType.DISPATCH_ON_SITE,
                  DispatchMoved(**ids, lat=body.lat, lon=body.lon))
        await follow_job(session, settings, job, None, stay(job, technician.id, at, settings),
                         queue_locked=True)
    elif action is Action.COMPLETE:
        assert isinstance(body, Completion)
        # Out of the plan first: it is loaded from the jobs still open.
        await take_out(session, settings, job, None, queue_locked=True)
        job.status, job.completed_at, job.queue_position = JobStatus.COMPLETED.value, at, None
        note_position(technician, job.lat, job.lon, at)
        parts = [PartLine(part_number=p.part_number, qty=p.qty) for p in body.parts_used]
        announce(EventType.DISPATCH_COMPLETED, DispatchCompleted(
            **ids, cause=body.cause, actions=body.actions, parts_used=parts, notes=body.notes))
    return public(job)
