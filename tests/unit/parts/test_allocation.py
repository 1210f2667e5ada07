import pytest

from services.parts.domain import (
    Demand,
    StockBin,
    haversine_km,
    merge_demands,
    plan_allocation,
)

# A fault near Beijing; warehouses in Beijing, Tangshan (~150 km) and Guangzhou (~1900 km).
SITE = (39.90, 116.40)
BEIJING = (39.95, 116.30)
TANGSHAN = (39.63, 118.18)
GUANGZHOU = (23.13, 113.26)


def stock(
    stock_id: int,
    warehouse: str,
    at: tuple[float, float],
    available: int,
    bin: str = "A-01",
    batch: str = "",
) -> StockBin:
    return StockBin(stock_id, warehouse, at[0], at[1], bin, batch, available)


def plan(qty: int, *bins: StockBin) -> list[tuple[str, str, int]]:
    result = plan_allocation(qty, *SITE, bins)
    return [(a.warehouse, a.bin, a.qty) for a in result.allocations]


def test_distance_between_beijing_and_shanghai_is_about_1070_km() -> None:
    assert haversine_km(39.9042, 116.4074, 31.2304, 121.4737) == pytest.approx(1067, abs=5)


def test_distance_to_the_same_point_is_zero_and_symmetric() -> None:
    assert haversine_km(*BEIJING, *BEIJING) == 0
    assert haversine_km(*BEIJING, *GUANGZHOU) == pytest.approx(haversine_km(*GUANGZHOU, *BEIJING))


def test_distance_across_the_antimeridian_is_short() -> None:
    assert haversine_km(0, 179.5, 0, -179.5) == pytest.approx(111.2, abs=0.5)


def test_nearest_warehouse_with_stock_is_chosen_first() -> None:
    bins = (stock(1, "GZ", GUANGZHOU, 5), stock(2, "BJ", BEIJING, 5), stock(3, "TS", TANGSHAN, 5))
    assert plan(2, *bins) == [("BJ", "A-01", 2)]


def test_the_nearest_warehouse_that_covers_the_whole_line_serves_it_alone() -> None:
    bins = (stock(1, "GZ", GUANGZHOU, 10), stock(2, "BJ", BEIJING, 2), stock(3, "TS", TANGSHAN, 7))
    assert plan(7, *bins) == [("TS", "A-01", 7)]


def test_a_far_warehouse_covering_the_line_beats_splitting_over_near_ones() -> None:
    bins = (stock(1, "GZ", GUANGZHOU, 10), stock(2, "BJ", BEIJING, 2), stock(3, "TS", TANGSHAN, 3))
    assert plan(7, *bins) == [("GZ", "A-01", 7)]


def test_a_line_no_single_warehouse_covers_is_split_nearest_first() -> None:
    bins = (stock(1, "GZ", GUANGZHOU, 4), stock(2, "BJ", BEIJING, 2), stock(3, "TS", TANGSHAN, 3))
    assert plan(7, *bins) == [("BJ", "A-01", 2), ("TS", "A-01", 3), ("GZ", "A-01", 2)]


def test_a_warehouse_covers_a_line_with_its_bins_together() -> None:
    bins = (stock(1, "BJ", BEIJING, 2, bin="A-01"), stock(2, "BJ", BEIJING, 2, bin="B-01"),
            stock(3, "TS", TANGSHAN, 9))
    assert plan(4, *bins) == [("BJ", "A-01", 2), ("BJ", "B-01", 2)]


def test_within_a_warehouse_the_fullest_bin_goes_first() -> None:
    bins = (
        stock(1, "BJ", BEIJING, 1, bin="A-01"),
        stock(2, "BJ", BEIJING, 4, bin="B-07"),
        stock(3, "BJ", BEIJING, 2, bin="C-03"),
    )
    assert plan(6, *bins) == [("BJ", "B-07", 4), ("BJ", "C-03", 2)]


def test_bins_with_equal_stock_are_taken_in_bin_name_order() -> None:
    bins = (stock(1, "BJ", BEIJING, 3, bin="Z-09"), stock(2, "BJ", BEIJING, 3, bin="A-02"))
    assert plan(4, *bins) == [("BJ", "A-02", 3), ("BJ", "Z-09", 1)]


def test_warehouses_at_the_same_distance_are_taken_in_code_order() -> None:
    bins = (stock(1, "TS-2", TANGSHAN, 1), stock(2, "TS-1", TANGSHAN, 1))
    assert plan(2, *bins) == [("TS-1", "A-01", 1), ("TS-2", "A-01", 1)]
    assert plan(1, *bins) == [("TS-1", "A-01", 1)]


def test_what_no_bin_holds_is_the_shortfall() -> None:
    result = plan_allocation(10, *SITE, [stock(1, "BJ", BEIJING, 3), stock(2, "TS", TANGSHAN, 4)])
    assert result.allocated == 7
    assert result.shortfall == 3


def test_no_stock_at_all_means_everything_is_short() -> None:
    result = plan_allocation(4, *SITE, [])
    assert result.allocations == []
    assert result.shortfall == 4


def test_bins_with_nothing_available_are_never_allocated() -> None:
    bins = (stock(1, "BJ", BEIJING, 0), stock(2, "TS", TANGSHAN, -1), stock(3, "GZ", GUANGZHOU, 1))
    result = plan_allocation(3, *SITE, bins)
    assert [(a.warehouse, a.qty) for a in result.allocations] == [("GZ", 1)]
    assert result.shortfall == 2


def test_never_more_than_available_is_allocated_from_a_bin() -> None:
    bins = [stock(i, f"W{i}", (30 + i, 110 + i), available=i) for i in range(1, 6)]
    result = plan_allocation(100, *SITE, bins)
    by_id = {b.stock_id: b.available for b in bins}
    assert all(a.qty <= by_id[a.stock_id] for a in result.allocations)
    assert result.allocated + result.shortfall == 100


def test_an_exact_fit_leaves_no_shortfall_and_stops_taking() -> None:
    result = plan_allocation(3, *SITE, [stock(1, "BJ", BEIJING, 3), stock(2, "TS", TANGSHAN, 3)])
    assert [(a.warehouse, a.qty) for a in result.allocations] == [("BJ", 3)]
    assert result.shortfall == 0


def test_allocations_carry_the_bin_batch_and_distance() -> None:
    result = plan_allocation(1, *SITE, [stock(7, "TS", TANGSHAN, 1, bin="R-2", batch="B2026")])
    (allocation,) = result.allocations
    assert (allocation.stock_id, allocation.bin, allocation.batch) == (7, "R-2", "B2026")
    assert allocation.distance_km == pytest.approx(haversine_km(*SITE, *TANGSHAN))


def test_a_zero_demand_allocates_nothing() -> None:
    result = plan_allocation(0, *SITE, [stock(1, "BJ", BEIJING, 3)])
    assert (result.allocations, result.shortfall) == ([], 0)


def test_a_negative_demand_is_refused() -> None:
    with pytest.raises(ValueError):
        plan_allocation(-1, *SITE, [])


def test_lines_naming_the_same_part_are_merged_in_order_of_first_mention() -> None:
    lines = [("BRK-1", 1), ("HVAC-2", 2), ("BRK-1", 3)]
    assert merge_demands(lines) == [Demand("BRK-1", 4), Demand("HVAC-2", 2)]
