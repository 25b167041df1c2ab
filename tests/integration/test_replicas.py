"""Reads spread over a real streaming replica (README, "Read replicas").

The module starts its own primary cluster and a standby made from it with `pg_basebackup -R`
(tests/integration/postgres_clusters.py), migrates the primary, and serves the site with gunicorn
(one sync worker, persistent connections) with DATABASE_URL on the primary and
DATABASE_REPLICA_URLS on the standby. Which database answered a page is told by pausing the
standby's WAL replay: an answer posted meanwhile is on the primary only.
"""

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import pytest
import requests

from tests.integration.postgres_clusters import (
    free_port,
    make_primary,
    make_standby,
    server_bindir,
    wait_for_replay,
)

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
STICKY_SECONDS = 2
RETRY_SECONDS = 2
PASSWORD = "replica-test-password-1"


class Gunicorn:
    """The site served by gunicorn with one sync worker: one process, so one memory of which
    replica is down."""

    def __init__(self, env: dict[str, str], name: str):
        self.env = env
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_path = ARTIFACTS / f"gunicorn-{name}.log"
        self.process: subprocess.Popen | None = None

    def start(self):
        self.launch()
        return self.wait_until_up()

    def launch(self) -> None:
        self.log_path.write_text("")
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    *(sys.executable, "-m", "gunicorn", "config.wsgi:application"),
                    *("--bind", f"127.0.0.1:{self.port}", "--workers", "1", "--access-logfile", "-"),
                    "--no-control-socket",  # two servers at once, and no clash with any other gunicorn
                ],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def wait_until_up(self):
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"gunicorn exited with {self.process.returncode}:\n{self.log()[-4000:]}")
            with contextlib.suppress(requests.RequestException):
                if requests.get(f"{self.base_url}/healthz", timeout=2).status_code == 200:
                    return self
            time.sleep(0.2)
        pytest.fail(f"gunicorn did not answer within 90s:\n{self.log()[-4000:]}")

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.send_signal(signal.SIGQUIT)  # gunicorn's quick shutdown
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def member(self) -> requests.Session:
        """A signed-in browser: the login form, as a member fills it in."""
        browser = requests.Session()
        browser.get(f"{self.base_url}/accounts/login/", timeout=30).raise_for_status()
        response = browser.post(
            f"{self.base_url}/accounts/login/",
            data={"login": "ann", "password": PASSWORD, "csrfmiddlewaretoken": browser.cookies["csrftoken"]},
            timeout=30,
        )
        assert response.ok and "/accounts/login/" not in response.url, response.text[:2000]
        return browser

    def post_answer(self, browser: requests.Session, question_url: str, text: str) -> requests.Response:
        question_id = re.search(r"/questions/(\d+)/", question_url).group(1)
        response = browser.post(
            f"{self.base_url}/questions/{question_id}/answers/",
            data={"body": text, "csrfmiddlewaretoken": browser.cookies["csrftoken"]},
            timeout=30,
        )
        assert response.ok, response.text[:2000]
        return response

    def anonymous_page(self, path: str) -> str:
        response = requests.get(f"{self.base_url}{path}", timeout=30)
        assert response.status_code == 200, response.text[:2000]
        return response.text


class Site(Gunicorn):
    def __init__(self, env: dict[str, str], primary, standby):
        super().__init__(env, "replicas")
        self.primary = primary
        self.standby = standby

    @contextlib.contextmanager
    def another_server(self, **settings: str):
        """The same site and databases served by a second gunicorn with other settings."""
        server = Gunicorn({**self.env, **settings}, "replicas-other")
        try:
            yield server.start()
        finally:
            server.stop()


@pytest.fixture(scope="module")
def site():
    bindir = server_bindir()
    if bindir is None:
        pytest.skip("initdb, pg_ctl and pg_basebackup are not installed (Debian: postgresql-15)")
    ARTIFACTS.mkdir(exist_ok=True)
    # In memory where there is a tmpfs: two clusters written and removed, quicker than on disk.
    shm = Path("/dev/shm")  # noqa: S108 - mkdtemp makes a private directory in it
    in_memory = shm.is_dir() and os.access(shm, os.W_OK)
    base = Path(tempfile.mkdtemp(prefix="commonplace-replica-", dir=shm if in_memory else None))
    clusters = []
    server = None
    try:
        primary = make_primary(bindir, base)
        clusters.append(primary)
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("DATABASE", "COMMONPLACE_"))},
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DJANGO_DEBUG": "1",
            "DATABASE_URL": primary.url(),
            "DATABASE_CONN_MAX_AGE": "60",
            "REDIS_URL": "",
            "COMMONPLACE_VAR_DIR": str(base / "var"),
            "COMMONPLACE_POST_LIMITS_ENABLED": "0",
            # The anonymous page cache renders what it stores from the primary (tested in
            # tests/config/test_replicas.py); here every page is rendered, so where a read went
            # shows on the page.
            "COMMONPLACE_PAGE_CACHE_SECONDS": "0",
        }
        standby = make_standby(primary)  # an empty database yet: the migrations replicate to it
        clusters.append(standby)
        server = Site(
            env
            | {
                "DATABASE_REPLICA_URLS": standby.url(),
                "COMMONPLACE_REPLICA_STICKY_SECONDS": str(STICKY_SECONDS),
                "COMMONPLACE_REPLICA_RETRY_SECONDS": str(RETRY_SECONDS),
            },
            primary,
            standby,
        )
        server.launch()  # gunicorn boots while the primary is migrated: nothing is served before
        subprocess.run(
            [
                *(sys.executable, "manage.py", "shell", "-c"),
                "from django.core.management import call_command; from accounts.models import User; "
                "call_command('migrate', interactive=False, verbosity=0); "
                f"User.objects.create_user('ann', 'ann@example.com', '{PASSWORD}')",
            ],
            cwd=ROOT,
            env=env,
            check=True,
            timeout=180,
            stdout=subprocess.DEVNULL,
        )
        server.wait_until_up()
        wait_for_replay(primary, standby)
        yield server
    finally:
        if server is not None:
            server.stop()
        for cluster in reversed(clusters):
            cluster.stop("immediate")
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def replay_paused(site):
    """The standby caught up, then its replay paused: from here what is written is on the primary
    only, until the test ends (replay resumes) or the standby restarts."""
    wait_for_replay(site.primary, site.standby)
    site.standby.query("SELECT pg_wal_replay_pause()")
    try:
        yield
    finally:
        if site.standby.is_running():
            site.standby.query("SELECT pg_wal_replay_resume()")


@pytest.fixture
def question(site):
    """A question asked by the member, replayed on the standby."""
    ann = site.member()
    title = f"Router drops the connection every hour {uuid.uuid4().hex[:6]}"
    response = ann.post(
        f"{site.base_url}/questions/ask/",
        data={
            "title": title,
            "body": "Every hour the router drops the connection for a minute. What can I try?",
            "tags": "router",
            "csrfmiddlewaretoken": ann.cookies["csrftoken"],
        },
        timeout=30,
    )
    assert response.ok and re.search(r"/questions/\d+/", response.url), response.text[:2000]
    wait_for_replay(site.primary, site.standby)
    return response.url.removeprefix(site.base_url)


def test_the_standby_is_a_streaming_replica(site):
    assert site.standby.query("SELECT pg_is_in_recovery()") is True
    assert site.primary.query("SELECT count(*) FROM pg_stat_replication") == 1
    assert requests.get(f"{site.base_url}/healthz", timeout=30).json()["replicas"] == {"replica_1": "ok"}


def test_reads_go_to_the_replica_but_a_member_who_just_answered_sees_their_answer(
    site, question, replay_paused
):
    ann = site.member()
    text = f"Turning off the power-saving mode fixed it for me ({uuid.uuid4().hex})."

    answered = site.post_answer(ann, question, text)

    # The member is sent back to the thread and sees their answer at once: read from the primary.
    assert text in answered.text
    assert text in ann.get(f"{site.base_url}{question}", timeout=30).text
    # Anyone else reads the replica, whose replay is paused: not there yet.
    assert text not in site.anonymous_page(question)
    # The sticky window passes: the member reads the replica too.
    time.sleep(STICKY_SECONDS + 0.5)
    assert text not in ann.get(f"{site.base_url}{question}", timeout=30).text

    site.standby.query("SELECT pg_wal_replay_resume()")
    wait_for_replay(site.primary, site.standby)

    assert text in site.anonymous_page(question)


def test_a_stopped_replica_falls_back_to_the_primary_and_reads_return_when_it_is_back(site, question):
    ann = site.member()
    site.standby.stop()
    try:
        while_down = f"Answered while the replica was down ({uuid.uuid4().hex})."
        site.post_answer(ann, question, while_down)

        # Pages work, from the primary. The worker tries the replica once, then remembers it is
        # down for RETRY_SECONDS: not a try (nor a connect timeout) on every request.
        started = time.monotonic()
        for _ in range(4):
            assert while_down in site.anonymous_page(question)
            site.anonymous_page("/questions/")
        windows = int((time.monotonic() - started) // RETRY_SECONDS) + 1
        assert 1 <= site.log().count("Database replica_1 is unreachable") <= windows < 8
        health = requests.get(f"{site.base_url}/healthz", timeout=30)
        assert health.status_code == 200
        assert health.json()["replicas"] == {"replica_1": "unavailable"}
    finally:
        site.standby.start()

    wait_for_replay(site.primary, site.standby)
    site.standby.query("SELECT pg_wal_replay_pause()")
    try:
        after = f"Answered once the replica was back ({uuid.uuid4().hex})."
        site.post_answer(ann, question, after)
        time.sleep(RETRY_SECONDS + 0.5)  # the worker's memory of the outage runs out

        # Read from the replica again: its replay is paused, so the new answer is not there.
        assert while_down in (page := site.anonymous_page(question))
        assert after not in page
    finally:
        site.standby.query("SELECT pg_wal_replay_resume()")


def test_a_replica_too_far_behind_is_left_for_the_primary(site, question, replay_paused):
    with site.another_server(
        COMMONPLACE_REPLICA_MAX_LAG_SECONDS="1", COMMONPLACE_REPLICA_RETRY_SECONDS="1"
    ) as lagging:
        text = f"Written while the replica's replay was paused ({uuid.uuid4().hex})."
        site.post_answer(site.member(), question, text)
        time.sleep(1.5)  # the replica is now over a second behind

        assert text in lagging.anonymous_page(question)
        assert "Database replica_1 is more than 1 s behind" in lagging.log()
        # The first server checks no lag: it still reads the paused replica.
        assert text not in site.anonymous_page(question)
