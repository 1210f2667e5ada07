"""Events quality consumes: every event of every service goes into its fault's file, then each
topic's reactions run in the same transaction (service record first: the others read it)."""

from collections.abc import Mapping, Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from services.quality import defects, records
from services.quality.config import QualitySettings
from services.quality.domain import FILED_EVENT_TYPES
from services.quality.fault_files import file_event
from shared.consumer import Handler
from shared.events import SERVICES, Envelope, topic_for

CONSUMED_TOPICS = [topic_for(service) for service in SERVICES]



def _chain(event_type: str, reactions: Sequence[Mapping[str, Handler]]) -> Handler:
    steps = [file_event, *(r[event_type] for r in reactions if event_type in r)]

    async def handle(session: AsyncSession, envelope: Envelope) -> None:
        for step in steps:
            await step(session, envelope)

    return handle


def handlers(settings: QualitySettings) -> dict[str, Handler]:
    reactions = [records.REACTIONS, defects.reactions(settings)]
    return {event_type: _chain(event_type, reactions) for event_type in FILED_EVENT_TYPES}
