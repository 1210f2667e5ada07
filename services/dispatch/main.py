"""The dispatch service: `uvicorn --factory services.dispatch.main:create_app --port 8003`."""

from functools import partial
from pathlib import Path

from fastapi import FastAPI

from services.dispatch.api import router
from services.dispatch.config import DispatchSettings
from services.dispatch.escalation import watch_assignments
from services.dispatch.handlers import CONSUMED_TOPICS, handlers
from services.dispatch.metrics import refresh_job_gauge, refresh_technician_gauge
from shared.app import create_service_app


def create_app(settings: DispatchSettings | None = None) -> FastAPI:
    settings = settings or DispatchSettings()
    return create_service_app(
        settings,
        service_dir=Path(__file__).parent,
        title="FleetCare dispatch",
        description="Field dispatch: technicians and their shift calendars, jobs planned into "
        "certified engineers' queues so that the on-site commitment is met, and the engineers' "
        "mobile app (offline-safe actions).",
        routers=[router],
        consumed_topics=CONSUMED_TOPICS,
        handlers=handlers(settings),
        background=[partial(watch_assignments, settings)],
        refreshers=[refresh_job_gauge, refresh_technician_gauge],
    )
