"""Parts HTTP routes: thin — parse, authorise, call the use case, commit, return."""

from services.parts.api.catalogue import router as catalogue_router
from services.parts.api.requisitions import router as requisitions_router
from services.parts.api.stock import router as stock_router

ROUTERS = [catalogue_router, stock_router, requisitions_router]
