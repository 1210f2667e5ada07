"""Quality HTTP routes: rulings (thin: parse, authorise, call the use case, return)."""

from fastapi import APIRouter

router = APIRouter(prefix="/v1", tags=["quality"])
