"""Insights benchmark: the /insights/ page over 100,000 questions. Not run in CI; the figures
and how to read them are in docs/benchmarks.md ("Insights").

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/test
    .venv/bin/python bench/insights.py --questions 100000

Seeds a forum on a database of its own on the server DATABASE_URL names (commonplace_bench_insights
unless --database says otherwise; dropped and created at the start, dropped at the end unless
--keep): members (1 in 100 staff), 20 tags, questions spread over the past 400 days, answers
with realistic timings (first answer after a log-normal delay, median 3 hours; later ones
after it), scores, acceptances and escalations. Everything is inserted with bulk_create.

Then it times:

- the `insights.compute` beat task (the four default views: 7, 30, 90 and 365 days), run
  --repeat times, and one on-demand view (30 days, one tag) as a request would compute it;
- the page, with the snapshot present: Django's test client GET /insights/?period=N for each
  period, median of --repeat runs after one warm-up, with the number of queries it made;
- the CSV export and the "needs help" list, the same way.
"""

import argparse
import datetime as dt
import json
import math
import random
import statistics
import time
import uuid

from common import UNUSABLE, database_url, machine, recreate_database, say, setup_django

HOUR = 3600.0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--questions", type=int, default=100_000)
    parser.add_argument("--members", type=int, default=20_000)
    parser.add_argument("--days", type=int, default=400, help="questions are spread over this many days")
    parser.add_argument("--repeat", type=int, default=5, help="runs per timing (the median is reported)")
    parser.add_argument("--database", default="commonplace_bench_insights")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--reuse", action="store_true", help="measure again on a database kept by --keep (no seeding)"
    )
    parser.add_argument("--json", action="store_true", help="print the result as JSON too")
    return parser.parse_args()


# --- Environment -----------------------------------------------------------------------------


def server_version(url: str) -> str:
    import psycopg

    with psycopg.connect(url) as conn:
        return conn.execute("SHOW server_version").fetchone()[0]


# --- Seeding ---------------------------------------------------------------------------------


def _delay(rng: random.Random, median_hours: float, sigma: float) -> float:
    return min(rng.lognormvariate(math.log(median_hours * HOUR), sigma), 60 * 24 * HOUR)


def seed(*, questions: int, members: int, days: int) -> dict:
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection
    from django.utils import timezone
    from taggit.models import Tag, TaggedItem

    from accounts.models import User
    from forum.models import Answer, Question
    from insights.models import Escalation

    rng = random.Random(42)  # the same forum every run
    now = timezone.now()
    run = uuid.uuid4().hex[:6]
    User.objects.bulk_create(
        [
            User(
                username=f"i{run}{i}",
                email=f"i{run}{i}@example.com",
                password=UNUSABLE,
                is_staff=i % 100 == 0,
            )
            for i in range(members)
        ],
        batch_size=5000,
    )
    people = list(User.objects.filter(username__startswith=f"i{run}").values_list("pk", "is_staff"))
    staff = [pk for pk, is_staff in people if is_staff]
    customers = [pk for pk, is_staff in people if not is_staff]
    helpers = customers[: len(customers) // 5]  # a fifth of customers do most of the answering
    tags = Tag.objects.bulk_create([Tag(name=f"topic{i}", slug=f"topic{i}") for i in range(20)])
    question_type = ContentType.objects.get_for_model(Question)

    stats = {"questions": 0, "answers": 0, "accepted": 0, "tagged_items": 0, "escalations": 0}
    chunk = 10_000
    for first in range(0, questions, chunk):
        plans, rows = [], []
        for i in range(first, min(first + chunk, questions)):
            asked = now - dt.timedelta(seconds=rng.uniform(0, days * 24 * HOUR))
            asker = rng.choice(customers)
            answers, at = [], asked
            if rng.random() < 0.85:  # 15% never get an answer
                for k in range(rng.choice((1, 1, 1, 2, 2, 3, 4))):
                    at += dt.timedelta(seconds=_delay(rng, 3 if k == 0 else 6, 1.3 if k == 0 else 1.0))
                    if at >= now:
                        break
                    author = rng.choice(staff) if rng.random() < 0.2 else rng.choice(helpers)
                    score = rng.choices((-1, 0, 1, 2, 3, 5), weights=(3, 45, 25, 15, 8, 4))[0]
                    answers.append((author if author != asker else rng.choice(staff), at, score))
            accepted = rng.randrange(len(answers)) if answers and rng.random() < 0.45 else None
            plans.append((answers, accepted, rng.sample(tags, rng.choice((1, 1, 2)))))
            rows.append(
                Question(
                    title=f"Benchmark question {i} about a common problem",
                    slug=f"benchmark-question-{i}",
                    body="It stopped working after the update. What should I try?",
                    body_html="<p>It stopped working after the update. What should I try?</p>",
                    author_id=asker,
                    created_at=asked,
                    last_activity_at=answers[-1][1] if answers else asked,
                    answer_count=len(answers),
                    score=rng.choice((0, 0, 0, 1, 2)),
                )
            )
        created = Question.objects.bulk_create(rows, batch_size=5000)
        answer_rows, accepted_at = [], []
        for question, (answers, accepted, _tags) in zip(created, plans, strict=True):
            for k, (author, at, score) in enumerate(answers):
                if k == accepted:
                    accepted_at.append((len(answer_rows), question.pk))
                answer_rows.append(
                    Answer(
                        question_id=question.pk,
                        author_id=author,
                        body="Reset it from the admin page, then restart it.",
                        body_html="<p>Reset it from the admin page, then restart it.</p>",
                        created_at=at,
                        score=score,
                    )
                )
        saved = Answer.objects.bulk_create(answer_rows, batch_size=5000)
        with connection.cursor() as cursor:
            cursor.execute("CREATE TEMP TABLE bench_accept (question_id bigint, answer_id bigint)")
            with cursor.cursor.copy("COPY bench_accept (question_id, answer_id) FROM STDIN") as copy:
                for index, question_id in accepted_at:
                    copy.write_row((question_id, saved[index].pk))
            cursor.execute(
                "UPDATE forum_question q SET accepted_answer_id = b.answer_id"
                " FROM bench_accept b WHERE q.id = b.question_id"
            )
            cursor.execute("DROP TABLE bench_accept")
        items = [
            TaggedItem(content_type=question_type, object_id=question.pk, tag=tag)
            for question, (_answers, _accepted, question_tags) in zip(created, plans, strict=True)
            for tag in question_tags
        ]
        TaggedItem.objects.bulk_create(items, batch_size=5000)
        escalated = rng.sample(created, max(1, len(created) // 500))
        escalations = Escalation.objects.bulk_create(
            [
                Escalation(
                    question_id=question.pk,
                    opened_by_id=rng.choice(staff),
                    opened_at=question.created_at + dt.timedelta(days=1),
                    **(
                        {
                            "state": "resolved",
                            "outcome": "Fixed on our side.",
                            "outcome_html": "<p>Fixed on our side.</p>",
                            "outcome_by_id": rng.choice(staff),
                            "outcome_at": question.created_at + dt.timedelta(days=3),
                        }
                        if rng.random() < 0.7
                        else {}
                    ),
                )
                for question in escalated
                if question.created_at + dt.timedelta(days=1) < now
            ]
        )
        # What insights.services.escalation_resolve tells the forum: the company answered.
        for escalation in escalations:
            if escalation.outcome_at:
                Question.objects.filter(pk=escalation.question_id).update(outcome_at=escalation.outcome_at)
        stats["questions"] += len(created)
        stats["answers"] += len(saved)
        stats["accepted"] += len(accepted_at)
        stats["tagged_items"] += len(items)
        stats["escalations"] += len(escalated)
        say(f"seeded {stats['questions']:,} questions, {stats['answers']:,} answers")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return stats


# --- Measuring -------------------------------------------------------------------------------


def timings(fn, repeat: int, warm_up: bool = False) -> list[float]:
    if warm_up:
        fn()
    seconds = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        seconds.append(time.perf_counter() - started)
    return seconds


def summary(seconds: list[float]) -> dict:
    return {
        "median_s": round(statistics.median(seconds), 4),
        "min_s": round(min(seconds), 4),
        "max_s": round(max(seconds), 4),
        "runs": len(seconds),
    }


def get_page(client, path: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return len(queries)


def measure(repeat: int) -> dict:
    from django.test import Client

    from insights import services, tasks
    from insights.figures import PERIODS

    result = {}
    say("timing the beat task (four default views)")
    result["compute_task"] = summary(timings(tasks.compute, repeat))
    for period in PERIODS:
        result[f"compute_{period}d"] = summary(
            timings(lambda p=period: services.snapshot_refresh(period=p), 3)
        )
    result["compute_30d_one_tag"] = summary(
        timings(lambda: services.snapshot_refresh(period=30, tag="topic3"), 3)
    )
    say("timing the page with the snapshots present")
    client = Client()
    for period in PERIODS:
        path = f"/insights/?period={period}"
        result[f"page_{period}d"] = {
            **summary(timings(lambda p=path: client.get(p), repeat, warm_up=True)),
            "queries": get_page(client, path),
        }
    path = "/insights/?period=30&tag=topic3"  # stored just above, so read, not computed
    result["page_30d_one_tag"] = {
        **summary(timings(lambda: client.get(path), repeat, warm_up=True)),
        "queries": get_page(client, path),
    }
    result["csv_365d"] = summary(
        timings(lambda: client.get("/insights/export.csv?period=365"), repeat, warm_up=True)
    )
    result["needs_help_list"] = {
        **summary(timings(lambda: client.get("/questions/?sort=waiting"), repeat, warm_up=True)),
        "queries": get_page(client, "/questions/?sort=waiting"),
    }
    from insights.models import InsightSnapshot

    data = InsightSnapshot.objects.get(key="365:").data
    result["figures_365d"] = {
        "asked": data["asked"],
        "first_answer_median_h": round(data["first_answer"]["median"] / HOUR, 2),
        "first_answer_p90_h": round(data["first_answer"]["p90"] / HOUR, 2),
        "solved_rate": round(data["solved_rate"], 3),
        "waiting": data["waiting"]["count"],
    }
    return result


def main() -> None:
    args = parse_args()
    url = database_url(args.database)
    version = server_version(url) if args.reuse else recreate_database(url)
    result = {"machine": machine(), "postgresql": version, "questions_requested": args.questions}
    try:
        setup_django(url, DJANGO_ALLOWED_HOSTS="testserver,localhost")
        if args.reuse:
            from forum.models import Question

            result["seeded"] = {"questions": Question.objects.count()}
        else:
            say(f"seeding {args.questions:,} questions on PostgreSQL {version}")
            started = time.perf_counter()
            result["seeded"] = seed(questions=args.questions, members=args.members, days=args.days)
            result["seed_s"] = round(time.perf_counter() - started, 1)
        result.update(measure(args.repeat))
    finally:
        if not (args.keep or args.reuse):
            from django.db import connections

            connections.close_all()
            recreate_database(url, drop_only=True)
    for key, value in result.items():
        print(f"{key}: {value}")
    if args.json:
        print(json.dumps(result, indent=2, default=str))


if __name__ == "__main__":
    main()
