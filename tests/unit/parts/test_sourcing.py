from datetime import UTC, datetime, timedelta

import pytest

from services.parts.domain import (
    WaitingDemand,
    line_eta,
    may_use_stock,
    needs_transfer,
    serving_order,
    supplier_lead_time,
)

NOW = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)


def eta(distance_km: float, lead_time_hours: float = 0.0) -> datetime:
    return line_eta(NOW, distance_km, handling_hours=1.0, express_speed_kmh=80.0,
                    lead_time_hours=lead_time_hours)


def test_a_line_arrives_after_handling_plus_the_express_drive() -> None:
    assert eta(160) == NOW + timedelta(hours=3)


def test_a_line_from_the_site_itself_takes_only_the_handling_time() -> None:
    assert eta(0) == NOW + timedelta(hours=1)


def test_farther_warehouses_give_later_etas() -> None:
    assert eta(10) < eta(160) < eta(1900)


def test_supplier_held_spares_add_the_supplier_lead_time() -> None:
    assert eta(80, supplier_lead_time("supplier_held", 48)) == NOW + timedelta(hours=50)


def test_only_supplier_held_spares_wait_for_the_supplier() -> None:
    for category in ("fault_driven", "emergency", "planned"):
        assert supplier_lead_time(category, 48) == 0


@pytest.mark.parametrize("severity", ["A", "B"])
def test_emergency_spares_serve_faults_that_stop_the_vehicle(severity: str) -> None:
    assert may_use_stock("emergency", severity)


def test_emergency_spares_are_kept_from_class_c_faults() -> None:
    assert not may_use_stock("emergency", "C")


@pytest.mark.parametrize("category", ["fault_driven", "supplier_held", "planned"])
def test_other_spares_serve_every_class(category: str) -> None:
    assert all(may_use_stock(category, severity) for severity in "ABC")


def test_a_line_from_beyond_the_local_radius_is_shipped_as_a_transfer() -> None:
    assert needs_transfer(150.1, 150)
    assert not needs_transfer(150, 150)
    assert not needs_transfer(12, 150)


def waiting(key: str, seq: int, severity: str) -> WaitingDemand:
    return WaitingDemand(key, seq, severity)


def test_stopped_vehicles_are_served_before_running_ones_whatever_their_age() -> None:
    queue = [waiting("c-old", 1, "C"), waiting("b-new", 5, "B"), waiting("a-mid", 3, "A")]
    assert [b.key for b in serving_order(queue)] == ["a-mid", "b-new", "c-old"]


def test_within_a_group_the_oldest_backorder_is_served_first() -> None:
    queue = [waiting("c2", 9, "C"), waiting("b2", 4, "B"), waiting("c1", 2, "C"),
             waiting("a1", 3, "A")]
    assert [b.key for b in serving_order(queue)] == ["a1", "b2", "c1", "c2"]
