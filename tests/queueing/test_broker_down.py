"""With Redis down a vote must not wait for the broker: one quick failed publish, then none
while the outage is remembered, and the reputation event stays pending for the outbox sweep."""

import pytest
from kombu import Producer

import queueing
from config.celery import app
from reputation.models import ReputationEvent
from tests.factories import UserFactory, make_question

pytestmark = pytest.mark.django_db(transaction=True)

CLOSED_PORT = "redis://127.0.0.1:1/0"


@pytest.fixture
def broker_down(monkeypatch):
    """Celery not eager, its broker a closed port, and every attempt to reach it counted."""
    saved = {key: app.conf[key] for key in ("broker_url", "broker_write_url", "task_always_eager")}
    app.conf.update(broker_url=CLOSED_PORT, broker_write_url=CLOSED_PORT, task_always_eager=False)
    app._pool = None
    app.amqp._producer_pool = None
    attempts = []
    real_publish = Producer.publish

    def counting_publish(self, *args, **kwargs):
        attempts.append(kwargs.get("routing_key"))
        return real_publish(self, *args, **kwargs)

    monkeypatch.setattr(Producer, "publish", counting_publish)
    yield attempts
    app.conf.update(saved)
    app._pool = None
    app.amqp._producer_pool = None


def test_a_vote_with_the_broker_down_tries_once_then_not_at_all(client, broker_down):
    asker, voter = UserFactory(), UserFactory(reputation=100)
    first, second = make_question(author=asker), make_question(author=asker)
    client.force_login(voter)

    response = client.post(f"/questions/{first.pk}/vote/", {"value": 1})
    assert response.status_code == 302
    assert broker_down, "the first vote tries the broker"
    tried = len(broker_down)
    assert queueing.broker_known_down()

    response = client.post(f"/questions/{second.pk}/vote/", {"value": 1})
    assert response.status_code == 302
    assert len(broker_down) == tried, "within the down window no publish is attempted"

    # Both votes stand, and their reputation waits in the outbox for reputation-resend-pending.
    assert set(ReputationEvent.objects.pending().values_list("question_id", flat=True)) == {
        first.pk,
        second.pk,
    }


def test_after_the_window_the_broker_is_tried_again(client, broker_down, monkeypatch):
    asker, voter = UserFactory(), UserFactory(reputation=100)
    question = make_question(author=asker)
    client.force_login(voter)
    monkeypatch.setattr(queueing, "BROKER_DOWN_SECONDS", 0.0)

    client.post(f"/questions/{question.pk}/vote/", {"value": 1})
    tried = len(broker_down)
    client.post(f"/questions/{question.pk}/vote/", {"value": -1})
    assert len(broker_down) > tried
