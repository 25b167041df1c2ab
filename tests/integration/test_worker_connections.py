"""A worker keeps its PostgreSQL connection between tasks for CONN_MAX_AGE (config/celery.py)."""

import time

import pytest
from django.db import connection

from config.celery import app as celery_app
from tests.integration.conftest import wait_for_idle_broker

pytestmark = pytest.mark.django_db(transaction=True)

TASKS = 40


def sessions_opened() -> int:
    """PostgreSQL's count of sessions ever opened on the test database. A backend reports it
    with its other statistics, at the latest a second or so after going idle."""
    time.sleep(2)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT sessions FROM pg_stat_database WHERE datname = current_database()")
        return cursor.fetchone()[0]


def run_tasks_through(worker_url: str) -> None:
    for number in range(TASKS):
        # An event that does not exist: the task reads the database and writes nothing.
        celery_app.send_task("reputation.apply_event", args=[2_000_000_000 + number])
    wait_for_idle_broker(worker_url)


def test_a_worker_reuses_its_database_connection_across_tasks(private_broker, start_worker):
    start_worker(private_broker.url(), name="keeper", concurrency=1, conn_max_age=60)
    before = sessions_opened()

    run_tasks_through(private_broker.url())

    opened = sessions_opened() - before
    assert 1 <= opened <= 3, f"{TASKS} tasks opened {opened} PostgreSQL sessions"


def test_with_conn_max_age_0_each_task_has_its_own_connection(private_broker, start_worker):
    """The control: the count above is one the fixup's per-task close would have raised."""
    start_worker(private_broker.url(), name="closer", concurrency=1, conn_max_age=0)
    before = sessions_opened()

    run_tasks_through(private_broker.url())

    assert sessions_opened() - before >= TASKS
