from services.quality.config import QualitySettings
from services.quality.domain import FILED_EVENT_TYPES
from services.quality.handlers import CONSUMED_TOPICS, handlers

CONTRACT_EVENT_TYPES = {
    "fault.reported", "fault.acknowledged", "fault.cancelled", "fault.closed",
    "parts.reserved", "parts.backordered", "parts.transfer_requested", "parts.issued",
    "parts.released", "stock.low", "dispatch.assigned", "dispatch.accepted",
    "dispatch.declined", "dispatch.en_route", "dispatch.on_site", "dispatch.completed",
    "sla.at_risk", "sla.breached", "quality.issue_opened", "quality.part_quarantined",
    "quality.ruling_made",
    # Extensions beyond the v1 contract (docs/events.md).
    "parts.approved", "parts.consumed",
}


def test_every_contract_event_type_goes_into_the_fault_file() -> None:
    assert set(FILED_EVENT_TYPES) == CONTRACT_EVENT_TYPES
    assert set(handlers(QualitySettings())) == CONTRACT_EVENT_TYPES


def test_quality_listens_to_every_service_topic() -> None:
    assert sorted(CONSUMED_TOPICS) == sorted(
        ["fleetcare.intake", "fleetcare.parts", "fleetcare.dispatch", "fleetcare.quality"]
    )
