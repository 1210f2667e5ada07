"""A cancelled fault: its job is withdrawn, and a report of it arriving late opens none."""

import logging
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.dispatch.config import DispatchSettings
from services.dispatch.domain.status import JobStatus, can_withdraw
from services.dispatch.models import DispatchCancelledFault, DispatchJob
from services.dispatch.plan_locks import locked_job
from services.dispatch.planning import take_out
from shared.db import dialect_insert
from shared.events import utcnow

log = logging.getLogger(__name__)


async def is_cancelled(session: AsyncSession, fault_id: str) -> bool:
    return await session.get(DispatchCancelledFault, fault_id) is not None


async def withdraw_for_fault(
    session: AsyncSession,
    settings: DispatchSettings,
    fault_id: str,
    cancelled_at: datetime,
    reason: str,
    correlation_id: str | None = None,
) -> DispatchJob | None:
    """Remember the cancellation and withdraw the fault's job, if any; the caller commits.

    The technician keeps the job in their list (as withdrawn) and the rest of their queue
    moves up. A job already over is left alone, so a repeated cancellation changes nothing.
    No event is staged: the contract has no type for a withdrawal.
    """
    # Locked so that a dispatcher's concurrent reassignment sees the withdrawal, or precedes it.
    job = await locked_job(session, fault_id=fault_id)
    await session.execute(
        dialect_insert(session, DispatchCancelledFault)
        .values(fault_id=fault_id, cancelled_at=cancelled_at)
        .on_conflict_do_nothing()
    )
    if job is None or not can_withdraw(job.status):
        return job
    await take_out(session, settings, job, correlation_id)
    job.status = JobStatus.WITHDRAWN.value
    job.queue_position = None
    job.updated_at = utcnow()
    log.info(
        "job %s withdrawn from technician %s: fault %s cancelled (%s)",
        job.id, job.technician_id or "-", fault_id, reason,
    )
    return job
