"""Quality HTTP routes: quarantines (stock that must not be used)."""

from fastapi import APIRouter

router = APIRouter(prefix="/v1", tags=["quality"])
