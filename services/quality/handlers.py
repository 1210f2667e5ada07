"""Events quality consumes: every event of every service goes into its fault's file, then each
topic's reactions run in the same transaction (service record first: the others read it)."""

from collections.abc import Mapping

from sqlalchemy.ext.asyncio import AsyncSession

from services.quality import defects, records
from services.quality.domain import FILED_EVENT_TYPES
from services.quality.fault_files import file_event
from shared.consumer import Handler
from shared.events import SERVICES, Envelope, topic_for

CONSUMED_TOPICS = [topic_for(service) for service in SERVICES]

REACTIONS: list[Mapping[str, Handler]] = [records.REACTIONS, defects.REACTIONS]


def _chain(event_type: str) -> Handler:
    steps = [file_event, *(r[event_type] for r in REACTIONS if event_type in r)]

    async def handle(session: AsyncSession, envelope: Envelope) -> None:
        for step in steps:
            await step(session, envelope)

    return handle


HANDLERS: dict[str, Handler] = {event_type: _chain(event_type) for event_type in FILED_EVENT_TYPES}
