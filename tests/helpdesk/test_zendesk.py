"""The Zendesk adapter against a fake Zendesk on loopback: the Tickets API (path, basic auth with
an API token, the ticket's shape) and Zendesk-signed webhooks back."""

import base64
import datetime as dt

import pytest

from helpdesk import services
from helpdesk.models import HelpdeskTicket
from insights.models import Escalation
from notifications.models import Notification
from tests.helpdesk import fakes
from tests.helpdesk.conftest import zendesk_callback

pytestmark = pytest.mark.django_db


def open_ticket(question, staff, commit) -> HelpdeskTicket:
    commit(
        services.escalation_take,
        question=question,
        staff_user=staff,
        note="Checking the account",
        open_ticket=True,
        ticket_note="Card ending 4242",
    )
    return HelpdeskTicket.objects.get(escalation__question=question)


def test_a_ticket_is_opened_with_zendesks_tickets_api(client, zendesk, thread, sam, commit):
    question, _ = thread

    ticket = open_ticket(question, sam, commit)

    [request] = zendesk.seen
    assert (request.method, request.path) == ("POST", "/api/v2/tickets.json")
    credentials = base64.b64decode(request.headers["Authorization"].removeprefix("Basic ")).decode()
    assert credentials == f"{fakes.ZENDESK_EMAIL}/token:{fakes.ZENDESK_TOKEN}"
    assert request.headers["Idempotency-Key"] == str(ticket.request_id)
    sent = request.json()["ticket"]
    assert sent["subject"] == f"Community: {question.title}"
    assert question.get_absolute_url() in sent["comment"]["body"]
    assert "Sam (sam)" in sent["comment"]["body"] and "Alice (alice)" in sent["comment"]["body"]
    assert "Card ending 4242" in sent["comment"]["body"] and sent["comment"]["public"] is False
    assert sent["requester"] == {"name": "Alice", "email": "alice@example.com"}
    assert sent["external_id"] == str(ticket.request_id)
    assert sent["tags"] == ["commonplace", "community_escalation"]
    assert (ticket.external_id, ticket.status) == ("35436", "new")
    assert ticket.url == f"{zendesk.url}/agent/tickets/35436"

    client.force_login(sam)
    page = client.get(question.get_absolute_url()).content.decode()
    assert "Zendesk ticket (staff only)" in page and f'<a href="{zendesk.url}/agent/tickets/35436"' in page


def test_the_askers_address_stays_here_when_sharing_is_off(zendesk, thread, sam, commit, settings):
    settings.COMMONPLACE_HELPDESK_SHARE_EMAIL = False
    question, _ = thread
    open_ticket(question, sam, commit)
    assert "requester" not in zendesk.seen[0].json()["ticket"]


def test_wrong_credentials_are_shown_to_staff_and_retried(zendesk, thread, sam, commit, settings):
    settings.COMMONPLACE_ZENDESK_API_TOKEN = "revoked"
    question, _ = thread
    ticket = open_ticket(question, sam, commit)
    assert ticket.last_error == 'Zendesk answered 401: {"error": "Couldn\'t authenticate you"}.'
    assert ticket.is_opening and zendesk.tickets == []


def test_a_retry_after_a_lost_answer_finds_the_ticket_instead_of_opening_another(
    zendesk, thread, sam, commit
):
    question, _ = thread
    zendesk.lose_answers = 1  # Zendesk opens the ticket, but its answer never arrives

    ticket = open_ticket(question, sam, commit)
    assert not ticket.is_opened and len(zendesk.tickets) == 1
    HelpdeskTicket.objects.filter(pk=ticket.pk).update(
        next_attempt_at=ticket.next_attempt_at - dt.timedelta(minutes=1)
    )
    services.tickets_retry_due()

    ticket.refresh_from_db()
    assert ticket.external_id == "35436" and len(zendesk.tickets) == 1
    assert [(seen.method, seen.path.split("?")[0]) for seen in zendesk.seen] == [
        ("POST", "/api/v2/tickets.json"),
        ("GET", "/api/v2/tickets.json"),
    ]
    assert zendesk.seen[1].path.endswith(f"?external_id={ticket.request_id}")


def test_a_zendesk_signed_webhook_updates_the_status_and_brings_the_outcome(
    client, zendesk, thread, sam, commit
):
    question, _ = thread
    open_ticket(question, sam, commit)

    on_hold = zendesk_callback(client, {"ticket_id": 35436, "status": "Hold"})
    solved = zendesk_callback(
        client,
        {
            "ticket_id": "35436",
            "status": "Solved",
            "public_outcome": "We refunded the second charge on the invoice.",
        },
    )

    assert on_hold.status_code == 200 and on_hold.json()["status"] == "pending"
    assert solved.status_code == 200 and solved.json()["outcome_posted"] is True
    assert HelpdeskTicket.objects.get().status == "solved"
    escalation = Escalation.objects.get()
    assert escalation.state == Escalation.State.RESOLVED and escalation.outcome_by == sam
    assert Notification.objects.filter(recipient=sam, text__contains="was posted").count() == 1


def test_an_empty_outcome_field_is_no_outcome(client, zendesk, thread, sam, commit):
    """A trigger's placeholder for an empty custom field renders as an empty string."""
    question, _ = thread
    open_ticket(question, sam, commit)
    response = zendesk_callback(client, {"ticket_id": "35436", "status": "solved", "public_outcome": ""})
    assert response.json()["outcome_posted"] is False and Escalation.objects.get().is_open
    assert Notification.objects.filter(recipient=sam, text__contains="Post the public outcome").count() == 1


@pytest.mark.parametrize(
    ("signing", "message"),
    [
        ({"secret": "not-the-webhook-secret"}, "does not match"),
        ({"signed_at": dt.datetime.now(tz=dt.UTC) - dt.timedelta(hours=1)}, "too old"),
    ],
)
def test_a_webhook_zendesk_did_not_sign_is_refused(client, zendesk, thread, sam, commit, signing, message):
    question, _ = thread
    open_ticket(question, sam, commit)
    response = zendesk_callback(client, {"ticket_id": "35436", "status": "solved"}, **signing)
    assert response.status_code == 400 and message in response.json()["error"]
    assert HelpdeskTicket.objects.get().status == "new"


def test_a_webhook_without_zendesks_headers_is_refused(client, zendesk, db):
    response = client.post("/integrations/helpdesk/callback/", b"{}", content_type="application/json")
    assert response.status_code == 400
    assert "X-Zendesk-Webhook-Signature" in response.json()["error"]


def test_a_generic_signature_does_not_pass_for_zendesk(client, zendesk, thread, sam, commit):
    from tests.helpdesk.conftest import generic_callback

    question, _ = thread
    open_ticket(question, sam, commit)
    response = generic_callback(
        client, {"ticket_id": "35436", "status": "solved"}, secret=fakes.ZENDESK_WEBHOOK_SECRET
    )
    assert response.status_code == 400
