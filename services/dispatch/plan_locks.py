"""The plan's locks: a decision over the whole plan takes it exclusively; an engineer's action
that changes only their own queue takes the plan shared and that queue exclusively. Each is
taken before any job row, so neither order can deadlock (SQLite's BEGIN IMMEDIATE already
serialises writers: there these are no-ops)."""

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.dispatch.models import DispatchJob
from shared.db import on_postgresql

# Any constant: every planning transaction takes this PostgreSQL advisory lock, so two decisions
# never plan from the same snapshot.
PLAN_LOCK = 0x0D15_FA7C
# The class of the per-technician queue locks (two-key advisory locks: no clash with PLAN_LOCK).
QUEUE_LOCKS = 0x0D15


async def lock_plan(session: AsyncSession) -> None:
    """Take the whole plan for the rest of the transaction (re-entrant).

    Taken before any job row is locked, always: a decision locks every open job, so a
    transaction holding a job row while waiting for the plan would deadlock with it.
    """
    if on_postgresql(session):
        await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PLAN_LOCK})


async def lock_queue(session: AsyncSession, technician_id: str) -> None:
    """Take one technician's queue for the rest of the transaction: the plan shared (no
    decision over the whole plan meanwhile), the queue exclusively. Engineers' app actions
    change only their own queue: with this they no longer wait for each other, only for
    decisions over the whole plan. A transaction that takes it never asks for the whole plan
    afterwards (a shared lock waiting to become exclusive deadlocks with its twin)."""
    if on_postgresql(session):
        await session.execute(
            text("SELECT pg_advisory_xact_lock_shared(:plan), "
                 "pg_advisory_xact_lock(:locks, hashtext(:technician))"),
            {"plan": PLAN_LOCK, "locks": QUEUE_LOCKS, "technician": technician_id},
        )


async def queued_job(
    session: AsyncSession, technician_id: str, job_id: str
) -> DispatchJob | None:
    """The job, locked after its technician's queue (`lock_queue`), if it is in that queue's
    technician's hands; None otherwise (someone else's job is not found)."""
    await lock_queue(session, technician_id)
    query = select(DispatchJob).where(col(DispatchJob.id) == job_id).with_for_update()
    job = (await session.scalars(query)).first()
    return job if job is not None and job.technician_id == technician_id else None


async def locked_job(
    session: AsyncSession, job_id: str | None = None, fault_id: str | None = None
) -> DispatchJob | None:
    """The job by id or by fault, locked (plan first, then the row) for the transaction."""
    await lock_plan(session)
    query = select(DispatchJob).with_for_update()
    if job_id is not None:
        query = query.where(col(DispatchJob.id) == job_id)
    if fault_id is not None:
        query = query.where(col(DispatchJob.fault_id) == fault_id)
    return (await session.scalars(query)).first()
