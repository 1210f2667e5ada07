"""Events quality consumes: every event of every service goes into its fault's file."""

from services.quality.domain import FILED_EVENT_TYPES
from services.quality.fault_files import file_event
from shared.consumer import Handler
from shared.events import SERVICES, topic_for

CONSUMED_TOPICS = [topic_for(service) for service in SERVICES]

HANDLERS: dict[str, Handler] = {event_type: file_event for event_type in FILED_EVENT_TYPES}
