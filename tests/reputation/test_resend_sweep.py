"""The outbox sweep re-sends only events whose message is not already on its way."""

import datetime as dt

import pytest
from django.utils import timezone

from forum import services
from reputation import tasks
from reputation.models import ReputationEvent
from tests.factories import UserFactory, make_answer, make_question

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(monkeypatch):
    """Event ids the sweep publishes, in order; nothing is applied (the messages stay queued)."""
    published: list[int] = []
    monkeypatch.setattr(tasks.apply_event, "apply_async", lambda args, **options: published.append(args[0]))
    return published


def pending_votes(count: int) -> list[int]:
    """`count` pending vote events, recorded two minutes ago and published at once (their
    messages are queued: no worker has applied them yet)."""
    answer = make_answer(make_question())
    for _ in range(count):
        services.vote_cast(voter=UserFactory(), post=answer, value=1)  # no commit: still pending
    two_minutes_ago = timezone.now() - dt.timedelta(minutes=2)
    ReputationEvent.objects.update(created_at=two_minutes_ago, sent_at=two_minutes_ago)
    return list(ReputationEvent.objects.order_by("pk").values_list("pk", flat=True))


def lease_passes() -> None:
    """Move every send back past the lease, as if five minutes had gone by."""
    ReputationEvent.objects.update(sent_at=timezone.now() - tasks.RESEND_LEASE - dt.timedelta(seconds=1))


def test_events_recently_enqueued_are_not_sent_again(sent):
    pending_votes(3)

    assert tasks.resend_pending() == 0
    assert tasks.resend_pending() == 0
    assert sent == []


def test_after_the_lease_each_pending_event_is_sent_again_once(sent):
    ids = pending_votes(3)
    lease_passes()

    assert tasks.resend_pending() == 3
    assert tasks.resend_pending() == 0  # the next sweeps, 30 s apart, leave them alone
    assert tasks.resend_pending() == 0
    assert sent == ids

    lease_passes()  # still not applied five minutes later: the message was lost after all
    assert tasks.resend_pending() == 3
    assert sent == ids + ids


def test_a_backlog_is_sent_at_most_once_per_lease_in_bounded_batches(sent):
    ids = pending_votes(7)
    lease_passes()

    per_sweep = [tasks.resend_pending(limit=3) for _ in range(5)]

    assert per_sweep == [3, 3, 1, 0, 0]  # never more than the batch, oldest first
    assert sent == ids  # each of the 7 once in this lease window


def test_an_event_whose_publish_failed_is_sent_again_after_a_minute(monkeypatch, commit):
    def broker_down(args, **options):
        raise ConnectionError("broker down")

    monkeypatch.setattr(tasks.apply_event, "apply_async", broker_down)
    commit(services.vote_cast, voter=UserFactory(), post=make_answer(make_question()), value=1)
    event = ReputationEvent.objects.get()
    assert event.applied_at is None and event.sent_at is None  # not on its way

    published: list[int] = []
    monkeypatch.setattr(tasks.apply_event, "apply_async", lambda args, **options: published.append(args[0]))
    assert tasks.resend_pending() == 0  # recorded just now
    ReputationEvent.objects.update(created_at=timezone.now() - dt.timedelta(seconds=61))
    assert tasks.resend_pending() == 1
    assert published == [event.pk]
    assert tasks.resend_pending() == 0  # on its way now: the lease applies
