"""The quality service's HTTP routes, one module per topic."""

from fastapi import APIRouter

from services.quality.api import (
    ahp,
    complaints,
    defects,
    fault_files,
    quarantines,
    records,
    reports,
    rulings,
    surveys,
)

ROUTERS: list[APIRouter] = [
    fault_files.router,
    records.router,
    rulings.router,
    defects.router,
    quarantines.router,
    surveys.router,
    complaints.router,
    reports.router,
    ahp.router,
]
