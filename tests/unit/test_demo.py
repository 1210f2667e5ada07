"""`make demo`'s pure parts: the cards its depots write, the rate schedule, the counting and
the display (deploy/local/demo; it runs with deploy/local on the import path, as here)."""

import io
import random
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from services.intake.models import FaultCreate

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "deploy" / "local"))

from demo import api  # noqa: E402
from demo.control_room import observe_fault, readings  # noqa: E402
from demo.depots import cards_due, due_at  # noqa: E402
from demo.display import Run, Screen, render, summary  # noqa: E402
from demo.tally import FaultTrack, Tally, percentile, status_class  # noqa: E402
from demo.world import (  # noqa: E402
    DEPOTS,
    ENGINEERS,
    PART_NUMBERS,
    VEHICLE_NUMBERS,
    fault_card,
    severity_for,
)

NOW = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)


def _cards(count: int, cancel_share: float = 0.05, seed: int = 7) -> list:
    rng = random.Random(seed)
    return [fault_card(rng, NOW, cancel_share) for _ in range(count)]


def _severity(body: dict) -> str:
    if body["can_run"]:
        return "C"
    return "B" if body["repairable_on_site"] else "A"


def test_every_card_is_one_intake_accepts() -> None:
    for card in _cards(300):
        parsed = FaultCreate.model_validate(card.body)
        assert parsed.depot_id == card.depot_id


def test_cards_come_from_demo_depots_with_vehicles_and_parts_from_the_demo_data() -> None:
    cards = _cards(500)
    assert {card.depot_id for card in cards} == set(DEPOTS)
    assert {card.body["vehicle_number"] for card in cards} <= set(VEHICLE_NUMBERS)
    named = {p["part_number"] for card in cards for p in card.body.get("suspected_parts", [])}
    assert named == set(PART_NUMBERS)
    assert len({card.body["external_id"] for card in cards}) == 500


def test_each_card_asks_for_a_skill_an_engineer_of_its_depot_is_certified_for() -> None:
    skills_by_depot: dict[str, set[str]] = {}
    for engineer in ENGINEERS:
        skills_by_depot.setdefault(engineer.depot_id, set()).update(engineer.skills)
    for card in _cards(500):
        assert card.body.get("system", "general") in skills_by_depot[card.depot_id]


def test_the_severity_mix_is_a_tenth_class_a_and_half_class_c() -> None:
    counts = Counter(_severity(card.body) for card in _cards(4000))
    assert counts["A"] / 4000 == pytest.approx(0.10, abs=0.02)
    assert counts["B"] / 4000 == pytest.approx(0.40, abs=0.03)
    assert counts["C"] / 4000 == pytest.approx(0.50, abs=0.03)


def test_severity_draws_fall_into_the_classes_in_order() -> None:
    assert [severity_for(d) for d in (0.0, 0.09, 0.1, 0.49, 0.5, 0.999)] == [
        "A", "A", "B", "B", "C", "C"]


def test_about_the_cancel_share_of_cards_is_withdrawn_a_few_seconds_later() -> None:
    delays = [card.cancel_after for card in _cards(4000, cancel_share=0.1)]
    withdrawn = [d for d in delays if d is not None]
    assert len(withdrawn) / 4000 == pytest.approx(0.1, abs=0.02)
    assert all(2.0 <= d <= 10.0 for d in withdrawn)
    assert all(card.cancel_after is None for card in _cards(500, cancel_share=0.0))


def test_the_same_seed_writes_the_same_cards() -> None:
    assert [c.body for c in _cards(50, seed=3)] == [c.body for c in _cards(50, seed=3)]


def test_the_schedule_asks_for_rate_cards_a_second_without_drift() -> None:
    assert cards_due(59.999, 2.0) == 120
    assert cards_due(0.0, 2.0) == 1
    assert cards_due(-1.0, 2.0) == 0
    assert due_at(120, 2.0) == 60.0
    for elapsed in (0.0, 0.3, 1.0, 7.49, 7.5):
        due = [i for i in range(100) if due_at(i, 2.0) <= elapsed]
        assert len(due) == cards_due(elapsed, 2.0)


def test_percentiles_are_nearest_rank() -> None:
    values = [float(v) for v in range(100, 0, -1)]
    assert percentile(values, 50) == 50.0
    assert percentile(values, 95) == 95.0
    assert percentile([0.3], 95) == 0.3
    assert percentile([], 50) is None


def test_answers_are_counted_by_class_with_304_apart() -> None:
    assert [status_class(c) for c in (200, 201, 304, 404, 409, 503)] == [
        "2xx", "2xx", "304", "4xx", "4xx", "5xx"]


def _track(status: str = "reported", job_status: str | None = None) -> FaultTrack:
    track = FaultTrack("f", "D-BJ", NOW, [], status=status)
    track.job_id = "j" if job_status else None
    track.job_status = job_status
    return track


def test_the_tally_counts_faults_dispatched_and_resolved_by_how_far_they_got() -> None:
    tally = Tally()
    for n, track in enumerate([_track("reported"), _track("parts_reserved"),
                               _track("dispatched"), _track("on_site", "on_site"),
                               _track("resolved", "completed"), _track("closed"),
                               _track("cancelled"), _track("cancelled", "withdrawn")]):
        tally.faults[str(n)] = track
    assert tally.dispatched() == 5  # dispatched, on_site, resolved, closed, and the withdrawn job
    assert tally.resolved() == 2
    assert [t.status for t in tally.open_faults()] == [
        "reported", "parts_reserved", "dispatched", "on_site"]
    assert tally.job_statuses() == Counter(on_site=1, completed=1, withdrawn=1)


def test_a_cancelled_fault_withdraws_its_open_job_but_not_a_completed_one() -> None:
    open_job, done = _track("dispatched", "accepted"), _track("resolved", "completed")
    open_job.moved_to("cancelled")
    done.moved_to("cancelled")
    assert (open_job.job_status, done.job_status) == ("withdrawn", "completed")


def _fault(status: str, met_at: datetime | None, assigned: bool) -> dict:
    return {"id": "f", "status": status,
            "sla": {"respond": {"met_at": met_at.isoformat() if met_at else None}},
            "assignment": {"technician_id": "T-BJ-01"} if assigned else None}


def test_report_to_assigned_runs_from_sending_the_card_to_the_respond_clock_met() -> None:
    track = _track()
    observe_fault(track, _fault("parts_reserved", None, False))
    assert (track.status, track.assigned_after) == ("parts_reserved", None)
    observe_fault(track, _fault("dispatched", NOW + timedelta(milliseconds=250), True))
    assert track.assigned_after == pytest.approx(0.25)
    observe_fault(track, _fault("resolved", NOW + timedelta(seconds=9), True))
    assert (track.status, track.assigned_after) == ("resolved", pytest.approx(0.25))


METRICS = """\
# HELP fleetcare_sla_clocks_total SLA clocks decided
# TYPE fleetcare_sla_clocks_total counter
fleetcare_sla_clocks_total{service="intake",clock="respond",severity="B",outcome="met"} 7.0
fleetcare_sla_clocks_total{service="intake",clock="onsite",severity="C",outcome="met"} 3.0
fleetcare_sla_clocks_total{service="intake",clock="respond",severity="A",outcome="breached"} 1.0
# HELP fleetcare_faults_reported_total faults accepted
# TYPE fleetcare_faults_reported_total counter
fleetcare_faults_reported_total{service="intake",severity="A"} 2.0
fleetcare_faults_reported_total{service="intake",severity="C"} 5.0
"""


def test_metric_readings_sum_the_samples_by_the_label_asked_for() -> None:
    assert readings(METRICS, "fleetcare_sla_clocks_total", "outcome") == {
        "met": 10.0, "breached": 1.0}
    assert readings(METRICS, "fleetcare_faults_reported_total", None) == {"": 7.0}
    assert readings(METRICS, "fleetcare_dispatch_jobs", "status") == {}


def _busy_tally() -> Tally:
    tally = Tally(offered=12, accepted=11, rejected=1)
    tally.faults["a"] = _track("resolved", "completed")
    tally.faults["a"].assigned_after = 0.2
    tally.faults["b"] = _track("dispatched", "accepted")
    tally.faults["b"].assigned_after = 0.6
    tally.http.update({"2xx": 40, "304": 9, "5xx": 2})
    tally.retries = 2
    tally.server.update({"reported": 11, "jobs assigned": 3})
    return tally


def test_the_display_shows_faults_jobs_answers_latency_and_server_metrics() -> None:
    text = "\n".join(render(_busy_tally(), Run(rate=2.0, duration=300.0)))
    assert "2 faults/s" in text and "of 05:00" in text
    assert "posted 12  accepted 11  dispatched 2  resolved 1" in text
    assert "accepted 1  en_route 0  on_site 0  completed 1" in text
    assert "2xx 40  304 9  4xx 0  5xx 2" in text and "retries 2" in text
    assert "p50 0.20 s  p95 0.60 s  (2 faults)" in text
    assert "intake reported 11" in text and "assigned 3" in text


def test_the_summary_lists_where_the_faults_ended() -> None:
    text = "\n".join(summary(_busy_tally()))
    assert "faults now dispatched 1  resolved 1" in text


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_gets_the_lines_redrawn_in_place_and_a_pipe_one_line_each_time() -> None:
    terminal, pipe = _Terminal(), io.StringIO()
    tally, run = _busy_tally(), Run(rate=1.0, duration=None)
    for stream in (terminal, pipe):
        screen = Screen(stream)
        screen.show(tally, run)
        screen.show(tally, run)
    drawn = len(render(tally, run))
    assert terminal.getvalue().count(f"\x1b[{drawn}F") == 1  # the second draw goes back up
    assert pipe.getvalue().count("\n") == 2 and "\x1b" not in pipe.getvalue()


def test_retry_after_is_honoured_and_capped() -> None:
    assert api.retry_after("1", 0.2) == 1.0
    assert api.retry_after(None, 0.2) == 0.2
    assert api.retry_after("soon", 0.2) == 0.2
    assert api.retry_after("600", 0.2) == api.MAX_PAUSE_SECONDS


async def test_transient_answers_are_retried_with_the_same_body_and_counted() -> None:
    bodies: list[bytes] = []

    def answer(request: httpx.Request) -> httpx.Response:
        bodies.append(request.content)
        if len(bodies) == 1:
            raise httpx.ConnectError("refused")
        if len(bodies) == 2:
            return httpx.Response(503, headers={"Retry-After": "0"})
        return httpx.Response(201, json={"id": "f"})

    tally = Tally()
    async with httpx.AsyncClient(transport=httpx.MockTransport(answer),
                                 base_url="http://intake") as http:
        response = await api.send(http, tally, "POST", "/v1/faults", json={"external_id": "x"})
    assert response.status_code == 201
    assert len(set(bodies)) == 1 and len(bodies) == 3
    assert (tally.retries, tally.http["unreachable"], tally.http["5xx"], tally.http["2xx"]) == (
        2, 1, 1, 1)


async def test_a_service_that_stays_away_is_given_up_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(api, "PATIENCE_SECONDS", 0.5)

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused")

    async with httpx.AsyncClient(transport=httpx.MockTransport(refuse),
                                 base_url="http://intake") as http:
        with pytest.raises(api.GaveUp, match="ConnectError"):
            await api.send(http, Tally(), "GET", "/v1/faults")
