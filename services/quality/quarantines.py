"""Quarantines: quality stops stock of a part (a batch, a supplier's, or all of it) from being
used. Parts acts on `quality.part_quarantined`: matching stock can no longer be reserved, and
the open lines it held are re-sourced from clean stock.

The event's subject is the part number, so that one part's quarantines reach parts in order
(as `stock.low` is keyed by its part).
"""

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.quality.config import QualitySettings
from services.quality.models import QualityQuarantine, QuarantineCreate
from shared import audit
from shared.auth import Principal
from shared.events import EventType, QualityPartQuarantined
from shared.outbox import add_event, new_event


def quarantine_id() -> str:
    """e.g. QR-3F9A0C1B2D4E: unique without a round trip, short enough to read out."""
    return f"QR-{uuid.uuid4().hex[:12].upper()}"


def quarantine(
    session: AsyncSession, settings: QualitySettings, body: QuarantineCreate,
    principal: Principal, now: datetime,
) -> QualityQuarantine:
    """Record the quarantine, stage `quality.part_quarantined` and put it on the audit trail,
    all in the same transaction."""
    record = QualityQuarantine(
        id=quarantine_id(), part_number=body.part_number, batch=body.batch,
        supplier_id=body.supplier_id, reason=body.reason, created_by=principal.sub[:100],
        created_at=now,
    )
    session.add(record)
    notice = QualityPartQuarantined(
        part_number=record.part_number, batch=record.batch, supplier_id=record.supplier_id,
        reason=record.reason, quarantine_id=record.id,
    )
    add_event(session, new_event(settings, EventType.QUALITY_PART_QUARANTINED, record.part_number,
                                 notice.model_dump(mode="json"), record.id))
    audit.record(session, principal, "part.quarantined", record.id, {
        "part_number": record.part_number, "batch": record.batch,
        "supplier_id": record.supplier_id, "reason": record.reason,
    })
    return record
