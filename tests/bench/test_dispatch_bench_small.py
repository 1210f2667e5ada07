"""The small dispatch benchmark runs and produces an honest table (targets are reported in
docs/performance.md, not asserted here). Budget: three seeds, two workers, 3 s of hindsight
search per seed — about 15 s on a 2-core machine."""

from datetime import timedelta

import pytest

from bench.dispatch.report import LABELS, table
from bench.dispatch.runner import SeedResult, Settings, run

SETTINGS = Settings(size="small", seeds=3, hindsight=timedelta(seconds=3), workers=2)


@pytest.fixture(scope="module")
def results() -> list[SeedResult]:
    return run(SETTINGS)


def test_every_method_is_scored_on_every_seed(results: list[SeedResult]) -> None:
    assert len(results) == 3
    for result in results:
        assert set(result.scores) == {"greedy", "insertion", "ours", "hindsight"}


def test_no_method_breaks_a_hard_rule(results: list[SeedResult]) -> None:
    for result in results:
        for score in result.scores.values():
            assert score.violations == [], (result.scenario, score.method)


def test_figures_are_within_their_ranges(results: list[SeedResult]) -> None:
    for result in results:
        for score in result.scores.values():
            assert 0.0 <= score.sla <= 100.0
            assert all(0.0 <= share <= 100.0 for share in score.sla_by_class.values())
            assert score.km > 0
            assert score.unserved == 0
        ours = result.scores["ours"]
        assert len(ours.decision_ms) == 50 and len(ours.reoptimise_ms) == 50


def test_the_hindsight_plan_is_at_least_as_good_as_the_online_plan_it_started_from(
    results: list[SeedResult],
) -> None:
    for result in results:
        hindsight = result.scores["hindsight"]
        assert hindsight.sla >= max(s.sla for s in result.scores.values()) - 1e-9


def test_the_table_lists_every_method_and_the_target_checks(results: list[SeedResult]) -> None:
    text = table(SETTINGS, results)
    for label in LABELS.values():
        assert label in text
    assert "SLA ≥ greedy on every seed" in text
    assert "travel ÷ hindsight" in text
