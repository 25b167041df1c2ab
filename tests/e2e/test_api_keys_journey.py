"""API keys in a real browser: a member creates a key, copies its secret (shown once), uses it
against the API, and revokes it; a community manager creates an integration account and a key
for it in the console. Plain forms, checked with axe on every page."""

import pytest
from playwright.sync_api import expect

from tests.e2e.test_console_journey import open_console
from tests.e2e.test_question_journey import log_in
from tests.factories import CommunityManagerFactory, UserFactory, make_question


def open_api_keys(journey) -> None:
    account = journey.page.get_by_role("navigation", name="Account")
    account.locator("summary").click()
    with journey.navigates():
        account.get_by_role("link", name="API keys").click()


@pytest.mark.django_db(transaction=True)
def test_a_member_creates_uses_and_revokes_a_key(journey):
    UserFactory(username="alice", display_name="Alice")
    make_question(title="My router drops the connection every hour")
    page = journey.page

    log_in(journey, "alice")
    open_api_keys(journey)
    expect(page.get_by_role("heading", level=1)).to_have_text("API keys")
    expect(page.get_by_text("No keys yet.")).to_be_visible()

    page.get_by_label("Name").fill("My script")
    page.get_by_label("Write: ask, answer, comment, edit, vote, accept").check()
    page.get_by_label("In 30 days").check()
    with journey.navigates():
        page.get_by_role("button", name="Create key").click()

    expect(page.get_by_role("status")).to_contain_text("Copy it now: it is shown only this once.")
    token = page.get_by_label("API key").input_value()
    assert token.startswith("cp_")
    row = page.get_by_role("row", name="My script")
    expect(row).to_contain_text("read, write")
    expect(row).to_contain_text("never")  # not used yet

    headers = {"Authorization": f"Bearer {token}"}
    listed = page.request.get("/api/v1/questions/", headers=headers)
    assert listed.ok and listed.json()["results"][0]["title"] == "My router drops the connection every hour"

    with journey.navigates():
        page.get_by_role("button", name="Revoke the key My script").click()
    expect(page.locator(".messages")).to_contain_text("is revoked: it no longer works.")
    expect(page.get_by_label("API key")).to_have_count(0)  # the secret is never shown again
    assert page.request.get("/api/v1/questions/", headers=headers).status == 401


@pytest.mark.django_db(transaction=True)
def test_a_community_manager_sets_up_an_integration_account(journey):
    CommunityManagerFactory(username="casey", display_name="Casey")
    page = journey.page

    log_in(journey, "casey")
    open_console(journey)
    with journey.navigates():
        page.get_by_role("navigation", name="Console").get_by_role("link", name="Integrations").click()
    page.get_by_label("Username").fill("helpdesk-bot")
    page.get_by_label("Name shown on its posts").fill("Helpdesk")
    with journey.navigates():
        page.get_by_role("button", name="Create account").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Helpdesk")
    page.get_by_label("Name").fill("Zendesk")
    page.get_by_label("Write: ask, answer, comment, edit, vote, accept").check()
    with journey.navigates():
        page.get_by_role("button", name="Create key").click()
    token = page.get_by_label("API key").input_value()

    asked = page.request.post(
        "/api/v1/questions/",
        headers={"Authorization": f"Bearer {token}"},
        data={
            "title": "Known issue: card payments failing",
            "body": "We are on it; updates here.",
            "tags": ["billing"],
        },
    )
    assert asked.status == 201, asked.text()
    with journey.navigates():
        page.goto(asked.json()["url"])
    expect(page.locator("article").first.get_by_text("Bot", exact=True)).to_be_visible()
