"""A cancelled fault: its job is withdrawn, and a report of it arriving late opens none."""

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.dispatch import domain
from services.dispatch.domain import JobStatus
from services.dispatch.models import DispatchCancelledFault, DispatchJob
from shared.db import dialect_insert
from shared.events import utcnow

log = logging.getLogger(__name__)


async def is_cancelled(session: AsyncSession, fault_id: str) -> bool:
    return await session.get(DispatchCancelledFault, fault_id) is not None


async def withdraw_for_fault(
    session: AsyncSession, fault_id: str, cancelled_at: datetime, reason: str
) -> DispatchJob | None:
    """Remember the cancellation and withdraw the fault's job, if any; the caller commits.

    The technician keeps the job in their list (as withdrawn) but is free for new faults.
    A job already over is left alone, so a repeated cancellation changes nothing. No event
    is staged: the contract has no type for a withdrawal.
    """
    await session.execute(
        dialect_insert(session, DispatchCancelledFault)
        .values(fault_id=fault_id, cancelled_at=cancelled_at)
        .on_conflict_do_nothing()
    )
    # Locked so that a dispatcher's concurrent reassignment sees the withdrawal, or precedes it.
    job = (
        await session.scalars(
            select(DispatchJob).where(col(DispatchJob.fault_id) == fault_id).with_for_update()
        )
    ).first()
    if job is None or not domain.can_withdraw(job.status):
        return job
    job.status = JobStatus.WITHDRAWN.value
    job.updated_at = utcnow()
    log.info(
        "job %s withdrawn from technician %s: fault %s cancelled (%s)",
        job.id, job.technician_id or "-", fault_id, reason,
    )
    return job
