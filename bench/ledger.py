"""Reputation ledger benchmarks. Not run in CI; the figures and how to read them are in
docs/benchmarks.md.

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/test
    .venv/bin/python bench/ledger.py events --count 100000
    .venv/bin/python bench/ledger.py reconcile --entries 1000000

`events`: votes with pending reputation events are seeded, a real `celery worker` (prefork) is
started on a Redis of the benchmark's own, one `reputation.apply_event` message per event is
published (from a thread), and the clock runs from the first publish until no event is pending.

`reconcile`: votes, applied events and one ledger entry per vote are seeded (with the members'
totals to match), a little drift is planted, and `manage.py reputation_reconcile` is timed,
first checking, then with --fix.

Each run uses a database of its own on the server DATABASE_URL names (commonplace_bench_ledger unless
--database says otherwise): dropped and created at the start, dropped at the end unless --keep.
Seeding uses bulk_create for members and posts and set-based INSERT ... SELECT for votes,
events and entries (inserts only: the ledger stays append-only).
"""

import argparse
import contextlib
import io
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

from common import ROOT, UNUSABLE, database_url, machine, recreate_database, say, setup_django


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database", default="commonplace_bench_ledger", help="database to (re)create and use"
    )
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--json", action="store_true", help="print the result as JSON too")
    commands = parser.add_subparsers(dest="command", required=True)

    events = commands.add_parser("events", help="events applied per second through a real worker")
    events.add_argument("--count", type=int, default=100_000, help="events to apply (default 100,000)")
    events.add_argument("--concurrency", type=int, default=2, help="worker pool processes (default 2)")
    events.add_argument(
        "--prefetch-multiplier",
        type=int,
        default=None,
        help="the worker's --prefetch-multiplier (default: the setting, CELERY_WORKER_PREFETCH_MULTIPLIER)",
    )
    events.add_argument("--members", type=int, default=5_000)
    events.add_argument("--answers", type=int, default=10_000)
    events.add_argument("--timeout", type=float, default=3600, help="give up after this many seconds")

    reconcile = commands.add_parser("reconcile", help="seconds to reconcile N ledger entries")
    reconcile.add_argument(
        "--entries", type=int, default=1_000_000, help="ledger entries (default 1,000,000)"
    )
    reconcile.add_argument("--members", type=int, default=20_000)
    reconcile.add_argument("--answers", type=int, default=50_000)
    reconcile.add_argument("--drift", type=int, default=100, help="drift to plant: half totals, half votes")
    return parser.parse_args()


# --- Environment -----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def timed(label: str):
    @contextlib.contextmanager
    def block():
        started = time.perf_counter()
        yield
        say(f"{label}: {time.perf_counter() - started:.1f}s")

    return block()


# --- Seeding ---------------------------------------------------------------------------------


def seed_people_and_posts(*, members: int, answers: int) -> dict:
    """Members (a tenth of them write, the rest vote), a question per 5 answers, and answers."""
    from django.utils import timezone

    from accounts.models import User
    from forum.models import Answer, Question

    now = timezone.now()
    run = uuid.uuid4().hex[:6]
    User.objects.bulk_create(
        [
            User(username=f"b{run}{i}", email=f"b{run}{i}@example.com", password=UNUSABLE)
            for i in range(members)
        ],
        batch_size=5000,
    )
    ids = list(
        User.objects.filter(username__startswith=f"b{run}").order_by("pk").values_list("pk", flat=True)
    )
    writers, voters = ids[: max(1, members // 10)], ids[max(1, members // 10) :]
    questions = Question.objects.bulk_create(
        [
            Question(
                title=f"Benchmark question {i}",
                slug=f"benchmark-question-{i}",
                body="What is the fastest way to do this?",
                body_html="<p>What is the fastest way to do this?</p>",
                author_id=writers[i % len(writers)],
                created_at=now,
                last_activity_at=now,
            )
            for i in range(max(1, answers // 5))
        ],
        batch_size=5000,
    )
    Answer.objects.bulk_create(
        [
            Answer(
                question_id=questions[i % len(questions)].pk,
                author_id=writers[(i + 1) % len(writers)],
                body="Like this, with an example.",
                body_html="<p>Like this, with an example.</p>",
                created_at=now,
            )
            for i in range(answers)
        ],
        batch_size=5000,
    )
    return {"writers": writers, "voters": voters}


def seed_votes(count: int, *, voters: list[int], down_every: int = 0) -> None:
    """`count` votes on answers, each (voter, answer) pair once, spread over the past year (so
    the daily cap rarely binds); one in `down_every` is a down-vote."""
    from django.db import connection

    if count > len(voters) * _count("forum_answer"):
        sys.exit("Not enough (voter, answer) pairs: raise --members or --answers.")
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE bench_voters (idx int PRIMARY KEY, id bigint)")
        cursor.executemany("INSERT INTO bench_voters VALUES (%s, %s)", list(enumerate(voters)))
        # %% is a literal % next to the %s parameters.
        cursor.execute(
            """
            WITH a AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS idx FROM forum_answer),
                 n AS (SELECT count(*) AS answers FROM forum_answer)
            INSERT INTO forum_vote (voter_id, answer_id, question_id, value, created_at, updated_at)
            SELECT v.id, a.id, NULL, CASE WHEN %s > 0 AND g.k %% %s = 0 THEN -1 ELSE 1 END,
                   now() - (g.k %% 525600) * interval '1 minute',
                   now() - (g.k %% 525600) * interval '1 minute'
            FROM generate_series(0, %s - 1) AS g(k)
            CROSS JOIN n
            JOIN a ON a.idx = g.k %% n.answers
            JOIN bench_voters v ON v.idx = (a.idx * 7919 + g.k / n.answers) %% %s
            """,
            [down_every, max(down_every, 1), count, len(voters)],
        )
        cursor.execute(
            "UPDATE forum_answer a SET score = s.score"
            " FROM (SELECT answer_id, sum(value) AS score FROM forum_vote GROUP BY answer_id) s"
            " WHERE a.id = s.answer_id"
        )
        cursor.execute("DROP TABLE bench_voters")


def _count(table: str) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 - a quoted table name
        return cursor.fetchone()[0]


def seed_events(*, applied: bool) -> None:
    """One vote event per vote, as record_vote writes it; applied (with one entry per up-vote,
    and the members' totals to match) or pending."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO reputation_reputationevent
                (kind, actor_id, vote_id, question_id, answer_id, payload, created_at, applied_at, attempts)
            SELECT 'vote', v.voter_id, v.id, NULL, v.answer_id,
                   jsonb_build_object('value', v.value, 'score', 1), v.updated_at,
                   CASE WHEN %s THEN v.updated_at END, CASE WHEN %s THEN 1 ELSE 0 END
            FROM forum_vote v ORDER BY v.id
            """,
            [applied, applied],
        )
        if not applied:
            return
        cursor.execute(
            """
            INSERT INTO reputation_ledgerentry
                (user_id, amount, rule, rules_version, reason, event_id, vote_id, question_id, answer_id,
                 counterparty_id, occurred_at, recorded_at, idempotency_key)
            SELECT a.author_id, 10, 'answer_upvoted', 1, '', e.id, v.id, a.question_id, a.id,
                   v.voter_id, e.created_at, now(), 'event:' || e.id || ':answer_upvoted'
            FROM reputation_reputationevent e
            JOIN forum_vote v ON v.id = e.vote_id
            JOIN forum_answer a ON a.id = v.answer_id
            WHERE v.value = 1
            """
        )
        cursor.execute(
            "UPDATE accounts_user u SET reputation = 1 + s.total FROM "
            "(SELECT user_id, sum(amount) AS total FROM reputation_ledgerentry GROUP BY user_id) s "
            "WHERE u.id = s.user_id"
        )
        cursor.execute("ANALYZE")


# --- events ----------------------------------------------------------------------------------


class RedisServer:
    def __init__(self):
        self.port = free_port()
        self.process = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def __enter__(self):
        binary = shutil.which("redis-server") or sys.exit("redis-server is needed for `events`.")
        self.process = subprocess.Popen(
            [binary, "--bind", "127.0.0.1", "--port", str(self.port), "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        import redis

        for _ in range(100):
            with contextlib.suppress(redis.RedisError):
                if redis.Redis(port=self.port).ping():
                    return self
            time.sleep(0.05)
        sys.exit("redis-server did not start")

    def __exit__(self, *exc):
        self.process.terminate()
        self.process.wait(timeout=10)


class Worker:
    def __init__(self, *, db_url: str, redis_url: str, concurrency: int, log_path: Path, prefetch=None):
        self.env = {
            **os.environ,
            "DATABASE_URL": db_url,
            "REDIS_URL": redis_url,
            "DJANGO_LOG_LEVEL": "WARNING",
        }
        self.concurrency = concurrency
        self.prefetch = prefetch
        self.log_path = log_path
        self.process = None

    def __enter__(self):
        from config.celery import app

        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [
                    *(sys.executable, "-m", "celery", "-A", "config", "worker", "--loglevel=WARNING"),
                    *(f"--concurrency={self.concurrency}", "--without-gossip", "--without-mingle"),
                    *([f"--prefetch-multiplier={self.prefetch}"] if self.prefetch else []),
                    *("-n", f"bench-{uuid.uuid4().hex[:6]}@%h"),
                ],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                sys.exit(f"The worker exited; see {self.log_path}")
            with contextlib.suppress(Exception):
                if app.send_task("commonplace.ping").get(timeout=5) == "pong":
                    return self
        sys.exit(f"The worker did not answer; see {self.log_path}")

    def __exit__(self, *exc):
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


def broker_idle(redis_url: str) -> bool:
    import redis

    client = redis.Redis.from_url(redis_url)
    return not (client.llen("celery") or client.llen("ledger") or client.hlen("unacked"))


def light_traffic(*, samples: int) -> list[float]:
    """Seconds from a vote's commit to its event applied, one vote at a time (a second apart),
    through forum.services.vote_cast and its publish at commit, on the idle worker."""
    from django.db import transaction

    from accounts.models import User
    from forum import services
    from forum.models import Answer
    from reputation.models import ReputationEvent

    answer = Answer.objects.order_by("pk").first()
    run = uuid.uuid4().hex[:6]
    seconds = []
    for i in range(samples):
        voter = User.objects.create(username=f"l{run}{i}", email=f"l{run}{i}@example.com", password=UNUSABLE)
        with transaction.atomic():
            vote = services.vote_cast(voter=voter, post=answer, value=1)
        committed = time.perf_counter()
        event = ReputationEvent.objects.filter(vote=vote).latest("pk")
        while ReputationEvent.objects.pending().filter(pk=event.pk).exists():
            if time.perf_counter() - committed > 60:
                sys.exit(f"event {event.pk} not applied within 60 s")
            time.sleep(0.01)
        seconds.append(time.perf_counter() - committed)
        time.sleep(1)
    return seconds


def run_events(args, db_url: str) -> dict:
    from tqdm import tqdm

    with RedisServer() as broker:
        setup_django(db_url, broker.url)
        from reputation import reconcile
        from reputation.models import LedgerEntry, ReputationEvent
        from reputation.tasks import apply_event

        with timed("seed members, questions, answers"):
            people = seed_people_and_posts(members=args.members, answers=args.answers)
        with timed(f"seed {args.count:,} votes and their pending events"):
            seed_votes(args.count, voters=people["voters"], down_every=10)
            seed_events(applied=False)
        event_ids = list(ReputationEvent.objects.pending().order_by("pk").values_list("pk", flat=True))
        log_path = ROOT / "var" / "bench-worker.log"
        log_path.parent.mkdir(exist_ok=True)
        worker = Worker(
            db_url=db_url,
            redis_url=broker.url,
            concurrency=args.concurrency,
            log_path=log_path,
            prefetch=args.prefetch_multiplier,
        )
        with worker:
            say(
                f"worker ready (concurrency {args.concurrency}, prefetch multiplier "
                f"{args.prefetch_multiplier or 'from settings'}); publishing {len(event_ids):,} events"
            )
            from config.celery import app

            published_at: list[float] = []

            def publish_all() -> None:
                with app.producer_or_acquire() as producer:
                    for event_id in event_ids:
                        apply_event.apply_async((event_id,), producer=producer)
                published_at.append(time.perf_counter())

            # Published from a thread while this one counts what is pending: the worker may
            # finish before the last message is even sent (a message is a wake-up; its task
            # applies whatever is pending in batches).
            publisher = threading.Thread(target=publish_all, daemon=True)
            started = time.perf_counter()
            publisher.start()
            pending = len(event_ids)
            with tqdm(total=len(event_ids), desc="applied", unit=" events", mininterval=10) as bar:
                while pending:
                    if time.perf_counter() - started > args.timeout:
                        sys.exit(f"gave up after {args.timeout:.0f}s with {pending:,} events pending")
                    # Polled once a second: a count every half second took a tenth of a core.
                    time.sleep(1 if pending > 1000 else 0.2)
                    now_pending = ReputationEvent.objects.pending().count()
                    bar.update(pending - now_pending)
                    pending = now_pending
            applied = time.perf_counter() - started
            publisher.join()
            published = published_at[0] - started
            say(f"published in {published:.1f}s ({len(event_ids) / published:,.0f} messages/s)")
            while not broker_idle(broker.url):  # the rest of the messages, and the badge checks
                time.sleep(0.5)
            drained = time.perf_counter() - started
            say(f"queue empty after {drained:.1f}s")
            latencies = light_traffic(samples=10)
            say(
                "light traffic, one vote at a time through vote_cast: applied "
                f"{statistics.median(latencies) * 1000:.0f} ms after its commit (median), "
                f"{max(latencies) * 1000:.0f} ms at most"
            )
        say(f"{len(event_ids):,} events applied in {applied:.1f}s: {len(event_ids) / applied:,.1f} events/s")
        started = time.perf_counter()
        report = reconcile.check()
        check_seconds = time.perf_counter() - started
        say(f"reconcile afterwards: {report.drift} drift ({check_seconds:.1f}s)")
        return {
            "benchmark": "events",
            "events": len(event_ids),
            "worker_concurrency": args.concurrency,
            "prefetch_multiplier": args.prefetch_multiplier,
            "publish_seconds": round(published, 2),
            "apply_seconds": round(applied, 2),
            "events_per_second": round(len(event_ids) / applied, 1),
            "queue_drained_seconds": round(drained, 2),
            "light_traffic_seconds": [round(seconds, 3) for seconds in latencies],
            "entries_written": LedgerEntry.objects.count(),
            "drift_after": report.drift,
        }


# --- reconcile -------------------------------------------------------------------------------


def plant_drift(count: int, *, voters: list[int]) -> dict:
    """Half: members whose column is off by 7. Half: up-votes recorded with no event or entry."""
    from django.db.models import F

    from accounts.models import User
    from forum.models import Answer, Vote

    totals = count // 2
    tampered = list(User.objects.order_by("?").values_list("pk", flat=True)[:totals])
    User.objects.filter(pk__in=tampered).update(reputation=F("reputation") + 7)
    made = 0
    answers = Answer.objects.order_by("-pk").values_list("pk", flat=True)
    for answer_id in answers.iterator():
        if made == count - totals:
            break
        voted = set(Vote.objects.filter(answer_id=answer_id).values_list("voter_id", flat=True))
        voter = next((pk for pk in voters if pk not in voted), None)
        if voter is not None:
            Vote.objects.create(voter_id=voter, answer_id=answer_id, value=1)  # skips the ledger
            Answer.objects.filter(pk=answer_id).update(score=F("score") + 1)
            made += 1
    return {"totals": totals, "votes": made}


def run_reconcile(args, db_url: str) -> dict:
    setup_django(db_url, "")
    from django.core.management import CommandError, call_command

    from accounts.models import User
    from forum.models import Vote
    from reputation.models import LedgerEntry

    with timed("seed members, questions, answers"):
        people = seed_people_and_posts(members=args.members, answers=args.answers)
    with timed(f"seed {args.entries:,} votes, applied events and entries"):
        seed_votes(args.entries, voters=people["voters"])
        seed_events(applied=True)
    planted = plant_drift(args.drift, voters=people["voters"])
    entries, votes, members = LedgerEntry.objects.count(), Vote.objects.count(), User.objects.count()
    say(f"{entries:,} entries, {votes:,} votes, {members:,} members; planted {planted}")

    def command(*options) -> tuple[float, str]:
        out = io.StringIO()
        started = time.perf_counter()
        with contextlib.suppress(CommandError):
            call_command("reputation_reconcile", *options, "--no-progress", stdout=out)
        return time.perf_counter() - started, out.getvalue()

    check_seconds, check_output = command()
    say(f"reputation_reconcile: {check_seconds:.1f}s\n{check_output.splitlines()[0]}")
    fix_seconds, fix_output = command("--fix")
    say(f"reputation_reconcile --fix: {fix_seconds:.1f}s; {fix_output.splitlines()[-1]}")
    clean_seconds, clean_output = command()
    say(f"reputation_reconcile again: {clean_seconds:.1f}s\n{clean_output.splitlines()[0]}")
    return {
        "benchmark": "reconcile",
        "entries": entries,
        "votes": votes,
        "members": members,
        "planted": planted,
        "check_seconds": round(check_seconds, 2),
        "check_summary": check_output.splitlines()[0],
        "fix_seconds": round(fix_seconds, 2),
        "fix_summary": fix_output.splitlines()[-1],
        "clean_check_seconds": round(clean_seconds, 2),
        "clean_summary": clean_output.splitlines()[0],
    }


def main() -> None:
    args = parse_args()
    db_url = database_url(args.database)
    info = machine()
    say(f"{info['cpus']} CPUs ({info['cpu']}), load average {info['load_average_at_start']}")
    info["postgresql"] = recreate_database(db_url)
    try:
        result = run_events(args, db_url) if args.command == "events" else run_reconcile(args, db_url)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            recreate_database(db_url, drop_only=True)
    result["machine"] = info
    if args.json:
        print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
