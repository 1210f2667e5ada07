"""The intake service: `uvicorn --factory services.intake.main:create_app --port 8001`."""

from functools import partial
from pathlib import Path

from fastapi import FastAPI

from services.intake.api import router
from services.intake.config import IntakeSettings
from services.intake.handlers import CONSUMED_TOPICS, handlers
from services.intake.report_queue import ReportQueue
from services.intake.sla_watch import watch_sla
from shared.app import create_service_app
from shared.ratelimit import RateLimiter


def create_app(settings: IntakeSettings | None = None) -> FastAPI:
    settings = settings or IntakeSettings()
    reports = ReportQueue(settings)
    app = create_service_app(
        settings,
        service_dir=Path(__file__).parent,
        title="FleetCare intake",
        description="Fault intake from depot systems: severity, warranty, SLA clocks, timeline.",
        routers=[router],
        consumed_topics=CONSUMED_TOPICS,
        handlers=handlers(settings),
        background=[partial(watch_sla, settings), reports.run],
    )
    app.state.report_queue = reports
    app.state.rate_limiter = RateLimiter(settings.rate_limit_per_minute, settings.rate_limit_burst)
    return app
