"""Periodic reports: read what a report's two windows need, then compute it section by section."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.quality.domain.feedback import (
    ClaimFacts,
    ClaimSection,
    ComplaintFacts,
    ComplaintSection,
    SatisfactionSection,
    SurveyFacts,
    claim_section,
    complaint_section,
    satisfaction_section,
)
from services.quality.domain.periods import Period, ReportWindows, Window
from services.quality.domain.records import Milestones, clock_outcomes, repair_hours
from services.quality.domain.reliability import (
    MtbfSection,
    MttrSection,
    ParetoSection,
    VehicleSighting,
    mtbf_section,
    mttr_section,
    pareto_section,
)
from services.quality.domain.reports import (
    ClockCompliance,
    FaultFacts,
    FaultSection,
    Split,
    fault_section,
    sla_section,
)
from services.quality.models import QualityClaim, QualityComplaint, ServiceRecord, SurveyResponse


@dataclass(frozen=True)
class Span:
    start: datetime
    end: datetime  # exclusive
    hours: float

    @classmethod
    def of(cls, window: Window) -> "Span":
        return cls(window.start, window.end, window.hours)


@dataclass(frozen=True)
class Report:
    """A periodic quality report; every figure comes with the previous window's."""

    period: Period
    current: Span
    previous: Span
    generated_at: datetime
    faults: FaultSection
    sla: list[ClockCompliance]
    mttr: MttrSection
    mtbf: MtbfSection
    recurring_defects: ParetoSection
    claims: ClaimSection
    satisfaction: SatisfactionSection
    complaints: ComplaintSection


_FACT_COLUMNS = (
    ServiceRecord.reported_at, ServiceRecord.severity, ServiceRecord.system,
    ServiceRecord.depot_id, ServiceRecord.vehicle_model, ServiceRecord.vehicle_number,
    ServiceRecord.fault_code, ServiceRecord.acknowledged_at, ServiceRecord.on_site_at,
    ServiceRecord.completed_at, ServiceRecord.closed_at, ServiceRecord.cancelled_at,
    ServiceRecord.breaches,
)


def _facts(row: Row[Any]) -> FaultFacts:
    milestones = Milestones(row.acknowledged_at, row.on_site_at, row.completed_at,
                            row.closed_at, row.cancelled_at)
    return FaultFacts(
        reported_at=row.reported_at, severity=row.severity, system=row.system,
        depot_id=row.depot_id, vehicle_model=row.vehicle_model,
        vehicle_number=row.vehicle_number, fault_code=row.fault_code,
        repair_hours=repair_hours(row.reported_at, row.completed_at),
        cancelled=row.cancelled_at is not None,
        sla=clock_outcomes(milestones, set(row.breaches or {})),
    )


async def load_faults(session: AsyncSession, start: datetime, end: datetime) -> list[FaultFacts]:
    """The faults reported in [start, end); only the columns a report reads."""
    reported = col(ServiceRecord.reported_at)
    query = select(*(col(c) for c in _FACT_COLUMNS)).where(reported >= start, reported < end)
    return [_facts(row) for row in (await session.execute(query)).all()]


async def load_sightings(session: AsyncSession, before: datetime) -> list[VehicleSighting]:
    """Every vehicle with a fault reported before `before`, and when its first was reported."""
    model, number = col(ServiceRecord.vehicle_model), col(ServiceRecord.vehicle_number)
    first = func.min(col(ServiceRecord.reported_at))
    query = (
        select(model, number, first)
        .where(col(ServiceRecord.reported_at) < before, model.is_not(None), number.is_not(None))
        .group_by(model, number)
    )
    rows = (await session.execute(query)).all()
    return [VehicleSighting(m, n, t) for m, n, t in rows if m and n and t]


async def load_claims(session: AsyncSession, start: datetime, end: datetime
                      ) -> list[ClaimFacts]:
    raised = col(QualityClaim.raised_at)
    query = select(col(QualityClaim.supplier_id), col(QualityClaim.status),
                   col(QualityClaim.amount), raised).where(raised >= start, raised < end)
    return [ClaimFacts(*row) for row in (await session.execute(query)).all()]


async def load_surveys(session: AsyncSession, start: datetime, end: datetime
                       ) -> list[SurveyFacts]:
    responded = col(SurveyResponse.responded_at)
    query = select(responded, col(SurveyResponse.score), col(SurveyResponse.band)).where(
        responded >= start, responded < end)
    return [SurveyFacts(*row) for row in (await session.execute(query)).all()]


async def load_complaints(session: AsyncSession, start: datetime, end: datetime
                          ) -> list[ComplaintFacts]:
    """Complaints received before `end` that were still open at `start` or later: those
    received, closed or overdue in [start, end)."""
    closed = col(QualityComplaint.closed_at)
    query = select(col(QualityComplaint.received_at), closed, col(QualityComplaint.deadline),
                   col(QualityComplaint.category)).where(
        col(QualityComplaint.received_at) < end, or_(closed.is_(None), closed >= start))
    return [ComplaintFacts(*row) for row in (await session.execute(query)).all()]


@dataclass(frozen=True)
class Rows:
    """What a report reads, for both windows."""

    faults: list[FaultFacts]
    sightings: list[VehicleSighting]
    claims: list[ClaimFacts]
    surveys: list[SurveyFacts]
    complaints: list[ComplaintFacts]


def assemble(period: Period, windows: ReportWindows, rows: Rows, now: datetime) -> Report:
    """The report, each section computed from its rows of both windows."""
    split = Split.of(rows.faults, windows)
    return Report(
        period=period,
        current=Span.of(windows.current),
        previous=Span.of(windows.previous),
        generated_at=now,
        faults=fault_section(split),
        sla=sla_section(split),
        mttr=mttr_section(split),
        mtbf=mtbf_section(split, rows.sightings, windows),
        recurring_defects=pareto_section(split),
        claims=claim_section(rows.claims, windows),
        satisfaction=satisfaction_section(rows.surveys, windows),
        complaints=complaint_section(rows.complaints, windows, now),
    )


async def build_report(
    session: AsyncSession, period: Period, windows: ReportWindows, now: datetime
) -> Report:
    # The comparison window ends where the report's begins: one read per table covers both.
    start, end = windows.previous.start, windows.current.end
    rows = Rows(
        faults=await load_faults(session, start, end),
        sightings=await load_sightings(session, end),
        claims=await load_claims(session, start, end),
        surveys=await load_surveys(session, start, end),
        complaints=await load_complaints(session, start, end),
    )
    return assemble(period, windows, rows, now)
