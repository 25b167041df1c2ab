"""Every figure on the known forum of helpers.py, worked out by hand. These run on SQLite (Python
computes the percentiles) and on PostgreSQL (percentile_cont does): both must agree."""

import pytest

from insights import figures
from insights.formatting import format_duration, format_percent
from tests.insights.helpers import DAY, HOUR, NOW, known_forum

pytestmark = pytest.mark.django_db


@pytest.fixture
def forum():
    return known_forum()


def test_questions_asked_and_solved_rate_count_visible_questions_asked_in_the_period(forum):
    data = figures.compute(figures.window(30, now=NOW))

    # q1..q5 were asked in the last 30 days; q6 and q8 before; q7 is deleted.
    assert data["asked"] == 5
    # q1 and q2 have an accepted answer: 2 of 5.
    assert data["solved"] == 2
    assert data["solved_rate"] == pytest.approx(2 / 5)


def test_time_to_first_answer_median_and_90th_percentile(forum):
    data = figures.compute(figures.window(30, now=NOW))

    # First answers by someone other than the asker: q1 1 h, q2 2 h, q3 5 h (its asker's own
    # answer after 30 min does not count), q4 6 h; q5's only answer is deleted.
    # Sorted [1, 2, 5, 6] h: median (2 + 5) / 2 = 3.5 h; p90 at rank 0.9 * 3 = 2.7, so
    # 5 + 0.7 * (6 - 5) = 5.7 h.
    assert data["first_answer"] == {
        "count": 4,
        "median": pytest.approx(3.5 * HOUR),
        "p90": pytest.approx(5.7 * HOUR),
    }


def test_time_to_first_helpful_answer_counts_score_of_1_or_acceptance(forum):
    data = figures.compute(figures.window(30, now=NOW))

    # q1: alice's 1 h answer scores 0; sam's (3 h) is accepted -> 3 h. q2: bob's accepted
    # answer, 2 h. q3: alice's scores 1, 5 h. q4: nothing helpful. Sorted [2, 3, 5] h:
    # median 3 h; p90 at rank 0.9 * 2 = 1.8, so 3 + 0.8 * (5 - 3) = 4.6 h.
    assert data["first_helpful"] == {
        "count": 3,
        "median": pytest.approx(3 * HOUR),
        "p90": pytest.approx(4.6 * HOUR),
    }


def test_shares_of_answers_and_accepted_answers_by_customers_and_staff(forum):
    data = figures.compute(figures.window(30, now=NOW))

    # Answers posted in the period: alice and sam on q1, bob on q2, alice on q3 (the asker's
    # own does not count), sam and bob on q4, alice on q6 (an old question, answered recently).
    # Not counted: sam's deleted answer on q5, bob's on the deleted q7. 7 answers, 2 by staff.
    assert data["answers"] == {
        "total": 7,
        "staff": 2,
        "customers": 5,
        "staff_share": pytest.approx(2 / 7),
        "customer_share": pytest.approx(5 / 7),
    }
    # Accepted among them: sam's on q1 and bob's on q2.
    assert data["accepted"] == {
        "total": 2,
        "staff": 1,
        "customers": 1,
        "staff_share": pytest.approx(1 / 2),
        "customer_share": pytest.approx(1 / 2),
    }


def test_top_helpers_rank_staff_and_customers_by_the_same_count(forum):
    data = figures.compute(figures.window(30, now=NOW))

    # Helpful answers (score >= 1 or accepted): alice 2 (q3, q6), sam 1 accepted (q1),
    # bob 1 accepted (q2). Ties go to more accepted answers, then to who joined first (sam).
    assert [
        (h["username"], h["is_staff"], h["helpful_answers"], h["accepted_answers"])
        for h in data["top_helpers"]
    ] == [
        ("alice", False, 2, 0),
        ("sam", True, 1, 1),
        ("bob", False, 1, 1),
    ]


def test_waiting_for_help_counts_open_questions_of_any_age_and_their_median_wait(forum):
    data = figures.compute(figures.window(30, now=NOW))

    # No accepted answer and no answer scoring 1 or more: q4 (2 days), q5 (1 day: its helpful
    # answer is deleted), q8 (60 days). Median of [1, 2, 60] days = 2 days.
    assert data["waiting"] == {"count": 3, "median_wait": pytest.approx(2 * DAY)}


def test_weekly_series_has_every_week_of_the_period_starting_monday(forum):
    weekly = figures.compute(figures.window(30, now=NOW))["weekly"]

    assert [w["week"] for w in weekly] == [
        "2025-02-10",
        "2025-02-17",
        "2025-02-24",
        "2025-03-03",
        "2025-03-10",
    ]
    # q1 was asked on Sunday 2 March (week of Feb 24); q2, q3 in the week of Mar 3; q4, q5 in Mar 10.
    assert [w["asked"] for w in weekly] == [0, 0, 1, 2, 2]
    assert [w["solved"] for w in weekly] == [0, 0, 1, 1, 0]
    assert [w["solved_rate"] for w in weekly] == [None, None, 1.0, 0.5, 0.0]
    # Medians of first answers: week of Feb 24 [1 h]; Mar 3 [2 h, 5 h] -> 3.5 h; Mar 10 [6 h].
    assert [w["first_answer_median"] for w in weekly] == [None, None, HOUR, 3.5 * HOUR, 6 * HOUR]
    # Answers by the week they were posted: Feb 24 alice + sam; Mar 3 bob, alice, alice (q6);
    # Mar 10 sam + bob.
    assert [(w["customer_answers"], w["staff_answers"]) for w in weekly] == [
        (0, 0),
        (0, 0),
        (1, 1),
        (3, 0),
        (1, 1),
    ]


def test_a_tag_narrows_every_figure_to_its_questions(forum):
    data = figures.compute(figures.window(30, tag="billing", now=NOW))

    # Billing questions asked in the period: q1, q2, q5; q1 and q2 solved.
    assert (data["asked"], data["solved"]) == (3, 2)
    assert data["solved_rate"] == pytest.approx(2 / 3)
    # First answers [1, 2] h: median 1.5 h, p90 1 + 0.9 * 1 = 1.9 h.
    assert data["first_answer"] == {
        "count": 2,
        "median": pytest.approx(1.5 * HOUR),
        "p90": pytest.approx(1.9 * HOUR),
    }
    # First helpful [2, 3] h: median 2.5 h, p90 2 + 0.9 * 1 = 2.9 h.
    assert data["first_helpful"] == {
        "count": 2,
        "median": pytest.approx(2.5 * HOUR),
        "p90": pytest.approx(2.9 * HOUR),
    }
    # Answers on billing questions: alice and sam on q1, bob on q2, alice on q6.
    assert (data["answers"]["total"], data["answers"]["staff"]) == (4, 1)
    assert (data["accepted"]["total"], data["accepted"]["staff"]) == (2, 1)
    # Each has one helpful answer: sam and bob's were accepted, so they come first.
    assert [h["username"] for h in data["top_helpers"]] == ["sam", "bob", "alice"]
    # Waiting: q5 (1 day) and q8 (60 days): median 30.5 days.
    assert data["waiting"] == {"count": 2, "median_wait": pytest.approx(30.5 * DAY)}


def test_a_shorter_period_counts_only_what_happened_in_it(forum):
    data = figures.compute(figures.window(7, now=NOW))

    # Since Wednesday 5 March 12:00: q4 and q5 asked; q4's first answer after 6 h.
    assert (data["asked"], data["solved"]) == (2, 0)
    assert data["first_answer"] == {
        "count": 1,
        "median": pytest.approx(6 * HOUR),
        "p90": pytest.approx(6 * HOUR),
    }
    assert data["first_helpful"] == {"count": 0, "median": None, "p90": None}
    # Answers posted since: sam and bob on q4, alice on q6 (7 March).
    assert (data["answers"]["total"], data["answers"]["staff"]) == (3, 1)


def test_an_empty_forum_has_no_figures_rather_than_zeros(db):
    data = figures.compute(figures.window(30, now=NOW))

    assert data["asked"] == 0
    assert data["solved_rate"] is None
    assert data["first_answer"] == {"count": 0, "median": None, "p90": None}
    assert data["answers"]["staff_share"] is None
    assert data["waiting"] == {"count": 0, "median_wait": None}
    assert data["top_helpers"] == []


def test_percentile_interpolates_like_postgresql_percentile_cont():
    assert figures.percentile([], 0.5) is None
    assert figures.percentile([7.0], 0.9) == 7.0
    assert figures.percentile([1.0, 2.0, 5.0, 6.0], 0.5) == 3.5
    assert figures.percentile([1.0, 2.0, 5.0, 6.0], 0.9) == pytest.approx(5.7)
    assert figures.percentile([10.0, 20.0, 30.0, 40.0, 50.0], 0.9) == pytest.approx(46.0)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (None, "—"),
        (30, "30 s"),
        (45 * 60, "45 min"),
        (2 * HOUR + 15 * 60, "2 h 15 min"),
        (3 * HOUR, "3 h"),
        (3 * DAY + 4 * HOUR, "3 d 4 h"),
        (2 * DAY, "2 d"),
    ],
)
def test_durations_read_in_days_hours_and_minutes(seconds, text):
    assert format_duration(seconds) == text


def test_shares_read_as_percentages():
    assert format_percent(None) == "—"
    assert format_percent(2 / 5) == "40%"
    assert format_percent(2 / 7) == "29%"
    assert format_percent(0.025) == "2.5%"
