"""The control room's view: the demo's faults as intake reports them (status, when an engineer
was assigned) and a few readings of the services' own /metrics, to show them moving."""

import asyncio
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

from demo.api import Endpoints, GaveUp, send
from demo.tally import FaultTrack, Tally

WATCH_INTERVAL_SECONDS = 2.0
METRICS_INTERVAL_SECONDS = 5.0
PAGE = 500
MAX_PAGES = 6  # per look: a backlog larger than 3,000 open faults is followed at its head
# (service, sample name, label to group by, what the display calls it)
READINGS = (
    ("intake", "fleetcare_faults_reported_total", None, "reported"),
    ("intake", "fleetcare_sla_clocks_total", "outcome", "sla"),
    ("dispatch", "fleetcare_dispatch_jobs", "status", "jobs"),
    ("parts", "fleetcare_reservations_total", "outcome", "lines"),
)


def observe_fault(track: FaultTrack, fault: dict[str, Any]) -> None:
    """Take intake's view of the fault: its status, and how long after the card was sent the
    assignment came (the respond clock is met by `dispatch.assigned`)."""
    track.moved_to(fault["status"])
    met_at = fault["sla"]["respond"].get("met_at")
    if track.assigned_after is None and fault.get("assignment") and met_at:
        waited = datetime.fromisoformat(met_at) - track.sent_at
        track.assigned_after = max(0.0, waited.total_seconds())


def readings(text: str, name: str, label: str | None) -> dict[str, float]:
    """The samples of one metric in Prometheus text, summed over every label but `label`
    (keyed by its value; by "" when `label` is None)."""
    totals: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name:
                key = sample.labels.get(label, "") if label else ""
                totals[key] = totals.get(key, 0.0) + sample.value
    return totals


async def follow_faults(desk: httpx.AsyncClient, tally: Tally) -> None:
    while True:
        await look_at_faults(desk, tally)
        await asyncio.sleep(WATCH_INTERVAL_SECONDS)


async def look_at_faults(desk: httpx.AsyncClient, tally: Tally) -> None:
    """One look at every fault still open, reported since the oldest of them was sent."""
    still_open = tally.open_faults()
    if not still_open:
        return
    since = min(track.sent_at for track in still_open) - timedelta(seconds=5)
    params: dict[str, Any] = {"since": since.isoformat(), "limit": PAGE}
    try:
        for _ in range(MAX_PAGES):
            answer = await send(desk, tally, "GET", "/v1/faults", params=params)
            if answer.status_code != 200:
                tally.note(f"fault list: {answer.status_code} {answer.text}")
                return
            page = answer.json()
            _observe(tally, page["items"])
            if not page["next_cursor"]:
                return
            params["cursor"] = page["next_cursor"]
    except GaveUp as exc:
        tally.note(f"control room: {exc}")


def _observe(tally: Tally, faults: Iterable[dict[str, Any]]) -> None:
    for fault in faults:
        track = tally.faults.get(fault["id"])
        if track is not None:
            observe_fault(track, fault)


async def read_metrics(endpoints: Endpoints, tally: Tally) -> None:
    services = sorted({service for service, *_ in READINGS})
    async with httpx.AsyncClient(timeout=5.0) as http:
        while True:
            texts: dict[str, str] = {}
            for service in services:
                try:
                    answer = await http.get(f"{endpoints.url(service)}/metrics")
                except httpx.TransportError:
                    continue
                if answer.status_code == 200:
                    texts[service] = answer.text
            for service, name, label, called in READINGS:
                if service in texts:
                    for key, value in readings(texts[service], name, label).items():
                        tally.server[f"{called} {key}".strip()] = value
            await asyncio.sleep(METRICS_INTERVAL_SECONDS)
