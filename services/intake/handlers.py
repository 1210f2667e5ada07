"""Events intake consumes: downstream progress moves the fault and its timeline."""

from functools import partial

from sqlalchemy.ext.asyncio import AsyncSession

from services.intake.config import IntakeSettings
from services.intake.domain import STATUS_BY_EVENT
from services.intake.progress import apply_progress
from shared.consumer import Handler
from shared.events import Envelope, topic_for

CONSUMED_TOPICS = [topic_for("parts"), topic_for("dispatch"), topic_for("quality")]


async def _progress(settings: IntakeSettings, session: AsyncSession, event: Envelope) -> None:
    await apply_progress(session, event, settings)


def handlers(settings: IntakeSettings) -> dict[str, Handler]:
    return {event_type: partial(_progress, settings) for event_type in STATUS_BY_EVENT}
