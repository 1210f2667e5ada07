"""Building blocks of the report page: figures, comparison tables and period bar charts.

Cells and tables take HTML; every text from data is escaped by the caller with `html.escape`.
"""

from collections.abc import Sequence
from html import escape

from services.quality.domain.reports import Compared, Count
from services.quality.reporting.charts import (
    CURRENT_COLOUR,
    PREVIOUS_COLOUR,
    Series,
    grouped_bars,
)

COMPARED = ("This period", "Previous", "Change")
# Charts of a breakdown show its largest categories; the tables and the JSON list them all.
CHART_CATEGORIES = 12


def figure(value: float | int | None, unit: str = "") -> str:
    if value is None:
        return "—"
    text = f"{value:,}" if isinstance(value, int) else f"{value:,.2f}".rstrip("0").rstrip(".")
    return f"{text}{escape(unit)}"


def change(compared: Compared, unit: str = "", better: str = "") -> str:
    """The change cell: a difference (a percentage's in points) and, when defined, in percent;
    marked better or worse when `better` says which way is good ("up" or "down")."""
    if compared.change is None:
        return "<td>—</td>"
    absolute = compared.change.absolute
    direction = "up" if absolute > 0 else "down" if absolute < 0 else ""
    verdict = "" if not (better and direction) else "better" if direction == better else "worse"
    sign = "+" if absolute > 0 else ""
    percent = "" if compared.change.percent is None else f" ({compared.change.percent:+.1f}%)"
    points = " pp" if unit == "%" else unit
    return f'<td class="{verdict}">{sign}{figure(absolute, points)}{percent}</td>'


def cells(compared: Compared, unit: str = "", better: str = "") -> str:
    """This period, previous, change: three cells."""
    return (f"<td>{figure(compared.current, unit)}</td>"
            f"<td>{figure(compared.previous, unit)}</td>{change(compared, unit, better)}")


def current(compared: Compared, unit: str = "") -> str:
    """This period's figure alone: one cell."""
    return f"<td>{figure(compared.current, unit)}</td>"


def table(table_id: str, headings: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Headings are plain text; a row is its first cell's HTML content, then whole cells."""
    head = "".join(f"<th>{escape(h)}</th>" for h in headings)
    body = "".join(f"<tr><td>{row[0]}</td>{''.join(row[1:])}</tr>" for row in rows)
    return f'<table id="{table_id}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def count_table(table_id: str, heading: str, counts: Sequence[Count], better: str = "") -> str:
    rows = [[escape(c.key), cells(c.count, better=better)] for c in counts]
    return table(table_id, [heading, *COMPARED], rows)


def period_bars(chart_id: str, title: str, labels: Sequence[str],
                figures: Sequence[Compared], unit: str = "", top: float | None = None) -> str:
    """Bars of this period beside the previous one, per label."""
    return grouped_bars(chart_id, title, labels, [
        Series("this period", "current", CURRENT_COLOUR, [f.current for f in figures]),
        Series("previous period", "previous", PREVIOUS_COLOUR, [f.previous for f in figures]),
    ], unit=unit, top=top)


def count_chart(chart_id: str, title: str, counts: Sequence[Count]) -> str:
    shown = counts[:CHART_CATEGORIES]
    note = (f'<p class="note">The {len(shown)} largest of {len(counts)} shown.</p>'
            if len(counts) > len(shown) else "")
    return period_bars(chart_id, title, [c.key for c in shown], [c.count for c in shown]) + note
