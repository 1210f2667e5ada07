"""The report page's sections on claims, customer satisfaction and complaints."""

from collections.abc import Sequence
from html import escape

from services.quality.domain.feedback import ClaimGroup
from services.quality.reporting.blocks import COMPARED, cells, count_chart, count_table, table
from services.quality.reports import Report

CLAIM_HEADINGS = ("Claims", "Previous", "Change", "Amount claimed", "Previous", "Change")


def _claim_rows(groups: Sequence[ClaimGroup]) -> list[list[str]]:
    return [[escape(g.key), cells(g.claims), cells(g.amount)] for g in groups]


def claims(report: Report) -> str:
    c = report.claims
    return "".join([
        "<h2>Claims against suppliers</h2>",
        '<p class="note">Claims raised in the period, by their status now.</p>',
        table("table-claims-status", ["Status", *CLAIM_HEADINGS],
              _claim_rows([c.total, *c.by_status])),
        table("table-claims-supplier", ["Supplier", *CLAIM_HEADINGS],
              _claim_rows(c.by_supplier)),
    ])


def satisfaction(report: Report) -> str:
    s = report.satisfaction
    return "".join([
        "<h2>Customer satisfaction</h2>",
        '<p class="note">Survey responses given in the period, scored 1–100 with the AHP'
        " weights in force; satisfied = not in the dissatisfied band (score 50 or less).</p>",
        table("table-satisfaction", ["Responses", *COMPARED], [
            ["Responses", cells(s.responses)],
            ["Mean score", cells(s.mean_score, better="up")],
            ["Satisfied", cells(s.satisfied_percent, "%", better="up")],
        ]),
        count_chart("chart-satisfaction", "Responses by band", s.bands),
        count_table("table-satisfaction-bands", "Band", s.bands),
    ])


def complaints(report: Report) -> str:
    c = report.complaints
    return "".join([
        "<h2>Complaints</h2>",
        '<p class="note">Received and closed in the period; overdue: open past the deadline'
        " at the period's end (or now, if earlier).</p>",
        table("table-complaints", ["Complaints", *COMPARED], [
            ["Received", cells(c.received, better="down")],
            ["Closed", cells(c.closed)],
            ["Overdue", cells(c.overdue, better="down")],
        ]),
        count_table("table-complaints-category", "Cause", c.by_category, better="down"),
    ])
