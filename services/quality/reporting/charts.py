"""Inline SVG charts for the HTML report: no script, no external resource, every text escaped.

Each chart is `<svg class="chart" id="chart-…">`; its bars are `<rect class="bar …">` and carry
a `<title>` with the exact figure (a browser shows it on hover, no JavaScript needed).
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

CURRENT_COLOUR = "#2b6cb0"
PREVIOUS_COLOUR = "#a0aec0"
CUMULATIVE_COLOUR = "#dd6b20"
TEXT_COLOUR = "#2d3748"
GRID_COLOUR = "#e2e8f0"
LABEL_CHARS = 11
HEIGHT, TOP, BOTTOM, LEFT, RIGHT = 280, 56, 44, 48, 48
GROUP_WIDTH, MIN_WIDTH = 72, 420


@dataclass(frozen=True)
class Series:
    name: str
    css_class: str  # "current" or "previous"
    colour: str
    values: Sequence[float | None]


def axis_top(highest: float) -> float:
    """The top of an axis of four equal steps reaching `highest`, each step 1, 2, 2.5 or 5 ×
    10^k and at least 1: readable ticks, whole numbers for counts."""
    wanted = max(highest / 4, 1.0)
    power = 10 ** math.floor(math.log10(wanted))
    steps = (1, 2, 5, 10) if power == 1 else (1, 2, 2.5, 5, 10)
    return 4 * next(step * power for step in steps if step * power >= wanted)


def _number(value: float) -> str:
    return f"{value:g}" if value == int(value) else f"{value:.1f}"


def _label(text: str) -> str:
    short = text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1] + "…"
    return escape(short)


def _open(chart_id: str, title: str, width: float) -> list[str]:
    return [
        f'<svg class="chart" id="{escape(chart_id)}" xmlns="http://www.w3.org/2000/svg"'
        f' role="img" aria-labelledby="{escape(chart_id)}-title" width="{width:.0f}"'
        f' height="{HEIGHT}" viewBox="0 0 {width:.0f} {HEIGHT}">',
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>',
        f'<text class="chart-title" x="{LEFT}" y="18" font-size="14" font-weight="600"'
        f' fill="{TEXT_COLOUR}">{escape(title)}</text>',
    ]


def _axis(top: float, width: float, unit: str, side: str = "left") -> list[str]:
    """Five ticks from 0 to `top`; the left axis also draws the gridlines."""
    plot = HEIGHT - TOP - BOTTOM
    x, anchor = (LEFT - 6, "end") if side == "left" else (width - RIGHT + 6, "start")
    parts = []
    for i in range(5):
        y = HEIGHT - BOTTOM - plot * i / 4
        if side == "left":
            parts.append(f'<line class="grid" x1="{LEFT}" x2="{width - RIGHT}" y1="{y:.1f}"'
                         f' y2="{y:.1f}" stroke="{GRID_COLOUR}"/>')
        parts.append(f'<text class="tick" x="{x}" y="{y + 4:.1f}" font-size="11"'
                     f' text-anchor="{anchor}" fill="{TEXT_COLOUR}">'
                     f'{_number(top * i / 4)}{escape(unit)}</text>')
    return parts


def _legend(series: Sequence[tuple[str, str]]) -> list[str]:
    """A row of colour keys under the title."""
    parts, x = [], LEFT
    for name, colour in series:
        parts.append(f'<rect class="legend" x="{x}" y="28" width="12" height="12"'
                     f' fill="{colour}"/><text x="{x + 16}" y="38" font-size="11"'
                     f' fill="{TEXT_COLOUR}">{escape(name)}</text>')
        x += 130
    return parts


def _y(value: float, top: float) -> float:
    return HEIGHT - BOTTOM - (HEIGHT - TOP - BOTTOM) * value / top


def grouped_bars(chart_id: str, title: str, categories: Sequence[str],
                 series: Sequence[Series], unit: str = "", top: float | None = None) -> str:
    """Bars per category, one per series side by side (e.g. this period beside the last)."""
    width = max(MIN_WIDTH, LEFT + RIGHT + GROUP_WIDTH * len(categories))
    highest = max((v for s in series for v in s.values if v is not None), default=0.0)
    top = top or axis_top(highest)
    bar = (GROUP_WIDTH - 16) / max(len(series), 1)
    parts = [*_open(chart_id, title, width), *_axis(top, width, unit),
             *_legend([(s.name, s.colour) for s in series])]
    for i, category in enumerate(categories):
        x0 = LEFT + GROUP_WIDTH * i + 8
        for j, s in enumerate(series):
            value = s.values[i]
            shown = "no data" if value is None else f"{_number(value)}{unit}"
            y = _y(value or 0.0, top)
            parts.append(
                f'<rect class="bar {escape(s.css_class)}" x="{x0 + bar * j:.1f}" y="{y:.1f}"'
                f' width="{bar - 2:.1f}" height="{HEIGHT - BOTTOM - y:.1f}" fill="{s.colour}">'
                f'<title>{escape(category)}, {escape(s.name)}: {escape(shown)}</title></rect>'
            )
        parts.append(f'<text class="category" x="{x0 + (GROUP_WIDTH - 16) / 2:.1f}"'
                     f' y="{HEIGHT - BOTTOM + 16}" font-size="11" text-anchor="middle"'
                     f' fill="{TEXT_COLOUR}">{_label(category)}</text>')
    return "\n".join([*parts, "</svg>"])


def pareto(chart_id: str, title: str, codes: Sequence[str], counts: Sequence[int],
           cumulative_percent: Sequence[float]) -> str:
    """Occurrence bars, most first, under the cumulative-share line (right axis, 0–100%)."""
    width = max(MIN_WIDTH, LEFT + RIGHT + GROUP_WIDTH * len(codes))
    top = axis_top(max(counts, default=0))
    parts = [*_open(chart_id, title, width), *_axis(top, width, ""),
             *_axis(100, width, "%", side="right"),
             *_legend([("occurrences", CURRENT_COLOUR), ("cumulative %", CUMULATIVE_COLOUR)])]
    points = []
    for i, (code, count, share) in enumerate(zip(codes, counts, cumulative_percent, strict=True)):
        x0 = LEFT + GROUP_WIDTH * i + 8
        y = _y(count, top)
        parts.append(
            f'<rect class="bar current" x="{x0:.1f}" y="{y:.1f}" width="{GROUP_WIDTH - 16:.1f}"'
            f' height="{HEIGHT - BOTTOM - y:.1f}" fill="{CURRENT_COLOUR}"><title>'
            f'{escape(code)}: {count} ({_number(share)}% cumulative)</title></rect>'
        )
        parts.append(f'<text class="category" x="{x0 + (GROUP_WIDTH - 16) / 2:.1f}"'
                     f' y="{HEIGHT - BOTTOM + 16}" font-size="11" text-anchor="middle"'
                     f' fill="{TEXT_COLOUR}">{_label(code)}</text>')
        points.append((x0 + (GROUP_WIDTH - 16) / 2, _y(share, 100)))
    if points:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        parts.append(f'<polyline class="cumulative" points="{path}" fill="none"'
                     f' stroke="{CUMULATIVE_COLOUR}" stroke-width="2"/>')
        parts += [f'<circle class="cumulative-point" cx="{x:.1f}" cy="{y:.1f}" r="3"'
                  f' fill="{CUMULATIVE_COLOUR}"/>' for x, y in points]
    return "\n".join([*parts, "</svg>"])
