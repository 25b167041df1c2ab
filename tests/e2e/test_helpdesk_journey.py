"""The helpdesk bridge in a real browser: staff take a thread to private follow-up with a ticket,
the helpdesk is down at first and "Try again now" redraws the panel in place (htmx), the
helpdesk solves the ticket, and staff post the public outcome it prompts for. Members never see
the ticket. The helpdesk is a fake one on loopback (tests/helpdesk/fakes.py), reached over HTTP."""

import json

import pytest
import requests
from playwright.sync_api import expect

from integrations import signing
from tests.e2e.test_question_journey import log_in, log_out
from tests.factories import StaffFactory, UserFactory, make_answer, make_question
from tests.helpdesk import fakes

OUTCOME = "We refunded the second charge; it shows on your statement within 5 days."


@pytest.mark.django_db(transaction=True)
def test_staff_open_a_ticket_retry_it_and_post_the_outcome_it_prompts_for(
    journey, live_server, settings, request
):
    helpdesk = fakes.connect_generic(settings)
    request.addfinalizer(helpdesk.stop)
    alice = UserFactory(username="alice", display_name="Alice")
    question = make_question(author=alice, title="Charged twice for one month of service")
    make_answer(question, body="Check the invoices page: a pending charge drops off in 3 days.")
    StaffFactory(username="sam", display_name="Sam")
    helpdesk.fail(1)  # down for the first try
    page = journey.page

    log_in(journey, "sam")
    journey.goto(question.get_absolute_url())
    page.get_by_text("Take to private follow-up (staff)").click()
    expect(page.get_by_label("Also open a ticket in CareDesk")).to_be_checked()
    page.get_by_label("Public note (optional)").fill("Checking the account")
    page.get_by_label("Note for the ticket (private, optional)").fill("Card ending 4242")
    with journey.navigates():
        page.get_by_role("button", name="Take to private follow-up").click()
    panel = page.locator("#helpdesk-ticket")
    expect(panel).to_contain_text("Opening a ticket in CareDesk")
    expect(panel).to_contain_text("The last try failed")
    expect(panel).to_contain_text("CareDesk answered 500")

    panel.get_by_role("button", name="Try again now").click()  # htmx: the panel is redrawn in place
    expect(page.locator("#helpdesk-ticket")).to_contain_text("CareDesk ticket (staff only) #HD-101: New")
    expect(page.get_by_role("link", name="#HD-101")).to_have_attribute("href", f"{helpdesk.url}/agent/HD-101")
    journey.check()
    assert helpdesk.seen[-1].json()["escalation"]["private_note"] == "Card ending 4242"

    # The care team solves the ticket; the helpdesk calls back.
    body = json.dumps({"ticket_id": "HD-101", "status": "solved"}).encode()
    response = requests.post(
        f"{live_server.url}/integrations/helpdesk/callback/",
        data=body,
        headers={
            "Content-Type": "application/json",
            signing.SIGNATURE_HEADER: signing.signature_header(fakes.GENERIC_SECRET, body),
        },
        timeout=10,
    )
    assert response.status_code == 200, response.text

    journey.goto(question.get_absolute_url())
    expect(page.locator("#helpdesk-ticket")).to_contain_text("Solved")
    expect(page.get_by_role("link", name="Post the public outcome")).to_have_attribute(
        "href", "#follow-up-outcome"
    )
    page.get_by_label("Public outcome (staff)").fill(OUTCOME)
    with journey.navigates():
        page.get_by_role("button", name="Post the outcome").click()
    expect(page.locator("#follow-up")).to_contain_text("Outcome of the private follow-up")
    expect(page.locator("#follow-up")).to_contain_text(OUTCOME)
    expect(page.locator("#helpdesk-ticket")).to_contain_text("#HD-101")
    log_out(journey)

    # Alice reads the outcome; the ticket is not hers to see.
    log_in(journey, "alice")
    journey.goto(question.get_absolute_url())
    expect(page.locator("#follow-up")).to_contain_text(OUTCOME)
    expect(page.locator("#helpdesk-ticket")).to_have_count(0)
    expect(page.get_by_text("HD-101")).to_have_count(0)
