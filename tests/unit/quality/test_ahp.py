import math
from collections.abc import Callable

import pytest

from services.quality.ahp import (
    DEFAULT_HIERARCHY,
    AhpError,
    add_criterion,
    priority_weights,
    remove_criterion,
    set_weight,
)

WEIGHTS = {"staff": 0.4, "parts": 0.3, "support": 0.2, "effect": 0.1}


def test_a_consistent_matrix_returns_the_weights_it_was_built_from_with_zero_cr() -> None:
    known = [0.5, 0.25, 0.125, 0.125]
    matrix = [[wi / wj for wj in known] for wi in known]
    result = priority_weights(matrix)
    assert result.weights == pytest.approx(known, abs=1e-9)
    assert result.lambda_max == pytest.approx(4, abs=1e-9)
    assert result.cr == pytest.approx(0, abs=1e-9)
    assert result.consistent


def test_saatys_three_by_three_example_gives_the_published_weights_and_consistency() -> None:
    # Checked against numpy.linalg.eig; CR uses Saaty's RI(3) = 0.58.
    result = priority_weights([[1, 1 / 3, 1 / 2], [3, 1, 3], [2, 1 / 3, 1]])
    assert result.weights == pytest.approx([0.1571, 0.5936, 0.2493], abs=1e-3)
    assert result.lambda_max == pytest.approx(3.0536, abs=1e-3)
    assert result.cr == pytest.approx(0.0462, abs=1e-3)
    assert result.consistent


def test_fractions_given_as_rounded_decimals_are_accepted() -> None:
    result = priority_weights([[1, 0.3333, 0.5], [3, 1, 3], [2, 0.3333, 1]])
    assert result.weights == pytest.approx([0.1571, 0.5936, 0.2493], abs=1e-3)


def test_a_badly_inconsistent_matrix_is_flagged_not_consistent() -> None:
    result = priority_weights([[1, 9, 1 / 9], [1 / 9, 1, 9], [9, 1 / 9, 1]])
    assert result.cr > 0.1
    assert not result.consistent


def test_one_and_two_criteria_are_always_consistent() -> None:
    assert priority_weights([[1]]).weights == (1.0,)
    result = priority_weights([[1, 3], [1 / 3, 1]])
    assert result.weights == pytest.approx([0.75, 0.25])
    assert result.ci == 0 and result.cr == 0


@pytest.mark.parametrize(
    ("matrix", "criteria", "field"),
    [
        ([[1, 3], [1 / 2, 1]], None, "matrix.0.1"),
        ([[1, 10], [0.1, 1]], None, "matrix.0.1"),
        ([[2, 1], [1, 1]], None, "matrix.0.0"),
        ([[1, 3]], None, "matrix.0"),
        ([], None, "matrix"),
        ([[1, 3], [1 / 3, 1]], ["a"], "criteria"),
        ([[1, 3], [1 / 3, 1]], ["a", "a"], "criteria"),
    ],
)
def test_an_invalid_matrix_raises_naming_the_field(
    matrix: list[list[float]], criteria: list[str] | None, field: str
) -> None:
    with pytest.raises(AhpError) as raised:
        priority_weights(matrix, criteria)
    assert raised.value.field == field


def test_removing_a_criterion_keeps_the_other_ratios_and_sums_to_one() -> None:
    weights = remove_criterion(WEIGHTS, "staff")
    assert weights == pytest.approx({"parts": 0.5, "support": 1 / 3, "effect": 1 / 6})
    assert math.fsum(weights.values()) == pytest.approx(1)


def test_adding_a_criterion_weighs_it_k_times_the_reference_and_rescales_the_rest() -> None:
    weights = add_criterion(WEIGHTS, "parts", "training", 0.5)
    assert weights["training"] / weights["parts"] == pytest.approx(0.5)
    assert weights["training"] == pytest.approx(0.15 / 1.15)
    assert weights["staff"] / weights["effect"] == pytest.approx(4)
    assert math.fsum(weights.values()) == pytest.approx(1)


def test_setting_a_weight_scales_the_others_to_keep_their_ratios() -> None:
    weights = set_weight(WEIGHTS, "effect", 0.28)
    assert weights == pytest.approx({"staff": 0.32, "parts": 0.24, "support": 0.16, "effect": 0.28})
    assert math.fsum(weights.values()) == pytest.approx(1)


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: remove_criterion({"a": 0.5, "b": 0.4}, "a"), "weights"),
        (lambda: remove_criterion({"a": 1.2, "b": -0.2}, "a"), "weights"),
        (lambda: remove_criterion(WEIGHTS, "missing"), "criterion"),
        (lambda: remove_criterion({"a": 1.0}, "a"), "criterion"),
        (lambda: add_criterion(WEIGHTS, "staff", "parts", 1), "new_criterion"),
        (lambda: add_criterion(WEIGHTS, "staff", "training", 0), "k"),
        (lambda: set_weight(WEIGHTS, "staff", 1), "weight"),
    ],
)
def test_invalid_reweighting_raises_naming_the_field(
    call: Callable[[], object], field: str
) -> None:
    with pytest.raises(AhpError) as raised:
        call()
    assert raised.value.field == field


def test_the_default_hierarchy_has_four_criteria_and_fifteen_indicators_weighted_to_one() -> None:
    assert len(DEFAULT_HIERARCHY) == 4
    assert sum(len(c.indicators) for c in DEFAULT_HIERARCHY) == 15
    assert math.fsum(c.weight for c in DEFAULT_HIERARCHY) == pytest.approx(1)
    for criterion in DEFAULT_HIERARCHY:
        assert math.fsum(w for _, w in criterion.indicators) == pytest.approx(1)
