"""Reweighting refuses what cannot be rescaled, instead of dividing by zero."""

from collections.abc import Callable

import pytest

from services.quality.ahp import AhpError, remove_criterion, set_weight

# Sums to 1 within the tolerance, yet "staff" leaves nothing for the others to be rescaled from.
EVERYTHING_ON_STAFF = {"staff": 1.0, "parts": 5e-7}


@pytest.mark.parametrize("reweight", [
    lambda: remove_criterion(EVERYTHING_ON_STAFF, "staff"),
    lambda: set_weight(EVERYTHING_ON_STAFF, "staff", 0.5),
])
def test_a_criterion_carrying_all_the_weight_cannot_be_removed_or_reset(
    reweight: Callable[[], object],
) -> None:
    with pytest.raises(AhpError) as refused:
        reweight()
    assert refused.value.field == "criterion"
