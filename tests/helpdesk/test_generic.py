"""The generic helpdesk bridge against a fake helpdesk on loopback (real HTTP): a ticket opened
with the follow-up, its id and status for staff only, signed status callbacks, the outcome
brought back once, and a helpdesk that is down."""

import datetime as dt
import json
import time

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from helpdesk import services
from helpdesk.models import HelpdeskTicket
from insights import services as insights_services
from insights.models import Escalation
from moderation.models import ModerationAction
from notifications.models import Kind, Notification
from reputation.models import LedgerEntry
from tests.factories import ModeratorFactory, StaffFactory, UserFactory, make_question
from tests.helpdesk import fakes
from tests.helpdesk.conftest import CALLBACK, generic_callback

pytestmark = pytest.mark.django_db

OUTCOME = "We refunded the **second charge**; it shows on your statement within 5 days."


def take_with_ticket(client, question, django_capture_on_commit_callbacks, **data):
    """Staff press "Take to private follow-up" with "Also open a ticket" ticked, as the page has it."""
    page = client.get(question.get_absolute_url()).content.decode()
    action = f"/integrations/helpdesk/escalate/{question.pk}/"
    assert f'action="{action}"' in page and "Also open a ticket in CareDesk" in page
    form = {
        "note": "Checking the account",
        "open_ticket": "on",
        "ticket_note": "Card ending 4242, two charges",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(action, {**form, **data})
    assert response.status_code == 302 and response["Location"].endswith("#follow-up")
    return HelpdeskTicket.objects.get(escalation__question=question)


def opened_ticket(question, staff, commit, **kwargs) -> HelpdeskTicket:
    commit(services.escalation_take, question=question, staff_user=staff, open_ticket=True, **kwargs)
    return HelpdeskTicket.objects.get(escalation__question=question)


def test_staff_open_a_ticket_with_the_follow_up_and_only_staff_see_it(
    client, helpdesk, thread, sam, django_capture_on_commit_callbacks
):
    question, _ = thread
    client.force_login(sam)

    ticket = take_with_ticket(client, question, django_capture_on_commit_callbacks)

    [request] = helpdesk.seen
    sent = request.json()
    assert request.path == "/tickets" and request.headers["Content-Type"] == "application/json"
    assert request.headers["Idempotency-Key"] == sent["id"] == str(ticket.request_id)
    assert sent["type"] == "ticket.requested"
    details = sent["escalation"]
    assert details["question"]["title"] == question.title
    assert details["question"]["url"].endswith(question.get_absolute_url())
    assert details["asker"]["username"] == "alice" and details["asker"]["email"] == "alice@example.com"
    assert details["staff"]["username"] == "sam"
    assert details["public_note"] == "Checking the account"
    assert details["private_note"] == "Card ending 4242, two charges"
    assert (ticket.external_id, ticket.status, ticket.url) == (
        "HD-101",
        "new",
        f"{helpdesk.url}/agent/HD-101",
    )
    assert ticket.opened_by == sam and ticket.attempts == 1 and ticket.last_error == ""

    staff_page = client.get(question.get_absolute_url()).content.decode()
    assert f'<a href="{helpdesk.url}/agent/HD-101" rel="noopener noreferrer">#HD-101</a>' in staff_page
    assert "CareDesk ticket (staff only)" in staff_page and ">New</strong>" in staff_page
    for viewer in (UserFactory(), ModeratorFactory()):
        client.force_login(viewer)
        member_page = client.get(question.get_absolute_url()).content.decode()
        assert "Taken to private follow-up" in member_page
        assert "HD-101" not in member_page and "CareDesk" not in member_page
        assert "Card ending 4242" not in member_page
    client.logout()
    assert "HD-101" not in client.get(question.get_absolute_url()).content.decode()


def test_members_can_neither_read_the_ticket_panel_nor_open_a_ticket(client, helpdesk, thread, sam, commit):
    question, _ = thread
    opened_ticket(question, sam, commit)
    client.force_login(UserFactory())
    assert client.get(f"/integrations/helpdesk/tickets/{question.pk}/").status_code == 403
    assert client.post(f"/integrations/helpdesk/tickets/{question.pk}/open/").status_code == 403
    client.force_login(sam)
    panel = client.get(f"/integrations/helpdesk/tickets/{question.pk}/")
    assert panel.status_code == 200 and "#HD-101" in panel.content.decode()


def test_without_a_helpdesk_no_ticket_is_offered(client, thread, sam, settings):
    settings.COMMONPLACE_HELPDESK = ""
    question, _ = thread
    client.force_login(sam)
    page = client.get(question.get_absolute_url()).content.decode()
    assert f'action="/insights/escalate/{question.pk}/"' in page and "Also open a ticket" not in page
    client.post(f"/insights/escalate/{question.pk}/", {"note": ""})
    page = client.get(question.get_absolute_url()).content.decode()
    assert "Open a ticket" not in page and not HelpdeskTicket.objects.exists()
    assert client.post(CALLBACK, b"{}", content_type="application/json").status_code == 404


def test_unticking_the_box_takes_the_thread_to_follow_up_without_a_ticket(
    client, helpdesk, thread, sam, django_capture_on_commit_callbacks
):
    question, _ = thread
    client.force_login(sam)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/integrations/helpdesk/escalate/{question.pk}/", {"note": "In private"})
    assert response.status_code == 302
    assert Escalation.objects.get(question=question).note == "In private"
    assert not HelpdeskTicket.objects.exists() and helpdesk.seen == []
    assert "Open a ticket in CareDesk" in client.get(question.get_absolute_url()).content.decode()


def test_a_private_note_without_the_box_ticked_comes_back_with_what_was_typed(client, helpdesk, thread, sam):
    question, _ = thread
    client.force_login(sam)
    response = client.post(
        f"/integrations/helpdesk/escalate/{question.pk}/",
        {"note": "Public words", "ticket_note": "Private words"},
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "tick “Also open a ticket” to send it" in body
    assert "Public words" in body and "Private words" in body
    assert not Escalation.objects.exists()


def test_staff_open_a_ticket_for_a_follow_up_that_has_none(
    client, helpdesk, thread, sam, django_capture_on_commit_callbacks
):
    question, _ = thread
    insights_services.escalation_open(question=question, staff_user=sam)
    tess = StaffFactory(username="tess", display_name="Tess")
    client.force_login(tess)
    assert "Open a ticket in CareDesk" in client.get(question.get_absolute_url()).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/integrations/helpdesk/tickets/{question.pk}/open/", {"ticket_note": "Urgent"}
        )
        again = client.post(f"/integrations/helpdesk/tickets/{question.pk}/open/", {"ticket_note": "Urgent"})

    assert response.status_code == again.status_code == 302
    ticket = HelpdeskTicket.objects.get()
    assert ticket.opened_by == tess and ticket.external_id == "HD-101"
    assert len(helpdesk.seen) == 1  # the second press found the ticket opened
    assert helpdesk.seen[0].json()["escalation"]["staff"]["username"] == "tess"
    page = client.get(question.get_absolute_url()).content.decode()
    assert "#HD-101" in page and "Open a ticket in CareDesk" not in page


def test_htmx_gets_the_panel_in_place(client, helpdesk, thread, sam, django_capture_on_commit_callbacks):
    question, _ = thread
    insights_services.escalation_open(question=question, staff_user=sam)
    client.force_login(sam)
    with django_capture_on_commit_callbacks(execute=True):  # the try runs after the panel is drawn
        response = client.post(
            f"/integrations/helpdesk/tickets/{question.pk}/open/", headers={"HX-Request": "true"}
        )
    body = response.content.decode()
    assert response.status_code == 200 and body.lstrip().startswith('<div class="helpdesk-ticket"')
    assert "Opening a ticket in CareDesk" in body and 'hx-trigger="every 5s"' in body

    polled = client.get(f"/integrations/helpdesk/tickets/{question.pk}/", headers={"HX-Request": "true"})
    body = polled.content.decode()
    assert "#HD-101" in body and "hx-trigger" not in body  # opened: the polling stops


def test_a_signed_callback_updates_the_status_staff_see(client, helpdesk, thread, sam, commit):
    question, _ = thread
    opened_ticket(question, sam, commit)

    response = generic_callback(client, {"ticket_id": "HD-101", "status": "pending"})

    assert response.status_code == 200
    assert response.json() == {
        "ticket_id": "HD-101",
        "status": "pending",
        "ignored_as_stale": False,
        "outcome_posted": False,
        "escalation": "open",
    }
    ticket = HelpdeskTicket.objects.get()
    assert ticket.status == "pending" and ticket.solved_at is None
    client.force_login(sam)
    assert ">Pending</strong>" in client.get(question.get_absolute_url()).content.decode()


@pytest.mark.parametrize(
    ("tamper", "message"),
    [
        ({"secret": "whsec_someone-else"}, "does not match"),
        ({"header": ""}, "header is missing"),
        ({"header": "v1=abc"}, "must look like t=<seconds>,v1=<hex>"),
        ({"timestamp": int(time.time()) - 3600}, "too old"),
    ],
)
def test_a_callback_with_a_bad_signature_is_refused_with_400(
    client, helpdesk, thread, sam, commit, tamper, message
):
    question, _ = thread
    opened_ticket(question, sam, commit)

    response = generic_callback(
        client, {"ticket_id": "HD-101", "status": "solved", "public_outcome": OUTCOME}, **tamper
    )

    assert response.status_code == 400 and message in response.json()["error"]
    assert HelpdeskTicket.objects.get().status == "new"
    assert Escalation.objects.get().is_open


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (b"not json", "The body is not JSON"),
        (b"[1, 2]", "must be a JSON object"),
        ({"status": "open"}, '"ticket_id" is required'),
        (
            {"ticket_id": "HD-101", "status": "on fire"},
            '"status" must be one of closed, new, open, pending or solved',
        ),
        ({"ticket_id": "HD-101", "status": "open", "public_outcome": 5}, "must be a string of Markdown"),
        ({"ticket_id": "HD-101", "status": "open", "public_outcome": "x" * 5001}, "at most 5000"),
    ],
)
def test_a_callback_with_a_bad_body_is_refused_with_a_clear_message(
    client, helpdesk, thread, sam, commit, payload, message
):
    question, _ = thread
    opened_ticket(question, sam, commit)
    response = generic_callback(client, payload)
    assert response.status_code == 400 and message in response.json()["error"]


def test_a_callback_about_a_ticket_no_thread_has_is_404(client, helpdesk, db):
    response = generic_callback(client, {"ticket_id": "HD-999", "status": "open"})
    assert (
        response.status_code == 404
        and "No thread here is linked to CareDesk ticket HD-999" in response.json()["error"]
    )


def test_the_callback_needs_no_csrf_token_but_only_post(helpdesk, thread, sam, commit):
    from django.test import Client

    question, _ = thread
    opened_ticket(question, sam, commit)
    strict = Client(enforce_csrf_checks=True)
    assert generic_callback(strict, {"ticket_id": "HD-101", "status": "open"}).status_code == 200
    assert strict.get(CALLBACK).status_code == 405


def test_solved_prompts_the_staff_who_opened_the_ticket_once(client, helpdesk, thread, sam, commit):
    question, _ = thread
    opened_ticket(question, sam, commit)

    generic_callback(client, {"ticket_id": "HD-101", "status": "solved"})
    generic_callback(client, {"ticket_id": "HD-101", "status": "solved"})  # delivered twice

    [note] = Notification.objects.filter(recipient=sam, kind=Kind.ESCALATION)
    assert "CareDesk ticket HD-101" in note.text and "is solved" in note.text
    assert "Post the public outcome" in note.text and note.url.endswith("#follow-up")
    ticket = HelpdeskTicket.objects.get()
    assert ticket.status == "solved" and ticket.solved_at is not None
    client.force_login(sam)
    page = client.get(question.get_absolute_url()).content.decode()
    assert '<a href="#follow-up-outcome">Post the public outcome</a>' in page
    assert 'id="follow-up-outcome"' in page  # the existing outcome form it links to
    client.force_login(UserFactory())
    assert "Post the public outcome" not in client.get(question.get_absolute_url()).content.decode()


def test_a_callback_with_an_outcome_posts_it_once_in_the_name_of_the_staff_who_escalated(
    client, helpdesk, thread, sam, commit
):
    question, answer = thread
    insights_services.escalation_open(question=question, staff_user=sam)
    tess = StaffFactory(username="tess", display_name="Tess")
    commit(services.ticket_request, escalation=Escalation.objects.get(), staff_user=tess)
    answer.author.refresh_from_db()
    entries, reputation = LedgerEntry.objects.count(), answer.author.reputation
    assert reputation > 1
    outcome = OUTCOME + '\n\n<script>alert("x")</script> <img src=x onerror=alert(1)>'

    first = generic_callback(client, {"ticket_id": "HD-101", "status": "solved", "public_outcome": outcome})
    second = generic_callback(
        client, {"ticket_id": "HD-101", "status": "solved", "public_outcome": "Something else"}
    )

    assert first.json()["outcome_posted"] is True and first.json()["escalation"] == "resolved"
    assert second.status_code == 200 and second.json()["outcome_posted"] is False
    escalation = Escalation.objects.get()
    assert escalation.state == Escalation.State.RESOLVED and escalation.outcome_by == sam
    assert "<strong>second charge</strong>" in escalation.outcome_html
    assert "&lt;script&gt;" in escalation.outcome_html  # raw HTML shows as text, as in any post
    assert "<script" not in escalation.outcome_html and "<img" not in escalation.outcome_html
    assert ModerationAction.objects.filter(action="escalation_resolved", question=question).count() == 1
    question.refresh_from_db()
    answer.refresh_from_db()
    answer.author.refresh_from_db()
    assert question.outcome_at is not None and question.accepted_answer_id == answer.pk
    assert (answer.score, answer.author.reputation, LedgerEntry.objects.count()) == (1, reputation, entries)
    # Sam hears it was posted in their name; nobody is asked to post what is already there.
    assert Notification.objects.filter(recipient=sam, text__contains="was posted").count() == 1
    assert not Notification.objects.filter(text__contains="Post the public outcome").exists()
    page = client.get(question.get_absolute_url()).content.decode()
    assert "Outcome of the private follow-up" in page and "<strong>second charge</strong>" in page


def test_an_outcome_the_escalating_staff_may_no_longer_post_is_kept_for_the_care_team(
    client, helpdesk, thread, sam, commit
):
    question, _ = thread
    opened_ticket(question, sam, commit)
    sam.is_staff = False  # left the care team
    sam.save()
    tess = StaffFactory(username="tess")

    for _ in range(2):
        response = generic_callback(
            client, {"ticket_id": "HD-101", "status": "solved", "public_outcome": OUTCOME}
        )

    assert response.json()["outcome_posted"] is False
    assert Escalation.objects.get().is_open
    assert HelpdeskTicket.objects.get().pending_outcome == OUTCOME
    [note] = Notification.objects.filter(recipient=tess)
    assert "could not be posted in Sam's name" in note.text
    client.force_login(tess)
    page = client.get(question.get_absolute_url()).content.decode()
    assert "review it and post it" in page
    assert "We refunded the **second charge**" in page  # waiting in the outcome field


def test_an_older_callback_delivered_late_does_not_undo_a_newer_one(client, helpdesk, thread, sam, commit):
    question, _ = thread
    opened_ticket(question, sam, commit)
    now = int(time.time())
    generic_callback(client, {"ticket_id": "HD-101", "status": "solved"}, timestamp=now)

    late = generic_callback(client, {"ticket_id": "HD-101", "status": "open"}, timestamp=now - 30)

    assert late.status_code == 200 and late.json()["ignored_as_stale"] is True
    assert HelpdeskTicket.objects.get().status == "solved"


def test_a_callback_that_beats_the_answer_to_our_request_links_the_ticket(
    client, helpdesk, thread, sam, commit
):
    question, _ = thread
    helpdesk.fail(1)
    ticket = opened_ticket(question, sam, commit)
    assert not ticket.is_opened

    response = generic_callback(
        client, {"ticket_id": "HD-777", "status": "open", "external_id": str(ticket.request_id)}
    )

    assert response.status_code == 200
    ticket.refresh_from_db()
    assert (ticket.external_id, ticket.status, ticket.next_attempt_at) == ("HD-777", "open", None)
    time_passes(ticket, dt.timedelta(hours=1))
    assert services.tickets_retry_due() == 0


def time_passes(ticket: HelpdeskTicket, delta: dt.timedelta) -> None:
    """As if `delta` had passed: the ticket's times move back by it."""
    fields = ["requested_at", "next_attempt_at", "give_up_at", "last_error_at", "trying_since"]
    HelpdeskTicket.objects.filter(pk=ticket.pk).update(
        **{name: F(name) - delta for name in fields if getattr(ticket, name) is not None}
    )
    ticket.refresh_from_db()


def test_a_helpdesk_that_is_down_is_retried_with_backoff_and_staff_see_the_error(
    client, helpdesk, thread, sam, commit
):
    question, _ = thread
    helpdesk.fail(2, status=500)

    ticket = opened_ticket(question, sam, commit, note="Public", ticket_note="Private details")

    assert not ticket.is_opened and ticket.is_opening and ticket.attempts == 1
    assert ticket.last_error.startswith("CareDesk answered 500")
    assert ticket.next_attempt_at - ticket.last_error_at == dt.timedelta(minutes=1)
    client.force_login(sam)
    page = client.get(question.get_absolute_url()).content.decode()
    assert (
        "Opening a ticket in CareDesk" in page
        and "The last try failed" in page
        and "CareDesk answered 500" in page
    )
    assert "Try again now" in page
    assert 'hx-trigger="every 5s"' in page  # the next try is within the minute: the panel keeps asking

    time_passes(ticket, dt.timedelta(seconds=30))
    assert services.tickets_retry_due() == 0  # not due yet
    time_passes(ticket, dt.timedelta(seconds=31))
    assert services.tickets_retry_due() == 1
    ticket.refresh_from_db()
    assert ticket.attempts == 2 and ticket.next_attempt_at - ticket.last_error_at == dt.timedelta(minutes=2)
    page = client.get(question.get_absolute_url()).content.decode()
    assert 'hx-trigger="every 5s"' not in page  # two minutes away: no need to keep asking meanwhile
    time_passes(ticket, dt.timedelta(minutes=2))
    assert services.tickets_retry_due() == 1

    ticket.refresh_from_db()
    assert (ticket.external_id, ticket.attempts, ticket.last_error) == ("HD-101", 3, "")
    # Nothing was lost, and every try was the same request: the helpdesk can tell them apart.
    assert len(helpdesk.seen) == 3 and len({seen.body for seen in helpdesk.seen}) == 1
    assert helpdesk.seen[-1].json()["escalation"]["private_note"] == "Private details"
    assert Escalation.objects.get().note == "Public"
    page = client.get(question.get_absolute_url()).content.decode()
    assert "#HD-101" in page and "every 5s" not in page and "failed" not in page


def test_the_pause_between_tries_doubles_up_to_an_hour():
    assert [services.pause_after(n).total_seconds() / 60 for n in range(1, 10)] == [
        1,
        2,
        4,
        8,
        16,
        32,
        60,
        60,
        60,
    ]


def test_a_refused_connection_is_retried_then_given_up_and_staff_try_again(
    client, helpdesk, thread, sam, commit, settings, django_capture_on_commit_callbacks
):
    question, _ = thread
    settings.COMMONPLACE_HELPDESK_URL = fakes.closed_port_url()

    ticket = opened_ticket(question, sam, commit)

    assert ticket.last_error == "CareDesk could not be reached: the connection was refused."
    assert ticket.give_up_at - ticket.requested_at == dt.timedelta(hours=24)
    time_passes(ticket, dt.timedelta(hours=24))  # past the retry window
    services.tickets_retry_due()
    ticket.refresh_from_db()
    assert ticket.has_failed and ticket.attempts == 2
    [note] = Notification.objects.filter(recipient=sam, kind=Kind.ESCALATION)
    assert "No ticket could be opened" in note.text and "after 2 tries" in note.text
    time_passes(ticket, dt.timedelta(days=3))
    assert services.tickets_retry_due() == 0  # given up: no more tries
    client.force_login(sam)
    page = client.get(question.get_absolute_url()).content.decode()
    assert "No ticket could be opened after 2 tries" in page and "connection was refused" in page
    assert ">Try again</button>" in page

    settings.COMMONPLACE_HELPDESK_URL = f"{helpdesk.url}/tickets"  # back up
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/integrations/helpdesk/tickets/{question.pk}/open/")
    ticket.refresh_from_db()
    assert ticket.external_id == "HD-101" and ticket.attempts == 3


def test_the_first_try_never_started_is_found_by_the_minute_job(helpdesk, thread, sam):
    """The broker was down when the request committed: the ticket is due, and the job opens it."""
    question, _ = thread
    services.escalation_take(question=question, staff_user=sam, open_ticket=True)  # on-commit work lost
    assert helpdesk.seen == []

    assert services.tickets_retry_due() == 1
    assert HelpdeskTicket.objects.get().external_id == "HD-101"


def test_a_try_under_way_is_not_started_twice(helpdesk, thread, sam):
    question, _ = thread
    services.escalation_take(question=question, staff_user=sam, open_ticket=True)
    ticket = HelpdeskTicket.objects.get()
    now = timezone.now()
    assert services.ticket_claim(ticket_id=ticket.pk, now=now) is not None

    assert services.ticket_open_attempt(ticket_id=ticket.pk, now=now) == ""
    assert services.ticket_request(escalation=ticket.escalation, staff_user=sam)[1] is False
    assert helpdesk.seen == []
    # A claim left by a worker that died runs out, and the ticket is tried again.
    assert services.ticket_open_attempt(ticket_id=ticket.pk, now=now + dt.timedelta(minutes=3)) == "opened"


def test_an_answer_that_is_no_ticket_is_an_error_not_a_ticket(helpdesk, thread, sam, commit, monkeypatch):
    question, _ = thread
    monkeypatch.setattr(
        fakes.FakeHelpdesk,
        "handle",
        lambda self, *a: (200, {"ticket_id": "HD-1", "status": "open", "url": "javascript:alert(1)"}),
    )
    ticket = opened_ticket(question, sam, commit)
    assert ticket.external_id == "HD-1" and ticket.url == ""  # only http(s) becomes a link

    monkeypatch.setattr(fakes.FakeHelpdesk, "handle", lambda self, *a: (200, {"status": "open"}))
    other = opened_ticket(make_question(title="Another question about a double charge"), sam, commit)
    assert other.last_error == "CareDesk answered without a ticket id."


def test_a_helpdesk_on_a_private_address_is_refused_without_the_setting(
    helpdesk, thread, sam, commit, settings
):
    settings.COMMONPLACE_OUTBOUND_ALLOW_PRIVATE = False
    question, _ = thread
    ticket = opened_ticket(question, sam, commit)
    assert "loopback" in ticket.last_error and helpdesk.seen == []


def test_callback_json_is_what_the_readme_promises(client, helpdesk, thread, sam, commit):
    question, _ = thread
    opened_ticket(question, sam, commit)
    response = generic_callback(client, {"ticket_id": "HD-101", "status": "Closed"})
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content)["status"] == "closed"


def test_the_ticket_costs_the_thread_page_no_query(
    client, helpdesk, thread, sam, commit, django_assert_max_num_queries
):
    """Staff's thread page costs as many queries with a ticket as without (and stays within the
    thread page's budget of tests/insights)."""
    question, _ = thread
    insights_services.escalation_open(question=question, staff_user=sam)
    client.force_login(sam)
    client.get(question.get_absolute_url())  # count the view once, outside the measurement
    with CaptureQueriesContext(connection) as without_ticket:
        client.get(question.get_absolute_url())
    budget = len(without_ticket)  # now: the next request starts a new query log
    commit(services.ticket_request, escalation=Escalation.objects.get(), staff_user=sam)
    HelpdeskTicket.objects.update(status="solved", solved_at=timezone.now())

    with django_assert_max_num_queries(budget):
        body = client.get(question.get_absolute_url()).content.decode()
    assert budget <= 12
    assert "#HD-101" in body and "Post the public outcome</a>" in body


def test_a_helpdesk_gone_since_the_page_was_drawn_keeps_what_was_typed(
    client, helpdesk, thread, sam, settings
):
    question, _ = thread
    client.force_login(sam)
    settings.COMMONPLACE_HELPDESK = ""
    response = client.post(
        f"/integrations/helpdesk/escalate/{question.pk}/",
        {"note": "Public words", "open_ticket": "on", "ticket_note": "Private words"},
    )
    body = response.content.decode()
    assert response.status_code == 400 and "No helpdesk is connected to this site." in body
    assert "Public words" in body and "Private words" in body and not Escalation.objects.exists()


def test_until_every_setting_is_there_no_ticket_is_offered_and_no_callback_is_heard(
    client, helpdesk, thread, sam, settings
):
    """An empty secret would sign for anyone: a half-configured bridge is no bridge, and the
    system check names what is missing."""
    from django.core import checks

    settings.COMMONPLACE_HELPDESK_SECRET = ""
    question, _ = thread
    client.force_login(sam)
    assert "Also open a ticket" not in client.get(question.get_absolute_url()).content.decode()
    response = generic_callback(client, {"ticket_id": "HD-101", "status": "solved"}, secret="")
    assert response.status_code == 404
    errors = [error for error in checks.run_checks() if error.id == "helpdesk.E001"]
    assert [error.msg for error in errors] == [
        "COMMONPLACE_HELPDESK=generic needs COMMONPLACE_HELPDESK_SECRET."
    ]


def test_an_unexpected_error_is_recorded_like_any_failure_and_retried(
    helpdesk, thread, sam, commit, monkeypatch
):
    from helpdesk import adapters

    def broken(self, **kwargs):
        raise KeyError("question")

    monkeypatch.setattr(adapters.GenericAdapter, "open_ticket", broken)
    question, _ = thread
    ticket = opened_ticket(question, sam, commit)
    assert ticket.is_opening and ticket.trying_since is None
    assert (
        ticket.last_error == "Something unexpected went wrong (KeyError); the server's log has the details."
    )


def test_the_default_name_reads_well_at_the_start_of_a_sentence(helpdesk, thread, sam, commit, settings):
    settings.COMMONPLACE_HELPDESK_NAME = ""
    helpdesk.fail(1, status=503)
    question, _ = thread
    assert opened_ticket(question, sam, commit).last_error.startswith("The helpdesk answered 503")
