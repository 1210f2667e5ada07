import pytest

from services.parts.domain import LedgerReason, is_low, quarantine_matches, whole_quantity


def test_a_whole_number_given_as_a_json_number_is_accepted() -> None:
    assert whole_quantity(3.0, "pc") == 3


@pytest.mark.parametrize("value", [1.5, 0.001, float("nan"), float("inf")])
def test_a_fractional_quantity_is_refused_naming_the_unit(value: float) -> None:
    with pytest.raises(ValueError, match="qty must be a whole number of m"):
        whole_quantity(value, "m")


@pytest.mark.parametrize("value", [0, -1])
def test_a_quantity_below_one_is_refused(value: float) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        whole_quantity(value, "pc")


def test_a_zero_is_accepted_where_zero_is_meaningful() -> None:
    assert whole_quantity(0, "pc", "consumed", minimum=0) == 0


def test_the_message_names_the_field() -> None:
    with pytest.raises(ValueError, match="^consumed must be"):
        whole_quantity(0.5, "pc", "consumed", minimum=0)


def test_more_than_a_million_is_refused() -> None:
    with pytest.raises(ValueError):
        whole_quantity(1_000_001, "pc")


def test_stock_below_the_reorder_point_is_low_and_at_it_is_not() -> None:
    assert is_low(1, 2)
    assert not is_low(2, 2)


def test_a_reorder_point_of_zero_never_makes_stock_low() -> None:
    assert not is_low(0, 0)


def test_a_quarantine_of_a_batch_matches_only_that_batch() -> None:
    assert quarantine_matches("B1", "SUP", "B1", None)
    assert not quarantine_matches("B2", "SUP", "B1", None)


def test_a_quarantine_of_a_supplier_matches_all_its_batches() -> None:
    assert quarantine_matches("B1", "SUP", None, "SUP")
    assert quarantine_matches("B2", "SUP", None, "SUP")
    assert not quarantine_matches("B1", "OTHER", None, "SUP")


def test_a_quarantine_of_batch_and_supplier_needs_both_to_match() -> None:
    assert quarantine_matches("B1", "SUP", "B1", "SUP")
    assert not quarantine_matches("B1", "OTHER", "B1", "SUP")


def test_a_quarantine_naming_only_the_part_matches_all_its_stock() -> None:
    assert quarantine_matches("", "", None, None)


def test_the_ledger_knows_every_movement_of_the_issue() -> None:
    assert {r.value for r in LedgerReason} == {
        "receipt", "reservation", "release", "issue", "consumption", "return",
        "transfer_out", "transfer_in", "adjustment", "quarantine",
    }
