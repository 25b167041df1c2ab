"""The insight figures: pure reads over a period [start, end) and an optional tag.

What counts:

- A **question** is a visible one (not deleted, hidden or held) asked in the period.
- An **answer** is a visible answer on a visible question, written by someone other than the
  asker: an asker's note to themselves is not help arriving. Answers count in the period they
  were posted.
- **Time to first answer**: from asking to the first answer (as above), over the period's
  questions that have one; questions still without are not in it (they are in "waiting").
- **Time to first helpful answer**: the same, to the first answer that scores 1 or more or was
  accepted. It is measured to when that answer was posted, not to when it was voted on.
- **Solved rate**: questions asked in the period with an accepted answer, over those asked.
- **Top helpers**: members by answers posted in the period that score 1 or more or were accepted.
- **Waiting for help**: the "Needs help" list (/questions/?sort=waiting, forum's
  ``Question.objects.needs_help()``): questions open now (not closed, locked, merged or settled
  by a follow-up's outcome) with no accepted answer and no answer scoring 1 or more or marked as
  having also helped, asked at any time, and how long they have waited.

Medians and 90th percentiles interpolate linearly between the closest ranks, as PostgreSQL's
``percentile_cont`` does: on PostgreSQL the database computes them, elsewhere Python does, the
same way. Weeks start on Monday, 00:00 UTC. Durations are seconds.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import connections
from django.db.models import (
    Count,
    DateTimeField,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    Min,
    Q,
    QuerySet,
    Value,
)
from django.db.models.functions import TruncWeek
from django.utils import timezone

from forum.models import Answer, Question

PERIODS = (7, 30, 90, 365)
DEFAULT_PERIOD = 30
HELPFUL_SCORE = 1
TOP_HELPERS = 10
FRACTIONS = (0.5, 0.9)


@dataclass(frozen=True)
class Window:
    days: int
    start: dt.datetime
    end: dt.datetime
    tag: str | None = None


def window(days: int, *, tag: str | None = None, now: dt.datetime | None = None) -> Window:
    end = now or timezone.now()
    return Window(days=days, start=end - dt.timedelta(days=days), end=end, tag=tag or None)


# --- Building blocks ------------------------------------------------------------------------


def _questions(tag: str | None) -> QuerySet:
    questions = Question.objects.visible().order_by()
    return questions.filter(tags__slug=tag) if tag else questions


def _asked(w: Window) -> QuerySet:
    return _questions(w.tag).filter(created_at__gte=w.start, created_at__lt=w.end)


def _answers(w: Window) -> QuerySet:
    answers = (
        Answer.objects.visible()
        .filter(
            question__deleted_at__isnull=True,
            question__hidden_at__isnull=True,
            question__held_at__isnull=True,
            created_at__gte=w.start,
            created_at__lt=w.end,
        )
        .exclude(author_id=F("question__author_id"))
        .order_by()
    )
    return answers.filter(question__tags__slug=w.tag) if w.tag else answers


def _helpful() -> Q:
    return Q(score__gte=HELPFUL_SCORE) | Q(accepted_for__isnull=False)


def _since(later, earlier) -> ExpressionWrapper:
    return ExpressionWrapper(later - earlier, output_field=DurationField())


def _question_facts(w: Window) -> QuerySet:
    """One row per question asked in the window: its week, its accepted answer (or null) and
    how long it took to get a first answer and a first helpful one (null: not yet). One pass
    over answers, grouped by question, rather than a subquery per question."""
    by_others = Q(
        answers__deleted_at__isnull=True, answers__hidden_at__isnull=True, answers__held_at__isnull=True
    ) & ~Q(answers__author_id=F("author_id"))
    helpful = by_others & (Q(answers__score__gte=HELPFUL_SCORE) | Q(answers__pk=F("accepted_answer_id")))
    return (
        _asked(w)
        .annotate(
            first_answer_at=Min("answers__created_at", filter=by_others),
            first_helpful_at=Min("answers__created_at", filter=helpful),
        )
        .annotate(
            insight_key=TruncWeek("created_at", tzinfo=dt.UTC),
            insight_solved=F("accepted_answer_id"),
            insight_first_answer=_since(F("first_answer_at"), F("created_at")),
            insight_first_helpful=_since(F("first_helpful_at"), F("created_at")),
        )
    )


def percentile(sorted_values: list[float], fraction: float) -> float | None:
    """Linear interpolation between closest ranks: PostgreSQL's percentile_cont."""
    if not sorted_values:
        return None
    rank = (len(sorted_values) - 1) * fraction
    low = math.floor(rank)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (rank - low)


def _seconds(value) -> float:
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


def _as_key(value):
    return value.date() if isinstance(value, dt.datetime) else value


def _round(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds, 3)


def _spread(values: list[float]) -> dict:
    values = sorted(values)
    median, p90 = (percentile(values, fraction) for fraction in FRACTIONS)
    return {"count": len(values), "median": _round(median), "p90": _round(p90)}


def summarise(queryset: QuerySet, *, counts: tuple[str, ...] = (), durations: tuple[str, ...] = ()) -> dict:
    """Per value of the `insight_key` annotation, and overall under the key None: the number of
    rows, the number of non-null values of each of `counts`, and {count, median, p90} of each
    of `durations` (DurationField annotations; nulls left out). One query on PostgreSQL, which
    computes the percentiles; elsewhere Python does, the same way."""
    names = ("insight_key", *counts, *durations)
    rows = queryset.values_list(*names).order_by()
    connection = connections[rows.db]
    if connection.vendor == "postgresql":
        inner, params = rows.query.get_compiler(using=rows.db).as_sql()
        columns = [f"count(t.{name})" for name in counts]
        for name in durations:
            seconds = f"EXTRACT(EPOCH FROM t.{name})::float8"
            columns.append(f"count(t.{name})")
            columns += [f"percentile_cont({f}) WITHIN GROUP (ORDER BY {seconds})" for f in FRACTIONS]
        sql = (
            f"SELECT GROUPING(t.insight_key), t.insight_key, count(*), {', '.join(columns)} "  # noqa: S608
            f"FROM ({inner}) AS t GROUP BY GROUPING SETS ((t.insight_key), ())"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            fetched = cursor.fetchall()
        result = {}
        for overall, key, total, *values in fetched:
            entry = {"rows": total}
            entry.update(zip(counts, values[: len(counts)], strict=True))
            for i, name in enumerate(durations):
                n, median, p90 = values[len(counts) + 3 * i : len(counts) + 3 * i + 3]
                entry[name] = {"count": n, "median": _round(median), "p90": _round(p90)}
            result[None if overall else _as_key(key)] = entry
        return result
    grouped = defaultdict(list)
    for row in rows:
        grouped[_as_key(row[0])].append(row[1:])
    grouped[None] = [row for key, group in list(grouped.items()) for row in group]
    result = {}
    for key, group in grouped.items():
        entry = {"rows": len(group)}
        for i, name in enumerate(counts):
            entry[name] = sum(1 for row in group if row[i] is not None)
        for i, name in enumerate(durations, start=len(counts)):
            entry[name] = _spread([_seconds(row[i]) for row in group if row[i] is not None])
        result[key] = entry
    return result


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def week_of(moment: dt.datetime) -> dt.date:
    day = timezone.localtime(moment, dt.UTC).date()
    return day - dt.timedelta(days=day.weekday())


def weeks_in(w: Window) -> list[dt.date]:
    weeks, week = [], week_of(w.start)
    last = week_of(w.end - dt.timedelta(microseconds=1))
    while week <= last:
        weeks.append(week)
        week += dt.timedelta(days=7)
    return weeks


# --- The figures ----------------------------------------------------------------------------


_NO_SPREAD = {"count": 0, "median": None, "p90": None}


def question_stats(w: Window) -> dict:
    """Per week (and overall, under None): asked, solved, time to first (helpful) answer."""
    return summarise(
        _question_facts(w),
        counts=("insight_solved",),
        durations=("insight_first_answer", "insight_first_helpful"),
    )


def questions_and_response_times(stats: dict) -> dict:
    overall = stats.get(None, {})
    asked, solved = overall.get("rows", 0), overall.get("insight_solved", 0)
    return {
        "asked": asked,
        "solved": solved,
        "solved_rate": _ratio(solved, asked),
        "first_answer": overall.get("insight_first_answer", _NO_SPREAD),
        "first_helpful": overall.get("insight_first_helpful", _NO_SPREAD),
    }


def answer_shares(w: Window) -> dict:
    accepted = Q(accepted_for__isnull=False)
    staff = Q(author__is_staff=True)
    totals = _answers(w).aggregate(
        answers=Count("pk"),
        staff_answers=Count("pk", filter=staff),
        accepted=Count("pk", filter=accepted),
        staff_accepted=Count("pk", filter=accepted & staff),
    )
    return {
        "answers": {
            "total": totals["answers"],
            "staff": totals["staff_answers"],
            "customers": totals["answers"] - totals["staff_answers"],
            "staff_share": _ratio(totals["staff_answers"], totals["answers"]),
            "customer_share": _ratio(totals["answers"] - totals["staff_answers"], totals["answers"]),
        },
        "accepted": {
            "total": totals["accepted"],
            "staff": totals["staff_accepted"],
            "customers": totals["accepted"] - totals["staff_accepted"],
            "staff_share": _ratio(totals["staff_accepted"], totals["accepted"]),
            "customer_share": _ratio(totals["accepted"] - totals["staff_accepted"], totals["accepted"]),
        },
    }


def top_helpers(w: Window, limit: int = TOP_HELPERS) -> list[dict]:
    """Staff and customers ranked together, by the same count."""
    rows = list(
        _answers(w)
        .filter(_helpful())
        .values("author_id")
        .annotate(helpful=Count("pk"), accepted=Count("pk", filter=Q(accepted_for__isnull=False)))
        .order_by("-helpful", "-accepted", "author_id")[:limit]
    )
    people = get_user_model().objects.in_bulk([row["author_id"] for row in rows])
    return [
        {
            "username": people[row["author_id"]].username,
            "name": people[row["author_id"]].name,
            "is_staff": people[row["author_id"]].is_staff,
            "is_bot": people[row["author_id"]].is_bot,
            "helpful_answers": row["helpful"],
            "accepted_answers": row["accepted"],
        }
        for row in rows
    ]


def waiting(tag: str | None, now: dt.datetime) -> dict:
    backlog = (
        _questions(tag)
        .needs_help()
        .annotate(
            insight_key=Value(0, output_field=IntegerField()),
            insight_wait=_since(Value(now, output_field=DateTimeField()), F("created_at")),
        )
    )
    overall = summarise(backlog, durations=("insight_wait",)).get(None, {"insight_wait": _NO_SPREAD})
    return {"count": overall["insight_wait"]["count"], "median_wait": overall["insight_wait"]["median"]}


def weekly(w: Window, stats: dict) -> list[dict]:
    answered = {
        _as_key(row["week"]): row
        for row in _answers(w)
        .annotate(week=TruncWeek("created_at", tzinfo=dt.UTC))
        .values("week")
        .annotate(total=Count("pk"), staff=Count("pk", filter=Q(author__is_staff=True)))
        .order_by("week")
    }
    series = []
    for start in weeks_in(w):
        q = stats.get(start, {"rows": 0, "insight_solved": 0, "insight_first_answer": _NO_SPREAD})
        a = answered.get(start, {"total": 0, "staff": 0})
        series.append(
            {
                "week": start.isoformat(),
                "asked": q["rows"],
                "solved": q["insight_solved"],
                "solved_rate": _ratio(q["insight_solved"], q["rows"]),
                "first_answer_median": q["insight_first_answer"]["median"],
                "answers": a["total"],
                "staff_answers": a["staff"],
                "customer_answers": a["total"] - a["staff"],
            }
        )
    return series


def compute(w: Window) -> dict:
    """Every figure for the window, as JSON-ready data (what a snapshot stores)."""
    stats = question_stats(w)
    return {
        "period": w.days,
        "tag": w.tag or "",
        "start": w.start.isoformat(),
        "end": w.end.isoformat(),
        **questions_and_response_times(stats),
        **answer_shares(w),
        "top_helpers": top_helpers(w),
        "waiting": waiting(w.tag, w.end),
        "weekly": weekly(w, stats),
    }
