"""The comparison table (Markdown) and the checks against the targets."""

import statistics
from collections.abc import Iterable

from .evaluate import percentile
from .runner import SeedResult, Settings

METHODS = ("greedy", "insertion", "ours", "hindsight")
LABELS = {
    "greedy": "(a) greedy nearest/earliest",
    "insertion": "(b) SLA-aware cheapest insertion",
    "ours": "(c) our scheduler",
    "hindsight": "(d) best-known hindsight",
}


def table(settings: Settings, results: list[SeedResult]) -> str:
    methods = [m for m in METHODS if m in results[0].scores]
    lines = [
        f"### {settings.size}, load {settings.load}, seeds {settings.first_seed}–"
        f"{settings.first_seed + settings.seeds - 1}",
        "",
        f"Mean service time {_fmt(statistics.fmean(r.mean_service_min for r in results), 0)} min; "
        f"re-optimisation budget {settings.reoptimise.total_seconds() * 1000:.0f} ms per fault; "
        + (
            f"hindsight budget {settings.hindsight.total_seconds():.0f} s per seed"
            " (¾ to the solver, then ¼ to each of the two polishings)."
            if "hindsight" in methods
            else "hindsight not run."
        ),
        "",
        "| method | SLA % mean (min) | A / B / C % | delay mean / p95 h | slack p5 h | km"
        " | km ÷ hindsight | reassigned per 100 | decision ms p50 / p99 / max"
        " | re-opt ms p50 / p99 / max | violations |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for method in methods:
        scores = [r.scores[method] for r in results]
        ratios = [
            r.scores[method].km / r.scores["hindsight"].km
            for r in results
            if "hindsight" in r.scores and r.scores["hindsight"].km
        ]
        decisions = [ms for s in scores for ms in s.decision_ms]
        reopts = [ms for s in scores for ms in s.reoptimise_ms]
        churn = [s.reassignments_per_100 for s in scores if s.reassignments_per_100 is not None]
        lines.append(
            "| "
            + " | ".join(
                [
                    LABELS[method],
                    f"{_mean(s.sla for s in scores)} ({min(s.sla for s in scores):.1f})",
                    " / ".join(_mean(s.sla_by_class[c] for s in scores) for c in "ABC"),
                    f"{_mean((s.delay_mean_h for s in scores), 2)} / "
                    f"{_mean((s.delay_p95_h for s in scores), 2)}",
                    _mean((s.slack_p5_h for s in scores), 2),
                    _mean((s.km for s in scores), 0),
                    _mean(ratios, 2) if ratios else "—",
                    _mean(churn) if churn else "—",
                    _spread(decisions),
                    _spread(reopts),
                    str(sum(len(s.violations) for s in scores)),
                ]
            )
            + " |"
        )
    lines += ["", *per_seed(results, methods), "", *targets(results)]
    return "\n".join(lines)


def per_seed(results: list[SeedResult], methods: list[str]) -> list[str]:
    lines = [
        "| seed | " + " | ".join(f"SLA % {m}" for m in methods) + " | "
        + " | ".join(f"km {m}" for m in methods) + " | hindsight from |",
        "|---" * (2 * len(methods) + 2) + "|",
    ]
    for r in results:
        lines.append(
            f"| {r.seed} | "
            + " | ".join(f"{r.scores[m].sla:.1f}" for m in methods)
            + " | "
            + " | ".join(f"{r.scores[m].km:.0f}" for m in methods)
            + f" | {r.hindsight_source or '—'} |"
        )
    return lines


def targets(results: list[SeedResult]) -> list[str]:
    """The issue's targets, checked on these seeds (met or missed, by how much)."""
    lines = []
    gaps = [r.scores["ours"].sla - r.scores["greedy"].sla for r in results]
    below = [r.seed for r, gap in zip(results, gaps, strict=True) if gap < 0]
    lines.append(
        f"- SLA ≥ greedy on every seed: {'met' if not below else 'missed on seeds ' + str(below)}"
        f" (worst gap {min(gaps):+.1f} points)"
    )
    if "hindsight" in results[0].scores:
        gaps = [r.scores["ours"].sla - r.scores["hindsight"].sla for r in results]
        short = [r.seed for r, gap in zip(results, gaps, strict=True) if gap < 0]
        lines.append(
            f"- SLA = best-known hindsight on every seed: "
            f"{'met' if not short else 'missed on seeds ' + str(short)}"
            f" (worst gap {min(gaps):+.1f} points)"
        )
        ratios = [r.scores["ours"].km / r.scores["hindsight"].km for r in results]
        lines.append(
            f"- travel ÷ hindsight: mean {statistics.fmean(ratios):.2f}, worst {max(ratios):.2f}"
        )
    lowest = min(r.scores["ours"].sla for r in results)
    lines.append(f"- lowest SLA of our scheduler on a seed: {lowest:.1f} %")
    decisions = [ms for r in results for ms in r.scores["ours"].decision_ms]
    reopts = [ms for r in results for ms in r.scores["ours"].reoptimise_ms]
    lines.append(
        f"- decision p99 {percentile(decisions, 99):.2f} ms;"
        f" re-optimisation max {max(reopts):.0f} ms"
    )
    return lines


def _mean(values: Iterable[float], digits: int = 1) -> str:
    return _fmt(statistics.fmean(values), digits)


def _fmt(value: float, digits: int) -> str:
    return f"{value:.{digits}f}"


def _spread(values: list[float]) -> str:
    if not values:
        return "—"
    return (
        f"{percentile(values, 50):.2f} / {percentile(values, 99):.2f} / {max(values):.1f}"
    )
