"""The parts service: `uvicorn --factory services.parts.main:create_app --port 8002`."""

from pathlib import Path

from fastapi import FastAPI

from services.parts.api import ROUTERS
from services.parts.config import PartsSettings
from services.parts.handlers import CONSUMED_TOPICS, handlers
from services.parts.metrics import refresh_stock_gauge
from shared.app import create_service_app


def create_app(settings: PartsSettings | None = None) -> FastAPI:
    settings = settings or PartsSettings()
    return create_service_app(
        settings,
        service_dir=Path(__file__).parent,
        title="FleetCare parts",
        description=(
            "Spare-part logistics: warehouses and bins, a stock ledger, sourcing for faults, "
            "requisitions, transfers, quarantine and replenishment."
        ),
        routers=ROUTERS,
        consumed_topics=CONSUMED_TOPICS,
        handlers=handlers(settings),
        refreshers=[refresh_stock_gauge],
    )
