import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.quality.api.reports import wants_html
from services.quality.domain.feedback import ClaimFacts, ComplaintFacts, SurveyFacts
from services.quality.domain.periods import Period, report_windows
from services.quality.domain.records import ClockOutcome
from services.quality.domain.reliability import VehicleSighting
from services.quality.domain.reports import FaultFacts
from services.quality.reporting.charts import axis_top
from services.quality.reporting.page import render
from services.quality.reports import Report, Rows, assemble

NOW = datetime(2026, 11, 27, 9, tzinfo=UTC)
HOSTILE = '<script>alert("x")</script>'


def fault(day: int, month: int = 11, **fields: Any) -> FaultFacts:
    base = FaultFacts(
        reported_at=datetime(2026, month, day, tzinfo=UTC), severity="B", system="brake",
        depot_id="D-BJ", vehicle_model="C70", vehicle_number="C70-1", fault_code="BRK-101",
        repair_hours=6.0, cancelled=False,
        sla={"respond": ClockOutcome.MET, "onsite": ClockOutcome.MET,
             "resolve": ClockOutcome.BREACHED},
    )
    return replace(base, **fields)


def report(faults: list[FaultFacts], claims: list[ClaimFacts] | None = None) -> Report:
    sightings = [VehicleSighting("C70", "C70-1", NOW - timedelta(days=90))]
    rows = Rows(faults, sightings, claims or [], [SurveyFacts(NOW, 95.0, "extremely_satisfied")],
                [ComplaintFacts(NOW, None, None, "quality")])
    return assemble(Period.MONTHLY, report_windows(Period.MONTHLY, NOW), rows, NOW)


SAMPLE = report([fault(3), fault(4, severity="A", fault_code="BOG-201"),
                 fault(5, system=HOSTILE, fault_code=HOSTILE, depot_id=HOSTILE),
                 fault(8, month=10, severity="C")],
                [ClaimFacts(HOSTILE, "raised", 1200.0, NOW)])


def test_the_page_has_the_charts_with_their_bars() -> None:
    html = render(SAMPLE)
    for chart in ("chart-severity", "chart-system", "chart-sla", "chart-pareto",
                  "chart-satisfaction"):
        assert f'<svg class="chart" id="{chart}"' in html
    severity = html.split('id="chart-severity"')[1].split("</svg>")[0]
    # A, B and C, each this period beside the previous one.
    assert severity.count('class="bar current"') == 3
    assert severity.count('class="bar previous"') == 3
    pareto = html.split('id="chart-pareto"')[1].split("</svg>")[0]
    assert pareto.count('class="bar current"') == 3
    assert 'class="cumulative"' in pareto


def test_text_from_the_data_is_escaped_everywhere() -> None:
    html = render(SAMPLE)
    assert "<script" not in html
    assert "&lt;script&gt;" in html


def test_the_page_needs_nothing_from_outside() -> None:
    html = render(SAMPLE)
    assert not re.search(r"\b(src|href)\s*=|url\(|@import|<link|<img|<iframe", html)
    # The one URL is the SVG namespace, an identifier that is never fetched.
    assert set(re.findall(r"https?://[^\"' ]+", html)) == {"http://www.w3.org/2000/svg"}


def test_the_page_names_the_periods_as_inclusive_dates() -> None:
    html = render(SAMPLE)
    assert "2026-11-01 to 2026-11-30" in html and "2026-10-01 to 2026-10-31" in html


def test_an_empty_period_still_renders_every_section() -> None:
    html = render(report([]))
    for table in ("table-mtbf", "table-claims-status", "table-satisfaction", "table-complaints"):
        assert f'id="{table}"' in html


@pytest.mark.parametrize(("accept", "html"), [
    ("", False),
    ("application/json", False),
    ("*/*", False),
    ("text/html", True),
    ("TEXT/HTML", True),
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", True),
    ("application/json, text/html;q=0.5", False),
    ("text/html;q=0.5, application/json;q=0.4", True),
    ("text/*", True),
    ("text/html;q=0", False),
    ("text/html;q=nonsense", False),
])
def test_html_is_served_only_when_preferred_to_json(accept: str, html: bool) -> None:
    assert wants_html(accept) is html


@pytest.mark.parametrize(("highest", "top"), [(0, 4), (3, 4), (5, 8), (67, 80), (100, 100),
                                              (143, 200)])
def test_an_axis_reaches_the_highest_bar_in_four_round_steps(highest: float, top: float) -> None:
    assert axis_top(highest) == top
