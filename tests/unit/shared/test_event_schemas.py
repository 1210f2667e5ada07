"""Every event type has a schema, and what the services publish passes it.

Producers run for real where their code needs no database (a stand-in session keeps what they
stage in the outbox); elsewhere the payload is built with the producer's own model and dump call.
"""

import json
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest
from pydantic import BaseModel, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from services.dispatch.config import DispatchSettings
from services.dispatch.models import DispatchJob
from services.dispatch.plan_writer import unassign
from services.intake import progress
from services.intake.config import IntakeSettings
from services.intake.models import IntakeFault
from services.parts.config import PartsSettings
from services.parts.faults import FaultSite
from services.parts.lifecycle import approve_line
from services.parts.models import PartsReservation
from services.parts.sourcing import Sourcing
from services.quality.config import QualitySettings
from services.quality.defects import _announce
from services.quality.models import (
    QualityClaim,
    QualityDefectOccurrence,
    QualityIssue,
    QualityRuling,
)
from services.quality.models.defects import QuarantineCreate
from services.quality.quarantines import quarantine
from services.quality.rulings import _ruling_made
from shared import dead_letters as dead_letters_module
from shared.auth import Principal
from shared.consumer import EventConsumer
from shared.db import Database
from shared.dead_letters import invalid_fields
from shared.events import (
    EVENT_SCHEMAS,
    BackorderedLine,
    ConsumedLine,
    DispatchAccepted,
    DispatchAssigned,
    DispatchCompleted,
    DispatchDeclined,
    DispatchMoved,
    Envelope,
    EventType,
    FaultReported,
    PartLine,
    PartsConsumed,
    PartsIssued,
    PartsReleased,
    PartsTransferRequested,
    ReservationLine,
    ReservedLine,
    SlaBreached,
    StockLow,
    data_schema,
)
from shared.messaging import OutboxMessage
from shared.settings import ServiceSettings
from tests.support.metrics import sample
from tests.unit.shared.test_consumer_metrics import TOPIC, FakeBroker, record

NOW = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
FAULT = "5f0c6d1e-2b8a-4c3e-9d71-0a6b2c4e8f10"
JOB = "9a1b7c3d-5e2f-4a6b-8c0d-1e2f3a4b5c6d"


class Staged:
    """Stands in for the producer's session: keeps the outbox rows it stages."""

    def __init__(self) -> None:
        self.info: dict[str, Any] = {}
        self.rows: list[object] = []

    def add(self, row: object) -> None:
        self.rows.append(row)

    @property
    def session(self) -> AsyncSession:
        return cast(AsyncSession, self)

    def events(self) -> list[Envelope]:
        """As a consumer reads them: the JSON the relay would publish."""
        return [Envelope.from_bytes(row.payload.encode()) for row in self.rows
                if isinstance(row, OutboxMessage)]


def fault(**changes: Any) -> IntakeFault:
    fields: dict[str, Any] = dict(
        id=FAULT, number="FR-20261127-000123", depot_id="D-BJ", vehicle_number="C70-0001",
        vehicle_model="CRH380", reporter_name="王工", reporter_phone="+86 10 5555",
        description="制动缓解不良", site_code="BJ-S", lat=39.9, lon=116.4, severity="B",
        responsibility_hint="warranty", status="dispatched", reported_at=NOW, created_at=NOW,
        respond_due=NOW + timedelta(hours=2), onsite_due=NOW + timedelta(hours=8),
        resolve_due=NOW + timedelta(hours=24),
    )
    return IntakeFault(**(fields | changes))


def dumped(model: BaseModel, **options: Any) -> dict[str, Any]:
    return model.model_dump(mode="json", **options)


async def intake_events() -> list[Envelope]:
    """Acknowledge, a late assignment, close; a second fault cancelled (intake's own code)."""
    settings, staged = IntakeSettings(), Staged()
    late = Envelope(type=EventType.DISPATCH_ASSIGNED, source="dispatch", subject=FAULT,
                    correlation_id=FAULT, data=dumped(assigned()))
    shown = fault()
    await progress.acknowledge(staged.session, settings, shown, "desk-bj")
    progress._warn_if_late(staged.session, settings, shown, late)
    progress.close(staged.session, settings, shown, NOW + timedelta(hours=9), FAULT)
    await progress.cancel(staged.session, settings, fault(id=JOB), "reported twice",
                          Principal(sub="desk-bj", role="dispatcher"))
    return staged.events()


def reported() -> dict[str, Any]:
    """As `services/intake/reporting.py` builds it from the stored fault."""
    shown = fault(suspected_parts=[{"part_number": "P-VALVE", "qty": 2}], system="brakes")
    return dumped(FaultReported(
        fault_id=shown.id, number=shown.number, depot_id=shown.depot_id,
        vehicle_number=shown.vehicle_number, vehicle_model=shown.vehicle_model,
        severity=shown.severity, description=shown.description, system=shown.system,
        fault_code=shown.fault_code,
        location={"site_code": shown.site_code, "lat": shown.lat, "lon": shown.lon},
        suspected_parts=shown.suspected_parts, reported_at=shown.reported_at,
        onsite_due=shown.onsite_due,
    ))


def breached(met_at: datetime | None) -> dict[str, Any]:
    """As `services/intake/sla_watch.py` announces a clock that passed its due time."""
    return dumped(SlaBreached(fault_id=FAULT, clock="onsite", due=NOW, met_at=met_at,
                              detected_at=NOW + timedelta(minutes=1)))


def parts_events() -> list[Envelope]:
    """One sourcing round (`Sourcing.publish`): reserved, shipped, approved, backordered."""
    settings, staged = PartsSettings(), Staged()
    line = PartsReservation(id=JOB, fault_id=FAULT, part_number="P-VALVE", stock_id=1,
                            warehouse="TS", bin="A-01", batch="B-7", qty=2)
    sourcing = Sourcing(
        site=FaultSite(fault_id=FAULT, severity="A", site_code="BJ-S", lat=39.9, lon=116.4),
        reserved=[ReservedLine(reservation_id=JOB, part_number="P-VALVE", qty=2,
                               warehouse="TS", bin="A-01", eta=NOW, transfer_id="T-1"),
                  ReservedLine(reservation_id=FAULT, part_number="P-SEAL", qty=1,
                               warehouse="BJ", bin="C-02")],
        backordered=[BackorderedLine(part_number="P-PUMP", qty=1),
                     BackorderedLine(part_number="P-HOSE", qty=3,
                                     reason="emergency_stock_reserved_for_A_B")],
        transfers=[PartsTransferRequested(
            fault_id=FAULT, transfer_id="T-1", reservation_id=JOB, part_number="P-VALVE",
            qty=2, from_warehouse="TS", to_site_code="BJ-S", distance_km=151.2, eta=NOW)],
        approvals=[approve_line(line, "auto")],
    )
    sourcing.publish(staged.session, settings, FAULT)
    return staged.events()


def line_steps() -> dict[EventType, list[dict[str, Any]]]:
    """As `services/parts/actions.py` and `completion.py` stage issue, consume and release."""
    issued = ReservationLine(reservation_id=JOB, part_number="P-VALVE", qty=2, warehouse="TS",
                             bin="A-01")
    released = ReservedLine(**issued.model_dump())
    return {
        EventType.PARTS_ISSUED: [dumped(PartsIssued(fault_id=FAULT, lines=[issued]))],
        EventType.PARTS_CONSUMED: [dumped(PartsConsumed(fault_id=FAULT, lines=[ConsumedLine(
            reservation_id=JOB, part_number="P-VALVE", consumed=1, returned=1,
            unit_cost=120.5)]))],
        EventType.PARTS_RELEASED: [dumped(PartsReleased(
            fault_id=FAULT, lines=[released], reason=reason), exclude_none=True)
            for reason in ("manual", "fault_cancelled", "job_completed_unused", "quarantine")],
        EventType.STOCK_LOW: [dumped(StockLow(part_number="P-VALVE", warehouse="TS",
                                              available=1, reorder_point=5))],
    }


def assigned() -> DispatchAssigned:
    """As `services/dispatch/plan_writer.py` announces a plan, here after the on-site due time."""
    return DispatchAssigned(fault_id=FAULT, job_id=JOB, technician_id="T-BJ-01",
                            technician_name="李师傅", eta=NOW + timedelta(hours=9),
                            distance_km=12.4)


def app_steps() -> dict[EventType, list[dict[str, Any]]]:
    """As `services/dispatch/mobile.py` announces the engineer's steps."""
    ids: dict[str, Any] = {"fault_id": FAULT, "job_id": JOB, "technician_id": "T-BJ-01",
                           "occurred_at": NOW}
    return {
        EventType.DISPATCH_ASSIGNED: [dumped(assigned())],
        EventType.DISPATCH_ACCEPTED: [dumped(DispatchAccepted(**ids))],
        EventType.DISPATCH_DECLINED: [dumped(DispatchDeclined(**ids, reason="车坏了"))],
        EventType.DISPATCH_EN_ROUTE: [dumped(DispatchMoved(**ids, lat=39.9, lon=116.4)),
                                      dumped(DispatchMoved(**ids, lat=None, lon=None))],
        EventType.DISPATCH_ON_SITE: [dumped(DispatchMoved(**ids, lat=-33.9, lon=151.2))],
        EventType.DISPATCH_COMPLETED: [dumped(DispatchCompleted(
            **ids, cause="valve seized", actions="replaced it",
            parts_used=[PartLine(part_number="P-VALVE", qty=1)], notes="")),
            dumped(DispatchCompleted(**ids))],
    }


def nobody_available() -> list[Envelope]:
    """Dispatch's `sla.at_risk`: a job left with no technician (`plan_writer.unassign`)."""
    staged = Staged()
    job = DispatchJob(id=JOB, fault_id=FAULT, fault_number="FR-20261127-000123", severity="A",
                      site_code="BJ-S", lat=39.9, lon=116.4, reported_at=NOW,
                      onsite_due=NOW + timedelta(hours=8))
    unassign(staged.session, DispatchSettings(), NOW, job, True, FAULT)
    return staged.events()


def quality_events() -> list[Envelope]:
    """A quarantine and an issue announced by quality's own code."""
    settings, staged = QualitySettings(), Staged()
    body = QuarantineCreate(part_number="P-VALVE", batch="B-7", reason="cracked housings")
    quarantine(staged.session, settings, body, Principal(sub="qe-1", role="quality"), NOW)
    quarantine(staged.session, settings, QuarantineCreate(part_number="P-SEAL", reason="recall"),
               Principal(sub="qe-1", role="quality"), NOW)
    issue = QualityIssue(id=JOB, number="QI-20261127-0001", vehicle_model="CRH380",
                         basis="fault_code", key="BRK-01", status="open", threshold_vehicles=3,
                         window_days=30, opened_at=NOW)
    evidence = [QualityDefectOccurrence(fault_id=f"F-{n}", vehicle_model="CRH380",
                                        vehicle_number=f"C70-{n}", basis="fault_code",
                                        key="BRK-01", occurred_at=NOW) for n in range(3)]
    _announce(staged.session, settings, issue, evidence, NOW, FAULT, reopened=False)
    return staged.events()


def rulings() -> list[dict[str, Any]]:
    """`quality.ruling_made` with and without a supplier claim (`rulings._ruling_made`)."""
    costs: dict[str, Any] = dict(parts_cost=240.0, labour_hours=2.5, labour_rate=80.0,
                                 labour_cost=200.0, total_cost=440.0, ruled_by="qe-1",
                                 ruled_at=NOW, request_hash="h")
    supplier = QualityRuling(id=JOB, fault_id=FAULT, responsibility="supplier",
                             supplier_id="S-9", claim_id="C-1", **costs)
    claim = QualityClaim(id="C-1", ruling_id=JOB, fault_id=FAULT, supplier_id="S-9", amount=440,
                         updated_by="qe-1")
    operator = QualityRuling(id=FAULT, fault_id=JOB, responsibility="operator", **costs)
    return [_ruling_made(supplier, claim), _ruling_made(operator, None)]


async def published() -> dict[str, list[dict[str, Any]]]:
    """Every payload above, by type, as the consumer receives it (JSON)."""
    by_type: dict[str, list[dict[str, Any]]] = {}
    staged = [*await intake_events(), *parts_events(), *nobody_available(), *quality_events()]
    for envelope in staged:
        by_type.setdefault(envelope.type, []).append(envelope.data)
    built = {EventType.FAULT_REPORTED: [reported()],
             EventType.SLA_BREACHED: [breached(None), breached(NOW)],
             EventType.QUALITY_RULING_MADE: rulings(), **line_steps(), **app_steps()}
    for type_, payloads in built.items():
        by_type.setdefault(type_, []).extend(json.loads(json.dumps(p)) for p in payloads)
    return by_type


def test_every_event_type_has_a_schema() -> None:
    assert set(EVENT_SCHEMAS) == set(EventType)
    assert all(data_schema(t) is EVENT_SCHEMAS[t] for t in EventType)
    assert data_schema("fault.exploded") is None


async def test_what_every_producer_publishes_passes_its_type_schema() -> None:
    by_type = await published()

    assert set(by_type) == set(EventType)  # a payload of every type was produced
    for type_, payloads in by_type.items():
        for data in payloads:
            EVENT_SCHEMAS[EventType(type_)].model_validate(data)
    # Both producers of sla.at_risk were heard: intake's late ETA and dispatch's nobody.
    assert {d["eta"] is None for d in by_type[EventType.SLA_AT_RISK]} == {True, False}


async def test_fields_a_producer_adds_later_do_not_fail_the_consumers() -> None:
    data = (await published())[EventType.FAULT_REPORTED][0] | {"priority_route": "north"}
    FaultReported.model_validate(data)


@pytest.mark.parametrize(("type_", "data", "fields"), [
    (EventType.FAULT_REPORTED, {"fault_id": FAULT, "closed_at": NOW.isoformat()}, "number"),
    (EventType.SLA_AT_RISK, {"fault_id": FAULT, "clock": "onsite", "due": NOW.isoformat(),
                             "eta": None}, "SlaAtRiskUnassigned.job_id"),
    (EventType.SLA_BREACHED, {"fault_id": FAULT, "clock": "lunch", "due": NOW.isoformat(),
                              "detected_at": NOW.isoformat()}, "clock"),
    (EventType.DISPATCH_ON_SITE, {"fault_id": FAULT, "job_id": JOB, "technician_id": "T",
                                  "occurred_at": NOW.isoformat(), "lat": 91}, "lat"),
    (EventType.PARTS_RESERVED, {"fault_id": FAULT, "lines": [{"qty": "two"}]},
     "lines.0.qty"),
    (EventType.FAULT_CANCELLED, {"fault_id": FAULT, "reason": "x" * 4001,
                                 "cancelled_at": NOW.isoformat()}, "reason"),
])
def test_a_payload_that_is_not_its_type_is_refused_naming_the_fields(
    type_: EventType, data: dict[str, Any], fields: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        EVENT_SCHEMAS[type_].model_validate(data)

    assert fields in invalid_fields(refused.value)


def test_the_refusal_names_fields_never_the_input_and_stays_short() -> None:
    secret, lines = "x" * 5000, [{"part_number": "P", "qty": -n} for n in range(1, 300)]
    with pytest.raises(ValidationError) as refused:
        PartsReleased.model_validate({"fault_id": secret, "lines": lines, "reason": "manual"})

    summary = invalid_fields(refused.value)
    assert summary.startswith("fault_id: String should have at most 100 characters")
    assert "x" * 101 not in summary
    assert len(summary) <= 400 and summary.endswith("...")
    assert invalid_fields(ValueError("no")) == "ValueError"


class Untouchable:
    """A database the consumer must not open: refused messages are settled before any write."""

    def session(self) -> None:
        raise AssertionError("a refused message reached the database")


async def test_the_consumer_refuses_unknown_types_and_bad_data_before_the_database(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    broker = FakeBroker([], highwater=0)
    monkeypatch.setattr(dead_letters_module, "make_producer", lambda *_: broker)
    service = "unit-schemas"
    consumer = EventConsumer(ServiceSettings(service_name=service), cast(Database, Untouchable()),
                             [TOPIC], {EventType.FAULT_REPORTED: lambda *_: _never()})

    def sent(type_: str, data: dict[str, Any]) -> bytes:
        return Envelope(type=type_, source="intake", subject=FAULT, correlation_id=FAULT,
                        data=data).to_bytes()

    for offset, value in enumerate([
        sent("fault.exploded", reported()),
        sent(EventType.FAULT_REPORTED, reported() | {"severity": "Z", "location": {}}),
        sent(EventType.FAULT_CLOSED, {}),  # not handled here: ignored, whatever its data
    ]):
        await consumer._process(record(offset, value))

    errors = [dict(headers)["fleetcare-error"].decode() for _, _, headers in broker.sent]
    assert errors[0] == "unknown_type: unknown event type 'fault.exploded'"
    assert errors[1].startswith("invalid_data: fault.reported data: severity: String should "
                                "match pattern")
    assert "location.site_code: Field required" in errors[1]
    assert len(errors) == 2
    by_topic = {"service": service, "topic": TOPIC}
    assert sample("fleetcare_events_dead_lettered_total", **by_topic, reason="unknown_type") == 1
    assert sample("fleetcare_events_dead_lettered_total", **by_topic, reason="invalid_data") == 1
    consumed = {"service": service, "topic": TOPIC, "outcome": "dead_lettered"}
    assert sample("fleetcare_events_consumed_total", **consumed, type="unknown") == 1
    assert sample("fleetcare_events_consumed_total", **consumed, type="fault.reported") == 1
    assert sample("fleetcare_events_consumed_total", **by_topic, type="fault.closed",
                  outcome="ignored") == 1


def test_a_consumer_of_a_type_with_no_schema_is_refused_at_start() -> None:
    with pytest.raises(ValueError, match="no event schema"):
        EventConsumer(ServiceSettings(), cast(Database, Untouchable()), [TOPIC],
                      {"fault.exploded": lambda *_: _never()})


async def _never() -> None:
    raise AssertionError("a handler ran")
