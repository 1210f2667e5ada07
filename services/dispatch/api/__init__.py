"""Dispatch HTTP routes: thin — parse, authorise, call the use case, commit, return."""

from fastapi import APIRouter

from services.dispatch.api import jobs, mobile, technicians

router = APIRouter(prefix="/v1", tags=["dispatch"])
router.include_router(technicians.router)
router.include_router(mobile.router)
router.include_router(jobs.router)
