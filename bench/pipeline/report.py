"""The run's figures as JSON (bench/results/pipeline.json), Markdown tables and PNG plots."""

import json
import math
from pathlib import Path
from typing import Any

from bench.pipeline.stats import ratio

MB = 1024 * 1024


def clean(value: Any) -> Any:
    """JSON has no infinity or NaN: a missing figure is null."""
    if isinstance(value, float) and (math.isinf(value) or math.isnan(value)):
        return None
    if isinstance(value, dict):
        return {str(k): clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean(v) for v in value]
    return value


def write_json(results: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(clean(results), indent=1, ensure_ascii=False) + "\n")


def _ms(seconds: float | None) -> str:
    if seconds is None or math.isnan(seconds):
        return "—"
    return "∞ (missing)" if math.isinf(seconds) else f"{seconds * 1000:.0f}"


def _pct(share: float) -> str:
    return "—" if math.isnan(share) else f"{share * 100:.0f} %"


def _load(phase: dict[str, Any]) -> str:
    return f"{phase['loadavg_start']:.1f} → {phase['loadavg_end']:.1f}"


def throughput_table(results: dict[str, Any]) -> str:
    ceiling, intake = results["ceiling"], results["intake"]
    kafka = ceiling["kafka_throughput"]["messages_per_second"]
    bare = ceiling["bare_http"]["accepted_per_second"]
    rows: list[tuple[str, float, float | None, dict[str, Any]]] = [
        ("raw aiokafka produce → consume (msg/s)", kafka, None, ceiling),
        ("bare FastAPI + PostgreSQL, one row per request (rows/s)", bare, None, ceiling),
    ]
    for kind in ("single", "batch"):
        if kind in intake:
            phase = intake[kind]
            label = (f"intake {kind} ({phase['connections']} connections"
                     + (f", {phase['batch_size']} per batch" if phase["batch_size"] else "")
                     + ") faults/s accepted")
            rows.append((label, phase["accepted_per_second"], ratio(
                phase["accepted_per_second"], bare), phase))
    best = results["summary"].get("highest_sustained_rate")
    events = results["summary"].get("sustained_events_per_second", math.nan)
    rows.append((f"pipeline events/s at the highest sustained saga rate ({best}/s)", events,
                 ratio(events, kafka), {}))
    lines = ["| figure | value | ratio to its ceiling | load avg (1 min) start → end |",
             "|---|---|---|---|"]
    for label, value, share, phase in rows:
        shown = _pct(share) if share is not None else "(ceiling)"
        lines.append(f"| {label} | {value:,.0f} | {shown} | "
                     f"{_load(phase) if phase else '—'} |")
    latency = ceiling["kafka_latency"]
    lines.append(f"| raw aiokafka latency at {latency['rate']:.0f} msg/s, p50 / p99 (ms) | "
                 f"{_ms(latency['latency_s']['p50'])} / {_ms(latency['latency_s']['p99'])} | "
                 f"(ceiling) | {_load(ceiling)} |")
    for kind in ("single", "batch"):
        if kind in intake:
            phase = intake[kind]
            lines.append(f"| intake {kind}: accepted faults dispatched | {phase['dispatched']:,}"
                         f" of {phase['accepted']:,} after {phase['drain_seconds']:.0f} s of "
                         f"drain | — | — |")
    return "\n".join(lines)


def saga_table(results: dict[str, Any]) -> str:
    kafka = results["ceiling"]["kafka_throughput"]["messages_per_second"]
    lines = ["| offered/s | accepted/s | assigned/s in window "
             "| → assigned p50 / p95 / p99 / max ms | → reserved p50 / p99 ms | missing "
             "| dispatch lag start → end | sustained | events/s (÷ raw aiokafka) | load avg |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for run in results["saga"]:
        a, r = run["assigned_latency_s"], run["reserved_latency_s"]
        lines.append(
            f"| {run['offered_per_second']:g} | {run['accepted_per_second']:.1f} | "
            f"{run['assigned_per_second_in_window']:.1f} | {_ms(a['p50'])} / {_ms(a['p95'])} / "
            f"{_ms(a['p99'])} / {_ms(a['max'])} | {_ms(r['p50'])} / {_ms(r['p99'])} | "
            f"{run['missing_assigned']} | {run['dispatch_lag_start']} → "
            f"{run['dispatch_lag_end']} | {'yes' if run['sustained'] else 'no'} | "
            f"{run['fleetcare_events_per_second']:.0f} "
            f"({_pct(ratio(run['fleetcare_events_per_second'], kafka))}) | {_load(run)} |")
    return "\n".join(lines)


def memory_table(results: dict[str, Any]) -> str:
    memory = results["memory"]
    names = list(memory["idle"])
    lines = ["| process | idle MB | peak MB under load (phase) |", "|---|---|---|"]
    for name in names:
        peak, phase = max(((p.get(name, 0), label) for label, p in memory["peak"].items()),
                          default=(0, "—"))
        lines.append(f"| {name} | {memory['idle'][name] / MB:.0f} | {peak / MB:.0f} ({phase}) |")
    return "\n".join(lines)


def cpu_table(results: dict[str, Any]) -> str:
    """Cores each process used on average in each phase (2 = the whole machine)."""
    phases = [("ceiling", results["ceiling"])]
    phases += [(f"intake-{k}", v) for k, v in results["intake"].items()]
    phases += [(f"saga-{r['offered_per_second']:g}", r) for r in results["saga"]]
    names = sorted({name for _, phase in phases for name in phase["cpu_cores"]})
    lines = ["| phase | " + " | ".join(names) + " |", "|---" * (len(names) + 1) + "|"]
    for label, phase in phases:
        lines.append(f"| {label} | " + " | ".join(
            f"{phase['cpu_cores'].get(n, 0):.2f}" for n in names) + " |")
    return "\n".join(lines)


def markdown(results: dict[str, Any]) -> str:
    return "\n\n".join([throughput_table(results), saga_table(results), memory_table(results),
                        cpu_table(results)])


def _finite_ms(seconds: float | None) -> float:
    """A p99 that is a missing answer (infinite, or null once in JSON) is left off the curve."""
    return seconds * 1000 if seconds is not None and math.isfinite(seconds) else math.nan


def plots(results: dict[str, Any], img_dir: Path) -> list[Path]:
    """The latency distribution per offered rate and the throughput-vs-offered-rate curve."""
    import matplotlib

    matplotlib.use("Agg")  # files only, no display
    import matplotlib.pyplot as plt

    img_dir.mkdir(parents=True, exist_ok=True)
    figure, axes = plt.subplots(figsize=(8, 4.5))
    for run in results["saga"]:
        for event, style in (("dispatch.assigned", "-"), ("parts.reserved", ":")):
            values = sorted(run["latencies_ms"][event])
            if values:
                # Missing answers stay in the denominator: the curve ends below 1.
                total = run["accepted"] or len(values)
                axes.plot(values, [(i + 1) / total for i in range(len(values))], style,
                          label=f"{run['offered_per_second']:g}/s → {event.split('.')[1]}")
    axes.set_xscale("log")
    axes.set_xlabel("latency from the scheduled POST (ms, log scale)")
    axes.set_ylabel("share of accepted faults")
    axes.set_title("Saga latency by offered rate (CDF)")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend(fontsize=7, ncol=2)
    latency_png = img_dir / "pipeline-saga-latency.png"
    figure.tight_layout()
    figure.savefig(latency_png, dpi=110)
    plt.close(figure)

    figure, axes = plt.subplots(figsize=(8, 4.5))
    offered = [run["offered_per_second"] for run in results["saga"]]
    axes.plot(offered, offered, "k--", alpha=0.4, label="offered")
    axes.plot(offered, [r["accepted_per_second"] for r in results["saga"]], "o-",
              label="accepted by intake (201/s)")
    axes.plot(offered, [r["assigned_per_second_in_window"] for r in results["saga"]], "s-",
              label="dispatch.assigned/s within the window")
    axes.set_xscale("log")
    axes.set_xlabel("offered faults/s (open loop, log scale)")
    axes.set_ylabel("faults/s")
    p99 = axes.twinx()
    p99.plot(offered, [_finite_ms(r["assigned_latency_s"]["p99"]) for r in results["saga"]],
             "r^:", label="→ assigned p99 (ms)")
    p99.set_yscale("log")
    p99.set_ylabel("p99 ms (log)")
    axes.set_title("Throughput vs offered rate")
    axes.grid(True, alpha=0.3)
    axes.legend(loc="upper left", fontsize=8)
    p99.legend(loc="lower right", fontsize=8)
    throughput_png = img_dir / "pipeline-throughput.png"
    figure.tight_layout()
    figure.savefig(throughput_png, dpi=110)
    plt.close(figure)
    return [latency_png, throughput_png]
