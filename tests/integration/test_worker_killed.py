"""A worker killed with SIGKILL mid-task loses and duplicates nothing (PostgreSQL, Redis, real
`celery worker` processes). The task is stalled deterministically by tests/integration/
slow_worker.py: entries written, transaction still open, then the kill."""

import os
import signal
import time
from pathlib import Path

import pytest

from config.celery import app as celery_app
from forum import services
from reputation.models import LedgerEntry, ReputationEvent
from tests.factories import UserFactory, make_answer, make_question
from tests.integration.helpers import assert_exact_ledger, wait_until_applied

pytestmark = pytest.mark.django_db(transaction=True)


def wait_for_stall(marker: Path, timeout: float = 60.0) -> tuple[int, int]:
    """(pid, event id) of the pool process stalled inside the ledger transaction."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if marker.exists() and len(fields := marker.read_text().split()) == 2:
            return int(fields[0]), int(fields[1])
        time.sleep(0.05)
    raise AssertionError(f"no task stalled within {timeout:.0f}s")


def cast_votes(count: int):
    """`count` fresh members vote up answers by three authors; returns {author id: expected}."""
    authors = [UserFactory() for _ in range(3)]
    question = make_question()
    answers = [make_answer(question, author=author) for author in authors]
    for i in range(count):
        services.vote_cast(voter=UserFactory(), post=answers[i % 3], value=1)
    return {author.pk: 1 + 10 * len(range(i, count, 3)) for i, author in enumerate(authors)}


def assert_mid_task(event_id: int) -> None:
    # Entries are written inside the stalled transaction, so nobody else can see them yet.
    assert ReputationEvent.objects.get(pk=event_id).applied_at is None
    assert not LedgerEntry.objects.filter(event_id=event_id).exists()


def test_a_pool_process_killed_mid_task_is_redelivered_and_writes_once(
    private_broker, start_worker, tmp_path
):
    marker = tmp_path / "stalled"
    worker = start_worker(private_broker.url(), name="slow", slow_marker=marker)
    expected = cast_votes(12)

    pid, event_id = wait_for_stall(marker)
    assert pid in worker.children()  # a pool process, not the worker's main process
    assert_mid_task(event_id)
    os.kill(pid, signal.SIGKILL)

    # acks_late + reject_on_worker_lost: the main process puts the message back; a new pool
    # process applies the event (the marker exists now, so it does not stall again).
    wait_until_applied(timeout=90)

    assert worker.process.poll() is None
    assert LedgerEntry.objects.filter(event_id=event_id).count() == 1
    assert LedgerEntry.objects.count() == 12
    assert_exact_ledger(expected)


def test_a_worker_killed_outright_mid_task_is_caught_up_by_the_outbox(private_broker, start_worker, tmp_path):
    marker = tmp_path / "stalled"
    doomed = start_worker(private_broker.url(), name="doomed", slow_marker=marker)
    expected = cast_votes(12)

    _, event_id = wait_for_stall(marker)
    assert_mid_task(event_id)
    doomed.kill_all()  # main process and pool at once: its unacked messages wait out Redis's
    # visibility timeout (an hour), so only the outbox can bring them back in time.

    start_worker(private_broker.url(), name="fresh")
    celery_app.send_task("reputation.resend_pending", kwargs={"older_than_seconds": 0})  # as beat
    wait_until_applied(timeout=90)

    assert LedgerEntry.objects.filter(event_id=event_id).count() == 1
    assert LedgerEntry.objects.count() == 12
    assert_exact_ledger(expected)
