"""The pipeline benchmark's pure figures: percentiles, the open-loop schedule, ratios to the
ceiling, the sustained-rate rule, profile summaries and the HTTP answer head."""

import math

from bench.pipeline.closed_loop import accepted_by
from bench.pipeline.http import build_request, parse_head
from bench.pipeline.report import clean
from bench.pipeline.stats import (
    INF,
    highest_sustained,
    percentile,
    profile_summary,
    ratio,
    schedule,
    summary,
    sustained,
    thirds,
)


def test_percentiles_are_real_samples_by_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == 50.0
    assert percentile(values, 99) == 99.0
    assert percentile(values, 100) == 100.0
    assert percentile([7.0], 99) == 7.0


def test_a_missing_answer_counts_as_slower_than_every_answer() -> None:
    values = [0.01] * 98 + [INF, INF]
    assert percentile(values, 98) == 0.01
    assert math.isinf(percentile(values, 99))
    assert math.isinf(summary(values)["max"])


def test_no_samples_give_no_percentile() -> None:
    assert math.isnan(percentile([], 50))


def test_the_open_loop_schedule_is_fixed_in_advance_at_the_offered_rate() -> None:
    plan = schedule(200, 2)
    assert len(plan) == 400
    assert plan[:3] == [0.0, 0.005, 0.01]
    assert all(math.isclose(b - a, 1 / 200) for a, b in zip(plan, plan[1:], strict=False))


def test_a_rate_or_duration_of_zero_schedules_nothing() -> None:
    assert schedule(0, 60) == [] and schedule(10, 0) == []


def test_a_figure_is_a_share_of_its_ceiling() -> None:
    assert ratio(250.0, 1000.0) == 0.25
    assert math.isnan(ratio(250.0, 0.0))
    assert math.isnan(ratio(math.nan, 1000.0))


def test_the_thirds_compare_the_first_and_last_arrivals() -> None:
    first, last = thirds([0.01, 0.01, 0.01, 0.5, 0.5, 0.5, 2.0, 2.0, 2.0])
    assert (first, last) == (0.01, 2.0)
    assert all(math.isnan(v) for v in thirds([0.1, 0.2]))


def test_a_rate_is_sustained_when_lag_and_latency_stay_flat() -> None:
    assert sustained(100, lag_start=0, lag_end=40, first_p50=0.06, last_p50=0.08, missing=0)


def test_a_growing_lag_a_drifting_latency_or_a_lost_fault_is_not_sustained() -> None:
    assert not sustained(100, 0, 500, 0.06, 0.08, 0)
    assert not sustained(100, 0, 10, 0.06, 0.5, 0)
    assert not sustained(100, 0, 10, 0.06, 0.08, missing=1)


def test_the_highest_sustained_rate_stops_at_the_first_rate_that_failed() -> None:
    assert highest_sustained([(10, True), (25, True), (50, False), (100, True)]) == 25
    assert highest_sustained([(10, False)]) is None
    assert highest_sustained([(50, True), (10, True)]) == 50


def test_a_profile_summary_ranks_busy_leaf_and_inclusive_time_per_function() -> None:
    lines = [
        "<module> (app.py:1);handle (api.py:10);insert (db.py:5) 60\n",
        "<module> (app.py:1);handle (api.py:12);dumps (json.py:3) 30\n",
        "<module> (app.py:1);tick (loop.py:9) 10\n",
        "<module> (app.py:1);run (loop.py:2);EpollSelector.select (selectors.py:468) 100\n",
        "garbage line\n",
    ]
    found = profile_summary(lines)
    assert found["self"][0] == ("insert (db.py)", 0.6)
    assert dict(found["total"])["handle (api.py)"] == 0.9
    assert dict(found["total"])["<module> (app.py)"] == 1.0
    assert found["busy"] == 0.5


def test_an_empty_profile_summarises_to_nothing() -> None:
    assert profile_summary([]) == {"self": [], "total": [], "busy": 0.0}


def test_an_answer_head_gives_status_length_and_keep_alive() -> None:
    head = b"HTTP/1.1 201 Created\r\ncontent-length: 42\r\ncontent-type: application/json\r\n\r\n"
    assert parse_head(head) == (201, 42, True)
    closing = b"HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
    assert parse_head(closing) == (503, 0, False)


def test_a_built_request_carries_its_json_body_and_length() -> None:
    request = build_request(8001, "POST", "/v1/faults", {"description": "制动不缓解"}, "t0k")
    head, _, body = request.partition(b"\r\n\r\n")
    assert head.startswith(b"POST /v1/faults HTTP/1.1\r\n")
    assert b"Authorization: Bearer t0k" in head
    assert f"Content-Length: {len(body)}".encode() in head
    assert body.decode() == '{"description": "制动不缓解"}'


def test_a_batch_counts_the_faults_it_created_and_a_single_post_its_201() -> None:
    assert accepted_by(207, b'{"results": [], "created": 248, "failed": 2}', batch=True) == 248
    assert accepted_by(429, b"{}", batch=True) == 0
    assert accepted_by(201, b"{}", batch=False) == 1
    assert accepted_by(200, b"{}", batch=False) == 0


def test_json_results_carry_no_infinity_or_nan() -> None:
    assert clean({"p99": INF, "runs": [1.5, math.nan]}) == {"p99": None, "runs": [1.5, None]}
