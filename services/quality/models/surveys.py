"""Customer-satisfaction surveys: responses scored by the AHP weights in force, the weights the
quality department stored, and the October annual survey campaigns."""

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

import pydantic
from pydantic import BaseModel, ConfigDict, StringConstraints
from sqlalchemy import JSON, Column, ForeignKey, Integer, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from services.quality.ahp import MAX_CRITERIA
from services.quality.domain.surveys import MAX_INDICATORS, MAX_SCORE, MIN_SCORE, Band
from shared.columns import timestamp_field
from shared.events import utcnow
from shared.schemas import RequestBody, Timestamp

__all__ = [
    "CampaignCreate", "CampaignPublic", "CampaignWithStats", "CriterionWeights",
    "IndicatorWeight", "SurveyCampaign", "SurveyCriterionScore", "SurveyGroup", "SurveyResponse",
    "SurveyResponseCreate", "SurveyResponsePublic", "SurveyStats", "SurveySummary",
    "SurveyWeights", "SurveyWeightsIn", "SurveyWeightsPublic",
]

Name = Annotated[str, StringConstraints(min_length=1, max_length=80)]
Score = Annotated[int, pydantic.Field(strict=True, ge=MIN_SCORE, le=MAX_SCORE)]
Weight = Annotated[float, pydantic.Field(gt=0, le=1)]


class SurveyWeights(SQLModel, table=True):
    """Weights the quality department put in force; the newest row is the one in force."""

    __tablename__ = "quality_survey_weights"

    version: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    # [{name, weight, indicators: [{name, weight}]}], local weights summing to 1 on each level.
    criteria: list[dict[str, Any]] = Field(sa_column=Column(JSON, nullable=False))
    set_by: str = Field(max_length=100)
    set_at: datetime = timestamp_field(default_factory=utcnow)


class SurveyCampaign(SQLModel, table=True):
    __tablename__ = "quality_survey_campaign"
    __table_args__ = (UniqueConstraint("year", "name"),)

    seq: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    id: str = Field(default_factory=lambda: str(uuid.uuid4()), max_length=36, unique=True)
    year: int = Field(index=True)
    name: str = Field(max_length=120)
    opens_at: datetime = timestamp_field()
    closes_at: datetime = timestamp_field()
    created_by: str = Field(max_length=100)
    created_at: datetime = timestamp_field(default_factory=utcnow)


class SurveyResponse(SQLModel, table=True):
    __tablename__ = "quality_survey_response"

    id: str = Field(default_factory=lambda: str(uuid.uuid4()), max_length=36, primary_key=True)
    operator_id: str = Field(max_length=40, index=True)
    region: str = Field(max_length=60, index=True)
    campaign_id: str | None = Field(
        default=None, sa_column=Column(
            String(36), ForeignKey("quality_survey_campaign.id"), nullable=True, index=True),
    )
    responded_at: datetime = timestamp_field(index=True)
    scores: dict[str, int] = Field(sa_column=Column(JSON, nullable=False))
    # The weights this response was scored with, as they were: later changes rewrite nothing.
    weights: list[dict[str, Any]] = Field(sa_column=Column(JSON, nullable=False))
    weights_version: int | None = None  # None: the default hierarchy
    score: float
    band: str = Field(max_length=30)
    submitted_by: str = Field(max_length=100)
    created_at: datetime = timestamp_field(default_factory=utcnow)


class SurveyCriterionScore(SQLModel, table=True):
    """A response's score on one criterion: one row each, so statistics aggregate in SQL."""

    __tablename__ = "quality_survey_criterion_score"

    response_id: str = Field(
        sa_column=Column(String(36), ForeignKey("quality_survey_response.id"), primary_key=True)
    )
    criterion: str = Field(primary_key=True, max_length=80)
    score: float


class IndicatorWeight(RequestBody):
    name: Name
    weight: Weight


class CriterionWeights(RequestBody):
    name: Name
    weight: Weight
    indicators: list[IndicatorWeight] = pydantic.Field(min_length=1, max_length=MAX_INDICATORS)


class SurveyWeightsIn(RequestBody):
    """Replacement weights: criteria and their indicators, each level summing to 1."""

    criteria: list[CriterionWeights] = pydantic.Field(min_length=1, max_length=MAX_CRITERIA)


class SurveyWeightsPublic(BaseModel):
    source: Literal["default", "stored"]
    version: int | None
    set_by: str | None
    set_at: datetime | None
    criteria: list[CriterionWeights]


class SurveyResponseCreate(RequestBody):
    """One operator's answers: every indicator of the hierarchy in force scored 1–100."""

    operator_id: str = pydantic.Field(min_length=1, max_length=40)
    region: str = pydantic.Field(min_length=1, max_length=60)
    responded_at: Timestamp | None = None
    campaign_id: str | None = pydantic.Field(default=None, min_length=1, max_length=36)
    scores: dict[Name, Score] = pydantic.Field(
        min_length=1, max_length=MAX_CRITERIA * MAX_INDICATORS)


class SurveyResponsePublic(BaseModel):
    id: str
    operator_id: str
    region: str
    campaign_id: str | None
    responded_at: datetime
    score: float
    band: Band
    criterion_scores: dict[str, float]
    scores: dict[str, int]
    weights_version: int | None


class CampaignCreate(RequestBody):
    """A survey campaign; by default the October annual survey of `year`."""

    year: int = pydantic.Field(ge=2000, le=2100)
    name: str | None = pydantic.Field(default=None, min_length=1, max_length=120)
    opens_at: Timestamp | None = None
    closes_at: Timestamp | None = None


class CampaignPublic(BaseModel):
    id: str
    year: int
    name: str
    opens_at: datetime
    closes_at: datetime
    open: bool
    created_by: str
    created_at: datetime


class SurveySummary(BaseModel):
    count: int
    mean: float | None
    min: float | None
    max: float | None
    bands: dict[Band, int]
    criterion_means: dict[str, float]


class SurveyGroup(SurveySummary):
    key: str | None  # the operator, region or campaign id (None: responses without a campaign)


class SurveyStats(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    from_: datetime | None = pydantic.Field(default=None, alias="from")
    to: datetime | None
    group_by: str
    overall: SurveySummary
    groups: list[SurveyGroup]


class CampaignWithStats(CampaignPublic):
    stats: SurveySummary
