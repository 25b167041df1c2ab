"""Sending webhooks to a real receiver on loopback: signatures it verifies, retries on the
schedule after failures (time travels by moving timestamps, never by sleeping), each event id
processed once, redelivery, the broker being down, leases, disabling an endpoint that fails for
a day and telling its owner, and the SSRF guard where the request would leave."""

import datetime as dt
import socket

import pytest
from django.core import mail
from django.utils import timezone

from integrations import delivery, services, signing
from integrations.models import Attempt, Delivery, DeliveryStatus, Event, WebhookEndpoint
from integrations.schedule import RETRY_DELAYS, retry_delay
from moderation.models import ModerationAction
from notifications.models import Kind, Notification
from tests.factories import CommunityManagerFactory, make_answer, make_question
from tests.integrations.conftest import make_due

pytestmark = pytest.mark.django_db


def sweep_after_the_wait() -> int:
    make_due()
    return delivery.sweep()


def test_a_receiver_that_fails_at_first_sees_the_retries_and_processes_each_event_once(
    commit, endpoint, receiver
):
    receiver.fail_first = 3
    question = commit(make_question, title="My router keeps rebooting at night")
    sent = Delivery.objects.get()
    assert sent.attempts == 1 and sent.status == DeliveryStatus.PENDING and sent.last_status_code == 500
    wait = sent.next_attempt_at - sent.last_attempt_at
    assert dt.timedelta(seconds=50) < wait < dt.timedelta(seconds=70)  # one minute, give or take a tenth

    assert delivery.sweep() == 0  # not due yet: nothing is sent early
    for _ in range(3):
        assert sweep_after_the_wait() == 1

    sent.refresh_from_db()
    assert sent.status == DeliveryStatus.DELIVERED and sent.attempts == 4 and sent.last_status_code == 200
    assert [a.status_code for a in Attempt.objects.filter(delivery=sent)] == [500, 500, 500, 200]
    assert sweep_after_the_wait() == 0 and delivery.deliver(sent.pk) == "skipped"  # delivered: never again

    event_id = str(Event.objects.get().pk)
    assert len(receiver.requests) == 4 and all(seen.verified for seen in receiver.requests)
    assert {seen.headers["Commonplace-Event-Id"] for seen in receiver.requests} == {event_id}
    assert {seen.headers["Commonplace-Delivery-Id"] for seen in receiver.requests} == {str(sent.pk)}
    assert [seen.headers["Commonplace-Delivery-Attempt"] for seen in receiver.requests] == [
        "1",
        "2",
        "3",
        "4",
    ]
    assert receiver.processed == [event_id]
    assert receiver.requests[0].event["data"]["question"]["id"] == question.pk

    # Redelivered from the log: a new delivery, the same event id, acknowledged and not processed twice.
    again = commit(services.delivery_redeliver, actor=endpoint.owner, delivery=sent)
    again.refresh_from_db()
    assert again.status == DeliveryStatus.DELIVERED and again.event_id == sent.event_id
    assert receiver.requests[-1].headers["Commonplace-Event-Id"] == event_id
    assert receiver.requests[-1].headers["Commonplace-Delivery-Id"] == str(again.pk)
    assert receiver.processed == [event_id]


def test_every_request_carries_the_documented_headers(commit, endpoint, receiver):
    commit(make_question)
    headers = receiver.requests[0].headers
    assert headers["Content-Type"] == "application/json"
    assert headers["Commonplace-Event"] == "question.created"
    assert headers["User-Agent"] == "Commonplace-Integrations/1"
    timestamp = signing.verify(endpoint.secret, headers["Commonplace-Signature"], receiver.requests[0].body)
    assert abs(timestamp - timezone.now().timestamp()) < 60


def test_a_receiver_with_the_wrong_secret_refuses_and_the_delivery_is_retried(commit, endpoint, receiver):
    receiver.secret = signing.new_secret()
    commit(make_question)
    [seen] = receiver.requests
    assert not seen.verified and seen.status == 401
    assert Delivery.objects.get().last_status_code == 401 and Delivery.objects.get().is_pending


def test_the_schedule_retries_for_more_than_a_day_then_gives_up(commit, endpoint, receiver):
    assert sum(RETRY_DELAYS, dt.timedelta()) * 0.9 > dt.timedelta(hours=24)
    assert [retry_delay(n) is None for n in (1, 7, 8)] == [False, False, True]
    receiver.fail_first = 1000
    commit(make_question)
    for _ in RETRY_DELAYS:
        sweep_after_the_wait()

    given_up = Delivery.objects.get()
    assert given_up.status == DeliveryStatus.FAILED and given_up.attempts == len(RETRY_DELAYS) + 1
    assert given_up.next_attempt_at is None
    assert sweep_after_the_wait() == 0 and len(receiver.requests) == 8


def test_a_delivery_another_worker_holds_is_skipped_and_not_swept(commit, endpoint, receiver):
    receiver.fail_first = 1
    commit(make_question)
    make_due()
    Delivery.objects.update(sending_until=timezone.now() + dt.timedelta(minutes=1))  # another worker's lease

    assert delivery.sweep() == 0
    assert delivery.deliver(Delivery.objects.get().pk) == "skipped"
    assert len(receiver.requests) == 1

    Delivery.objects.update(sending_until=timezone.now() - dt.timedelta(seconds=1))  # that worker died
    assert delivery.sweep() == 1
    assert Delivery.objects.get().status == DeliveryStatus.DELIVERED


def test_with_the_broker_down_the_fact_commits_and_the_sweep_sends_it_later(
    commit, endpoint, receiver, monkeypatch
):
    from integrations import tasks

    def broker_down(*args, **kwargs):
        raise ConnectionError("Error 111 connecting to redis:6379. Connection refused.")

    monkeypatch.setattr(tasks.deliver, "apply_async", broker_down)
    question = commit(make_question)
    waiting = Delivery.objects.get()
    assert waiting.attempts == 0 and waiting.is_pending and receiver.requests == []
    assert question.pk  # the question is there: the broker is not needed to post

    monkeypatch.undo()
    assert delivery.sweep() == 0  # its message may still be on its way: left alone for a while
    Delivery.objects.update(enqueued_at=timezone.now() - dt.timedelta(minutes=3))
    assert delivery.sweep() == 1
    assert Delivery.objects.get().status == DeliveryStatus.DELIVERED and len(receiver.requests) == 1


def test_an_endpoint_failing_for_a_day_is_disabled_and_its_owner_told(commit, endpoint, receiver, manager):
    receiver.fail_first = 1000
    question = commit(make_question)
    endpoint.refresh_from_db()
    assert endpoint.failing_since is not None and endpoint.active  # failing, not for long yet

    WebhookEndpoint.objects.update(failing_since=timezone.now() - dt.timedelta(hours=25))
    commit(make_answer, question)

    endpoint.refresh_from_db()
    assert not endpoint.active and "HTTP 500" in endpoint.disabled_reason
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.PAUSED}
    [note] = Notification.objects.filter(kind=Kind.WEBHOOK)
    assert note.recipient == manager and receiver.url in note.text
    assert note.url == f"/manage/webhooks/{endpoint.pk}/"
    [email] = [m for m in mail.outbox if m.to == [manager.email]]
    assert receiver.url in email.body
    line = ModerationAction.objects.get(action="webhook.disabled")
    assert line.moderator is None and "2 pending deliveries paused" in line.reason

    # Disabled: the next fact records nothing for it, and the sweep sends nothing.
    commit(make_answer, question)
    assert Delivery.objects.count() == 2 and sweep_after_the_wait() == 0

    # Enabled again once the receiver is fixed: the paused deliveries resume.
    receiver.fail_first = 0
    requests_before = len(receiver.requests)
    commit(services.endpoint_enable, actor=manager, endpoint=endpoint)
    assert delivery.sweep() == 2
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.DELIVERED}
    assert len(receiver.requests) == requests_before + 2
    endpoint.refresh_from_db()
    assert endpoint.active and endpoint.failing_since is None


def test_a_success_ends_the_failing_spell(commit, endpoint, receiver):
    receiver.fail_first = 1
    commit(make_question)
    WebhookEndpoint.objects.update(failing_since=timezone.now() - dt.timedelta(hours=23))
    sweep_after_the_wait()
    endpoint.refresh_from_db()
    assert endpoint.active and endpoint.failing_since is None


def test_when_the_owner_is_no_longer_a_manager_every_manager_is_told(commit, endpoint, receiver, manager):
    manager.groups.clear()
    other = CommunityManagerFactory()
    receiver.fail_first = 1000
    commit(make_question)
    WebhookEndpoint.objects.update(failing_since=timezone.now() - dt.timedelta(hours=25))
    sweep_after_the_wait()
    assert list(Notification.objects.filter(kind=Kind.WEBHOOK).values_list("recipient", flat=True)) == [
        other.pk
    ]


def test_a_delivery_queued_before_its_endpoint_was_disabled_is_paused_not_sent(endpoint, receiver, manager):
    make_question()  # recorded; its message is "on the queue" (on-commit work does not run here)
    services.endpoint_disable(actor=manager, endpoint=endpoint)
    Delivery.objects.update(status=DeliveryStatus.PENDING)  # as if the message were read before the pause
    assert delivery.deliver(Delivery.objects.get().pk) == "skipped"
    assert Delivery.objects.get().status == DeliveryStatus.PAUSED and receiver.requests == []


def test_private_addresses_are_refused_where_the_request_would_leave(commit, endpoint, receiver, settings):
    settings.COMMONPLACE_OUTBOUND_ALLOW_PRIVATE = False  # registered while allowed; no longer
    commit(make_question)
    assert receiver.requests == []
    [attempt] = Attempt.objects.all()
    assert attempt.status_code is None and not attempt.succeeded
    assert "127.0.0.1, a loopback address" in attempt.error
    assert Delivery.objects.get().is_pending  # retried: the setting may be turned back on


def test_the_guard_holds_where_the_socket_opens_even_if_the_address_changed_since_saving(
    commit, endpoint, receiver, settings, monkeypatch
):
    """A name that resolved to a public address when saved and to a private one when sent (DNS
    rebinding) is refused when the connection opens, not only by the form's check."""
    from integrations import outbound

    settings.COMMONPLACE_OUTBOUND_ALLOW_PRIVATE = False
    monkeypatch.setattr(outbound, "check_url", lambda url: None)
    commit(make_question)
    assert receiver.requests == []
    assert Attempt.objects.get().error.startswith("Refused before sending: 127.0.0.1 resolves to 127.0.0.1")


def test_an_endpoint_that_does_not_answer_is_a_failed_attempt_with_the_reason(commit, manager, receiver):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    closed = services.endpoint_create(
        actor=manager, url=f"http://127.0.0.1:{port}/hook", event_types=["question.created"]
    )
    commit(make_question)
    [attempt] = Attempt.objects.filter(delivery__endpoint=closed)
    assert attempt.status_code is None
    assert attempt.error == "Could not connect: [Errno 111] Connection refused"


def test_a_rotated_secret_signs_beside_the_old_one_for_a_day(commit, endpoint, receiver, manager):
    old = endpoint.secret
    rotated = services.endpoint_rotate_secret(actor=manager, endpoint=endpoint, keep_previous=True)
    assert rotated.secret != old and rotated.rotating

    commit(make_question)
    header = receiver.requests[-1].headers["Commonplace-Signature"]
    body = receiver.requests[-1].body
    assert header.count("v1=") == 2
    assert signing.verify(old, header, body) and signing.verify(rotated.secret, header, body)

    rotated = services.endpoint_rotate_secret(actor=manager, endpoint=rotated, keep_previous=False)
    commit(make_question, title="Another question about the router")
    header = receiver.requests[-1].headers["Commonplace-Signature"]
    assert header.count("v1=") == 1
    assert signing.verify(rotated.secret, header, receiver.requests[-1].body)
    assert ModerationAction.objects.filter(action="webhook.secret_rotated").count() == 2
    assert not any(
        secret in str(line.before) + str(line.after) + line.reason
        for line in ModerationAction.objects.all()
        for secret in (old, rotated.secret)
    )


def test_a_ping_goes_to_one_endpoint_and_redelivery_needs_it_enabled(commit, endpoint, receiver, manager):
    other = services.endpoint_create(actor=manager, url=receiver.url, event_types=["answer.created"])
    ping = commit(services.endpoint_ping, actor=manager, endpoint=endpoint)
    [seen] = receiver.requests
    assert (
        seen.headers["Commonplace-Event"] == "ping" and seen.event["data"]["sent_by"]["username"] == "casey"
    )
    assert not Delivery.objects.filter(endpoint=other).exists()

    services.endpoint_disable(actor=manager, endpoint=endpoint)
    with pytest.raises(Exception, match="disabled: enable it first"):
        services.delivery_redeliver(actor=manager, delivery=ping)
    with pytest.raises(Exception, match="disabled: enable it first"):
        services.endpoint_ping(actor=manager, endpoint=endpoint)


def test_deleting_an_endpoint_takes_its_log_and_the_events_only_it_had(commit, endpoint, receiver, manager):
    keeper = services.endpoint_create(actor=manager, url=receiver.url, event_types=["question.created"])
    commit(make_question)
    commit(make_answer, make_question(title="One more question about routers"))
    services.endpoint_delete(actor=manager, endpoint=endpoint)

    assert not WebhookEndpoint.objects.filter(pk=endpoint.pk).exists()
    assert set(Event.objects.values_list("type", flat=True)) == {"question.created"}  # the keeper's
    assert Delivery.objects.filter(endpoint=keeper).count() == 2
    assert ModerationAction.objects.filter(action="webhook.deleted", target_id=endpoint.pk).exists()


def test_the_log_forgets_finished_deliveries_after_thirty_days(commit, endpoint, receiver, manager):
    from integrations.tasks import sweep_deliveries

    receiver.fail_first = 1
    commit(make_question)  # fails once: pending
    commit(make_question, title="A second question about the router")  # delivered
    month_ago = timezone.now() - dt.timedelta(days=31)
    Delivery.objects.update(created_at=month_ago)

    sweep_deliveries()  # the delivered one is forgotten; the one still being retried stays

    assert Delivery.objects.count() == 1 and Event.objects.count() == 1
    kept = Delivery.objects.get()
    assert kept.attempts == 1 and kept.is_pending and Attempt.objects.filter(delivery=kept).count() == 1


def test_a_new_address_starts_with_a_clean_record(endpoint, receiver, manager):
    WebhookEndpoint.objects.update(failing_since=timezone.now() - dt.timedelta(hours=20))
    moved = services.endpoint_update(
        actor=manager, endpoint=endpoint, url=receiver.url + "/v2", event_types=endpoint.event_types
    )[0]
    assert moved.failing_since is None and moved.url.endswith("/v2")
