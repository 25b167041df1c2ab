"""Ledger wake-ups have a queue of their own, and a worker started plainly reads both queues
(config/settings.py, CELERY_TASK_QUEUES): after a backlog, the leftover wake-ups a batch already
answered must not hold up a notification or a webhook queued behind them."""

from config.celery import app


def route(task_name: str) -> str:
    return app.amqp.router.route({}, task_name)["queue"].name


def test_ledger_wake_ups_go_to_their_own_queue_and_everything_else_to_the_default_one():
    assert route("reputation.apply_event") == "ledger"
    assert route("reputation.resend_pending") == "celery"
    assert route("reputation.award_badges") == "celery"
    assert route("notifications.send_pending_immediate") == "celery"


def test_a_worker_started_without_queue_options_reads_both_queues():
    assert set(app.amqp.queues) == {"celery", "ledger"}
