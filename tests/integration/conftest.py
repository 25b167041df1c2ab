"""A real Celery worker process, started against the test database and the test Redis.

Integration tests run on PostgreSQL and Redis (`make test-services`, which .ci/run calls). The
worker is a separate OS process, so tests that give it work must commit their data: use the
`transactional_db` fixture, not `db`.
"""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.db import connection

from config.celery import app as celery_app

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"


def pytest_collection_modifyitems(items):
    for item in items:
        if Path(str(item.fspath)).is_relative_to(Path(__file__).parent):
            item.add_marker(pytest.mark.integration)


def _test_database_url() -> str:
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path="/" + connection.settings_dict["NAME"]))


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker):
    if connection.vendor != "postgresql" or not settings.REDIS_URL:
        pytest.fail("Integration tests need PostgreSQL (DATABASE_URL) and REDIS_URL: `make test-services`.")
    # Forget messages a previous, interrupted run may have left on the test broker.
    celery_app.control.purge()
    ARTIFACTS.mkdir(exist_ok=True)
    log_path = ARTIFACTS / "celery-worker.log"
    env = {**os.environ, "DATABASE_URL": _test_database_url(), "DATABASE_CONN_MAX_AGE": "0"}
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--loglevel=INFO",
                "--concurrency=2",
                "--without-gossip",
                "--without-mingle",
                "-n",
                f"test-{uuid.uuid4().hex[:8]}@%h",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_for_worker(process, log_path)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _wait_for_worker(process: subprocess.Popen, log_path: Path, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"Celery worker exited with {process.returncode}:\n{log_path.read_text()[-4000:]}")
        try:
            if celery_app.send_task("commonplace.ping").get(timeout=5) == "pong":
                return
        except Exception:  # noqa: S112 - the worker is still starting; try again until the deadline
            continue
    pytest.fail(f"Celery worker did not answer within {timeout:.0f}s:\n{log_path.read_text()[-4000:]}")
