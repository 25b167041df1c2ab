"""One ledger wake-up queued at a time (reputation.events): events committed while one waits
publish nothing, and the wake-up applies them all when it runs. The key lives on the broker's
Redis; here a stand-in with the same two commands, and a publish that records instead of sending."""

import pytest

from config.celery import app as celery_app
from forum import services
from queueing import forget_broker_down
from reputation import events, ledger, tasks
from reputation.models import ReputationEvent
from tests.factories import UserFactory, make_answer, make_question

pytestmark = pytest.mark.django_db


class BrokerKeys:
    """Redis's SET NX EX and DEL, in memory (time does not pass here: keys never expire)."""

    def __init__(self):
        self.keys = {}
        self.down = False

    def set(self, key, value, nx=False, ex=None):
        if self.down:
            raise ConnectionError("broker down")
        if nx and key in self.keys:
            return None
        self.keys[key] = value
        return True

    def delete(self, key):
        if self.down:
            raise ConnectionError("broker down")
        return int(self.keys.pop(key, None) is not None)


@pytest.fixture
def broker(monkeypatch):
    store = BrokerKeys()
    monkeypatch.setattr(events, "_broker", lambda app: store)
    return store


@pytest.fixture
def published(monkeypatch, broker):
    """Celery with a queue (not inline); the ids it would publish."""
    sent: list[int] = []
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    monkeypatch.setattr(tasks.apply_event, "apply_async", lambda args, **options: sent.append(args[0]))
    yield sent
    celery_app.conf.task_always_eager = previous


def vote(commit, answer):
    commit(services.vote_cast, voter=UserFactory(), post=answer, value=1)


def newest_event_id() -> int:
    return ReputationEvent.objects.order_by("-pk").values_list("pk", flat=True).first()


def test_events_committed_while_a_wake_up_is_queued_publish_nothing(commit, published):
    answer = make_answer(make_question())
    for _ in range(3):
        vote(commit, answer)
    first = ReputationEvent.objects.order_by("pk").first().pk

    assert published == [first]

    events.wake_up_started(celery_app)  # the queued wake-up starts: the next event sends its own
    vote(commit, answer)
    assert published == [first, newest_event_id()]


def test_the_wake_up_applies_every_event_that_counted_on_it(commit, published, broker):
    helper = UserFactory()
    for answer in [make_answer(make_question(), author=helper) for _ in range(3)]:
        vote(commit, answer)
    assert len(published) == 1

    celery_app.conf.task_always_eager = True  # its badge checks inline (the fixture restores it)
    assert tasks.apply_event(published[0]) == 3

    assert not ReputationEvent.objects.pending().exists()
    helper.refresh_from_db()
    assert helper.reputation == 31


def test_a_failed_publish_leaves_the_next_event_to_try_again(commit, published, monkeypatch):
    answer = make_answer(make_question())

    def broker_down(args, **options):
        raise ConnectionError("broker down")

    monkeypatch.setattr(tasks.apply_event, "apply_async", broker_down)
    vote(commit, answer)
    assert ReputationEvent.objects.get().sent_at is None  # marked unsent: the sweep sends it soon

    forget_broker_down()
    monkeypatch.setattr(tasks.apply_event, "apply_async", lambda args, **options: published.append(args[0]))
    vote(commit, answer)
    assert published == [newest_event_id()]


def test_with_the_key_unreachable_every_event_publishes(commit, published, broker):
    broker.down = True
    answer = make_answer(make_question())
    vote(commit, answer)
    vote(commit, answer)
    assert len(published) == 2


def test_a_wake_up_stopped_by_its_time_limit_sends_the_next(commit, published, monkeypatch):
    answer = make_answer(make_question())
    vote(commit, answer)
    event = ReputationEvent.objects.get()
    monkeypatch.setattr(ledger, "apply_event", lambda event_id, **kwargs: None)  # ran out of time

    assert tasks.apply_event(event.pk) == 0

    assert published == [event.pk, event.pk]  # its own at the vote, then the follow-up


def test_inline_tasks_and_brokers_other_than_redis_have_no_key():
    previous = (celery_app.conf.task_always_eager, celery_app.conf.broker_url)
    try:
        celery_app.conf.task_always_eager = True
        assert events._broker(celery_app) is None
        celery_app.conf.task_always_eager, celery_app.conf.broker_url = False, "memory://"
        assert events._broker(celery_app) is None
        celery_app.conf.broker_url = "redis://127.0.0.1:1/0"
        assert events._broker(celery_app) is not None
    finally:
        celery_app.conf.task_always_eager, celery_app.conf.broker_url = previous
