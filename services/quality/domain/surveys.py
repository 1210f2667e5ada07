"""Pure rules of customer-satisfaction surveys: weights in force, weighted score, band. No I/O.

A response scores every indicator of the AHP hierarchy on the 1–100 scale. Its criterion score
is the indicator scores weighted within the criterion; its overall score weighs each indicator by
its global weight (criterion weight × indicator weight within the criterion), which is the same
as weighing the criterion scores by the criterion weights.
"""

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from services.quality.ahp import MAX_CRITERIA, Criterion
from services.quality.domain.complaints import CLOCK_SKEW

MIN_SCORE = 1
MAX_SCORE = 100
MAX_INDICATORS = 15  # per criterion
# Weights copied by hand from an AHP result (rounded to 3–4 decimals) rarely sum to exactly 1:
# within this tolerance they are accepted and scaled to sum to exactly 1.
WEIGHT_SUM_TOLERANCE = 1e-3


class Band(StrEnum):
    EXTREMELY_SATISFIED = "extremely_satisfied"  # 91–100
    VERY_SATISFIED = "very_satisfied"  # 71–90
    BASICALLY_SATISFIED = "basically_satisfied"  # 51–70
    DISSATISFIED = "dissatisfied"  # 1–50


# The lowest whole score of each band, highest band first.
BAND_FLOORS: tuple[tuple[int, Band], ...] = (
    (91, Band.EXTREMELY_SATISFIED),
    (71, Band.VERY_SATISFIED),
    (51, Band.BASICALLY_SATISFIED),
    (MIN_SCORE, Band.DISSATISFIED),
)


class SurveyError(ValueError):
    """Invalid survey input; `field` names the offending input (e.g. `scores.parts quality`)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class CampaignNotOpen(Exception):
    """The response names a campaign that was not open when the operator responded."""


@dataclass(frozen=True)
class SurveyScore:
    score: float
    band: Band
    criterion_scores: dict[str, float]


def band_of(score: float) -> Band:
    """The band of a score on the 1–100 scale.

    The bands are drawn on whole points, so a weighted score is first rounded half up to the
    nearest whole point: 90.5 is extremely satisfied, 90.49 very satisfied.
    """
    if not MIN_SCORE <= score <= MAX_SCORE:
        raise SurveyError("score", f"{score} is outside {MIN_SCORE}..{MAX_SCORE}")
    whole = math.floor(score + 0.5)
    return next(band for floor, band in BAND_FLOORS if whole >= floor)


def _normalised(weights: Sequence[float], field: str) -> list[float]:
    if any(w <= 0 for w in weights):
        raise SurveyError(field, "every weight must be positive")
    total = sum(weights)
    if abs(total - 1) > WEIGHT_SUM_TOLERANCE:
        raise SurveyError(field, f"weights must sum to 1 (they sum to {total:.6g})")
    return [w / total for w in weights]


def check_hierarchy(hierarchy: Sequence[Criterion]) -> tuple[Criterion, ...]:
    """The hierarchy with its weights validated and scaled to sum to exactly 1 on each level.

    Criterion names are unique, and so are indicator names across the whole hierarchy (a
    response keys its scores by indicator). Raises `SurveyError`.
    """
    if not 1 <= len(hierarchy) <= MAX_CRITERIA:
        raise SurveyError("criteria", f"needs 1 to {MAX_CRITERIA} criteria")
    if len({c.name for c in hierarchy}) != len(hierarchy):
        raise SurveyError("criteria", "criterion names must be unique")
    seen: set[str] = set()
    indicators = []
    for i, criterion in enumerate(hierarchy):
        field = f"criteria.{i}.indicators"
        if not 1 <= len(criterion.indicators) <= MAX_INDICATORS:
            raise SurveyError(field, f"needs 1 to {MAX_INDICATORS} indicators")
        names = [name for name, _ in criterion.indicators]
        for name in names:
            if name in seen:
                raise SurveyError(field, f"indicator {name!r} appears twice in the hierarchy")
            seen.add(name)
        weights = _normalised([w for _, w in criterion.indicators], field)
        indicators.append(tuple(zip(names, weights, strict=True)))
    criterion_weights = _normalised([c.weight for c in hierarchy], "criteria")
    return tuple(
        Criterion(c.name, weight, within)
        for c, weight, within in zip(hierarchy, criterion_weights, indicators, strict=True)
    )


def indicators_of(hierarchy: Sequence[Criterion]) -> list[str]:
    return [name for c in hierarchy for name, _ in c.indicators]


def check_scores(hierarchy: Sequence[Criterion], scores: Mapping[str, int]) -> None:
    """Every indicator of the hierarchy scored once on the 1–100 scale, and nothing else."""
    expected = indicators_of(hierarchy)
    for name, value in scores.items():
        if name not in expected:
            raise SurveyError(f"scores.{name}", "not an indicator of the hierarchy in force")
        if not MIN_SCORE <= value <= MAX_SCORE:
            raise SurveyError(f"scores.{name}", f"must be {MIN_SCORE} to {MAX_SCORE}")
    missing = [name for name in expected if name not in scores]
    if missing:
        raise SurveyError("scores", f"missing indicator(s): {', '.join(missing)}")


def score_response(hierarchy: Sequence[Criterion], scores: Mapping[str, int]) -> SurveyScore:
    """A response's weighted score, its band and its per-criterion scores. Raises `SurveyError`."""
    check_scores(hierarchy, scores)
    criterion_scores = {
        c.name: sum(w * scores[name] for name, w in c.indicators) for c in hierarchy
    }
    total = sum(c.weight * criterion_scores[c.name] for c in hierarchy)
    # Weights sum to 1, so the score stays on the scale; clamp the float noise of the sums.
    score = round(min(max(total, MIN_SCORE), MAX_SCORE), 2)
    return SurveyScore(
        score=score,
        band=band_of(score),
        criterion_scores={name: round(s, 2) for name, s in criterion_scores.items()},
    )


def check_responded_at(responded_at: datetime, now: datetime) -> None:
    if responded_at > now + CLOCK_SKEW:
        raise SurveyError("responded_at", "must not be in the future")


def annual_window(year: int) -> tuple[datetime, datetime]:
    """The October annual survey: open from 1 October to the end of 31 October (UTC)."""
    return datetime(year, 10, 1, tzinfo=UTC), datetime(year, 11, 1, tzinfo=UTC)


def check_window(opens_at: datetime, closes_at: datetime) -> None:
    if closes_at <= opens_at:
        raise SurveyError("closes_at", "must be after opens_at")


def is_open(opens_at: datetime, closes_at: datetime, at: datetime) -> bool:
    """A campaign takes responses from its opening (inclusive) to its close (exclusive)."""
    return opens_at <= at < closes_at


def check_open(opens_at: datetime, closes_at: datetime, responded_at: datetime) -> None:
    if not is_open(opens_at, closes_at, responded_at):
        raise CampaignNotOpen(
            f"The campaign takes responses from {opens_at.isoformat()} until"
            f" {closes_at.isoformat()}; this one is dated {responded_at.isoformat()}."
        )


def hierarchy_rows(hierarchy: Sequence[Criterion]) -> list[dict[str, Any]]:
    """The hierarchy as stored and shown: [{name, weight, indicators: [{name, weight}]}]."""
    return [
        {"name": c.name, "weight": c.weight,
         "indicators": [{"name": n, "weight": w} for n, w in c.indicators]}
        for c in hierarchy
    ]


def hierarchy_of(rows: Sequence[Mapping[str, Any]]) -> tuple[Criterion, ...]:
    return tuple(
        Criterion(row["name"], row["weight"],
                  tuple((i["name"], i["weight"]) for i in row["indicators"]))
        for row in rows
    )
