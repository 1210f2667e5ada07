import pytest

from services.quality.domain.rulings import (
    ClaimAction,
    ClaimRefused,
    ClaimStatus,
    Responsibility,
    accepted_amount,
    allocate_cost,
    claim_amount,
    next_claim_status,
    ruling_errors,
    settled_amount,
)


def test_the_cost_is_parts_plus_hours_on_site_at_the_labour_rate() -> None:
    cost = allocate_cost(parts_cost=125.5, labour_hours=2.0, labour_rate=300.0)
    assert (cost.parts_cost, cost.labour_hours, cost.labour_cost, cost.total_cost) == (
        125.5, 2.0, 600.0, 725.5)
    assert cost.labour_rate == 300.0


def test_labour_is_charged_on_the_unrounded_hours_and_money_is_rounded_to_cents() -> None:
    cost = allocate_cost(parts_cost=10.004, labour_hours=1 / 3, labour_rate=100.0)
    assert cost.labour_hours == 0.33
    assert cost.labour_cost == 33.33
    assert cost.parts_cost == 10.0
    assert cost.total_cost == 43.33


def test_a_repair_with_no_parts_and_no_time_on_site_costs_nothing() -> None:
    assert allocate_cost(0.0, 0.0, 300.0).total_cost == 0.0


def test_a_supplier_ruling_must_name_the_supplier() -> None:
    assert ruling_errors(Responsibility.SUPPLIER, None, None) == [
        ("supplier_id", "required when the supplier is responsible")]
    assert ruling_errors(Responsibility.SUPPLIER, "SUP-KNORR", 500.0) == []
    assert ruling_errors(Responsibility.SUPPLIER, "SUP-KNORR", None) == []


@pytest.mark.parametrize("responsibility", [r for r in Responsibility
                                            if r is not Responsibility.SUPPLIER])
def test_any_other_ruling_names_neither_a_supplier_nor_a_claim_amount(
    responsibility: Responsibility,
) -> None:
    assert ruling_errors(responsibility, None, None) == []
    fields = [field for field, _ in ruling_errors(responsibility, "SUP-KNORR", 100.0)]
    assert fields == ["supplier_id", "claim_amount"]


def test_the_claim_is_the_whole_allocated_cost_unless_an_amount_is_named() -> None:
    cost = allocate_cost(125.5, 2.0, 300.0)
    assert claim_amount(None, cost) == 725.5
    assert claim_amount(500.0, cost) == 500.0


def test_a_raised_claim_can_be_accepted_or_disputed_but_not_settled() -> None:
    assert next_claim_status("raised", ClaimAction.ACCEPT) is ClaimStatus.ACCEPTED
    assert next_claim_status("raised", ClaimAction.DISPUTE) is ClaimStatus.DISPUTED
    with pytest.raises(ClaimRefused) as refused:
        next_claim_status("raised", ClaimAction.SETTLE)
    assert refused.value.current == "raised"


def test_a_disputed_claim_can_still_be_accepted_after_negotiation_but_not_settled() -> None:
    assert next_claim_status("disputed", ClaimAction.ACCEPT) is ClaimStatus.ACCEPTED
    with pytest.raises(ClaimRefused):
        next_claim_status("disputed", ClaimAction.SETTLE)


def test_only_an_accepted_claim_is_settled_and_it_cannot_be_disputed_then() -> None:
    assert next_claim_status("accepted", ClaimAction.SETTLE) is ClaimStatus.SETTLED
    with pytest.raises(ClaimRefused):
        next_claim_status("accepted", ClaimAction.DISPUTE)


def test_a_settled_claim_is_final() -> None:
    for action in (ClaimAction.ACCEPT, ClaimAction.DISPUTE):
        with pytest.raises(ClaimRefused) as refused:
            next_claim_status("settled", action)
        assert refused.value.current == "settled"


def test_repeating_the_step_that_led_to_the_current_status_is_a_retry() -> None:
    assert next_claim_status("accepted", ClaimAction.ACCEPT) is None
    assert next_claim_status("disputed", ClaimAction.DISPUTE) is None
    assert next_claim_status("settled", ClaimAction.SETTLE) is None


def test_the_accepted_amount_defaults_to_the_claim_and_may_be_less_but_not_more() -> None:
    assert accepted_amount(725.5, None) == 725.5
    assert accepted_amount(725.5, 600.0) == 600.0
    with pytest.raises(ValueError, match="725.5"):
        accepted_amount(725.5, 800.0)


def test_the_settled_amount_defaults_to_the_accepted_one_and_may_differ() -> None:
    assert settled_amount(600.0, None) == 600.0
    assert settled_amount(600.0, 580.0) == 580.0
