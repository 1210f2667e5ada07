"""Recurring defects: quality issues opened when one fault recurs across vehicles of a model."""

from shared.consumer import Handler

# Event type → what this topic does with it, after the event is filed and the record updated.
REACTIONS: dict[str, Handler] = {}
