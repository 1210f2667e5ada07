"""Parts' own Prometheus metrics (docs/metrics.md): sourcing outcomes and stock to reorder."""

from prometheus_client import Counter, Gauge
from sqlalchemy.ext.asyncio import AsyncSession

from services.parts.replenishment import lines_below_reorder_point

SERVICE = "parts"

RESERVATIONS = Counter(
    "fleetcare_reservations_total",
    "Requisition lines as sourcing decided them: reserved (local stock), transfer (shipped "
    "from another warehouse), backordered. A transaction that failed and was retried may "
    "count its lines twice.",
    ["service", "outcome"],
)
STOCK_LINES_BELOW_REORDER_POINT = Gauge(
    "fleetcare_stock_lines_below_reorder_point",
    "Stock lines (part x warehouse) whose available quantity is below the part's reorder "
    "point, at the last refresh.",
    ["service"],
)
# Every outcome starts at 0: rates see a series before its first line.
for _outcome in ("reserved", "transfer", "backordered"):
    RESERVATIONS.labels(SERVICE, _outcome)


async def refresh_stock_gauge(session: AsyncSession) -> None:
    """Recount the stock lines to replenish (run by the metrics refresh loop)."""
    STOCK_LINES_BELOW_REORDER_POINT.labels(SERVICE).set(await lines_below_reorder_point(session))
