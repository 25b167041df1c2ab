"""Pages and votes benchmark: the site under gunicorn (2 sync workers, production settings) on a
5,000-question forum. Not run in CI; the figures and how to read them are in
docs/benchmarks.md ("Pages" and "Votes").

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/test   # the server; the database is pgs_bench
    .venv/bin/python bench/pages.py pages            # seeds, serves, wrk -t1 -c4 each page
    .venv/bin/python bench/pages.py votes --reuse    # vote latency, 20 voters, broker up and down

Seeding (dropped and created afresh unless --reuse): --questions questions (default 5,000) by
200 members, 2 to 6 answers each, about 3 votes an answer, 3 of 100 tags each, comments on a
fifth of the questions, an accepted answer on 40%, the search index built. Bulk inserts.

`pages` serves the site with gunicorn (2 sync workers, DJANGO_DEBUG=0, a secret key, the cache
and broker on Redis DB --redis-db) and measures with `wrk -t1 -c4` (--warmup seconds, then
--duration seconds) each page beside a trivial Django view (/bench/trivial/, a bench-only URLconf
around the site's, bench/bench_site.py), anonymous and signed in (a member logged in through the
login form; wrk sends the session cookie). For each: requests/s, latency p50/p99, and the server
CPU per request: the gunicorn workers' utime+stime (/proc/<pid>/stat) over the measured run,
divided by the requests served.

`votes` logs --voters members in over HTTP (each with their session and CSRF cookies) and has
them all vote at once, each on answers of their own, --votes-each votes each, through gunicorn;
the latency of each vote request (p50, p99) with the broker up (Redis), then with the broker
pointed at a closed port (the cache stays up).
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

from common import ROOT, database_url, machine, recreate_database, say, setup_django

PASSWORD = "bench-password-1234"  # noqa: S105 (a benchmark's throwaway members)
SECRET_KEY = "bench-secret-key-not-for-production-" + "x" * 20
PORT_DEFAULT = 8765

BODIES = [
    "My router keeps dropping the **Wi-Fi** connection every few minutes.\n\n"
    "I tried:\n\n1. restarting it\n2. a factory reset\n3. moving it\n\n"
    "```\nping 192.168.1.1\nRequest timed out.\n```\n\nWhat else can I try?",
    "After the last update the app crashes when I open *settings*. "
    "It says `error 0x80070005`. Is there a fix? See [the status page](https://status.example.com).",
    "How do I export my invoices as a CSV file? The button in the billing page is grey.\n\n"
    "| month | invoices |\n|---|---|\n| May | 3 |\n| June | 4 |",
    "The printer prints blank pages since I changed the cartridge. The test page is blank too.",
]
ANSWERS = [
    "Try updating the firmware first, then restart the router. If that does not help, "
    "change the channel to 1, 6 or 11.",
    "This is a known problem with version 4.2. Clear the cache:\n\n"
    "```\nrm -rf ~/.cache/app\n```\n\nand restart.",
    "You can export from **Account → Billing → Export**. It takes a minute for large accounts.",
    "Make sure you removed the protective tape from the cartridge. It happens to everyone.",
    "Same here. What fixed it for me was a full power cycle: unplug it for 30 seconds.",
]
COMMENTS = ["Thanks, that worked!", "Which version are you on?", "Did you try a reset?", "Same problem here."]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", default="pgs_bench")
    parser.add_argument("--redis-db", type=int, default=6, help="Redis database for the cache and broker")
    parser.add_argument("--questions", type=int, default=5_000)
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--reuse", action="store_true", help="measure again on the seeded database")
    parser.add_argument("--keep", action="store_true", help="(kept anyway; --reuse uses it next time)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON too")
    parser.add_argument("--port", type=int, default=PORT_DEFAULT)
    sub = parser.add_subparsers(dest="command")
    pages = sub.add_parser("pages", help="requests/s and CPU per request of each page (the default)")
    pages.add_argument("--duration", type=int, default=30, help="seconds measured per page")
    pages.add_argument("--warmup", type=int, default=10, help="seconds of warm-up per page")
    pages.add_argument(
        "--only", default="", help='page names to measure, separated by "," (or ";" when a name has a comma)'
    )
    votes = sub.add_parser("votes", help="vote request latency under concurrent voters")
    votes.add_argument("--voters", type=int, default=20)
    votes.add_argument("--votes-each", type=int, default=40)
    args = parser.parse_args()
    if args.command is None:
        args = parser.parse_args([*sys.argv[1:], "pages"])
    return args


# --- Seeding ---------------------------------------------------------------------------------


def seed(*, questions: int, members: int) -> dict:
    from django.contrib.auth.hashers import make_password
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection, transaction
    from django.utils import timezone
    from taggit.models import Tag, TaggedItem

    from accounts.models import User
    from forum.markdown import render_markdown
    from forum.models import Answer, Comment, Question, Vote
    from forum.search import search_rebuild

    rng = random.Random(15)
    now = timezone.now()
    html = {text: render_markdown(text) for text in [*BODIES, *ANSWERS, *COMMENTS]}
    password = make_password(PASSWORD)
    User.objects.bulk_create(
        [
            User(
                username=f"member{i}",
                email=f"member{i}@example.com",
                password=password,
                reputation=rng.choice((1, 5, 20, 120, 1500, 12000)),
                is_staff=i % 40 == 0,
            )
            for i in range(members)
        ]
    )
    people = list(User.objects.filter(username__startswith="member").values_list("pk", flat=True))
    tags = Tag.objects.bulk_create([Tag(name=f"topic-{i}", slug=f"topic-{i}") for i in range(100)])
    question_type = ContentType.objects.get_for_model(Question)
    rows, plans = [], []
    for i in range(questions):
        asked = now - dt.timedelta(seconds=rng.uniform(3600, 400 * 86400))
        body = BODIES[i % len(BODIES)]
        n_answers = rng.randint(2, 6)
        plans.append((asked, n_answers))
        rows.append(
            Question(
                title=f"Question {i}: the {rng.choice(['router', 'app', 'printer', 'invoice'])} "
                f"stops working after the update",
                slug=f"question-{i}-stops-working-after-the-update",
                body=body,
                body_html=html[body],
                author_id=rng.choice(people),
                created_at=asked,
                last_activity_at=asked,
                answer_count=n_answers,
                view_count=rng.randint(0, 500),
            )
        )
    with transaction.atomic():
        created = Question.objects.bulk_create(rows, batch_size=2000)
        answers = []
        for question, (asked, n_answers) in zip(created, plans, strict=True):
            for k in range(n_answers):
                text = ANSWERS[(question.pk + k) % len(ANSWERS)]
                author = rng.choice([p for p in people if p != question.author_id][:50])
                answers.append(
                    Answer(
                        question_id=question.pk,
                        author_id=author,
                        body=text,
                        body_html=html[text],
                        created_at=asked + dt.timedelta(minutes=10 * (k + 1)),
                    )
                )
        answers = Answer.objects.bulk_create(answers, batch_size=5000)
        votes, score = [], {}
        for answer in answers:
            for voter in rng.sample(people, rng.choice((1, 2, 3, 3, 4, 5))):
                if voter == answer.author_id:
                    continue
                value = 1 if rng.random() < 0.85 else -1
                votes.append(Vote(voter_id=voter, answer_id=answer.pk, value=value))
                score[answer.pk] = score.get(answer.pk, 0) + value
        Vote.objects.bulk_create(votes, batch_size=10000)
        comments = []
        by_question: dict[int, list] = {}
        for answer in answers:
            by_question.setdefault(answer.question_id, []).append(answer)
        for question in created[::5]:
            for k in range(rng.randint(1, 3)):
                on_answer = k > 0 and rng.random() < 0.5
                text = COMMENTS[(question.pk + k) % len(COMMENTS)]
                target = (
                    {"answer_id": by_question[question.pk][0].pk}
                    if on_answer
                    else {"question_id": question.pk}
                )
                comments.append(
                    Comment(**target, author_id=rng.choice(people), body=text, body_html=html[text])
                )
        Comment.objects.bulk_create(comments, batch_size=5000)
        TaggedItem.objects.bulk_create(
            [
                TaggedItem(content_type=question_type, object_id=question.pk, tag=tag)
                for question in created
                for tag in rng.sample(tags, 3)
            ],
            batch_size=10000,
        )
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE forum_answer a SET score = s.score FROM (SELECT answer_id, SUM(value) AS score"
                " FROM forum_vote WHERE answer_id IS NOT NULL GROUP BY answer_id) s WHERE a.id = s.answer_id"
            )
            cursor.execute(
                "UPDATE forum_question q SET last_activity_at = m.at FROM (SELECT question_id,"
                " MAX(created_at) AS at FROM forum_answer GROUP BY question_id) m WHERE q.id = m.question_id"
            )
            cursor.execute(
                "UPDATE forum_question q SET comment_count = c.n FROM (SELECT question_id, COUNT(*) AS n"
                " FROM forum_comment WHERE question_id IS NOT NULL GROUP BY question_id) c"
                " WHERE q.id = c.question_id"
            )
            cursor.execute(
                "UPDATE forum_answer a SET comment_count = c.n FROM (SELECT answer_id, COUNT(*) AS n"
                " FROM forum_comment WHERE answer_id IS NOT NULL GROUP BY answer_id) c"
                " WHERE a.id = c.answer_id"
            )
            # An accepted answer (the first one) on 40% of the questions.
            cursor.execute(
                "UPDATE forum_question q SET accepted_answer_id = (SELECT MIN(a.id) FROM forum_answer a"
                " WHERE a.question_id = q.id) WHERE q.id % 5 < 2"
            )
        say(
            f"seeded {len(created):,} questions, {len(answers):,} answers, {len(votes):,} votes, "
            f"{len(comments):,} comments; indexing for search"
        )
        search_rebuild()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {
        "questions": len(created),
        "answers": len(answers),
        "votes": len(votes),
        "comments": len(comments),
    }


# --- Serving ---------------------------------------------------------------------------------


def redis_url(args) -> str:
    return f"redis://127.0.0.1:6379/{args.redis_db}"


def server_env(args, db_url: str, **extra: str) -> dict:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=db_url,
        REDIS_URL=redis_url(args),
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=SECRET_KEY,
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_SETTINGS_MODULE="bench_site",
        DJANGO_LOG_LEVEL="ERROR",
        PYTHONPATH=f"{ROOT / 'bench'}:{ROOT}",
        DJANGO_STATIC_ROOT=str(ROOT / "var" / "bench-static"),
    )
    env.update(extra)
    return env


class Gunicorn:
    """gunicorn with 2 sync workers, as the Dockerfile runs the site."""

    def __init__(self, args, db_url: str, **extra_env: str):
        self.port = args.port
        self.env = server_env(args, db_url, **extra_env)

    def __enter__(self):
        if not os.path.exists(os.path.join(self.env["DJANGO_STATIC_ROOT"], "staticfiles.json")):
            subprocess.run(
                [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
                cwd=ROOT,
                env=self.env,
                check=True,
            )
        self.process = subprocess.Popen(
            [
                str(ROOT / ".venv/bin/gunicorn"),
                "config.wsgi",
                "--workers=2",
                "--worker-class=sync",
                f"--bind=127.0.0.1:{self.port}",
                "--log-level=warning",
                "--timeout=120",
            ],
            cwd=ROOT,
            env=self.env,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                status, _, _ = request("GET", self.port, "/bench/trivial/")
                if status == 200 and len(self.workers()) == 2:
                    return self
            except OSError:
                pass
            time.sleep(0.3)
        self.__exit__()
        sys.exit("gunicorn did not start")

    def workers(self) -> list[int]:
        path = f"/proc/{self.process.pid}/task/{self.process.pid}/children"
        try:
            return [int(pid) for pid in open(path).read().split()]
        except OSError:
            return []

    def cpu_seconds(self) -> float:
        ticks = os.sysconf("SC_CLK_TCK")
        total = 0
        for pid in self.workers():
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
        return total / ticks

    def __exit__(self, *exc):
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()


def request(method: str, port: int, path: str, *, cookies: dict | None = None, form: dict | None = None):
    """One HTTP request; returns (status, headers as a list, body). Cookies are sent whatever
    their Secure flag (the benchmark speaks plain HTTP to a production-configured site)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Host": "127.0.0.1"}
    if cookies:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    body = None
    if form is not None:
        body = urllib.parse.urlencode(form)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.getheaders(), response.read()
    finally:
        conn.close()


def set_cookies(headers) -> dict:
    found = {}
    for name, value in headers:
        if name.lower() == "set-cookie":
            key, _, rest = value.partition("=")
            found[key.strip()] = rest.split(";", 1)[0]
    return found


CSRF_INPUT = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


def log_in(port: int, username: str) -> dict:
    """Log in through the login form, as a browser would; returns the cookies to send."""
    status, headers, body = request("GET", port, "/accounts/login/")
    cookies = set_cookies(headers)
    token = CSRF_INPUT.search(body).group(1).decode()
    form = {"login": username, "password": PASSWORD, "csrfmiddlewaretoken": token}
    status, headers, body = request("POST", port, "/accounts/login/", cookies=cookies, form=form)
    cookies.update(set_cookies(headers))
    if status != 302 or "sessionid" not in cookies:
        sys.exit(f"could not log {username} in: {status} {body[:300]!r}")
    return cookies


# --- Measuring pages -------------------------------------------------------------------------

WRK_RPS = re.compile(r"Requests/sec:\s+([\d.]+)")
WRK_TOTAL = re.compile(r"(\d+) requests in")
WRK_NON2XX = re.compile(r"Non-2xx or 3xx responses: (\d+)")


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk(port: int, path: str, seconds: int, cookie: str = "") -> dict:
    command = ["wrk", "-t1", "-c4", f"-d{seconds}s", "--latency", "--timeout", "10s"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    out = subprocess.run(
        [*command, f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True, check=True
    )
    text = out.stdout
    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)$", text, re.M))
    return {
        "rps": float(WRK_RPS.search(text).group(1)),
        "requests": int(WRK_TOTAL.search(text).group(1)),
        "non_2xx": int(m.group(1)) if (m := WRK_NON2XX.search(text)) else 0,
        "p50_ms": _ms(latency["50"]) if "50" in latency else None,
        "p99_ms": _ms(latency["99"]) if "99" in latency else None,
    }


def pages_to_measure(port: int) -> list[tuple[str, str, bool]]:
    from forum.models import Question

    question = Question.objects.filter(answer_count=4, accepted_answer__isnull=False).order_by("pk").first()
    question = question or Question.objects.filter(answer_count=4).order_by("pk").first()
    url = question.get_absolute_url()
    return [
        ("trivial view", "/bench/trivial/", False),
        ("question list", "/questions/", False),
        ("question (4 answers)", url, False),
        ("question (4 answers) returning reader", url, "reader"),
        ("tag list", "/tags/", False),
        ("search", "/search/?q=router+firmware", False),
        ("list page 100", "/questions/?page=100", False),
        ("home", "/", False),
        ("question, signed in", url, True),
        ("question list, signed in", "/questions/", True),
        ("trivial view, signed in", "/bench/trivial/", True),
        ("trivial view (again)", "/bench/trivial/", False),
    ]


def measure(server, path: str, seconds: int, cookie: str) -> dict:
    """wrk on one page, with the gunicorn workers' CPU time over the run per request served."""
    before = server.cpu_seconds()
    figures = wrk(server.port, path, seconds, cookie)
    used = server.cpu_seconds() - before
    figures["cpu_ms_per_request"] = round(1000 * used / max(figures["requests"], 1), 2)
    figures["load_average"] = os.getloadavg()
    return figures


def run_pages(args, db_url: str) -> dict:
    import redis

    redis.Redis.from_url(redis_url(args)).flushdb()
    results = []
    with Gunicorn(args, db_url) as server:
        cookies = log_in(server.port, "member7")
        cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())
        # A returning anonymous reader: no session, the CSRF cookie their first visit set.
        _, headers, _ = request("GET", server.port, "/")
        reader = {"csrftoken": set_cookies(headers)["csrftoken"]}
        reader_cookie = f"csrftoken={reader['csrftoken']}"
        # Names with a comma in them ("question, signed in"): separate with ";" instead.
        separator = ";" if ";" in args.only else ","
        only = {name.strip() for name in args.only.split(separator) if name.strip()}
        for name, path, signed_in in pages_to_measure(server.port):
            if only and name not in only and not name.startswith("trivial"):
                continue
            sent, sent_cookie = {
                True: (cookies, cookie),
                False: (None, ""),
                "reader": (reader, reader_cookie),
            }[signed_in]
            status, _, body = request("GET", server.port, path, cookies=sent)
            if status != 200:
                sys.exit(f"{name}: {path} answered {status}")
            wrk(server.port, path, args.warmup, sent_cookie)
            figures = measure(server, path, args.duration, sent_cookie)
            figures.update(page=name, path=path, signed_in=signed_in is True, bytes=len(body))
            if not name.startswith("trivial"):
                # The trivial view again, just before this page's run: the machine is shared,
                # so each page is compared with the trivial view at the same moment.
                beside = measure(server, "/bench/trivial/", args.duration, sent_cookie)
                figures["trivial_beside_rps"] = beside["rps"]
                figures["share_of_trivial_beside"] = round(figures["rps"] / beside["rps"], 3)
            results.append(figures)
            say(
                f"{name:28} {figures['rps']:8.1f} req/s  p50 {figures['p50_ms']} ms  "
                f"cpu {figures['cpu_ms_per_request']} ms/req  "
                f"trivial beside {figures.get('trivial_beside_rps', '-')}  load {os.getloadavg()[0]:.2f}"
            )
    trivial = statistics.median(
        r["rps"] for r in results if r["page"].startswith("trivial view") and not r["signed_in"]
    )
    for r in results:
        r["share_of_trivial"] = round(r.get("share_of_trivial_beside") or r["rps"] / trivial, 3)
    return {"trivial_rps": trivial, "pages": results}


def print_pages_table(result: dict) -> None:
    print(
        "\n| page | signed in | requests/s | trivial view beside, req/s | share of trivial "
        "| p50 ms | p99 ms | CPU ms/request |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for r in result["pages"]:
        print(
            f"| {r['page']} | {'yes' if r['signed_in'] else 'no'} | {r['rps']:,.1f} "
            f"| {r.get('trivial_beside_rps', '')} | {r['share_of_trivial']:.0%} | {r['p50_ms']} "
            f"| {r['p99_ms']} | {r['cpu_ms_per_request']} |"
        )


# --- Measuring votes -------------------------------------------------------------------------


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # nothing listens there once the socket is closed


def vote_round(args, db_url: str, label: str, voters: list, **extra_env: str) -> dict:
    """Every voter logs in, reads a thread (for its CSRF cookie and token), then all vote at once."""
    from forum.models import Answer

    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    with Gunicorn(args, db_url, **extra_env) as server:
        sessions = []
        for voter in voters:
            cookies = log_in(server.port, voter.username)
            # Answers this voter has not voted on and did not write: a cast each time.
            targets = list(
                Answer.objects.exclude(author=voter)
                .exclude(votes__voter=voter)
                .order_by("?")
                .values_list("pk", "question_id")[: args.votes_each]
            )
            sessions.append((cookies, targets))
        start = threading.Barrier(len(sessions))

        def run(cookies, targets):
            token = cookies.get("csrftoken", "")
            start.wait()
            for answer_id, _question_id in targets:
                began = time.perf_counter()
                status, _, _ = request(
                    "POST",
                    server.port,
                    f"/answers/{answer_id}/vote/",
                    cookies=cookies,
                    form={"value": "1", "csrfmiddlewaretoken": token},
                )
                took = time.perf_counter() - began
                with lock:
                    latencies.append(took)
                    statuses[status] = statuses.get(status, 0) + 1

        threads = [threading.Thread(target=run, args=session) for session in sessions]
        began, cpu_before = time.perf_counter(), server.cpu_seconds()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - began
        cpu = server.cpu_seconds() - cpu_before
    latencies.sort()
    figures = {
        "case": label,
        "votes": len(latencies),
        "statuses": statuses,
        "votes_per_second": round(len(latencies) / wall, 1),
        "p50_ms": round(1000 * latencies[len(latencies) // 2], 1),
        "p99_ms": round(1000 * latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))], 1),
        "server_cpu_ms_per_vote": round(1000 * cpu / max(len(latencies), 1), 2),
        "load_average": os.getloadavg(),
    }
    say(
        f"{label:40} p50 {figures['p50_ms']} ms  p99 {figures['p99_ms']} ms  "
        f"{figures['votes_per_second']} votes/s  {statuses}"
    )
    return figures


def run_votes(args, db_url: str) -> dict:
    import redis

    from accounts.models import User

    redis.Redis.from_url(redis_url(args)).flushdb()
    people = list(User.objects.filter(username__startswith="member").order_by("?")[: args.voters * 3])
    rounds = [
        ("broker up (Redis)", people[: args.voters], {}),
        (
            "broker down (closed port), cache up",
            people[args.voters : 2 * args.voters],
            {"BENCH_BROKER_URL": f"redis://127.0.0.1:{closed_port()}/0"},
        ),
    ]
    results = []
    for label, voters, env in rounds:
        # Each round logs 20 members in from one address: the sign-in limit per client (README,
        # "Anti-abuse") starts afresh, with the last round's queued tasks (no worker runs here).
        redis.Redis.from_url(redis_url(args)).flushdb()
        results.append(vote_round(args, db_url, label, voters, **env))
    redis.Redis.from_url(redis_url(args)).flushdb()  # the queued tasks: no worker runs here
    return {"voters": args.voters, "votes_each": args.votes_each, "rounds": results}


def print_votes_table(result: dict) -> None:
    print("\n| case | votes | votes/s | p50 ms | p99 ms | server CPU ms/vote | statuses |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for r in result["rounds"]:
        print(
            f"| {r['case']} | {r['votes']} | {r['votes_per_second']} | {r['p50_ms']} | {r['p99_ms']} "
            f"| {r['server_cpu_ms_per_vote']} | {r['statuses']} |"
        )


def main() -> None:
    args = parse_args()
    db_url = database_url(args.database)
    info = {
        "machine": machine(),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "command": " ".join(sys.argv),
    }
    if not args.reuse:
        recreate_database(db_url)
    setup_django(db_url, redis_url(args))
    if not args.reuse:
        say("seeding")
        info["seed"] = seed(questions=args.questions, members=args.members)
    if args.command == "votes":
        info["votes"] = run_votes(args, db_url)
        print_votes_table(info["votes"])
    else:
        info["pages"] = run_pages(args, db_url)
        print_pages_table(info["pages"])
    info["load_average_at_end"] = os.getloadavg()
    print(f"\nmachine: {info['machine']}\nload average at end: {info['load_average_at_end']}")
    if args.json:
        print(json.dumps(info, indent=2, default=str))


if __name__ == "__main__":
    main()
