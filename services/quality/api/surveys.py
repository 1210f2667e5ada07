"""Quality HTTP routes: customer-satisfaction surveys, their weights and campaigns (thin:
parse, authorise, call the use case, commit, return)."""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import JSONResponse
from sqlalchemy import select
from sqlmodel import col

from services.quality.domain.surveys import (
    Band,
    CampaignNotOpen,
    SurveyError,
    hierarchy_rows,
    is_open,
)
from services.quality.models import (
    CampaignCreate,
    CampaignPublic,
    CampaignWithStats,
    CriterionWeights,
    SurveyCampaign,
    SurveyGroup,
    SurveyResponse,
    SurveyResponseCreate,
    SurveyResponsePublic,
    SurveyStats,
    SurveyWeights,
    SurveyWeightsIn,
    SurveyWeightsPublic,
)
from services.quality.surveys import (
    Scope,
    create_campaign,
    criterion_scores,
    empty_summary,
    hierarchy_in_force,
    load_campaign,
    ordered,
    store_weights,
    stored_weights,
    submit_response,
    summaries,
)
from shared.app import SessionDep
from shared.auth import Principal, require_role
from shared.errors import Problem
from shared.events import utcnow
from shared.idempotency import IdempotencyKey, fingerprint, idempotent_write
from shared.pagination import Cursor, Limit, Page, keyset_page
from shared.schemas import Timestamp

router = APIRouter(prefix="/v1", tags=["quality"])

Id = Annotated[str, Path(min_length=1, max_length=36)]
QualityStaff = Annotated[Principal, Depends(require_role("quality"))]
Respondents = Annotated[Principal, Depends(require_role("quality", "depot"))]


def _invalid(error: SurveyError) -> Problem:
    return Problem(422, "Invalid request", error.message,
                   errors=[{"field": error.field, "message": error.message}])


def _public(response: SurveyResponse, scores: dict[str, float]) -> SurveyResponsePublic:
    return SurveyResponsePublic(**response.model_dump(exclude={"band"}),
                                band=Band(response.band), criterion_scores=scores)


def _weights(stored: SurveyWeights | None) -> SurveyWeightsPublic:
    return SurveyWeightsPublic(
        source="stored" if stored else "default",
        version=stored.version if stored else None,
        set_by=stored.set_by if stored else None,
        set_at=stored.set_at if stored else None,
        criteria=[CriterionWeights.model_validate(row)
                  for row in hierarchy_rows(hierarchy_in_force(stored))],
    )


def _campaign(campaign: SurveyCampaign) -> CampaignPublic:
    return CampaignPublic(**campaign.model_dump(exclude={"seq"}),
                          open=is_open(campaign.opens_at, campaign.closes_at, utcnow()))


@router.get("/surveys/weights", summary="The indicators to score and the weights in force")
async def get_weights(session: SessionDep, _: Respondents) -> SurveyWeightsPublic:
    return _weights(await stored_weights(session))


@router.put("/surveys/weights",
            summary="Put replacement criterion and indicator weights in force (each level sums "
            "to 1); earlier responses keep the weights they were scored with")
async def put_weights(
    body: SurveyWeightsIn, session: SessionDep, principal: QualityStaff
) -> SurveyWeightsPublic:
    try:
        stored = await store_weights(session, body, principal.sub)
    except SurveyError as error:
        raise _invalid(error) from error
    await session.commit()
    return _weights(stored)


@router.post("/surveys", status_code=201, response_model=SurveyResponsePublic,
             summary="Submit a survey response: its weighted score and satisfaction band")
async def post_survey(
    body: SurveyResponseCreate,
    session: SessionDep,
    principal: Respondents,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    if principal.role == "depot" and body.operator_id != principal.depot_id:
        raise Problem(403, "Forbidden", "A depot answers the survey for itself only.")
    request_hash = fingerprint(body.model_dump(mode="json"))

    async def write() -> tuple[int, dict[str, Any]]:
        try:
            response = await submit_response(session, body, principal.sub)
        except SurveyError as error:
            raise _invalid(error) from error
        except CampaignNotOpen as error:
            raise Problem(409, "Campaign not open", str(error)) from error
        scores = await criterion_scores(session, response)
        return 201, _public(response, scores).model_dump(mode="json")

    return await idempotent_write(session, principal, idempotency_key, request_hash, write)


@router.get("/surveys/stats", summary="Survey statistics per operator, region or campaign")
async def get_stats(
    session: SessionDep,
    _: QualityStaff,
    from_: Annotated[Timestamp | None, Query(alias="from")] = None,
    to: Timestamp | None = None,
    campaign_id: Annotated[str | None, Query(min_length=1, max_length=36)] = None,
    group_by: Literal["operator", "region", "campaign"] = "operator",
) -> SurveyStats:
    if from_ and to and to <= from_:
        raise Problem(422, "Invalid request", "to must be after from.",
                      errors=[{"field": "to", "message": "must be after from"}])
    scope = Scope(since=from_, until=to, campaign_id=campaign_id)
    overall = (await summaries(session, scope)).get(None) or empty_summary()
    groups = [SurveyGroup(key=key, **summary.model_dump())
              for key, summary in ordered(await summaries(session, scope, group_by))]
    return SurveyStats(from_=from_, to=to, group_by=group_by, overall=overall, groups=groups)


@router.get("/surveys/{response_id}", summary="One survey response as it was scored")
async def get_survey(
    response_id: Id, session: SessionDep, principal: Respondents
) -> SurveyResponsePublic:
    response = await session.get(SurveyResponse, response_id)
    # A depot must not learn of another operator's answers: 404, not 403.
    if response is None or (
        principal.role == "depot" and response.operator_id != principal.depot_id
    ):
        raise Problem(404, "Not found", "No such survey response.")
    return _public(response, await criterion_scores(session, response))


@router.post("/survey-campaigns", status_code=201,
             summary="Open a survey campaign (default: the October annual survey of the year)")
async def post_campaign(
    body: CampaignCreate,
    session: SessionDep,
    principal: QualityStaff,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    request_hash = fingerprint(body.model_dump(mode="json"))

    async def write() -> tuple[int, dict[str, Any]]:
        try:
            campaign = await create_campaign(session, body, principal.sub)
        except SurveyError as error:
            raise _invalid(error) from error
        return 201, _campaign(campaign).model_dump(mode="json")

    return await idempotent_write(session, principal, idempotency_key, request_hash, write)


@router.get("/survey-campaigns", summary="Survey campaigns in the order they were created")
async def get_campaigns(
    session: SessionDep,
    _: Respondents,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[CampaignPublic]:
    query = select(SurveyCampaign)
    if year is not None:
        query = query.where(col(SurveyCampaign.year) == year)
    rows, next_cursor = await keyset_page(session, query, col(SurveyCampaign.seq), limit, cursor)
    return Page[CampaignPublic](items=[_campaign(c) for c in rows], next_cursor=next_cursor)


@router.get("/survey-campaigns/{campaign_id}", summary="A campaign with its response statistics")
async def get_campaign(
    campaign_id: Id, session: SessionDep, _: QualityStaff
) -> CampaignWithStats:
    campaign = await load_campaign(session, campaign_id)
    if campaign is None:
        raise Problem(404, "Not found", "No such survey campaign.")
    stats = (await summaries(session, Scope(campaign_id=campaign.id))).get(None)
    return CampaignWithStats(**_campaign(campaign).model_dump(), stats=stats or empty_summary())
