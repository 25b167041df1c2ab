"""What the integration tests share: running jobs at once, waiting for the worker, and the one
definition of an exact ledger."""

import threading
import time

from django.db import connections
from django.db.models import Sum

from accounts.models import User
from reputation import reconcile
from reputation.models import LedgerEntry, ReputationEvent


def run_concurrently(jobs, *, timeout: float = 120) -> list[BaseException]:
    """Start every job in its own thread (own database connection) at the same moment."""
    barrier = threading.Barrier(len(jobs))
    errors: list[BaseException] = []

    def run(job):
        try:
            barrier.wait(timeout=30)
            job()
        except BaseException as exc:  # collected and reported by the test
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    assert not any(thread.is_alive() for thread in threads), "a job did not finish"
    return errors


def wait_until_applied(timeout: float = 90.0) -> float:
    """Poll until no event is pending; returns the seconds it took."""
    started = time.monotonic()
    deadline = started + timeout
    while True:
        pending = ReputationEvent.objects.pending().count()
        if pending == 0:
            return time.monotonic() - started
        if time.monotonic() > deadline:
            raise AssertionError(f"{pending} reputation events still pending after {timeout:.0f}s")
        time.sleep(0.2)


def assert_exact_ledger(expected_totals: dict[int, int] | None = None) -> None:
    """Every event applied exactly once; every member's total is 1 + the sum of their entries
    (and what the test worked out from the facts, when given); the reconcile finds no drift."""
    assert not ReputationEvent.objects.pending().exists()
    # attempts counts committed applications: a killed or duplicate one adds nothing.
    assert set(ReputationEvent.objects.values_list("attempts", flat=True)) <= {1}
    sums = dict(
        LedgerEntry.objects.order_by()
        .values("user_id")
        .annotate(total=Sum("amount"))
        .values_list("user_id", "total")
    )
    totals = dict(User.objects.values_list("pk", "reputation"))
    assert {pk: 1 + sums.get(pk, 0) for pk in totals} == totals
    if expected_totals is not None:
        assert {pk: totals[pk] for pk in expected_totals} == expected_totals
    report = reconcile.check()
    assert report.drift == 0, "\n".join(reconcile.describe(reconcile.Outcome(found=report)))


def sweep_until_applied(celery_app, timeout: float = 90.0, every: float = 5.0, worker=None) -> float:
    """What celery beat does every 30 s, here every `every` seconds: ask the worker to re-send
    what is pending, until nothing is. A worker that saw the broker fail skips publishing for a
    few seconds (queueing.publish), so one sweep right after the broker returns may send nothing;
    the next one does, as in production.

    `worker` (the test's Worker) is started again whenever it has exited, before each sweep, as
    its supervisor would: Celery's worker can exit on a broker connection lost mid-ack some
    seconds after the broker came back. Its log's tail is in the failure message."""
    started = time.monotonic()
    deadline = started + timeout
    while True:
        if worker is not None:
            worker.restart_if_dead()
        celery_app.send_task("reputation.resend_pending", kwargs={"older_than_seconds": 0})
        try:
            wait_until_applied(timeout=min(every, max(deadline - time.monotonic(), 0.1)))
        except AssertionError as failure:
            if time.monotonic() > deadline:
                if worker is not None:
                    raise AssertionError(f"{failure}\n--- worker log ---\n{worker.log_tail()}") from failure
                raise
            continue
        return time.monotonic() - started
