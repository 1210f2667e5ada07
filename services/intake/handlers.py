"""Events intake consumes: downstream progress moves the fault and its timeline."""

from services.intake.domain import STATUS_BY_EVENT
from services.intake.faults import apply_progress
from shared.consumer import Handler
from shared.events import topic_for

CONSUMED_TOPICS = [topic_for("parts"), topic_for("dispatch"), topic_for("quality")]

HANDLERS: dict[str, Handler] = {event_type: apply_progress for event_type in STATUS_BY_EVENT}
