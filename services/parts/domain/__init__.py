"""Pure spare-part rules: no FastAPI, SQL or Kafka. Import them from here."""

from services.parts.domain.lifecycle import (
    CANCELLABLE_BACKORDERS,
    ON_THE_SHELF,
    RELEASABLE_RESERVATIONS,
    TRANSITIONS,
    Action,
    BackorderStatus,
    ConsumptionSplit,
    HeldReservation,
    IssuedPart,
    ReleaseReason,
    ReservationStatus,
    TransferStatus,
    TransitionRefused,
    next_status,
    released_by_cancellation,
    split_consumption,
)
from services.parts.domain.replenishment import (
    SERVICE_LEVEL_Z,
    ReserveLevel,
    bucket_by_month,
    default_period,
    month_bounds,
    month_of,
    months_between,
    parse_month,
    reserve_level,
)
from services.parts.domain.sourcing import (
    URGENT_SEVERITIES,
    BackorderReason,
    WaitingDemand,
    line_eta,
    may_use_stock,
    needs_transfer,
    serving_order,
    supplier_lead_time,
)
from services.parts.domain.stock import (
    MAX_QUANTITY,
    Allocation,
    AllocationPlan,
    Demand,
    LedgerReason,
    PartCategory,
    StockBin,
    is_low,
    merge_demands,
    plan_allocation,
    quarantine_matches,
    whole_quantity,
)
from shared.geo import haversine_km

__all__ = [
    "CANCELLABLE_BACKORDERS", "MAX_QUANTITY", "ON_THE_SHELF", "RELEASABLE_RESERVATIONS",
    "SERVICE_LEVEL_Z", "TRANSITIONS", "URGENT_SEVERITIES", "Action", "Allocation",
    "AllocationPlan", "BackorderReason", "BackorderStatus", "ConsumptionSplit", "Demand",
    "HeldReservation", "IssuedPart", "LedgerReason", "PartCategory", "ReleaseReason",
    "ReservationStatus", "ReserveLevel", "StockBin", "TransferStatus", "TransitionRefused",
    "WaitingDemand", "bucket_by_month", "default_period", "haversine_km", "is_low", "line_eta",
    "may_use_stock", "merge_demands", "month_bounds", "month_of", "months_between",
    "needs_transfer", "next_status", "parse_month", "plan_allocation", "quarantine_matches",
    "released_by_cancellation", "reserve_level", "serving_order", "split_consumption",
    "supplier_lead_time", "whole_quantity",
]
