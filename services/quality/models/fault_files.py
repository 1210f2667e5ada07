"""Quality tables (prefixed `quality_`) and the API's model families."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Integer
from sqlmodel import Field, SQLModel

from shared.columns import timestamp_field


class QualityFaultEvent(SQLModel, table=True):
    """One event quality saw about a fault; the fault file is all of a fault's rows."""

    __tablename__ = "quality_fault_event"

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    # The event subject: a fault id, or an entity id for stock.low and quarantine events.
    fault_id: str = Field(max_length=100, index=True)
    # The inbox already applies each event once; the constraint keeps a bug from filing it twice.
    event_id: str = Field(max_length=36, unique=True)
    type: str = Field(max_length=60)
    source: str = Field(max_length=20)
    time: datetime = timestamp_field()
    correlation_id: str = Field(max_length=100)
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))


class FaultFileEntry(SQLModel):
    time: datetime
    type: str
    source: str
    event_id: str
    data: dict[str, Any] = {}


class FaultFile(SQLModel):
    """Everything quality saw about one fault, oldest first."""

    fault_id: str
    events: list[FaultFileEntry]


class FaultFileSummary(SQLModel):
    fault_id: str
    event_count: int
    last_event_time: datetime
