"""Batches racing on PostgreSQL: several appliers at once (threads, each with its own
connection, as two worker processes would be), each claiming the oldest pending events it can
take. Every event is applied once, and each member's lines come in the order of their events."""

import threading
from collections import defaultdict

import pytest
from django.db import connections, transaction

from forum import services
from reputation import ledger, rules
from reputation.models import LedgerEntry, ReputationEvent
from tests.factories import UserFactory, make_answer, make_question
from tests.integration.helpers import assert_exact_ledger, run_concurrently

pytestmark = pytest.mark.django_db(transaction=True)


def assert_each_members_lines_follow_their_events() -> None:
    """Ordered by id (the order they were written), a member's lines name their events in
    ascending order: no batch applied a later event about a member before an earlier one."""
    seen: dict[int, list[int]] = defaultdict(list)
    for user_id, event_id in LedgerEntry.objects.order_by("pk").values_list("user_id", "event_id"):
        seen[user_id].append(event_id)
    assert all(events == sorted(events) for events in seen.values())


def test_four_appliers_racing_over_shared_members_apply_everything_once_and_in_order(monkeypatch):
    monkeypatch.setattr("reputation.events.enqueue_event", lambda event_id: None)  # applied below
    monkeypatch.setattr(ledger, "BATCH_SIZE", 7)  # many small batches, so they interleave
    authors = [UserFactory() for _ in range(3)]
    answers = [make_answer(make_question(), author=author) for author in authors for _ in range(2)]
    voters = [UserFactory() for _ in range(25)]  # fresh members: up-votes and retractions
    # 150 up-votes on 6 answers by 3 authors (250 a day each: the cap binds), then 25 of them
    # taken back (reversed).
    for voter in voters:
        for answer in answers:
            services.vote_cast(voter=voter, post=answer, value=1)
    for voter in voters:
        services.vote_cast(voter=voter, post=answers[0], value=0)
    ids = list(ReputationEvent.objects.order_by("pk").values_list("pk", flat=True))
    assert len(ids) == 175

    # Each applier starts from an event of its own and drains what it can take.
    starts = [ids[0], ids[40], ids[90], ids[-1]]
    errors = run_concurrently([lambda pk=pk: ledger.apply_event(pk, drain_seconds=60) for pk in starts])

    assert errors == []
    assert not ReputationEvent.objects.pending().exists()
    assert_exact_ledger()
    assert_each_members_lines_follow_their_events()
    for author in authors:  # the cap: up-votes today earn at most 200
        earned = LedgerEntry.objects.filter(user=author, rule__in=rules.CAPPED_RULES, reverses__isnull=True)
        assert sum(earned.values_list("amount", flat=True)) <= rules.DAILY_VOTE_CAP


def test_a_later_event_waits_while_an_older_one_about_the_same_member_is_held_elsewhere(monkeypatch):
    """Another transaction holds the oldest event (another batch, or the outbox sweep marking
    it re-sent): the batch skips it, applies what concerns other members, and holds back the
    later event about the same member until the older one has been applied."""
    monkeypatch.setattr("reputation.events.enqueue_event", lambda event_id: None)
    helper, other = UserFactory(), UserFactory()
    first_answer, second_answer = (
        make_answer(make_question(), author=helper),
        make_answer(make_question(), author=helper),
    )
    other_answer = make_answer(make_question(), author=other)
    services.vote_cast(voter=UserFactory(), post=first_answer, value=1)
    services.vote_cast(voter=UserFactory(), post=other_answer, value=1)
    services.vote_cast(voter=UserFactory(), post=second_answer, value=1)
    oldest, unrelated, later = ReputationEvent.objects.order_by("pk")
    held, release = threading.Event(), threading.Event()

    def hold_the_oldest():
        try:
            with transaction.atomic():
                ReputationEvent.objects.select_for_update().get(pk=oldest.pk)
                held.set()
                release.wait(timeout=30)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold_the_oldest)
    holder.start()
    try:
        assert held.wait(timeout=10)
        applied = ledger.apply_event(unrelated.pk)
        assert applied.event_ids == [unrelated.pk]
        assert set(ReputationEvent.objects.pending()) == {oldest, later}
    finally:
        release.set()
        holder.join(timeout=30)

    applied = ledger.apply_event(later.pk)

    assert applied.event_ids == [oldest.pk, later.pk]
    assert list(
        LedgerEntry.objects.filter(user=helper).order_by("pk").values_list("event_id", flat=True)
    ) == [
        oldest.pk,
        later.pk,
    ]
    assert_exact_ledger()


def test_a_direct_apply_waits_for_the_batch_that_holds_its_event(monkeypatch):
    """The batch holding the event commits it: the call that asked for it returns once it has,
    finding it applied (None), rather than leaving while it is still pending."""
    monkeypatch.setattr("reputation.events.enqueue_event", lambda event_id: None)
    answer = make_answer(make_question())
    services.vote_cast(voter=UserFactory(), post=answer, value=1)
    event = ReputationEvent.objects.get()
    claimed, release = threading.Event(), threading.Event()

    def a_batch_elsewhere():
        try:
            with transaction.atomic():
                locked = ledger._locked_events().get(pk=event.pk)
                ledger._lock_users([locked])
                claimed.set()
                release.wait(timeout=30)
                ledger._apply(locked)
                ReputationEvent.objects.filter(pk=event.pk).update(applied_at=locked.created_at, attempts=1)
        finally:
            connections.close_all()

    elsewhere = threading.Thread(target=a_batch_elsewhere)
    elsewhere.start()
    assert claimed.wait(timeout=10)
    threading.Timer(1.0, release.set).start()

    assert ledger.apply_event(event.pk) is None

    elsewhere.join(timeout=30)
    assert not ReputationEvent.objects.pending().exists()
    assert LedgerEntry.objects.count() == 1
    assert_exact_ledger()
