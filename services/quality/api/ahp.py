"""AHP routes: criteria weights from a comparison matrix, reweighting, the default hierarchy."""

from collections.abc import Callable
from typing import Annotated, Literal, TypeVar

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field, StringConstraints

from services.quality.ahp import (
    DEFAULT_HIERARCHY,
    MAX_CRITERIA,
    AhpError,
    add_criterion,
    priority_weights,
    remove_criterion,
    set_weight,
)
from shared.auth import Principal, require_role
from shared.errors import Problem
from shared.schemas import RequestBody

router = APIRouter(prefix="/v1/ahp", tags=["quality"])

Quality = Annotated[Principal, Depends(require_role("quality"))]
Name = Annotated[str, StringConstraints(min_length=1, max_length=80)]
# Saaty's scale is 1/9..9, checked with its tolerance (and a clearer message) by the domain;
# the schema only bounds it. K likewise: a sanity bound far beyond any useful ratio.
Judgement = Annotated[float, Field(gt=0, le=100)]
MAX_K = 1000.0
Row = Annotated[list[Judgement], Field(max_length=MAX_CRITERIA)]
Weight = Annotated[float, Field(gt=0, le=1)]
T = TypeVar("T")


class ComparisonMatrix(RequestBody):
    criteria: list[Name] = Field(max_length=MAX_CRITERIA)
    matrix: list[Row] = Field(max_length=MAX_CRITERIA)


class CriteriaWeights(BaseModel):
    weights: dict[str, float]
    lambda_max: float
    ci: float
    cr: float
    consistent: bool


class Reweight(RequestBody):
    weights: dict[Name, Weight] = Field(min_length=1, max_length=MAX_CRITERIA)
    op: Literal["remove", "add", "set"]
    criterion: Name
    new_criterion: Name | None = None
    # The new criterion weighs K times `criterion`.
    k: float | None = Field(default=None, gt=0, le=MAX_K)
    weight: float | None = Field(default=None, gt=0, lt=1)


class Weights(BaseModel):
    weights: dict[str, float]


class IndicatorWeight(BaseModel):
    name: str
    weight: float


class CriterionWeight(BaseModel):
    name: str
    weight: float
    indicators: list[IndicatorWeight]


def _invalid(error: AhpError) -> Problem:
    return Problem(
        422, "Invalid request", error.message,
        errors=[{"field": error.field, "message": error.message}],
    )


def _required(value: T | None, field: str, op: str) -> T:
    if value is None:
        raise AhpError(field, f"required when op is {op!r}")
    return value


@router.post("/weights", summary="Criteria weights and consistency of a comparison matrix")
async def post_weights(body: ComparisonMatrix, _: Quality) -> CriteriaWeights:
    try:
        result = priority_weights(body.matrix, body.criteria)
    except AhpError as error:
        raise _invalid(error) from error
    return CriteriaWeights(
        weights=dict(zip(body.criteria, result.weights, strict=True)),
        lambda_max=result.lambda_max, ci=result.ci, cr=result.cr, consistent=result.consistent,
    )


@router.post("/reweight", summary="Adjust weights when a criterion is removed, added or set")
async def post_reweight(body: Reweight, _: Quality) -> Weights:
    ops: dict[str, Callable[[], dict[str, float]]] = {
        "remove": lambda: remove_criterion(body.weights, body.criterion),
        "add": lambda: add_criterion(
            body.weights, body.criterion,
            _required(body.new_criterion, "new_criterion", "add"), _required(body.k, "k", "add"),
        ),
        "set": lambda: set_weight(
            body.weights, body.criterion, _required(body.weight, "weight", "set")
        ),
    }
    try:
        return Weights(weights=ops[body.op]())
    except AhpError as error:
        raise _invalid(error) from error


@router.get("/hierarchy", summary="The default service-quality hierarchy and its weights")
async def get_hierarchy(_: Quality) -> list[CriterionWeight]:
    return [
        CriterionWeight(
            name=c.name, weight=c.weight,
            indicators=[IndicatorWeight(name=n, weight=w) for n, w in c.indicators],
        )
        for c in DEFAULT_HIERARCHY
    ]
