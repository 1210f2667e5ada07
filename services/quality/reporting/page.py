"""The periodic report as one self-contained HTML page: inline CSS and SVG, no script, no URL.

Every text that comes from data (system names, depots, fault codes) is escaped.
"""

from datetime import time, timedelta
from html import escape

from services.quality.reporting import feedback
from services.quality.reporting.blocks import (
    COMPARED,
    cells,
    count_chart,
    count_table,
    current,
    figure,
    period_bars,
    table,
)
from services.quality.reporting.charts import pareto
from services.quality.reports import Report, Span

STYLE = """
body { font-family: system-ui, sans-serif; color: #2d3748; margin: 24px; max-width: 1120px; }
h1 { font-size: 22px; margin-bottom: 4px; } h2 { font-size: 17px; margin-top: 32px; }
p.meta, p.note { color: #4a5568; font-size: 13px; }
table { border-collapse: collapse; margin: 8px 0 16px; font-size: 13px; }
th, td { border-bottom: 1px solid #e2e8f0; padding: 4px 10px; text-align: right; }
th:first-child, td:first-child { text-align: left; }
td.worse { color: #c53030; } td.better { color: #2f855a; }
svg.chart { display: block; margin: 8px 0 16px; }
"""


def _span(span: Span) -> str:
    """Midnight-to-midnight windows read as inclusive dates; others as exact times."""
    if span.start.time() == time() and span.end.time() == time():
        return f"{span.start:%Y-%m-%d} to {span.end - timedelta(days=1):%Y-%m-%d}"
    return f"{span.start:%Y-%m-%d %H:%M} to {span.end:%Y-%m-%d %H:%M} (end excluded)"


def _faults(report: Report) -> str:
    f = report.faults
    return "".join([
        "<h2>Faults</h2>",
        table("table-faults", ["Faults", *COMPARED], [
            ["Reported (not cancelled)", cells(f.total, better="down")],
            ["Cancelled", cells(f.cancelled)],
        ]),
        count_chart("chart-severity", "Faults by severity", f.by_severity),
        count_chart("chart-system", "Faults by system", f.by_system),
        count_table("table-depot", "Depot", f.by_depot, better="down"),
        count_table("table-vehicle-model", "Vehicle model", f.by_vehicle_model, better="down"),
    ])


def _sla(report: Report) -> str:
    clocks = report.sla
    rows = [[escape(c.clock), current(c.met), current(c.breached), current(c.open),
             cells(c.compliance_percent, "%", better="up")] for c in clocks]
    return "".join([
        "<h2>SLA compliance</h2>",
        '<p class="note">Compliance = met / (met + breached); clocks still open are not'
        " counted.</p>",
        period_bars("chart-sla", "SLA compliance per clock", [c.clock for c in clocks],
                    [c.compliance_percent for c in clocks], unit="%", top=100),
        table("table-sla", ["Clock", "Met", "Breached", "Open", "Compliance", "Previous",
                            "Change"], rows),
    ])


def _reliability(report: Report) -> str:
    m, b = report.mttr, report.mtbf
    mttr_rows = [[escape(t.key), current(t.repairs), cells(t.mean_hours, " h", better="down")]
                 for t in (m.overall, *m.by_severity)]
    mtbf_rows = [[escape(model.vehicle_model), current(model.vehicles), current(model.failures),
                  cells(model.mtbf_hours, " h", better="up")] for model in b.models]
    return "".join([
        "<h2>MTTR: mean hours from report to repair completed</h2>",
        table("table-mttr", ["Severity", "Repairs", "MTTR", "Previous", "Change"], mttr_rows),
        "<h2>MTBF per vehicle model</h2>",
        f'<p class="note">Method: {escape(b.method)}. {escape(b.formula)}. Quality knows no'
        " running hours, so every vehicle counts as in service for the whole period; vehicles"
        " that never reported a fault are not known to quality and not counted.</p>",
        table("table-mtbf", ["Vehicle model", "Vehicles", "Failures", "MTBF", "Previous",
                             "Change"], mtbf_rows),
    ])


def _defects(report: Report) -> str:
    p = report.recurring_defects
    rows = [[escape(i.fault_code), cells(i.occurrences, better="down"),
             f"<td>{i.vehicles}</td><td>{figure(i.share_percent, '%')}</td>"
             f"<td>{figure(i.cumulative_percent, '%')}</td>"] for i in p.items]
    return "".join([
        "<h2>Top recurring defects (Pareto)</h2>",
        pareto("chart-pareto", "Fault codes by occurrences", [i.fault_code for i in p.items],
               [int(i.occurrences.current or 0) for i in p.items],
               [i.cumulative_percent for i in p.items]),
        table("table-pareto", ["Fault code", *COMPARED, "Vehicles", "Share", "Cumulative"],
              rows),
        table("table-coded", ["Faults", *COMPARED], [
            ["With a fault code", cells(p.coded_faults)],
            ["Without a fault code", cells(p.uncoded_faults)],
        ]),
    ])


def render(report: Report) -> str:
    """The report as an HTML document."""
    title = f"FleetCare quality report ({report.period.value})"
    return "".join([
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
        f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>",
        f"<h1>{escape(title)}</h1>",
        f'<p class="meta">{escape(_span(report.current))} (UTC), compared with'
        f" {escape(_span(report.previous))}. Faults counted by when they were reported."
        f" Generated {report.generated_at:%Y-%m-%d %H:%M} UTC.</p>",
        _faults(report), _sla(report), _reliability(report), _defects(report),
        feedback.claims(report), feedback.satisfaction(report), feedback.complaints(report),
        "</body></html>",
    ])
