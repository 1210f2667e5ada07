"""The quality service: `uvicorn --factory services.quality.main:create_app --port 8004`."""

from pathlib import Path

from fastapi import FastAPI

from services.quality.api import ROUTERS
from services.quality.config import QualitySettings
from services.quality.handlers import CONSUMED_TOPICS, handlers
from shared.app import create_service_app


def create_app(settings: QualitySettings | None = None) -> FastAPI:
    settings = settings or QualitySettings()
    return create_service_app(
        settings,
        service_dir=Path(__file__).parent,
        title="FleetCare quality",
        description=(
            "Quality feedback: service records, responsibility rulings and supplier claims,"
            " recurring defects with corrective actions, quarantines, satisfaction surveys"
            " scored by AHP, the complaints register and periodic reports."
        ),
        routers=ROUTERS,
        consumed_topics=CONSUMED_TOPICS,
        handlers=handlers(settings),
    )
