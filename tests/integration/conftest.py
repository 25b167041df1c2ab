"""Real processes for the integration tests: a Redis server of their own and Celery workers.

Integration tests run on PostgreSQL (`make test-services`, which .ci/run calls). They never use
the shared Redis named by REDIS_URL: the session starts its own `redis-server` on a free port, so
a test may stop and restart the broker without disturbing anything else, and points this
process's Celery app, /healthz and every worker it starts at it. Workers are separate OS
processes, so tests that give them work must commit their data: use
`pytest.mark.django_db(transaction=True)`, not `db`.
"""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
import redis
from django.conf import settings
from django.db import connection
from kombu import pools as kombu_pools
from redis.backoff import NoBackoff
from redis.retry import Retry

from config.celery import app as celery_app

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"


def pytest_collection_modifyitems(items):
    # Under pytest-xdist (--dist loadgroup) they all run on one worker: one Redis server and one
    # shared Celery worker for the lot, and their timing-sensitive work is not run twice at once.
    for item in items:
        if Path(str(item.fspath)).is_relative_to(Path(__file__).parent):
            item.add_marker(pytest.mark.integration)
            item.add_marker(pytest.mark.xdist_group("integration"))


def _test_database_url() -> str:
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path="/" + connection.settings_dict["NAME"]))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait(predicate, *, timeout: float, what: str, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := predicate():
            return result
        time.sleep(interval)
    pytest.fail(f"Timed out after {timeout:.0f}s waiting for {what}.")


# --- Redis -----------------------------------------------------------------------------------


class RedisServer:
    """A throwaway `redis-server` (no persistence): stop() is a broker outage that loses every
    queued message, start() brings an empty one back on the same port."""

    def __init__(self, name: str, port: int | None = None):
        self.port = port or _free_port()
        self.log_path = ARTIFACTS / f"redis-{name}.log"
        self.process: subprocess.Popen | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def _ping(self) -> bool:
        try:
            # No retries: redis-py's default backoff makes a refused ping take ~5 s.
            client = redis.Redis(port=self.port, socket_connect_timeout=0.5, retry=Retry(NoBackoff(), 0))
            return client.ping()
        except redis.RedisError:
            return False

    def start(self) -> "RedisServer":
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.fail("Integration tests start their own broker: install redis-server.")
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    *(binary, "--bind", "127.0.0.1", "--port", str(self.port), "--daemonize", "no"),
                    *("--save", "", "--appendonly", "no"),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        _wait(self._ping, timeout=15, what=f"redis-server on port {self.port}")
        return self

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None
        _wait(lambda: not self._ping(), timeout=10, what=f"redis-server on port {self.port} to stop")


def reset_celery_connections() -> None:
    """Forget pooled broker connections and the cached result backend, so the next publish or
    result read connects afresh to what the configuration now names."""
    kombu_pools.reset()  # closes every pooled connection and forgets the pools, keyed by URL
    celery_app._pool = None
    if "amqp" in celery_app.__dict__:
        celery_app.amqp._producer_pool = None
    celery_app._backend_cache = None
    with contextlib.suppress(AttributeError):
        del celery_app._local.backend


@contextlib.contextmanager
def celery_pointed_at(url: str):
    """Point this process's Celery app (broker and results) and /healthz at `url`."""
    previous = (celery_app.conf.broker_url, celery_app.conf.result_backend, settings.REDIS_URL)
    celery_app.conf.broker_url = celery_app.conf.result_backend = settings.REDIS_URL = url
    reset_celery_connections()
    try:
        yield
    finally:
        celery_app.conf.broker_url, celery_app.conf.result_backend, settings.REDIS_URL = previous
        reset_celery_connections()


@pytest.fixture(scope="session")
def redis_server():
    if connection.vendor != "postgresql":
        pytest.fail("Integration tests need PostgreSQL (DATABASE_URL): `make test-services`.")
    ARTIFACTS.mkdir(exist_ok=True)
    server = RedisServer("session").start()
    try:
        yield server
    finally:
        server.stop()


def wait_for_idle_broker(url: str, timeout: float = 60.0) -> None:
    """Wait until no message is queued or unacknowledged on the broker: every task (all use
    acks_late) has finished, scheduled ones included. Kombu's Redis transport keeps the queues in
    the lists "celery" and "ledger" and delivered-but-unacked messages in the hash "unacked"."""
    client = redis.Redis.from_url(url, socket_connect_timeout=1, retry=Retry(NoBackoff(), 0))
    quiet = 0

    def idle() -> bool:
        nonlocal quiet
        try:
            busy = client.llen("celery") or client.llen("ledger") or client.hlen("unacked")
        except redis.RedisError:
            busy = True
        quiet = 0 if busy else quiet + 1
        return quiet >= 3

    _wait(idle, timeout=timeout, what="the worker to finish its queue")


_session_worker: list["Worker"] = []


# Notification emails are gathered for a burst window (a task scheduled that far ahead, held by
# the worker meanwhile); here the window is a second, so a test's work is done soon after it is.
EMAIL_BURST_SECONDS = "1"


@pytest.fixture(autouse=True)
def _celery_on_the_test_broker(redis_server, settings):
    settings.COMMONPLACE_EMAIL_BURST_SECONDS = int(EMAIL_BURST_SECONDS)
    with celery_pointed_at(redis_server.url()):
        yield
        # Before pytest-django flushes the tables (TRUNCATE), let the shared worker finish what
        # the test gave it (badge checks trail the events): a task still running would hold
        # locks the TRUNCATE needs, and the two would deadlock.
        if any(worker.process.poll() is None for worker in _session_worker):
            wait_for_idle_broker(redis_server.url())


# --- Workers ---------------------------------------------------------------------------------


class Worker:
    """A `celery worker` process (prefork, in its own process group) against the test database.
    `slow_marker` starts tests/integration/slow_worker.py instead: the first event it applies
    stalls inside the ledger transaction, after writing entries, and the pool child writes
    "<pid> <event id>" to the marker file first, so a test can kill it mid-task."""

    def __init__(
        self,
        broker_url: str,
        *,
        name: str,
        concurrency: int = 2,
        slow_marker: Path | None = None,
        conn_max_age: int = 0,
    ):
        self.broker_url = broker_url
        self.conn_max_age = conn_max_age
        self.name = name
        self.concurrency = concurrency
        self.slow_marker = slow_marker
        self.log_path = ARTIFACTS / f"celery-{name}.log"
        self.process: subprocess.Popen | None = None

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def start(self) -> "Worker":
        env = {
            **os.environ,
            "DATABASE_URL": _test_database_url(),
            # 0 unless a test asks: a connection left open would stop the test database's drop.
            "DATABASE_CONN_MAX_AGE": str(self.conn_max_age),
            "REDIS_URL": self.broker_url,
            "COMMONPLACE_EMAIL_BURST_SECONDS": EMAIL_BURST_SECONDS,
        }
        program = ["-m", "celery", "-A", "config"]
        if self.slow_marker is not None:
            program = ["-m", "tests.integration.slow_worker"]
            env["COMMONPLACE_TEST_STALL_MARKER"] = str(self.slow_marker)
        args = [
            "worker",
            "--loglevel=INFO",
            f"--concurrency={self.concurrency}",
            "--without-gossip",
            "--without-mingle",
            "-n",
            f"{self.name}-{uuid.uuid4().hex[:8]}@%h",
        ]
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, *program, *args],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.wait_ready()
        return self

    def restart_if_dead(self) -> bool:
        """What a supervisor (docker compose's `restart: unless-stopped`) does for a worker that
        exited: start it again. True when it had to."""
        if self.process is None or self.process.poll() is None:
            return False
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pid, signal.SIGKILL)  # any pool process it left behind
        self.start()
        return True

    def log_tail(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]

    def wait_ready(self, timeout: float = 60.0) -> None:
        """A ping round trip through the broker this process's Celery app points at."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"Celery worker exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                if celery_app.send_task("commonplace.ping").get(timeout=5) == "pong":
                    return
            except Exception:  # noqa: S112 - the worker is still starting; try again until the deadline
                continue
        pytest.fail(f"Celery worker did not answer within {timeout:.0f}s:\n{self.log_tail()}")

    def children(self) -> list[int]:
        """Pids of the pool processes."""
        found = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with contextlib.suppress(OSError, IndexError, ValueError):
                # pid (comm) state ppid ...: comm may hold spaces, so split after the last ")".
                if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == self.pid:
                    found.append(int(stat.parent.name))
        return found

    def kill_all(self) -> None:
        """SIGKILL the main process and its pool at once: nothing gets to clean up or ack."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            with contextlib.suppress(ProcessLookupError, TypeError):
                os.killpg(self.pid, signal.SIGKILL)  # leftover pool children, if any
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.kill_all()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pid, signal.SIGKILL)


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker, redis_server):
    """The shared worker, on the session's broker (concurrency 4: its tasks mostly wait on PostgreSQL)."""
    assert not celery_app.conf.task_always_eager
    worker = Worker(redis_server.url(), name="worker", concurrency=4)
    with celery_pointed_at(redis_server.url()):
        worker.start()
    _session_worker.append(worker)
    try:
        yield worker
    finally:
        _session_worker.remove(worker)
        worker.stop()


@pytest.fixture
def private_broker(transactional_db):
    """A Redis server for one test, with this process's Celery app pointed at it, so workers the
    test starts see only its messages and the shared worker none of them."""
    server = RedisServer(f"private-{uuid.uuid4().hex[:6]}").start()
    try:
        with celery_pointed_at(server.url()):
            yield server
    finally:
        server.stop()
        with contextlib.suppress(OSError):
            server.log_path.unlink()


@pytest.fixture
def start_worker(transactional_db):
    """Start workers for one test; each is stopped (or reaped) before the database is flushed."""
    started: list[Worker] = []

    def start(broker_url: str, *, name: str, **options) -> Worker:
        worker = Worker(broker_url, name=name, **options)
        started.append(worker)
        return worker.start()

    yield start
    for worker in reversed(started):
        worker.stop()
