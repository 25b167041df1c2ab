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
import statistics
import time

from common import database_url, machine, recreate_database, report, say, setup_django, timings
from forumseed import HOUR, seed


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


# --- Measuring -------------------------------------------------------------------------------


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
    report(result, as_json=args.json)


if __name__ == "__main__":
    main()
