"""The ledger stays exact through a real worker process: under concurrent votes, repeated
deliveries and a broker outage (PostgreSQL, the tests' own Redis, `celery worker`)."""

import datetime as dt
import random
import time
from collections import Counter, defaultdict

import pytest
from django.urls import reverse

from config.celery import app as celery_app
from forum import services
from forum.models import Answer, Vote
from reputation import rules
from reputation.models import LedgerEntry, ReputationEvent
from reputation.tasks import apply_event
from tests.factories import UserFactory, make_answer, make_question
from tests.integration.conftest import reset_celery_connections
from tests.integration.helpers import (
    assert_exact_ledger,
    run_concurrently,
    sweep_until_applied,
    wait_until_applied,
)

pytestmark = pytest.mark.django_db(transaction=True)


def expected_totals(authors) -> dict[int, int]:
    """What the rules give each author for the up-votes their posts hold now, worked out from the
    votes alone: 10 an answer, 5 a question, at most 200 a UTC day (by when each vote was cast).
    Valid while no vote on a capped post was retracted, as in these tests."""
    earned: dict[tuple[int, dt.date], int] = defaultdict(int)
    for vote in Vote.objects.filter(value=Vote.UP).select_related("answer", "question"):
        post = vote.answer or vote.question
        earned[post.author_id, vote.updated_at.date()] += 10 if vote.answer_id else 5
    totals = {author.pk: 1 for author in authors}
    for (author_id, _), amount in earned.items():
        totals[author_id] += min(amount, rules.DAILY_VOTE_CAP)
    return totals


def test_two_hundred_votes_cast_concurrently_by_fifty_members_leave_an_exact_ledger(celery_worker_process):
    askers = [UserFactory() for _ in range(5)]
    answerers = [UserFactory() for _ in range(10)]
    questions = [make_question(author=asker) for asker in askers]
    answers = [make_answer(questions[i // 2], author=author) for i, author in enumerate(answerers)]
    voters = [UserFactory() for _ in range(50)]  # fresh members, reputation 1: up-votes only
    capped, others = answers[0], [*answers[1:], *questions]
    # 25 members vote the first answer up (250 > the daily cap of 200) and 3 more posts each; the
    # other 25 vote on 4 posts; round the others in turn, so each gets 12 or 13 votes (<= 130).
    plan, turn = [], 0
    for i in range(50):
        targets = [capped] if i < 25 else []
        while len(targets) < 4:
            targets.append(others[turn % len(others)])
            turn += 1
        plan.append(targets)
    assert sum(map(len, plan)) == 200

    def cast(voter, targets, value):
        def job():
            for post in targets:
                services.vote_cast(voter=voter, post=post, value=value)

        return job

    errors = run_concurrently([cast(v, targets, 1) for v, targets in zip(voters, plan, strict=True)])
    assert errors == []
    assert Vote.objects.filter(value=Vote.UP).count() == 200
    # Then, while the worker is still busy, half of them take back one vote each, at once.
    errors = run_concurrently(
        [cast(v, targets[-1:], 0) for v, targets in zip(voters[25:], plan[25:], strict=True)]
    )
    assert errors == []

    wait_until_applied()

    assert ReputationEvent.objects.count() == 225
    assert LedgerEntry.objects.filter(reverses__isnull=True).count() == 200
    assert LedgerEntry.objects.filter(reverses__isnull=False).count() == 25
    assert_exact_ledger(expected_totals([*askers, *answerers, *voters]))
    # The cap, explicitly: 25 entries for the capped answer, 200 earned, the rest written as 0.
    capped_entries = LedgerEntry.objects.filter(answer=capped, rule="answer_upvoted")
    assert capped_entries.count() == 25
    assert sum(capped_entries.values_list("amount", flat=True)) == 200
    assert Counter(capped_entries.values_list("amount", "reason")) == {(10, ""): 20, (0, "daily cap"): 5}


def test_the_same_event_delivered_many_times_writes_once(celery_worker_process, monkeypatch):
    # Record events without publishing them, then deliver each one many times at once.
    monkeypatch.setattr("reputation.events.enqueue_event", lambda event_id: None)
    asker = UserFactory()
    question = make_question(author=asker)
    answers = [make_answer(question) for _ in range(3)]
    voters = [UserFactory() for _ in range(8)]
    for i, voter in enumerate(voters):
        services.vote_cast(voter=voter, post=answers[i % 3], value=1)
    changer = UserFactory()
    services.vote_cast(voter=changer, post=answers[0], value=1)
    services.vote_cast(voter=changer, post=answers[0], value=0)  # two events about one vote
    services.answer_accept_toggle(answer=answers[1], user=asker)
    event_ids = list(ReputationEvent.objects.values_list("pk", flat=True))
    assert len(event_ids) == 11 and ReputationEvent.objects.pending().count() == 11

    deliveries = [(event_id, copy) for event_id in event_ids for copy in range(4)]
    random.Random(7).shuffle(deliveries)
    # ignore_result=False: this test reads what each delivery returned (production ignores it).
    results = [
        (event_id, apply_event.apply_async((event_id,), ignore_result=False)) for event_id, _ in deliveries
    ]
    celery_app.send_task("reputation.resend_pending", kwargs={"older_than_seconds": 0})  # and the sweep

    written_by = Counter(event_id for event_id, result in results if result.get(timeout=60))
    wait_until_applied()

    assert max(written_by.values()) == 1  # no event was written by two deliveries
    # 9 up-votes, the retraction's reversal, and the acceptance's two entries; nothing twice.
    assert LedgerEntry.objects.count() == 9 + 1 + 2
    assert_exact_ledger()
    before = set(LedgerEntry.objects.values_list("pk", flat=True))

    again = [apply_event.apply_async((event_id,), ignore_result=False) for event_id in event_ids * 2]

    assert [result.get(timeout=60) for result in again] == [0] * len(again)
    assert set(LedgerEntry.objects.values_list("pk", flat=True)) == before
    assert_exact_ledger()


def test_with_redis_stopped_members_keep_voting_and_the_ledger_catches_up_exactly(
    celery_worker_process, redis_server, client
):
    authors = [UserFactory() for _ in range(3)]
    question = make_question()
    answers = [make_answer(question, author=author) for author in authors]
    voters = [UserFactory() for _ in range(30)]
    for voter in voters[:10]:
        services.vote_cast(voter=voter, post=answers[0], value=1)

    redis_server.stop()  # some of those messages may still be queued: they are lost with it
    try:
        assert client.get("/healthz").json() == {"status": "ok", "database": "ok", "broker": "unavailable"}
        slowest = 0.0
        for i, voter in enumerate(voters[10:]):
            started = time.monotonic()
            if i % 2:  # half of them through the page, as a member would
                client.force_login(voter)
                response = client.post(
                    reverse("forum:answer_vote", args=[answers[1 + i % 2].pk]), {"value": 1}
                )
                assert response.status_code in (200, 302)
            else:
                services.vote_cast(voter=voter, post=answers[1 + i % 2], value=1)
            slowest = max(slowest, time.monotonic() - started)
        assert slowest < 10, f"a vote took {slowest:.1f}s with the broker down"
        assert Vote.objects.filter(value=Vote.UP).count() == 30
        scores = Answer.objects.filter(pk__in=[answer.pk for answer in answers]).values_list(
            "score", flat=True
        )
        assert list(scores) == [10, 10, 10]
        assert ReputationEvent.objects.pending().count() >= 20  # nothing could deliver them
    finally:
        redis_server.start()  # an empty broker, on the same port
        reset_celery_connections()
    # Celery's worker can exit on a connection lost in the middle of an ack ("Unrecoverable
    # error" in kombu's Redis transport); in production its supervisor starts it again, and so
    # does this test. Either way the outbox, not the worker, is what brings the events back.
    celery_worker_process.restart_if_dead()

    # What celery beat does every 30 s (re-send what is pending); here every few seconds, through
    # the broker.
    sweep_until_applied(celery_app, timeout=90, worker=celery_worker_process)

    assert_exact_ledger({author.pk: 1 + 100 for author in authors})
    assert client.get("/healthz").json()["broker"] == "ok"
