"""Regression: a member changing a vote while the worker applies that vote's previous event must
not deadlock (PostgreSQL row locks; no worker process needed: the ledger runs in a thread)."""

import threading

import pytest
from django.db import connections, transaction
from django.utils import timezone

from forum import services
from forum.models import Vote
from reputation import ledger
from reputation.models import LedgerEntry, ReputationEvent
from tests.factories import UserFactory, make_answer, make_question
from tests.integration.helpers import assert_exact_ledger

pytestmark = pytest.mark.django_db(transaction=True)


def test_changing_a_vote_while_its_previous_event_is_applied_does_not_deadlock(monkeypatch):
    monkeypatch.setattr("reputation.events.enqueue_event", lambda event_id: None)  # applied by hand
    answer = make_answer(make_question())
    voter = UserFactory()
    services.vote_cast(voter=voter, post=answer, value=1)
    first = ReputationEvent.objects.get()
    members_locked, vote_changed = threading.Event(), threading.Event()
    errors: dict[str, BaseException] = {}

    def worker():
        # What apply_event does, paused after it has locked the members: the request below
        # arrives in that window.
        try:
            with transaction.atomic():
                event = ReputationEvent.objects.select_for_update().get(pk=first.pk)
                ledger._lock_users([event])
                members_locked.set()
                vote_changed.wait(timeout=3)  # with FOR UPDATE on members it never comes
                ledger._apply(event)
                event.applied_at = timezone.now()
                event.attempts = 1
                event.save(update_fields=["applied_at", "attempts"])
        except BaseException as exc:
            errors["worker"] = exc
        finally:
            connections.close_all()

    def request():
        try:
            members_locked.wait(timeout=10)
            services.vote_cast(voter=voter, post=answer, value=0)
            vote_changed.set()
        except BaseException as exc:
            errors["request"] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker), threading.Thread(target=request)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == {}
    assert Vote.objects.get().value == 0
    ledger.apply_event(ReputationEvent.objects.pending().get().pk)
    assert sorted(LedgerEntry.objects.values_list("amount", flat=True)) == [-10, 10]
    assert_exact_ledger()
