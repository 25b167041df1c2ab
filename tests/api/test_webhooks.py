"""Webhook endpoints through the API (/api/v1/webhooks/): community managers with the `manage`
scope register, read, edit, rotate, disable, enable, ping and delete endpoints, read each
endpoint's delivery log with its attempts, and redeliver, through the same services and rule as
the console (/manage/webhooks/), with the console's sentences."""

import datetime as dt

import pytest
from django.utils import timezone

from integrations import services
from integrations.models import Attempt, Delivery, DeliveryStatus, EventType, WebhookEndpoint
from moderation.models import ModerationAction
from tests.api.conftest import any_scope_key, error_of, key_for, ok
from tests.factories import CommunityManagerFactory, ModeratorFactory, StaffFactory, UserFactory
from tests.test_who_may_do_what import restricted

pytestmark = pytest.mark.django_db

HOOKS = "/api/v1/webhooks/"


refused = error_of


@pytest.fixture
def casey(db):
    return CommunityManagerFactory(username="casey", display_name="Casey")


@pytest.fixture
def token(casey):
    return key_for(casey, "read", "manage")


@pytest.fixture
def hook(casey, receiver):
    endpoint = services.endpoint_create(
        actor=casey, url=receiver.url, description="The CRM", event_types=["question.created"]
    )
    receiver.secret = endpoint.secret
    return endpoint


def delivered_ping(hook, casey, *, attempts: int, succeeded: bool) -> Delivery:
    """A ping delivery with its attempts as the log would hold them (written directly: sending
    is tests/integrations' business)."""
    delivery = services.endpoint_ping(actor=casey, endpoint=hook)
    now = timezone.now()
    for number in range(1, attempts + 1):
        last = number == attempts
        Attempt.objects.create(
            delivery=delivery,
            number=number,
            started_at=now - dt.timedelta(minutes=attempts - number),
            duration_ms=12,
            status_code=200 if last and succeeded else 500,
            response_excerpt="ok" if last and succeeded else "Internal error",
            succeeded=last and succeeded,
        )
    Delivery.objects.filter(pk=delivery.pk).update(
        attempts=attempts,
        status=DeliveryStatus.DELIVERED if succeeded else DeliveryStatus.PENDING,
        last_status_code=200 if succeeded else 500,
    )
    return delivery


# --- Registering --------------------------------------------------------------------------------


def test_a_community_manager_registers_an_endpoint_and_gets_its_secret_once(api, casey, token, receiver):
    data = {"url": receiver.url, "description": "The CRM", "event_types": ["flag.raised", "answer.created"]}
    response = api.post(HOOKS, data, token=token)

    endpoint = WebhookEndpoint.objects.get()
    created = ok(response, 201)
    assert response["Location"] == f"{HOOKS}{endpoint.pk}/"
    assert "no-store" in response["Cache-Control"]
    assert created["secret"] == endpoint.secret and created["secret"].startswith("whsec_")
    # Kept in the catalogue's order, as the console keeps them.
    assert created["event_types"] == ["answer.created", "flag.raised"]
    assert created["owner"]["username"] == "casey" and created["active"] is True
    assert created["deliveries"].endswith(f"{HOOKS}{endpoint.pk}/deliveries/")

    again = ok(api.get(f"{HOOKS}{endpoint.pk}/", token=token))
    assert "secret" not in again and endpoint.secret not in str(again)
    assert endpoint.secret not in str(ok(api.get(HOOKS, token=token)))
    line = ModerationAction.objects.get(action="webhook.created")
    assert line.moderator == casey and endpoint.secret not in str(line.after)


def test_a_private_address_is_a_400_on_the_url_with_the_consoles_sentence(api, token, settings):
    settings.COMMONPLACE_OUTBOUND_ALLOW_PRIVATE = False
    data = {"url": "http://10.0.0.5/hooks", "event_types": ["answer.created"]}
    error = refused(api.post(HOOKS, data, token=token), 400)

    assert error["code"] == "invalid"
    [message] = error["fields"]["url"]
    assert message.startswith("10.0.0.5 resolves to 10.0.0.5, a private address")
    assert "COMMONPLACE_OUTBOUND_ALLOW_PRIVATE" in message
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize(
    "address,why",
    [
        ("http://169.254.169.254/latest/meta-data/", "a link-local address"),
        ("http://127.0.0.1:8000/", "a loopback address"),
        ("ftp://example.com/x", "The address must start with https://"),
        ("http://user:pw@example.com/x", "Put credentials in the secret"),
        ("http://[::1/x", "is not a valid address"),
        ("http://example.com:99999/x", "is not a valid address"),
    ],
)
def test_addresses_the_console_refuses_are_refused_alike(api, token, settings, address, why):
    settings.COMMONPLACE_OUTBOUND_ALLOW_PRIVATE = False
    error = refused(api.post(HOOKS, {"url": address, "event_types": ["answer.created"]}, token=token), 400)
    assert list(error["fields"]) == ["url"] and why in error["fields"]["url"][0]


def test_missing_and_unknown_values_get_the_consoles_sentences(api, token):
    error = refused(api.post(HOOKS, {"description": "x"}, token=token), 400)
    assert error["fields"]["url"] == ["Give the address that receives the events (https://…)."]
    assert error["fields"]["event_types"] == ["Choose at least one event to send."]

    error = refused(
        api.post(HOOKS, {"url": "https://hooks.example.com/x", "event_types": []}, token=token), 400
    )
    assert error["fields"]["event_types"] == ["Choose at least one event to send."]

    error = refused(
        api.post(
            HOOKS, {"url": "https://hooks.example.com/x", "event_types": ["question.asked"]}, token=token
        ),
        400,
    )
    assert error["fields"]["event_types"] == ["There is no event type question.asked."]
    assert not WebhookEndpoint.objects.exists()


# --- Reading, editing, deleting -------------------------------------------------------------------


def test_the_list_shows_each_endpoint_with_what_waits(api, casey, token, hook, django_assert_max_num_queries):
    services.endpoint_ping(actor=casey, endpoint=hook)
    other = services.endpoint_create(actor=casey, url=hook.url, event_types=EventType.values)
    # the key (its owner joined), the owner's groups, the key's last use, the page, the flairs
    with django_assert_max_num_queries(5):
        listed = ok(api.get(HOOKS, token=token))
    assert [row["id"] for row in listed["results"]] == [hook.pk, other.pk]
    assert listed["results"][0]["pending"] == 1 and listed["results"][1]["pending"] == 0
    assert listed["results"][0]["console_url"].endswith(f"/manage/webhooks/{hook.pk}/")


def test_patch_changes_the_fields_sent_and_is_audit_logged(api, token, hook):
    changed = ok(api.patch(f"{HOOKS}{hook.pk}/", {"event_types": ["flag.raised"]}, token=token))

    assert changed["event_types"] == ["flag.raised"] and changed["url"] == hook.url
    assert changed["description"] == "The CRM"
    line = ModerationAction.objects.get(action="webhook.updated")
    assert line.before["event_types"] == ["question.created"] and line.after["event_types"] == ["flag.raised"]


def test_put_needs_every_field_and_an_unchanged_one_writes_nothing(api, token, hook):
    error = refused(api.put(f"{HOOKS}{hook.pk}/", {"description": "only this"}, token=token), 400)
    assert set(error["fields"]) == {"url", "event_types"}

    same = {"url": hook.url, "description": "The CRM", "event_types": ["question.created"]}
    ok(api.put(f"{HOOKS}{hook.pk}/", same, token=token))
    assert not ModerationAction.objects.filter(action="webhook.updated").exists()


def test_a_private_address_is_refused_on_edit_too(api, token, hook, settings):
    settings.COMMONPLACE_OUTBOUND_ALLOW_PRIVATE = False
    error = refused(api.patch(f"{HOOKS}{hook.pk}/", {"url": "http://192.168.1.10/"}, token=token), 400)
    assert "192.168.1.10 resolves to 192.168.1.10, a private address" in error["fields"]["url"][0]
    hook.refresh_from_db()
    assert hook.url.startswith("http://127.0.0.1:")


def test_deleting_drops_the_endpoint_and_its_log(api, casey, token, hook):
    services.endpoint_ping(actor=casey, endpoint=hook)
    response = api.delete(f"{HOOKS}{hook.pk}/", token=token)
    assert response.status_code == 204
    assert not WebhookEndpoint.objects.exists() and not Delivery.objects.exists()
    assert ModerationAction.objects.filter(action="webhook.deleted").exists()
    assert refused(api.get(f"{HOOKS}{hook.pk}/", token=token), 404)["code"] == "not_found"


# --- The secret, switching, pinging ----------------------------------------------------------------


def test_rotating_answers_the_new_secret_uncached_and_keeps_the_old_one_signing_for_a_day(api, token, hook):
    old = hook.secret
    response = api.post(f"{HOOKS}{hook.pk}/rotate-secret/", token=token)
    rotated = ok(response)
    hook.refresh_from_db()

    assert rotated["secret"] == hook.secret != old
    assert "no-store" in response["Cache-Control"]
    assert rotated["rotating"] is True and rotated["previous_secret_expires_at"]
    assert hook.signing_secrets() == [hook.secret, old]

    at_once = ok(api.post(f"{HOOKS}{hook.pk}/rotate-secret/", {"keep_previous": False}, token=token))
    assert at_once["rotating"] is False and at_once["previous_secret_expires_at"] is None


def test_disabling_pauses_and_enabling_resumes_and_neither_twice(api, casey, token, hook):
    delivery = services.endpoint_ping(actor=casey, endpoint=hook)

    disabled = ok(api.post(f"{HOOKS}{hook.pk}/disable/", token=token))
    assert disabled["active"] is False and disabled["paused"] == 1
    assert disabled["disabled_reason"] == "Disabled by Casey"
    ok(api.post(f"{HOOKS}{hook.pk}/disable/", token=token))
    assert ModerationAction.objects.filter(action="webhook.disabled").count() == 1

    error = refused(api.post(f"{HOOKS}{hook.pk}/ping/", token=token), 400)
    assert error["message"] == "This endpoint is disabled: enable it first."

    enabled = ok(api.post(f"{HOOKS}{hook.pk}/enable/", token=token))
    assert enabled["active"] is True and enabled["pending"] == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING


def test_a_ping_reaches_the_receiver_signed_with_the_secret_given_at_registration(
    api, casey, token, receiver, django_capture_on_commit_callbacks
):
    created = ok(api.post(HOOKS, {"url": receiver.url, "event_types": ["answer.created"]}, token=token), 201)
    receiver.secret = created["secret"]

    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"{HOOKS}{created['id']}/ping/", token=token)
    pinged = ok(response, 201)

    assert response["Location"] == f"{HOOKS}{created['id']}/deliveries/{pinged['id']}/"
    assert pinged["event_type"] == "ping" and pinged["requested_by"]["username"] == "casey"
    [request] = receiver.requests
    assert request.verified and request.headers["Commonplace-Event-Id"] == pinged["event_id"]
    assert request.event["data"]["sent_by"]["username"] == "casey"

    sent = ok(api.get(f"{HOOKS}{created['id']}/deliveries/{pinged['id']}/", token=token))
    assert sent["status"] == "delivered" and sent["state"] == "delivered"
    assert [attempt["status_code"] for attempt in sent["attempts"]] == [200]
    assert sent["payload"]["id"] == pinged["event_id"] and sent["payload"]["type"] == "ping"


# --- The delivery log and redelivering -------------------------------------------------------------


def test_the_delivery_log_is_newest_first_with_every_attempt_and_cursor_paged(
    api, casey, token, hook, django_assert_max_num_queries
):
    first = delivered_ping(hook, casey, attempts=3, succeeded=True)
    second = delivered_ping(hook, casey, attempts=2, succeeded=False)
    third = delivered_ping(hook, casey, attempts=1, succeeded=False)
    url = f"{HOOKS}{hook.pk}/deliveries/"

    # as the list, plus the endpoint, and every attempt on the page in one query
    with django_assert_max_num_queries(7):
        page = ok(api.get(f"{url}?page_size=2", token=token))
    assert [row["id"] for row in page["results"]] == [third.pk, second.pk]
    assert page["results"][1]["state"] == "retrying" and page["results"][1]["attempt_count"] == 2
    assert [a["status_code"] for a in page["results"][1]["attempts"]] == [500, 500]

    rest = ok(api.get(page["next"], token=token))
    assert [row["id"] for row in rest["results"]] == [first.pk] and rest["next"] is None
    [oldest] = rest["results"]
    assert [(a["number"], a["succeeded"]) for a in oldest["attempts"]] == [(1, False), (2, False), (3, True)]
    assert oldest["status"] == "delivered" and oldest["last_status_code"] == 200


def test_redelivering_sends_the_same_event_as_a_new_delivery(api, casey, token, hook):
    failed = delivered_ping(hook, casey, attempts=2, succeeded=False)
    other = CommunityManagerFactory(username="robin")

    response = api.post(f"{HOOKS}{hook.pk}/deliveries/{failed.pk}/redeliver/", token=key_for(other, "manage"))
    again = ok(response, 201)

    assert again["id"] != failed.pk and again["event_id"] == str(failed.event_id)
    assert again["redelivery_of"] == failed.pk and again["requested_by"]["username"] == "robin"
    assert again["state"] == "queued" and again["attempts"] == []


def test_a_delivery_of_another_endpoint_is_not_found_there(api, casey, token, hook):
    other = services.endpoint_create(actor=casey, url=hook.url, event_types=["flag.raised"])
    delivery = services.endpoint_ping(actor=casey, endpoint=other)
    assert refused(api.get(f"{HOOKS}{hook.pk}/deliveries/{delivery.pk}/", token=token), 404)
    assert refused(api.post(f"{HOOKS}{hook.pk}/deliveries/{delivery.pk}/redeliver/", token=token), 404)
    assert Delivery.objects.count() == 1


# --- Who may ----------------------------------------------------------------------------------------


def every_call(hook) -> list[tuple[str, str, dict | None]]:
    delivery = Delivery.objects.filter(endpoint=hook).first()
    base = f"{HOOKS}{hook.pk}/"
    return [
        ("get", HOOKS, None),
        ("post", HOOKS, {"url": hook.url, "event_types": ["flag.raised"]}),
        ("get", base, None),
        ("patch", base, {"description": "mine now"}),
        ("put", base, {"url": hook.url, "event_types": ["flag.raised"]}),
        ("post", f"{base}rotate-secret/", {}),
        ("post", f"{base}disable/", {}),
        ("post", f"{base}enable/", {}),
        ("post", f"{base}ping/", {}),
        ("get", f"{base}deliveries/", None),
        ("get", f"{base}deliveries/{delivery.pk}/", None),
        ("post", f"{base}deliveries/{delivery.pk}/redeliver/", {}),
        ("delete", base, None),
    ]


def call(api, method, url, data, token):
    if method in ("get", "delete"):
        return getattr(api, method)(url, token=token)
    return getattr(api, method)(url, data, token=token)


@pytest.mark.parametrize("person", [UserFactory, StaffFactory, ModeratorFactory])
def test_members_staff_and_moderators_are_refused_everything_with_the_consoles_sentence(
    api, casey, hook, person
):
    services.endpoint_ping(actor=casey, endpoint=hook)
    token = any_scope_key(person(reputation=5000))  # every scope: only the account's rule decides
    for method, url, data in every_call(hook):
        error = refused(call(api, method, url, data, token), 403)
        assert error["message"] == "Only community managers can manage webhooks.", (method, url)
    hook.refresh_from_db()
    assert hook.active and hook.description == "The CRM" and WebhookEndpoint.objects.count() == 1
    assert (
        Delivery.objects.count() == 1
        and not ModerationAction.objects.exclude(action="webhook.created").exists()
    )


def test_a_visitor_is_asked_to_authenticate(api, hook):
    response = api.get(HOOKS)
    assert refused(response, 401)["message"] == "Only community managers can manage webhooks."
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_community_managers_key_without_the_manage_scope_is_refused(api, casey, hook):
    services.endpoint_ping(actor=casey, endpoint=hook)
    token = key_for(casey, "read", "write")
    for method, url, data in every_call(hook):
        error = refused(call(api, method, url, data, token), 403)
        assert "does not have the manage scope" in error["message"], (method, url)
    assert WebhookEndpoint.objects.count() == 1


def test_a_key_acts_as_its_owner_only_and_not_after_they_lose_the_role(api, casey, hook):
    robin = CommunityManagerFactory(username="robin", display_name="Robin")
    token = key_for(robin, "read", "manage")

    ok(api.post(f"{HOOKS}{hook.pk}/disable/", token=token))
    line = ModerationAction.objects.get(action="webhook.disabled")
    assert line.moderator == robin  # the key's owner, never the endpoint's owner
    created = ok(api.post(HOOKS, {"url": hook.url, "event_types": ["flag.raised"]}, token=token), 201)
    assert created["owner"]["username"] == "robin"

    robin.groups.clear()
    error = refused(api.post(f"{HOOKS}{hook.pk}/enable/", token=token), 403)
    assert error["message"] == "Only community managers can manage webhooks."
    hook.refresh_from_db()
    assert not hook.active


def test_a_suspended_community_manager_is_refused_with_the_suspension(api, casey, token, hook):
    restricted(casey, "suspend")
    error = refused(api.get(HOOKS, token=token), 403)
    assert error["message"].startswith("Your account is suspended until")
