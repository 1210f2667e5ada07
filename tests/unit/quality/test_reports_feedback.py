from datetime import UTC, datetime, timedelta

from services.quality.domain.feedback import (
    ClaimFacts,
    ComplaintFacts,
    SurveyFacts,
    claim_section,
    complaint_section,
    satisfaction_section,
)
from services.quality.domain.periods import Period, report_windows
from services.quality.domain.reports import Change, Compared, compare

NOW = datetime(2026, 11, 27, 9, tzinfo=UTC)
WINDOWS = report_windows(Period.MONTHLY, NOW)  # November, compared with October
NOV = datetime(2026, 11, 10, tzinfo=UTC)
OCT = datetime(2026, 10, 10, tzinfo=UTC)
SEP = datetime(2026, 9, 10, tzinfo=UTC)


def test_claims_raised_are_counted_and_summed_by_status_and_supplier() -> None:
    claims = [ClaimFacts("SUP-BRAKE", "raised", 1000.0, NOV),
              ClaimFacts("SUP-BRAKE", "settled", 500.5, NOV),
              ClaimFacts("SUP-HVAC", "raised", 200.0, NOV),
              ClaimFacts("SUP-BRAKE", "settled", 800.0, OCT),
              ClaimFacts("SUP-BRAKE", "settled", 9999.0, SEP)]
    section = claim_section(claims, WINDOWS)
    assert section.total.claims == compare(3, 1)
    assert section.total.amount == Compared(1700.5, 800.0, Change(900.5, 112.6))
    assert [(g.key, g.claims.current, g.amount.current) for g in section.by_status] == [
        ("raised", 2, 1200.0), ("accepted", 0, 0.0), ("disputed", 0, 0.0),
        ("settled", 1, 500.5)]
    assert [(g.key, g.claims.current, g.amount.previous) for g in section.by_supplier] == [
        ("SUP-BRAKE", 2, 800.0), ("SUP-HVAC", 1, 0.0)]


def test_satisfaction_gives_responses_mean_score_satisfied_share_and_bands() -> None:
    responses = [SurveyFacts(NOV, 95.0, "extremely_satisfied"),
                 SurveyFacts(NOV, 80.0, "very_satisfied"),
                 SurveyFacts(NOV, 60.0, "basically_satisfied"),
                 SurveyFacts(NOV, 45.0, "dissatisfied"),
                 SurveyFacts(OCT, 90.0, "very_satisfied")]
    section = satisfaction_section(responses, WINDOWS)
    assert section.responses == compare(4, 1)
    assert section.mean_score.current == 70.0
    assert section.satisfied_percent == Compared(75.0, 100.0, Change(-25.0, -25.0))
    assert [(b.key, b.count.current) for b in section.bands] == [
        ("extremely_satisfied", 1), ("very_satisfied", 1), ("basically_satisfied", 1),
        ("dissatisfied", 1)]


def test_without_responses_the_scores_are_unknown_not_zero() -> None:
    section = satisfaction_section([], WINDOWS)
    assert section.mean_score == Compared(None, None, None)
    assert section.satisfied_percent.current is None


def test_complaints_are_received_closed_and_overdue_per_window() -> None:
    complaints = [
        ComplaintFacts(NOV, None, None, "quality"),
        ComplaintFacts(NOV, NOV + timedelta(days=2), NOV + timedelta(days=5), "non_quality"),
        # Received in October, closed in November: received last month, closed this one.
        ComplaintFacts(OCT, NOV, OCT + timedelta(days=3), "quality"),
        # Open past its deadline ever since October.
        ComplaintFacts(OCT, None, OCT + timedelta(days=1), "quality"),
    ]
    section = complaint_section(complaints, WINDOWS, NOW)
    assert section.received == compare(2, 2)
    assert section.closed == compare(2, 0)
    # At October's end both October complaints were overdue; now only the one still open.
    assert section.overdue == compare(1, 2)
    assert [(c.key, c.count.current, c.count.previous) for c in section.by_category] == [
        ("quality", 1, 2), ("non_quality", 1, 0)]


def test_a_complaint_is_overdue_only_once_its_deadline_has_passed_by_now() -> None:
    due_later = ComplaintFacts(NOV, None, NOW + timedelta(days=1), "quality")
    assert complaint_section([due_later], WINDOWS, NOW).overdue.current == 0
