"""The plan's locks on PostgreSQL: engineers' app actions on different queues do not wait for
each other; a decision over the whole plan waits for them, and they for it."""

import asyncio
from collections.abc import Awaitable

import pytest

from services.dispatch.plan_locks import lock_plan, lock_queue
from shared.db import Database

pytestmark = pytest.mark.service("dispatch")
# Long enough for a lock that is free to be granted on a busy machine.
GRANTED_WITHIN = 5.0
# How long a lock that is held elsewhere is watched to stay waiting.
STILL_WAITING = 0.5


async def _waits(pending: Awaitable[None]) -> asyncio.Task[None]:
    task = asyncio.ensure_future(pending)
    await asyncio.sleep(STILL_WAITING)
    assert not task.done(), "granted while it should wait"
    return task


async def test_queues_are_independent_and_the_plan_excludes_them(database: Database) -> None:
    async with (database.session() as engineer_1, database.session() as engineer_2,
                database.session() as planner, database.session() as engineer_1_again):
        await asyncio.wait_for(lock_queue(engineer_1, "T-1"), GRANTED_WITHIN)
        # Another engineer's action goes ahead at once.
        await asyncio.wait_for(lock_queue(engineer_2, "T-2"), GRANTED_WITHIN)
        # The same engineer's second action waits for the first.
        same_queue = await _waits(lock_queue(engineer_1_again, "T-1"))
        # A decision over the whole plan waits for both actions ...
        whole_plan = await _waits(lock_plan(planner))
        await engineer_1.commit()
        await asyncio.wait_for(same_queue, GRANTED_WITHIN)
        await engineer_1_again.commit()
        assert not whole_plan.done(), "the plan was taken while engineer 2 still acts"
        await engineer_2.commit()
        await asyncio.wait_for(whole_plan, GRANTED_WITHIN)
        # ... and an action arriving meanwhile waits for the decision.
        async with database.session() as late_engineer:
            late = await _waits(lock_queue(late_engineer, "T-3"))
            await planner.commit()
            await asyncio.wait_for(late, GRANTED_WITHIN)
            await late_engineer.commit()
