"""Quality HTTP routes: periodic reports, as JSON or, for `Accept: text/html`, an HTML page."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import HTMLResponse
from pydantic import AwareDatetime

from services.quality.domain.periods import Period, PeriodError, as_utc, report_windows
from services.quality.reporting.page import render
from services.quality.reports import Report, build_report
from shared.app import SessionDep
from shared.auth import Principal, require_role
from shared.errors import Problem
from shared.events import utcnow

router = APIRouter(prefix="/v1", tags=["quality"])

Readers = Annotated[Principal, Depends(require_role("quality", "dispatcher"))]
When = AwareDatetime | date

# The page is self-contained: nothing may be fetched, run or framed.
HTML_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none';"
        " form-action 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Vary": "Accept",
}


def _media_ranges(accept: str) -> list[tuple[str, float]]:
    """`(media range, q)` pairs of an Accept header; a malformed q counts as 0."""
    ranges = []
    for item in accept.split(","):
        media, *params = (part.strip() for part in item.split(";"))
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        ranges.append((media.lower(), q if 0.0 <= q <= 1.0 else 0.0))
    return ranges


def _quality(ranges: list[tuple[str, float]], target: str) -> float:
    """q of the most specific range covering `target` (RFC 9110 §12.5.1); 0 when none does."""
    specificity = {target: 3, target.split("/")[0] + "/*": 2, "*/*": 1}
    covering = [(specificity[media], q) for media, q in ranges if media in specificity]
    return max(covering)[1] if covering else 0.0


def wants_html(accept: str) -> bool:
    """Whether the client prefers text/html to application/json (JSON on a tie, and without an
    Accept header)."""
    ranges = _media_ranges(accept)
    return _quality(ranges, "text/html") > _quality(ranges, "application/json")


@router.get(
    "/reports/{period}",
    summary="Periodic quality report (JSON, or HTML with charts for Accept: text/html)",
    response_model=Report,
    responses={200: {"content": {"text/html": {"schema": {"type": "string"}}}}},
)
async def get_report(
    period: Period,
    request: Request,
    response: Response,
    session: SessionDep,
    _: Readers,
    from_: Annotated[When | None, Query(
        alias="from",
        description="A day or time inside the period to report (default: now); the report"
                    " starts at that period's start (weeks on Monday 00:00 UTC).",
    )] = None,
    to: Annotated[When | None, Query(
        description="Overrides where the report ends (excluded); the comparison is then the"
                    " same length before it.",
    )] = None,
) -> Response | Report:
    now = utcnow()
    try:
        windows = report_windows(
            period, now,
            as_utc(from_, "from") if from_ is not None else None,
            as_utc(to, "to") if to is not None else None,
        )
    except PeriodError as error:
        raise Problem(422, "Invalid request", f"{error.field} {error.message}.",
                      errors=[{"field": error.field, "message": error.message}]) from error
    report = await build_report(session, period, windows, now)
    if wants_html(request.headers.get("accept", "")):
        return HTMLResponse(render(report), headers=HTML_HEADERS)
    response.headers["Vary"] = "Accept"
    return report
