from datetime import UTC, datetime, timedelta, timezone

import pytest

from services.parts.domain import (
    bucket_by_month,
    default_period,
    month_bounds,
    month_of,
    months_between,
    parse_month,
    reserve_level,
)


def test_months_are_listed_from_first_to_last_across_a_year_end() -> None:
    assert months_between("2025-11", "2026-02") == ["2025-11", "2025-12", "2026-01", "2026-02"]


def test_a_single_month_period_has_one_month() -> None:
    assert months_between("2026-03", "2026-03") == ["2026-03"]


@pytest.mark.parametrize("text", ["2026-13", "2026-1", "26-01", "2026/01", "", "2026-00"])
def test_a_month_must_be_written_yyyy_mm(text: str) -> None:
    with pytest.raises(ValueError):
        parse_month(text)


def test_a_reversed_period_is_refused() -> None:
    with pytest.raises(ValueError):
        months_between("2026-05", "2026-04")


def test_a_period_of_more_than_ten_years_is_refused() -> None:
    with pytest.raises(ValueError):
        months_between("2000-01", "2026-01")


def test_the_period_covers_from_the_first_day_to_the_start_of_the_month_after() -> None:
    assert month_bounds("2025-12", "2025-12") == (
        datetime(2025, 12, 1, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC)
    )


def test_consumption_is_bucketed_by_utc_month() -> None:
    beijing = timezone(timedelta(hours=8))
    # 1 March 07:00 in Beijing is still February in UTC.
    assert month_of(datetime(2026, 3, 1, 7, 0, tzinfo=beijing)) == "2026-02"


def test_months_without_consumption_count_as_zero() -> None:
    used = [(datetime(2026, 1, 5, tzinfo=UTC), 2), (datetime(2026, 3, 9, tzinfo=UTC), 1),
            (datetime(2026, 3, 20, tzinfo=UTC), 4)]
    assert bucket_by_month(used, ["2026-01", "2026-02", "2026-03"]) == [2, 0, 5]


def test_consumption_outside_the_months_is_ignored() -> None:
    assert bucket_by_month([(datetime(2025, 12, 31, tzinfo=UTC), 3)], ["2026-01"]) == [0]


def test_the_default_period_is_the_twelve_months_up_to_now() -> None:
    assert default_period(datetime(2026, 11, 27, tzinfo=UTC)) == ("2025-12", "2026-11")
    assert default_period(datetime(2026, 1, 3, tzinfo=UTC)) == ("2025-02", "2026-01")


def test_steady_consumption_needs_its_mean_and_no_safety_stock() -> None:
    level = reserve_level([4, 4, 4], cover_months=1.0)
    assert (level.mean_monthly, level.std_monthly, level.suggested_reserve) == (4.0, 0.0, 4)


def test_variable_consumption_adds_safety_stock_for_a_95_percent_service_level() -> None:
    level = reserve_level([2, 4, 6], cover_months=1.0)  # mean 4, sample std 2
    assert (level.mean_monthly, level.std_monthly) == (4.0, 2.0)
    assert level.suggested_reserve == 8  # ceil(4 + 1.65 * 2) = ceil(7.3)


def test_the_reserve_covers_the_configured_months_of_mean_demand() -> None:
    assert reserve_level([3, 3], cover_months=2.0).suggested_reserve == 6


def test_no_consumption_suggests_no_reserve() -> None:
    assert reserve_level([0, 0, 0], cover_months=1.0).suggested_reserve == 0


def test_a_single_month_has_no_spread() -> None:
    assert reserve_level([5], cover_months=1.0).std_monthly == 0.0


def test_float_noise_never_adds_a_whole_unit() -> None:
    # 50 × 1.1 is 55.00000000000001 in floating point: the reserve is 55, not 56.
    assert reserve_level([50, 50], cover_months=1.1).suggested_reserve == 55
