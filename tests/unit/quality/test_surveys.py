from datetime import UTC, datetime, timedelta

import pytest

from services.quality.ahp import DEFAULT_HIERARCHY, Criterion
from services.quality.domain.surveys import (
    Band,
    CampaignNotOpen,
    SurveyError,
    annual_window,
    band_of,
    check_hierarchy,
    check_open,
    check_responded_at,
    hierarchy_of,
    hierarchy_rows,
    indicators_of,
    score_response,
)

TWO_CRITERIA = (
    Criterion("staff", 0.3, (("speed", 0.5), ("competence", 0.5))),
    Criterion("effect", 0.7, (("repair", 0.6), ("complaints", 0.4))),
)


def every_indicator(score: int) -> dict[str, int]:
    return dict.fromkeys(indicators_of(DEFAULT_HIERARCHY), score)


@pytest.mark.parametrize(("score", "band"), [
    (1, Band.DISSATISFIED), (50, Band.DISSATISFIED),
    (51, Band.BASICALLY_SATISFIED), (70, Band.BASICALLY_SATISFIED),
    (71, Band.VERY_SATISFIED), (90, Band.VERY_SATISFIED),
    (91, Band.EXTREMELY_SATISFIED), (100, Band.EXTREMELY_SATISFIED),
])
def test_whole_scores_fall_in_the_published_bands_at_every_edge(score: int, band: Band) -> None:
    assert band_of(score) is band


def test_a_weighted_score_between_bands_is_rounded_half_up_to_a_whole_point() -> None:
    assert band_of(90.49) is Band.VERY_SATISFIED
    assert band_of(90.5) is Band.EXTREMELY_SATISFIED
    assert band_of(50.5) is Band.BASICALLY_SATISFIED


def test_a_score_off_the_scale_has_no_band() -> None:
    for score in (0, 0.4, 100.01):
        with pytest.raises(SurveyError):
            band_of(score)


def test_the_weighted_score_uses_criterion_times_indicator_weights() -> None:
    scores = {"speed": 100, "competence": 80, "repair": 95, "complaints": 90}
    result = score_response(TWO_CRITERIA, scores)
    # staff 0.5·100 + 0.5·80 = 90; effect 0.6·95 + 0.4·90 = 93; 0.3·90 + 0.7·93 = 92.1
    assert result.criterion_scores == {"staff": 90.0, "effect": 93.0}
    assert result.score == pytest.approx(92.1)
    assert result.band is Band.EXTREMELY_SATISFIED


def test_the_same_score_on_every_indicator_is_the_overall_score() -> None:
    for score in (1, 50, 77, 100):
        result = score_response(DEFAULT_HIERARCHY, every_indicator(score))
        assert result.score == score
        assert set(result.criterion_scores.values()) == {score}


def test_the_default_hierarchy_has_four_criteria_and_fifteen_indicators_weighing_one() -> None:
    assert len(DEFAULT_HIERARCHY) == 4
    assert len(indicators_of(DEFAULT_HIERARCHY)) == 15
    checked = check_hierarchy(DEFAULT_HIERARCHY)
    assert [c.weight for c in checked] == pytest.approx([c.weight for c in DEFAULT_HIERARCHY])


def test_a_response_naming_an_unknown_indicator_is_refused_with_that_field() -> None:
    with pytest.raises(SurveyError) as error:
        score_response(DEFAULT_HIERARCHY, every_indicator(80) | {"coffee": 90})
    assert error.value.field == "scores.coffee"


def test_a_response_missing_an_indicator_is_refused() -> None:
    scores = every_indicator(80)
    del scores["parts quality"]
    with pytest.raises(SurveyError, match="parts quality"):
        score_response(DEFAULT_HIERARCHY, scores)


def test_an_indicator_scored_off_the_scale_is_refused() -> None:
    for bad in (0, 101):
        with pytest.raises(SurveyError) as error:
            score_response(DEFAULT_HIERARCHY, every_indicator(80) | {"parts quality": bad})
        assert error.value.field == "scores.parts quality"


def test_replacement_weights_must_sum_to_one_on_each_level() -> None:
    off_criteria = (Criterion("a", 0.5, (("x", 1.0),)), Criterion("b", 0.4, (("y", 1.0),)))
    with pytest.raises(SurveyError) as error:
        check_hierarchy(off_criteria)
    assert error.value.field == "criteria"
    off_indicators = (Criterion("a", 1.0, (("x", 0.5), ("y", 0.4))),)
    with pytest.raises(SurveyError) as error:
        check_hierarchy(off_indicators)
    assert error.value.field == "criteria.0.indicators"


def test_weights_rounded_to_three_decimals_are_scaled_to_sum_exactly_to_one() -> None:
    rounded = (Criterion("a", 0.333, (("x", 1.0),)), Criterion("b", 0.333, (("y", 1.0),)),
               Criterion("c", 0.333, (("z", 1.0),)))
    checked = check_hierarchy(rounded)
    assert sum(c.weight for c in checked) == pytest.approx(1, abs=1e-12)
    assert score_response(checked, {"x": 100, "y": 100, "z": 100}).score == 100


def test_an_indicator_may_appear_only_once_in_the_hierarchy() -> None:
    twice = (Criterion("a", 0.5, (("x", 1.0),)), Criterion("b", 0.5, (("x", 1.0),)))
    with pytest.raises(SurveyError, match="twice"):
        check_hierarchy(twice)


def test_criterion_names_must_be_unique() -> None:
    twice = (Criterion("a", 0.5, (("x", 1.0),)), Criterion("a", 0.5, (("y", 1.0),)))
    with pytest.raises(SurveyError, match="unique"):
        check_hierarchy(twice)


def test_a_hierarchy_survives_storage_as_rows_unchanged() -> None:
    assert hierarchy_of(hierarchy_rows(DEFAULT_HIERARCHY)) == DEFAULT_HIERARCHY


def test_the_annual_survey_is_open_through_october_in_utc() -> None:
    opens, closes = annual_window(2026)
    check_open(opens, closes, datetime(2026, 10, 1, tzinfo=UTC))
    check_open(opens, closes, datetime(2026, 10, 31, 23, 59, 59, tzinfo=UTC))
    for outside in (datetime(2026, 9, 30, 23, 59, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC)):
        with pytest.raises(CampaignNotOpen):
            check_open(opens, closes, outside)


def test_a_response_dated_in_the_future_is_refused_beyond_a_little_clock_drift() -> None:
    now = datetime(2026, 10, 15, tzinfo=UTC)
    check_responded_at(now + timedelta(minutes=1), now)
    with pytest.raises(SurveyError) as error:
        check_responded_at(now + timedelta(hours=1), now)
    assert error.value.field == "responded_at"
