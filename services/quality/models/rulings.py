"""Responsibility rulings and the claims they raise against suppliers."""

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated

from sqlalchemy import CheckConstraint, Column, Integer
from sqlmodel import Field, SQLModel

from services.quality.domain.rulings import (
    MAX_AMOUNT,
    ClaimStatus,
    Responsibility,
)
from shared.columns import timestamp_field
from shared.events import utcnow
from shared.schemas import FROM_STRING, SQLRequestBody

__all__ = [
    "ClaimAccept", "ClaimDispute", "ClaimPublic", "ClaimSettle", "QualityClaim",
    "QualityRuling", "RulingCreate", "RulingPublic", "SupplierClaimTotals",
]


def _uuid() -> str:
    return str(uuid.uuid4())


def _one_of(column: str, values: type[StrEnum], name: str) -> CheckConstraint:
    return CheckConstraint(f"{column} IN ({', '.join(repr(v.value) for v in values)})", name=name)


class RulingCreate(SQLRequestBody):
    fault_id: str = Field(min_length=1, max_length=100)
    responsibility: Annotated[Responsibility, FROM_STRING]
    supplier_id: str | None = Field(default=None, min_length=1, max_length=40)
    # Defaults to the allocated total cost; only for supplier rulings.
    claim_amount: float | None = Field(default=None, gt=0, le=MAX_AMOUNT)


class QualityRuling(SQLModel, table=True):
    """Who is responsible for a repaired fault, and its cost as allocated then (one per fault)."""

    __tablename__ = "quality_ruling"
    __table_args__ = (_one_of("responsibility", Responsibility, "ck_quality_ruling_resp"),)

    # The sequence gives a stable list order; `id` is what events and clients name.
    seq: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    id: str = Field(default_factory=_uuid, max_length=36, unique=True)
    fault_id: str = Field(max_length=100, unique=True)
    responsibility: str = Field(max_length=20, index=True)
    supplier_id: str | None = Field(default=None, max_length=40, index=True)
    parts_cost: float
    labour_hours: float
    labour_rate: float
    labour_cost: float
    total_cost: float
    claim_id: str | None = Field(default=None, max_length=36)
    ruled_by: str = Field(max_length=100)
    ruled_at: datetime = timestamp_field(default_factory=utcnow)
    # The request that made it: the same request again is a replay, another one a conflict.
    request_hash: str = Field(max_length=64)


class QualityClaim(SQLModel, table=True):
    """A claim (索赔) against the supplier a ruling held responsible."""

    __tablename__ = "quality_claim"
    __table_args__ = (
        _one_of("status", ClaimStatus, "ck_quality_claim_status"),
        CheckConstraint("amount >= 0", name="ck_quality_claim_amount"),
    )

    seq: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    id: str = Field(default_factory=_uuid, max_length=36, unique=True)
    ruling_id: str = Field(max_length=36, unique=True)
    fault_id: str = Field(max_length=100, index=True)
    supplier_id: str = Field(max_length=40, index=True)
    status: str = Field(default=ClaimStatus.RAISED.value, max_length=20, index=True)
    amount: float
    accepted_amount: float | None = None
    settled_amount: float | None = None
    dispute_reason: str | None = Field(default=None, max_length=2000)
    raised_at: datetime = timestamp_field(default_factory=utcnow, index=True)
    disputed_at: datetime | None = timestamp_field(default=None, nullable=True)
    accepted_at: datetime | None = timestamp_field(default=None, nullable=True)
    settled_at: datetime | None = timestamp_field(default=None, nullable=True)
    # Who moved it last (the token's subject).
    updated_by: str = Field(max_length=100)
    updated_at: datetime = timestamp_field(default_factory=utcnow)


class ClaimPublic(SQLModel):
    id: str
    ruling_id: str
    fault_id: str
    supplier_id: str
    status: ClaimStatus
    amount: float
    accepted_amount: float | None
    settled_amount: float | None
    dispute_reason: str | None
    raised_at: datetime
    disputed_at: datetime | None
    accepted_at: datetime | None
    settled_at: datetime | None
    updated_by: str
    updated_at: datetime


class RulingPublic(SQLModel):
    id: str
    fault_id: str
    responsibility: Responsibility
    supplier_id: str | None
    parts_cost: float
    labour_hours: float
    labour_rate: float
    labour_cost: float
    total_cost: float
    ruled_by: str
    ruled_at: datetime
    claim: ClaimPublic | None


class ClaimAccept(SQLRequestBody):
    # The amount agreed, e.g. after negotiating a disputed claim; defaults to the claim's.
    accepted_amount: float | None = Field(default=None, ge=0, le=MAX_AMOUNT)


class ClaimDispute(SQLRequestBody):
    reason: str = Field(min_length=1, max_length=2000)


class ClaimSettle(SQLRequestBody):
    # The amount paid; defaults to the accepted amount.
    settled_amount: float | None = Field(default=None, ge=0, le=MAX_AMOUNT)


class SupplierClaimTotals(SQLModel):
    """One supplier's claims raised in the period asked for."""

    supplier_id: str
    count: int
    claimed: float
    accepted: float  # agreed amounts of claims accepted or settled
    settled: float  # paid amounts of settled claims
    open: int  # raised, disputed or accepted: not settled yet
