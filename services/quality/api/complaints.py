"""Quality HTTP routes: the complaints register (thin: parse, authorise, call the use case,
commit, return)."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import JSONResponse

from services.quality.complaints import (
    close_complaint,
    list_complaints,
    load_complaint,
    present,
    record_findings,
    register_complaint,
)
from services.quality.domain.complaints import (
    CauseCategory,
    ComplaintClosed,
    ComplaintError,
    ComplaintIncomplete,
    ComplaintStatus,
)
from services.quality.models import (
    ComplaintCreate,
    ComplaintPublic,
    ComplaintUpdate,
    QualityComplaint,
)
from shared.app import SessionDep
from shared.auth import Principal, require_role
from shared.errors import Problem
from shared.idempotency import IdempotencyKey, fingerprint, idempotent_write
from shared.pagination import Cursor, Limit, Page

router = APIRouter(prefix="/v1", tags=["quality"])

ComplaintId = Annotated[str, Path(min_length=1, max_length=36)]
Registrars = Annotated[Principal, Depends(require_role("quality", "depot"))]
QualityStaff = Annotated[Principal, Depends(require_role("quality"))]
Text = Annotated[str | None, Query(min_length=1, max_length=100)]


def _own_depot(principal: Principal, depot_id: str) -> None:
    if principal.role == "depot" and depot_id != principal.depot_id:
        raise Problem(403, "Forbidden", "A depot registers and reads its own complaints only.")


async def _visible(
    session: SessionDep, complaint_id: str, principal: Principal, lock: bool = False
) -> QualityComplaint:
    complaint = await load_complaint(session, complaint_id, lock=lock)
    # A depot must not learn that another depot's complaint exists: 404, not 403.
    if complaint is None or (
        principal.role == "depot" and complaint.depot_id != principal.depot_id
    ):
        raise Problem(404, "Not found", "No such complaint.")
    return complaint


def _invalid(error: ComplaintError) -> Problem:
    return Problem(422, "Invalid request", error.message,
                   errors=[{"field": error.field, "message": error.message}])


def _closed() -> Problem:
    return Problem(409, "Complaint closed", "A closed complaint stays as it was closed.")


@router.post(
    "/complaints", status_code=201, response_model=ComplaintPublic,
    summary="Register a complaint; it gets the next number of its year (CP-YYYY-NNNN)",
)
async def post_complaint(
    body: ComplaintCreate,
    session: SessionDep,
    principal: Registrars,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    _own_depot(principal, body.depot_id)
    request_hash = fingerprint(body.model_dump(mode="json"))

    async def write() -> tuple[int, dict[str, Any]]:
        try:
            complaint = await register_complaint(session, body, principal.sub)
        except ComplaintError as error:
            raise _invalid(error) from error
        return 201, present(complaint).model_dump(mode="json")

    return await idempotent_write(session, principal, idempotency_key, request_hash, write)


@router.get("/complaints", summary="The complaints register, in registration order")
async def get_complaints(
    session: SessionDep,
    principal: Registrars,
    status: ComplaintStatus | None = None,
    category: CauseCategory | None = None,
    depot_id: Text = None,
    fault_id: Text = None,
    number: Text = None,
    overdue: Annotated[
        bool | None, Query(description="Past the deadline and not closed (or the opposite).")
    ] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[ComplaintPublic]:
    if principal.role == "depot":
        if depot_id not in (None, principal.depot_id):
            raise Problem(403, "Forbidden", "A depot reads its own complaints only.")
        depot_id = principal.depot_id
    filters = {"status": status, "category": category, "depot_id": depot_id,
               "fault_id": fault_id, "number": number, "overdue": overdue}
    rows, next_cursor = await list_complaints(session, filters, limit, cursor)
    return Page[ComplaintPublic](items=[present(c) for c in rows], next_cursor=next_cursor)


@router.get("/complaints/{complaint_id}", summary="One complaint with its status history")
async def get_complaint(
    complaint_id: ComplaintId, session: SessionDep, principal: Registrars
) -> ComplaintPublic:
    return present(await _visible(session, complaint_id, principal))


@router.patch(
    "/complaints/{complaint_id}",
    summary="Record the investigation: root cause, immediate fix, improvement, prevention, "
    "compensation, deadline",
)
async def patch_complaint(
    complaint_id: ComplaintId, body: ComplaintUpdate, session: SessionDep, principal: QualityStaff
) -> ComplaintPublic:
    complaint = await _visible(session, complaint_id, principal, lock=True)
    try:
        record_findings(complaint, body, principal.sub)
    except ComplaintClosed as error:
        raise _closed() from error
    except ComplaintError as error:
        raise _invalid(error) from error
    await session.commit()
    return present(complaint)


@router.post(
    "/complaints/{complaint_id}/close",
    summary="Close a complaint (needs root cause, immediate fix, improvement and prevention)",
)
async def post_close(
    complaint_id: ComplaintId, session: SessionDep, principal: QualityStaff
) -> ComplaintPublic:
    complaint = await _visible(session, complaint_id, principal, lock=True)
    try:
        close_complaint(complaint, principal.sub)
    except ComplaintClosed as error:
        raise _closed() from error
    except ComplaintIncomplete as error:
        raise Problem(
            422, "Complaint incomplete", str(error).capitalize() + ".",
            errors=[{"field": field, "message": "required to close"} for field in error.missing],
        ) from error
    await session.commit()
    return present(complaint)
