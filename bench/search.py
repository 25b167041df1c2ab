"""Search benchmark: full-text search over 100,000 questions and 169,593 answers (issue 15).
Not run in CI; the figures and how to read them are in docs/benchmarks.md ("Search").

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/test
    .venv/bin/python bench/search.py --keep              # seed srch_bench, index, measure
    .venv/bin/python bench/search.py --reuse             # measure again on the kept database
    .venv/bin/python bench/search.py --sqlite /tmp/srch.sqlite3 --keep   # the same on SQLite

Seeds the insights benchmark's forum (bench/forumseed.py: the same questions, answers, tags and
scores) with `VariedText` (--plain for the exact posts issue 15 measured on), on PostgreSQL in a
database of its own (srch_bench unless --database says otherwise; dropped and created at the
start, dropped at the end unless --keep) or, with --sqlite, in that SQLite file.

Then it times, each the median and 90th percentile of --repeat runs after one warm-up:

- `manage.py search_rebuild` from an emptied index, then again with nothing changed (after
  seeding, or with --rebuild on --reuse);
- every query shape of the issue through `forum.search.search_questions` and the paginator the
  page uses: the first page of hits (headlines, snippets, questions, authors, tags) and the
  count the page shows;
- the same shapes as the whole page, GET /search/?q= through Django's test client;
- `forum.search.similar_questions` for a few titles being typed on the ask page.
"""

import argparse
import os
import statistics
import sys
import time
from io import StringIO
from pathlib import Path

from common import ROOT, database_url, machine, recreate_database, report, say, setup_django, timings
from forumseed import Text, VariedText, seed

#: name -> (query, tag): the shapes of issue 15 ("rare" is filled in from the forum's size).
SHAPES = {
    "common word (problem)": ("problem", None),
    "answers only (restart)": ("restart", None),
    "two words (update admin)": ("update admin", None),
    "rare word": (None, None),
    'phrase ("common problem")': ('"common problem"', None),
    'phrase in answers ("admin page")': ('"admin page"', None),
    "tag filter (problem, topic3)": ("problem", "topic3"),
}
SIMILAR_TITLES = (
    "Common problem after the update",
    "How do I restart the admin page",
    "Benchmark question about something new",
)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--questions", type=int, default=100_000)
    parser.add_argument("--members", type=int, default=20_000)
    parser.add_argument("--days", type=int, default=400)
    parser.add_argument("--repeat", type=int, default=30, help="runs per timing")
    parser.add_argument("--database", default="srch_bench", help="PostgreSQL database name")
    parser.add_argument("--sqlite", metavar="PATH", help="run on this SQLite file instead of PostgreSQL")
    parser.add_argument(
        "--plain", action="store_true", help="the exact posts of issue 15, without varied words"
    )
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", action="store_true", help="measure again on a kept database (no seeding)")
    parser.add_argument("--rebuild", action="store_true", help="with --reuse: time search_rebuild too")
    parser.add_argument("--no-pages", action="store_true", help="skip the test-client page timings")
    parser.add_argument(
        "--baseline",
        metavar="REV",
        help="time forum/search.py as of this git revision instead (e.g. f217a26, before issue 15)",
    )
    parser.add_argument("--json", action="store_true", help="print the result as JSON too")
    return parser.parse_args()


def summary(seconds: list[float]) -> dict:
    ordered = sorted(seconds)
    p90 = ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 1),
        "p90_ms": round(p90 * 1000, 1),
        "min_ms": round(ordered[0] * 1000, 1),
        "runs": len(ordered),
    }


def rebuild(*, empty_first: bool) -> dict:
    """`manage.py search_rebuild`, timed; on an emptied index (every document written and
    indexed) or on the index as it is (documents unchanged since: nothing is rewritten)."""
    from django.core.management import call_command
    from django.db import connection

    if empty_first:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("TRUNCATE forum_search_document")
            else:
                cursor.execute("DELETE FROM forum_search_document")
                cursor.execute("DELETE FROM forum_search_title")
    out = StringIO()
    started = time.perf_counter()
    call_command("search_rebuild", stdout=out)
    seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {
        "seconds": round(seconds, 1),
        "load_average": os.getloadavg(),
        "last_line": out.getvalue().strip().splitlines()[-1],
    }


def baseline_module(revision: str):
    """forum/search.py as it was at a git revision, loaded beside the current one: its
    search_questions and similar_questions read the same search table (columns added since are
    ignored), so the shapes can be timed before and after on the same data."""
    import subprocess
    import types

    source = subprocess.check_output(["git", "show", f"{revision}:forum/search.py"], cwd=ROOT, text=True)
    module = types.ModuleType("forum.search_baseline")
    sys.modules[module.__name__] = module  # its dataclasses look their module up there
    exec(compile(source, f"{revision}:forum/search.py", "exec"), module.__dict__)  # noqa: S102
    return module


def measure(questions: int, repeat: int, pages: bool, search_module=None) -> dict:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from forum import search, selectors

    search_module = search_module or search
    search_questions, similar_questions = search_module.search_questions, search_module.similar_questions

    rare_number = str(questions // 3)  # "Benchmark question <i> ...": one title has it
    shapes = {name: (query or rare_number, tag) for name, (query, tag) in SHAPES.items()}
    client = Client()
    result = {}
    for name, (query, tag) in shapes.items():

        def first_page(query=query, tag=tag):
            page = selectors.paginate(search_questions(query, tag=tag), "1")
            return page.paginator.count, list(page.object_list)

        count, hits = first_page()
        with CaptureQueriesContext(connection) as queries:
            first_page()
        entry = {
            "query": query,
            "tag": tag,
            "count_shown": count,
            "first_hit": hits[0].question.title[:60] if hits else None,
            "queries": len(queries),
            "selector": summary(timings(first_page, repeat, warm_up=True)),
        }
        if pages:
            path = "/search/?" + (f"q={query}" + (f"&tag={tag}" if tag else ""))
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)
            entry["page"] = summary(
                timings(lambda path=path: client.get(path), max(5, repeat // 3), warm_up=True)
            )
        say(f"{name}: {entry['selector']} (shown count {count:,})")
        result[name] = entry
    for title in SIMILAR_TITLES:
        similar = similar_questions(title)
        result[f"similar: {title}"] = {
            "found": len(similar),
            "first": similar[0].title[:60] if similar else None,
            "selector": summary(timings(lambda title=title: similar_questions(title), repeat, warm_up=True)),
        }
        say(f"similar {title!r}: {result[f'similar: {title}']['selector']}")
    return result


def main() -> None:
    args = parse_args()
    result = {"machine": machine(), "questions_requested": args.questions}
    if args.sqlite:
        path = Path(args.sqlite).resolve()
        if not args.reuse and path.exists():
            path.unlink()
        url = f"sqlite:///{path}"
        result["database"] = "sqlite " + __import__("sqlite3").sqlite_version
    else:
        url = database_url(args.database)
        if not args.reuse:
            recreate_database(url)
    try:
        setup_django(url, DJANGO_ALLOWED_HOSTS="testserver,localhost")
        from django.db import connection

        if not args.sqlite:
            with connection.cursor() as cursor:
                cursor.execute("SHOW server_version")
                result["database"] = "postgresql " + cursor.fetchone()[0]
        from forum.models import Answer, Question

        if not args.reuse:
            say(f"seeding {args.questions:,} questions ({result['database']})")
            started = time.perf_counter()
            text = Text() if args.plain else VariedText()
            result["seeded"] = seed(questions=args.questions, members=args.members, days=args.days, text=text)
            result["seed_s"] = round(time.perf_counter() - started, 1)
        result["questions"] = Question.objects.count()
        result["answers"] = Answer.objects.count()
        if not args.reuse or args.rebuild:
            say("search_rebuild of every question (from an empty index)")
            result["rebuild_from_empty"] = rebuild(empty_first=True)
            say(f"search_rebuild: {result['rebuild_from_empty']}")
            say("search_rebuild again (nothing changed)")
            result["rebuild_unchanged"] = rebuild(empty_first=False)
            say(f"search_rebuild: {result['rebuild_unchanged']}")
        result["load_average_before_timing"] = os.getloadavg()
        module = baseline_module(args.baseline) if args.baseline else None
        result["search_code"] = f"forum/search.py at {args.baseline}" if args.baseline else "current"
        result.update(measure(result["questions"], args.repeat, not args.no_pages and not module, module))
        result["load_average_after_timing"] = os.getloadavg()
    finally:
        if not (args.keep or args.reuse):
            from django.db import connections

            connections.close_all()
            if args.sqlite:
                Path(args.sqlite).unlink(missing_ok=True)
            else:
                recreate_database(url, drop_only=True)
    report(result, as_json=args.json)


if __name__ == "__main__":
    main()
