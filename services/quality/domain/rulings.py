"""Pure rules of responsibility rulings (产品售后质量问题责任裁定书) and supplier claims (索赔).

A ruling names who caused a repaired fault and allocates the repair's cost: parts at the
catalogue cost parts reported when it consumed them, plus the engineer's hours on site at the
configured labour rate. When a supplier is responsible a claim is raised against it, which
then runs raised → accepted | disputed; disputed → accepted (after negotiation);
accepted → settled.
"""

from dataclasses import dataclass
from enum import StrEnum

# Service-record statuses (domain.records.RecordStatus) in which the repair is done.
RULABLE_RECORD_STATUSES = frozenset({"completed", "closed"})
MAX_AMOUNT = 1e9


class Responsibility(StrEnum):
    SUPPLIER = "supplier"  # a bought-in part failed: the supplier pays
    MANUFACTURING = "manufacturing"  # an internal plant's workmanship
    DESIGN = "design"
    OPERATOR = "operator"  # misuse, or maintenance that was the operator's own
    UNKNOWN = "unknown"


class ClaimStatus(StrEnum):
    RAISED = "raised"
    ACCEPTED = "accepted"  # the supplier agreed to pay (`accepted_amount`)
    DISPUTED = "disputed"  # the supplier contests it; negotiation may still end in accepted
    SETTLED = "settled"  # paid (`settled_amount`)


class ClaimAction(StrEnum):
    ACCEPT = "accept"
    DISPUTE = "dispute"
    SETTLE = "settle"


# action -> (statuses it may start from, the status it leads to)
CLAIM_TRANSITIONS: dict[ClaimAction, tuple[frozenset[ClaimStatus], ClaimStatus]] = {
    ClaimAction.ACCEPT: (frozenset({ClaimStatus.RAISED, ClaimStatus.DISPUTED}),
                         ClaimStatus.ACCEPTED),
    ClaimAction.DISPUTE: (frozenset({ClaimStatus.RAISED}), ClaimStatus.DISPUTED),
    ClaimAction.SETTLE: (frozenset({ClaimStatus.ACCEPTED}), ClaimStatus.SETTLED),
}
OPEN_CLAIM_STATUSES = frozenset({ClaimStatus.RAISED, ClaimStatus.DISPUTED, ClaimStatus.ACCEPTED})


@dataclass(frozen=True)
class CostAllocation:
    parts_cost: float
    labour_hours: float
    labour_rate: float
    labour_cost: float
    total_cost: float


def allocate_cost(parts_cost: float, labour_hours: float, labour_rate: float) -> CostAllocation:
    """The repair's cost: parts plus hours on site at the labour rate, in money rounded to cents.

    Labour is charged on the unrounded hours, as the service record shows it."""
    labour_cost = round(labour_hours * labour_rate, 2)
    return CostAllocation(
        parts_cost=round(parts_cost, 2),
        labour_hours=round(labour_hours, 2),
        labour_rate=labour_rate,
        labour_cost=labour_cost,
        total_cost=round(parts_cost + labour_cost, 2),
    )


def ruling_errors(
    responsibility: Responsibility, supplier_id: str | None, claim_amount: float | None
) -> list[tuple[str, str]]:
    """What is wrong with a ruling's request, as (field, message) pairs; empty when fine.

    Only a supplier is claimed against, so only a supplier ruling names one and a claim amount.
    """
    errors = []
    if responsibility is Responsibility.SUPPLIER:
        if supplier_id is None:
            errors.append(("supplier_id", "required when the supplier is responsible"))
    else:
        if supplier_id is not None:
            errors.append(("supplier_id", "only a supplier ruling names a supplier"))
        if claim_amount is not None:
            errors.append(("claim_amount", "only a supplier ruling raises a claim"))
    return errors


def claim_amount(requested: float | None, allocation: CostAllocation) -> float:
    """What is claimed: the amount quality names, else the whole allocated cost."""
    return round(requested if requested is not None else allocation.total_cost, 2)


class ClaimRefused(Exception):
    """The action is not possible from the claim's current status."""

    def __init__(self, action: ClaimAction, current: str) -> None:
        super().__init__(f"a claim that is {current} cannot be {_past(action)}")
        self.action = action
        self.current = current


def _past(action: ClaimAction) -> str:
    return {ClaimAction.ACCEPT: "accepted", ClaimAction.DISPUTE: "disputed",
            ClaimAction.SETTLE: "settled"}[action]


def next_claim_status(current: str, action: ClaimAction) -> ClaimStatus | None:
    """The status `action` leads to, or None when the claim is already there (a retry, which
    the caller answers as before if it asks the same)."""
    sources, target = CLAIM_TRANSITIONS[action]
    if current == target:
        return None
    if current not in sources:
        raise ClaimRefused(action, current)
    return target


def accepted_amount(claimed: float, requested: float | None) -> float:
    """What the supplier agreed to pay: the claim, or less after negotiation, never more."""
    if requested is None:
        return claimed
    if requested > claimed:
        raise ValueError(f"must not exceed the {claimed:g} claimed")
    return round(requested, 2)


def settled_amount(accepted: float, requested: float | None) -> float:
    """What was paid: as accepted unless the settlement says otherwise."""
    return accepted if requested is None else round(requested, 2)
