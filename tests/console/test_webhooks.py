"""The console's webhook pages (/manage/webhooks/): community managers register, edit, rotate,
disable, enable, ping and delete endpoints, read the delivery log and redeliver; everyone else
is refused. Every page works as a plain form post and costs a fixed number of queries."""

import datetime as dt
import json

import pytest
from django.utils import timezone

from integrations import services
from integrations.models import Attempt, Delivery, DeliveryStatus, Event, EventType, WebhookEndpoint
from moderation.models import ModerationAction
from tests.factories import (
    CommunityManagerFactory,
    ModeratorFactory,
    StaffFactory,
    UserFactory,
    make_question,
)
from tests.integrations.receiver import running_receiver

pytestmark = pytest.mark.django_db


@pytest.fixture
def casey(client):
    manager = CommunityManagerFactory(username="casey", display_name="Casey")
    client.force_login(manager)
    return manager


@pytest.fixture
def hook(casey, receiver):
    endpoint = services.endpoint_create(
        actor=casey,
        url=receiver.url,
        description="The CRM",
        event_types=["question.created", "answer.created"],
    )
    receiver.secret = endpoint.secret
    return endpoint


@pytest.fixture
def receiver(settings):
    """A real receiver on loopback (tests/integrations/receiver.py); loopback is private."""
    settings.COMMONPLACE_OUTBOUND_ALLOW_PRIVATE = True
    with running_receiver() as running:
        yield running


def form(url="https://hooks.example.com/x", description="The CRM", events=("question.created",)) -> dict:
    return {"url": url, "description": description, "event_types": list(events)}


def page(response) -> str:
    return response.content.decode()


# --- Who may ---------------------------------------------------------------------------------------


def test_members_staff_and_moderators_are_refused_everything(client, hook):
    urls = [
        "/manage/webhooks/",
        "/manage/webhooks/new/",
        f"/manage/webhooks/{hook.pk}/",
        f"/manage/webhooks/{hook.pk}/edit/",
        f"/manage/webhooks/{hook.pk}/delete/",
    ]
    posts = ["secret", "rotate", "disable", "ping", "delete"]
    for person in (UserFactory(reputation=5000), StaffFactory(), ModeratorFactory()):
        client.force_login(person)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 403, url
            if person.is_moderator:  # in the console's door, not this room
                assert "Only community managers can manage webhooks." in page(response)
        for verb in posts:
            assert client.post(f"/manage/webhooks/{hook.pk}/{verb}/").status_code == 403, verb
        assert client.post("/manage/webhooks/new/", form()).status_code == 403
    hook.refresh_from_db()
    assert hook.active and WebhookEndpoint.objects.count() == 1
    assert not Delivery.objects.exists()


def test_visitors_are_sent_to_log_in(client, db):
    response = client.get("/manage/webhooks/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_console_nav_shows_webhooks_to_community_managers_only(client, casey):
    assert 'href="/manage/webhooks/"' in page(client.get("/manage/"))
    client.force_login(ModeratorFactory())
    assert 'href="/manage/webhooks/"' not in page(client.get("/manage/"))


# --- Registering and editing ------------------------------------------------------------------------


def test_registering_an_endpoint(client, casey, receiver):
    response = client.post("/manage/webhooks/new/", form(url=receiver.url, events=EventType.values))
    endpoint = WebhookEndpoint.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/manage/webhooks/{endpoint.pk}/"
    assert endpoint.owner == casey and endpoint.active and endpoint.event_types == EventType.values
    assert endpoint.secret.startswith("whsec_")
    detail = page(client.get(response["Location"]))
    assert "Reveal its secret below" in detail
    assert endpoint.secret not in detail  # only on request
    line = ModerationAction.objects.get(action="webhook.created")
    assert line.moderator == casey and line.after["url"] == receiver.url
    assert endpoint.secret not in str(line.after)


def test_a_private_address_is_refused_with_where_it_resolves_and_nothing_typed_is_lost(
    client, casey, settings
):
    settings.COMMONPLACE_OUTBOUND_ALLOW_PRIVATE = False
    response = client.post(
        "/manage/webhooks/new/",
        form(url="http://10.0.0.5/hooks", description="Our CRM", events=("answer.created", "flag.raised")),
    )
    assert response.status_code == 400
    html = page(response)
    assert "10.0.0.5 resolves to 10.0.0.5, a private address" in html
    assert "COMMONPLACE_OUTBOUND_ALLOW_PRIVATE" in html
    assert 'value="http://10.0.0.5/hooks"' in html and 'value="Our CRM"' in html
    assert 'value="answer.created" id="id_event_types_1" checked' in html
    assert 'value="flag.raised" id="id_event_types_7" checked' in html
    assert 'value="question.created" id="id_event_types_0">' in html
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize(
    "address,why",
    [
        ("http://169.254.169.254/latest/meta-data/", "a link-local address"),
        ("http://127.0.0.1:8000/", "loopback"),
    ],
)
def test_cloud_metadata_and_loopback_are_refused(client, casey, settings, address, why):
    settings.COMMONPLACE_OUTBOUND_ALLOW_PRIVATE = False
    response = client.post("/manage/webhooks/new/", form(url=address))
    assert response.status_code == 400 and why in page(response)


def test_an_endpoint_needs_an_address_and_an_event(client, casey):
    html = page(client.post("/manage/webhooks/new/", {"url": "", "description": "x"}))
    assert "Give the address that receives the events" in html
    assert "Choose at least one event to send." in html
    html = page(client.post("/manage/webhooks/new/", form(url="ftp://example.com/x")))
    assert "The address must start with https://" in html


def test_editing_an_endpoint_is_audit_logged_with_before_and_after(client, casey, hook, receiver):
    response = client.post(
        f"/manage/webhooks/{hook.pk}/edit/",
        form(url=receiver.url, description="The CRM, production", events=("flag.raised",)),
    )
    assert response.status_code == 302
    hook.refresh_from_db()
    assert hook.event_types == ["flag.raised"] and hook.description == "The CRM, production"
    line = ModerationAction.objects.get(action="webhook.updated")
    assert line.before["event_types"] == ["question.created", "answer.created"]
    assert line.after["event_types"] == ["flag.raised"]

    same = client.post(
        f"/manage/webhooks/{hook.pk}/edit/",
        form(url=receiver.url, description="The CRM, production", events=("flag.raised",)),
        follow=True,
    )
    assert "Nothing had changed" in page(same)
    assert ModerationAction.objects.filter(action="webhook.updated").count() == 1


def test_the_edit_form_starts_from_the_endpoint(client, casey, hook):
    html = page(client.get(f"/manage/webhooks/{hook.pk}/edit/"))
    assert f'value="{hook.url}"' in html
    assert 'value="answer.created" id="id_event_types_1" checked' in html
    assert 'value="flag.raised" id="id_event_types_7">' in html


# --- The secret ---------------------------------------------------------------------------------------


def test_the_secret_is_revealed_by_a_post_and_never_cached(client, casey, hook):
    assert hook.secret not in page(client.get(f"/manage/webhooks/{hook.pk}/"))
    assert client.get(f"/manage/webhooks/{hook.pk}/secret/").status_code == 405
    response = client.post(f"/manage/webhooks/{hook.pk}/secret/")
    assert response.status_code == 200 and hook.secret in page(response)
    assert "no-store" in response["Cache-Control"]


def test_rotating_keeps_the_old_secret_signing_for_a_day_unless_told_not_to(client, casey, hook):
    old = hook.secret
    client.post(f"/manage/webhooks/{hook.pk}/rotate/", {"keep_previous": "on"})
    hook.refresh_from_db()
    assert hook.secret != old and hook.previous_secret == old and hook.rotating
    assert "previous secret signs too" in page(client.get(f"/manage/webhooks/{hook.pk}/"))

    client.post(f"/manage/webhooks/{hook.pk}/rotate/", {})  # the box unticked
    hook.refresh_from_db()
    assert not hook.rotating and hook.signing_secrets() == [hook.secret]


# --- Disabling, enabling, deleting, pinging -----------------------------------------------------


def test_disable_and_enable(client, casey, hook):
    response = client.post(f"/manage/webhooks/{hook.pk}/disable/", follow=True)
    hook.refresh_from_db()
    assert not hook.active and hook.disabled_reason == "Disabled by Casey"
    assert "Enable the endpoint" in page(response) and "Send a test ping</button>" not in page(response)
    client.post(f"/manage/webhooks/{hook.pk}/enable/")
    hook.refresh_from_db()
    assert hook.active and hook.disabled_at is None
    assert list(
        ModerationAction.objects.filter(action__startswith="webhook.")
        .order_by("pk")
        .values_list("action", flat=True)
    ) == ["webhook.created", "webhook.disabled", "webhook.enabled"]


def test_deleting_asks_first(client, casey, hook):
    confirm = client.get(f"/manage/webhooks/{hook.pk}/delete/")
    assert confirm.status_code == 200 and "Delete the endpoint" in page(confirm)
    assert WebhookEndpoint.objects.exists()
    response = client.post(f"/manage/webhooks/{hook.pk}/delete/")
    assert response.status_code == 302 and response["Location"] == "/manage/webhooks/"
    assert not WebhookEndpoint.objects.exists()


def test_a_test_ping_lands_on_its_delivery_page_with_the_attempt(
    client, casey, hook, receiver, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/manage/webhooks/{hook.pk}/ping/")
    ping = Delivery.objects.get()
    assert response["Location"] == f"/manage/webhooks/{hook.pk}/deliveries/{ping.pk}/"
    html = page(client.get(response["Location"]))
    assert "Delivered" in html and "HTTP 200" in html
    assert "&quot;type&quot;: &quot;ping&quot;" in html  # the payload, escaped
    assert receiver.requests[0].verified


# --- The delivery log ---------------------------------------------------------------------------------


def test_the_log_lists_newest_first_with_status_attempts_code_and_next_attempt(
    client, casey, hook, receiver, commit
):
    receiver.fail_first = 1
    first = commit(make_question, title="First question about the router")
    commit(make_question, title="Second question about the router")
    html = page(client.get(f"/manage/webhooks/{hook.pk}/"))
    rows = html[html.index("<tbody>", html.index("delivery-log")) :]
    newest, oldest = Delivery.objects.order_by("-pk")
    assert rows.index(f"/deliveries/{newest.pk}/") < rows.index(f"/deliveries/{oldest.pk}/")
    assert str(oldest.event_id) in rows and ">Retrying<" in rows and ">500<" in rows
    assert ">Delivered<" in rows and ">200<" in rows
    assert first.pk  # the question's event is the failing one
    assert oldest.next_attempt_at.strftime("%H:%M") in rows


def test_the_delivery_page_shows_each_attempt_and_redeliver_sends_the_same_event(
    client, casey, hook, receiver, commit, django_capture_on_commit_callbacks
):
    receiver.fail_first = 1
    commit(make_question)
    failed = Delivery.objects.get()
    html = page(client.get(f"/manage/webhooks/{hook.pk}/deliveries/{failed.pk}/"))
    assert "Failed</strong>: HTTP 500" in html and "What the endpoint answered" in html
    assert str(failed.event_id) in html and "question.created" in html

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/manage/webhooks/{hook.pk}/deliveries/{failed.pk}/redeliver/")
    again = Delivery.objects.exclude(pk=failed.pk).get()
    assert response["Location"] == f"/manage/webhooks/{hook.pk}/deliveries/{again.pk}/"
    assert again.event_id == failed.event_id and again.redelivery_of == failed
    assert again.status == DeliveryStatus.DELIVERED and again.requested_by == casey
    html = page(client.get(response["Location"]))
    assert f'redelivering <a href="/manage/webhooks/{hook.pk}/deliveries/{failed.pk}/">' in html


def test_a_delivery_of_another_endpoint_is_not_found_here(client, casey, hook, receiver, commit):
    other = services.endpoint_create(actor=casey, url=receiver.url, event_types=["question.created"])
    commit(make_question)
    theirs = Delivery.objects.get(endpoint=other)
    assert client.get(f"/manage/webhooks/{hook.pk}/deliveries/{theirs.pk}/").status_code == 404
    assert client.post(f"/manage/webhooks/{hook.pk}/deliveries/{theirs.pk}/redeliver/").status_code == 404


def test_the_audit_log_names_webhook_changes(client, casey, hook):
    client.post(f"/manage/webhooks/{hook.pk}/disable/")
    html = page(client.get("/moderation/log/"))
    assert "Webhook endpoint added" in html and "Webhook endpoint disabled" in html
    assert f"Webhook endpoint #{hook.pk}" in html


# --- Query counts -------------------------------------------------------------------------------------


def _deliveries(endpoint, count: int, attempts: int = 0) -> None:
    """Log rows made directly: the pages' cost, not the sending, is measured here."""
    now = timezone.now()
    for number in range(count):
        event = Event.objects.create(
            type="question.created", body=json.dumps({"data": {"question": {"id": number}}})
        )
        row = Delivery.objects.create(endpoint=endpoint, event=event, next_attempt_at=now)
        for n in range(1, attempts + 1):
            Attempt.objects.create(
                delivery=row, number=n, started_at=now - dt.timedelta(minutes=n), status_code=500, error=""
            )


def test_list_page_query_count_does_not_grow_with_endpoints(
    client, casey, receiver, django_assert_max_num_queries
):
    for _ in range(6):
        endpoint = services.endpoint_create(
            actor=CommunityManagerFactory(), url=receiver.url, event_types=["question.created"]
        )
        _deliveries(endpoint, 2)
    with django_assert_max_num_queries(4):
        response = client.get("/manage/webhooks/")
    assert response.status_code == 200 and page(response).count("/manage/webhooks/") >= 6


def test_endpoint_page_query_count_does_not_grow_with_the_log(
    client, casey, hook, django_assert_max_num_queries
):
    _deliveries(hook, 40, attempts=2)
    with django_assert_max_num_queries(6):
        response = client.get(f"/manage/webhooks/{hook.pk}/?page=2")
    assert response.status_code == 200 and "Page 2 of 2" in page(response)


def test_delivery_page_query_count_does_not_grow_with_attempts(
    client, casey, hook, django_assert_max_num_queries
):
    _deliveries(hook, 1, attempts=8)
    row = Delivery.objects.get()
    with django_assert_max_num_queries(7):
        response = client.get(f"/manage/webhooks/{hook.pk}/deliveries/{row.pk}/")
    assert response.status_code == 200 and page(response).count("Failed</strong>") == 8
