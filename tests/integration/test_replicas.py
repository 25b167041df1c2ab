"""Reads spread over a real streaming replica (README, "Read replicas").

The module starts its own primary cluster and a standby made from it with `pg_basebackup -R`
(tests/integration/postgres_clusters.py), migrates the primary, and serves the site with gunicorn
(one sync worker, persistent connections) with DATABASE_URL on the primary and
DATABASE_REPLICA_URLS on the standby. Which database answered a page is told by pausing the
standby's WAL replay: an answer posted meanwhile is on the primary only.
"""

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import pytest
import requests

from tests.integration.postgres_clusters import make_primary, make_standby, server_bindir, wait_for_replay

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
STICKY_SECONDS = 3
RETRY_SECONDS = 2
PASSWORD = "replica-test-password-1"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Site:
    def __init__(self, primary, standby, base_url: str, log_path: Path, process: subprocess.Popen):
        self.primary = primary
        self.standby = standby
        self.base_url = base_url
        self.log_path = log_path
        self.process = process

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


def _wait_until_up(url: str, process: subprocess.Popen, log_path: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"gunicorn exited with {process.returncode}:\n{log_path.read_text()[-4000:]}")
        try:
            if requests.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    pytest.fail(f"gunicorn did not answer within {timeout:.0f}s:\n{log_path.read_text()[-4000:]}")


@pytest.fixture(scope="module")
def site():
    bindir = server_bindir()
    if bindir is None:
        pytest.skip("initdb, pg_ctl and pg_basebackup are not installed (Debian: postgresql-15)")
    ARTIFACTS.mkdir(exist_ok=True)
    base = Path(tempfile.mkdtemp(prefix="commonplace-replica-"))
    clusters = []
    process = None
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
        }
        manage = [sys.executable, "manage.py"]
        subprocess.run([*manage, "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True, timeout=180)
        subprocess.run(
            [
                *manage,
                "shell",
                "-c",
                "from accounts.models import User; "
                f"User.objects.create_user('ann', 'ann@example.com', '{PASSWORD}')",
            ],
            cwd=ROOT,
            env=env,
            check=True,
            timeout=60,
        )
        standby = make_standby(primary)
        clusters.append(standby)
        port = _free_port()
        log_path = ARTIFACTS / "gunicorn-replicas.log"
        log_path.write_text("")
        env |= {
            "DATABASE_REPLICA_URLS": standby.url(),
            "COMMONPLACE_REPLICA_STICKY_SECONDS": str(STICKY_SECONDS),
            "COMMONPLACE_REPLICA_RETRY_SECONDS": str(RETRY_SECONDS),
        }
        with log_path.open("ab") as log:
            process = subprocess.Popen(
                [
                    *(sys.executable, "-m", "gunicorn", "config.wsgi:application"),
                    *("--bind", f"127.0.0.1:{port}", "--workers", "1", "--access-logfile", "-"),
                ],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        base_url = f"http://127.0.0.1:{port}"
        _wait_until_up(base_url, process, log_path)
        yield Site(primary, standby, base_url, log_path, process)
    finally:
        if process is not None:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        for cluster in reversed(clusters):
            cluster.stop()
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
