"""Customer-satisfaction surveys: the weights in force, scored responses, campaigns, statistics.

The caller (a route) commits.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import Select, func, null, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.quality.ahp import DEFAULT_HIERARCHY, Criterion
from services.quality.domain.surveys import (
    Band,
    SurveyError,
    annual_window,
    check_hierarchy,
    check_open,
    check_responded_at,
    check_window,
    hierarchy_of,
    hierarchy_rows,
    score_response,
)
from services.quality.models import (
    CampaignCreate,
    SurveyCampaign,
    SurveyCriterionScore,
    SurveyResponse,
    SurveyResponseCreate,
    SurveySummary,
    SurveyWeights,
    SurveyWeightsIn,
)
from shared.errors import Problem
from shared.events import utcnow

Q = TypeVar("Q", bound=Select[*tuple[Any, ...]])
GROUPS = {
    "operator": col(SurveyResponse.operator_id),
    "region": col(SurveyResponse.region),
    "campaign": col(SurveyResponse.campaign_id),
}


async def stored_weights(session: AsyncSession) -> SurveyWeights | None:
    """The newest weights the quality department stored, if any."""
    query = select(SurveyWeights).order_by(col(SurveyWeights.version).desc()).limit(1)
    return (await session.scalars(query)).first()


def hierarchy_in_force(stored: SurveyWeights | None) -> tuple[Criterion, ...]:
    return hierarchy_of(stored.criteria) if stored else DEFAULT_HIERARCHY


async def store_weights(session: AsyncSession, body: SurveyWeightsIn, by: str) -> SurveyWeights:
    """Put replacement weights in force for responses from now on. Raises `SurveyError`."""
    hierarchy = check_hierarchy(hierarchy_of(body.model_dump()["criteria"]))
    stored = SurveyWeights(criteria=hierarchy_rows(hierarchy), set_by=by)
    session.add(stored)
    await session.flush()
    return stored


async def load_campaign(session: AsyncSession, campaign_id: str) -> SurveyCampaign | None:
    query = select(SurveyCampaign).where(col(SurveyCampaign.id) == campaign_id)
    return (await session.scalars(query)).first()


async def submit_response(
    session: AsyncSession, body: SurveyResponseCreate, by: str
) -> SurveyResponse:
    """Score a response with the weights in force and keep those weights with it.

    Raises `SurveyError` (bad scores, unknown campaign) and `CampaignNotOpen`.
    """
    responded_at = (body.responded_at or utcnow()).astimezone(UTC)
    check_responded_at(responded_at, utcnow())
    if body.campaign_id is not None:
        campaign = await load_campaign(session, body.campaign_id)
        if campaign is None:
            raise SurveyError("campaign_id", "no such survey campaign")
        check_open(campaign.opens_at, campaign.closes_at, responded_at)
    stored = await stored_weights(session)
    hierarchy = hierarchy_in_force(stored)
    result = score_response(hierarchy, body.scores)
    response = SurveyResponse(
        **body.model_dump(exclude={"responded_at"}),
        responded_at=responded_at,
        weights=hierarchy_rows(hierarchy),
        weights_version=stored.version if stored else None,
        score=result.score,
        band=result.band.value,
        submitted_by=by,
    )
    session.add(response)
    await session.flush()
    session.add_all(
        SurveyCriterionScore(response_id=response.id, criterion=name, score=score)
        for name, score in result.criterion_scores.items()
    )
    await session.flush()
    return response


async def criterion_scores(session: AsyncSession, response: SurveyResponse) -> dict[str, float]:
    """The response's criterion scores, in the order of the hierarchy it was scored with."""
    query = select(SurveyCriterionScore).where(
        col(SurveyCriterionScore.response_id) == response.id)
    scores = {row.criterion: row.score for row in await session.scalars(query)}
    return {c["name"]: scores[c["name"]] for c in response.weights if c["name"] in scores}


async def create_campaign(session: AsyncSession, body: CampaignCreate, by: str) -> SurveyCampaign:
    """A campaign, by default the October annual survey of its year. Raises `SurveyError` and
    `Problem` 409 when the year already has a campaign of that name."""
    default_opens, default_closes = annual_window(body.year)
    opens_at = (body.opens_at or default_opens).astimezone(UTC)
    closes_at = (body.closes_at or default_closes).astimezone(UTC)
    check_window(opens_at, closes_at)
    name = body.name or f"{body.year} annual customer-satisfaction survey"
    taken = select(col(SurveyCampaign.id)).where(
        col(SurveyCampaign.year) == body.year, col(SurveyCampaign.name) == name)
    if (await session.scalars(taken)).first() is not None:
        raise Problem(409, "Campaign exists", f"{body.year} already has a campaign {name!r}.")
    campaign = SurveyCampaign(year=body.year, name=name, opens_at=opens_at,
                              closes_at=closes_at, created_by=by)
    session.add(campaign)
    await session.flush()
    return campaign


@dataclass(frozen=True)
class Scope:
    """Which responses statistics cover: responded in [since, until), of one campaign."""

    since: datetime | None = None
    until: datetime | None = None
    campaign_id: str | None = None

    def apply(self, query: Q) -> Q:
        if self.since is not None:
            query = query.where(col(SurveyResponse.responded_at) >= self.since)
        if self.until is not None:
            query = query.where(col(SurveyResponse.responded_at) < self.until)
        if self.campaign_id is not None:
            query = query.where(col(SurveyResponse.campaign_id) == self.campaign_id)
        return query


async def summaries(
    session: AsyncSession, scope: Scope, group_by: str | None = None
) -> dict[str | None, SurveySummary]:
    """Count, mean, min, max, band distribution and criterion means, per group (one summary
    under the key None when not grouped). Aggregated in the database."""
    grouping = [GROUPS[group_by]] if group_by else []
    key = GROUPS[group_by] if group_by else null()
    score = col(SurveyResponse.score)
    totals = await session.execute(scope.apply(
        select(key, func.count(), func.avg(score), func.min(score), func.max(score))
        .group_by(*grouping)))
    found: dict[str | None, SurveySummary] = {}
    for group, count, mean, low, high in totals:
        if count:
            found[group] = SurveySummary(
                count=count, mean=round(mean, 2), min=low, max=high,
                bands=dict.fromkeys(Band, 0), criterion_means={})
    band = col(SurveyResponse.band)
    bands = await session.execute(scope.apply(
        select(key, band, func.count()).group_by(*grouping, band)))
    for group, name, count in bands:
        found[group].bands[Band(name)] = count
    criterion = col(SurveyCriterionScore.criterion)
    means = await session.execute(scope.apply(
        select(key, criterion, func.avg(col(SurveyCriterionScore.score)))
        .join(SurveyResponse, col(SurveyResponse.id) == col(SurveyCriterionScore.response_id))
        .group_by(*grouping, criterion)))
    for group, name, mean in means:
        found[group].criterion_means[name] = round(mean, 2)
    return found


def empty_summary() -> SurveySummary:
    return SurveySummary(count=0, mean=None, min=None, max=None, bands=dict.fromkeys(Band, 0),
                         criterion_means={})


def ordered(groups: dict[str | None, SurveySummary]) -> Sequence[tuple[str | None, SurveySummary]]:
    """Groups by key, the group without a key (no campaign) last."""
    return sorted(groups.items(), key=lambda item: (item[0] is None, item[0] or ""))
