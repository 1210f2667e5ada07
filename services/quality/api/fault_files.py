"""Quality HTTP routes: thin — parse, authorise, call the use case, return."""

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from services.quality.fault_files import list_fault_files, load_fault_file
from services.quality.models import FaultFile, FaultFileSummary
from shared.app import SessionDep
from shared.auth import Principal, require_role
from shared.errors import Problem
from shared.pagination import Cursor, Limit, Page, cursor_position, encode_cursor
from shared.schemas import Timestamp

router = APIRouter(prefix="/v1", tags=["quality"])

FaultId = Annotated[str, Path(min_length=1, max_length=100)]
Readers = Annotated[Principal, Depends(require_role("quality", "dispatcher"))]


@router.get("/fault-files/{fault_id}", summary="Every event quality saw about a fault")
async def get_fault_file(fault_id: FaultId, session: SessionDep, _: Readers) -> FaultFile:
    fault_file = await load_fault_file(session, fault_id)
    if fault_file is None:
        raise Problem(404, "Not found", "Quality has seen no event for this fault.")
    return fault_file


@router.get("/fault-files", summary="Fault files in first-seen order, with event counts")
async def get_fault_files(
    session: SessionDep,
    _: Readers,
    since: Annotated[
        Timestamp | None, Query(description="Only faults with an event at or after this.")
    ] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[FaultFileSummary]:
    after = cursor_position(cursor, int)
    items, position = await list_fault_files(session, after=after, since=since, limit=limit)
    next_cursor = encode_cursor(position) if position is not None else None
    return Page[FaultFileSummary](items=items, next_cursor=next_cursor)
