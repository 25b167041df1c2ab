"""The core loop in a real browser: ask, answer, vote, accept, and find the thread again."""

import re

import pytest
from playwright.sync_api import expect

from tests.factories import TEST_PASSWORD, UserFactory

PASSWORD = re.compile(r"^Password:?$")
TITLE = "Invoice PDF downloads as a blank page"
DETAILS = "Since Monday every invoice I download opens as a **blank** page in my browser."
ANSWER = "Clear the cached PDF viewer setting: Settings → Downloads → *Open PDFs externally*."


def log_in(journey, username: str) -> None:
    journey.goto("/accounts/login/")
    journey.page.get_by_label("Login").fill(username)
    journey.page.get_by_label(PASSWORD).fill(TEST_PASSWORD)
    with journey.navigates():
        journey.page.get_by_role("button", name="Sign in").click()


def from_account_menu(journey, name: str, role: str = "link") -> None:
    """Open the user menu and follow one of its links (or press its button)."""
    account = journey.page.get_by_role("navigation", name="Account")
    account.locator("summary").click()
    with journey.navigates():
        account.get_by_role(role, name=name).click()


def log_out(journey) -> None:
    from_account_menu(journey, "Log out", role="button")


@pytest.mark.django_db(transaction=True)
def test_one_asks_another_answers_the_asker_votes_and_accepts_and_search_finds_it(journey):
    UserFactory(username="asker", display_name="Alice Asker")
    UserFactory(username="helper", display_name="Hal Helper")
    page = journey.page

    # Alice asks, with a live preview of her Markdown.
    log_in(journey, "asker")
    journey.goto("/questions/ask/")
    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("Details").fill(DETAILS)
    expect(page.locator("#id_body_preview strong")).to_have_text("blank")
    page.get_by_label("Tags").fill("billing invoices")
    with journey.navigates():
        page.get_by_role("button", name="Post your question").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    question_url = page.url
    log_out(journey)

    # Hal answers.
    log_in(journey, "helper")
    journey.goto(question_url)
    page.get_by_role("textbox", name="Your answer").fill(ANSWER)
    with journey.navigates():
        page.get_by_role("button", name="Post your answer").click()
    answers = page.locator("#answers")
    expect(answers.get_by_role("heading", level=2)).to_have_text("1 answer")
    expect(answers).to_contain_text("Open PDFs externally")
    log_out(journey)

    # Alice votes the answer up and accepts it; both update in place.
    log_in(journey, "asker")
    journey.goto(question_url)
    answer = page.locator("article.answer").first
    answer.get_by_role("button", name="Vote up: this is useful").click()
    expect(answer.locator(".score")).to_have_text("1")
    expect(answer.get_by_role("button", name="Remove your up vote")).to_have_attribute("aria-pressed", "true")
    journey.check()
    page.locator("article.answer").first.get_by_role("button", name="Accept this answer").click()
    expect(page.locator("article.answer").first.locator(".accepted-mark")).to_have_text("✓ Accepted")
    journey.check()

    # A reload shows the same: it was saved, not just drawn.
    journey.goto(question_url)
    expect(page.locator("article.answer.is-accepted .score")).to_have_text("1")

    # Search finds the thread by a word that is only in the answer.
    journey.goto("/search/?q=externally")
    result = page.get_by_role("link", name=TITLE)
    expect(result).to_be_visible()
    with journey.navigates():
        result.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
