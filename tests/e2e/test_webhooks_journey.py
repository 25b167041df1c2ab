"""Webhooks in a real browser: a community manager registers an endpoint (a private address is
refused first, with what was typed kept), reveals its secret in place, and sends a test ping
that a real receiver on loopback verifies; the delivery's page shows it delivered."""

import pytest
from playwright.sync_api import expect

from integrations.models import WebhookEndpoint
from tests.e2e.test_console_journey import open_console
from tests.e2e.test_question_journey import log_in
from tests.factories import CommunityManagerFactory
from tests.integrations.receiver import running_receiver


@pytest.mark.django_db(transaction=True)
def test_a_community_manager_registers_an_endpoint_and_pings_it(journey, settings):
    CommunityManagerFactory(username="casey", display_name="Casey")
    page = journey.page
    settings.COMMONPLACE_OUTBOUND_ALLOW_PRIVATE = False

    log_in(journey, "casey")
    open_console(journey)
    with journey.navigates():
        page.get_by_role("navigation", name="Console").get_by_role("link", name="Webhooks").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Webhooks")
    with journey.navigates():
        page.get_by_role("link", name="Add an endpoint").click()

    page.get_by_label("Payload address").fill("http://10.0.0.5/hooks")
    page.get_by_label("Description").fill("The CRM")
    page.get_by_label("answer.created").check()
    with journey.navigates():
        page.get_by_role("button", name="Add the endpoint").click()
    expect(page.locator("main")).to_contain_text("10.0.0.5 resolves to 10.0.0.5, a private address")
    expect(page.get_by_label("Description")).to_have_value("The CRM")
    expect(page.get_by_label("answer.created")).to_be_checked()

    with running_receiver() as receiver:
        settings.COMMONPLACE_OUTBOUND_ALLOW_PRIVATE = True  # the receiver is on this machine
        page.get_by_label("Payload address").fill(receiver.url)
        with journey.navigates():
            page.get_by_role("button", name="Add the endpoint").click()
        expect(page.locator(".messages")).to_contain_text("The endpoint is registered.")
        endpoint = WebhookEndpoint.objects.get()
        receiver.secret = endpoint.secret

        # Revealed in place (htmx), without leaving the page.
        page.get_by_role("button", name="Reveal the secret").click()
        expect(page.get_by_label("The secret")).to_have_value(endpoint.secret)
        journey.check()

        with journey.navigates():
            page.get_by_role("button", name="Send a test ping").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("ping")
        expect(page.get_by_role("region", name="Attempts")).to_contain_text("Delivered: HTTP 200")
        assert [seen.verified for seen in receiver.requests] == [True]

        with journey.navigates():
            page.get_by_role("button", name="Redeliver").click()
        expect(page.locator(".messages")).to_contain_text("with the same event id")
        assert receiver.processed == [receiver.requests[0].headers["Commonplace-Event-Id"]]
        assert len(receiver.requests) == 2
