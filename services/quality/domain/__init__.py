"""Pure quality rules. No I/O.

At the running backbone's scope there is one rule: what a fault file holds. Quality reads a
fault's whole history (rulings, claims and recurring-defect analysis start from it), so it files
every v1 event type, under the event's subject: the contract keys each fault's events by its id.
"""

from shared.events import EventType

FILED_EVENT_TYPES: frozenset[str] = frozenset(EventType)
