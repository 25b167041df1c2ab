"""An answer arrives on the asker's open page without a reload, and shows in place when asked;
the bell's unread count goes up on the same page."""

import re

import pytest
from playwright.sync_api import expect

from forum import services
from tests.e2e.test_question_journey import log_in
from tests.factories import UserFactory, make_question

ANSWER = "Turn off the router's band steering, then pin the laptop to the 5 GHz network."


@pytest.mark.django_db(transaction=True)
def test_an_answer_appears_on_the_askers_open_page_and_shows_in_the_list(journey, settings):
    # Poll every second rather than every 10 and 30: the live server runs in this process and
    # reads the same settings.
    settings.COMMONPLACE_LIVE_POLL_SECONDS = 1
    settings.COMMONPLACE_UNREAD_POLL_SECONDS = 1
    asker = UserFactory(username="asker", display_name="Alice Asker")
    helper = UserFactory(username="helper", display_name="Hal Helper")
    question = make_question(author=asker, title="Laptop drops off the wifi every few minutes")
    page = journey.page

    log_in(journey, "asker")
    journey.goto(question.get_absolute_url())
    answers = page.locator("#answers")
    expect(answers.get_by_role("heading", level=2)).to_have_text("0 answers")
    expect(page.locator("#unread-count")).not_to_contain_text("unread")
    navigations = len(journey.visits)

    # Meanwhile Hal answers (the live server shares this database).
    services.answer_create(question=question, author=helper, body=ANSWER)

    show = page.get_by_role("link", name="1 new answer — show")
    expect(show).to_be_visible(timeout=15_000)
    expect(answers.locator(".live-answers[aria-live=polite]")).to_contain_text("1 new answer — show")
    # The asker watches her own question, so the bell's number goes up too.
    expect(page.locator("#unread-count")).to_contain_text("1 unread")
    assert len(journey.visits) == navigations, "the notice must arrive without a page load"
    journey.check()

    show.click()
    expect(answers.get_by_role("heading", level=2)).to_have_text("1 answer")
    expect(answers.locator("article.answer")).to_contain_text("band steering")
    expect(show).to_have_count(0)
    # Focus moves to the answers rather than being lost with the link that was replaced.
    expect(answers.get_by_role("heading", level=2)).to_be_focused()
    assert len(journey.visits) == navigations, "the answers are shown in place"
    journey.check()

    # The refreshed poller knows the answer is on the page: no notice comes back for it.
    page.wait_for_timeout(2_500)
    expect(page.get_by_role("link", name="1 new answer — show")).to_have_count(0)

    # The polling bell is still an ordinary link to the inbox.
    account = page.get_by_role("navigation", name="Account")
    bell = account.get_by_role("link", name=re.compile("Notifications"))
    with journey.navigates():
        bell.click()
    expect(page).to_have_url(re.compile(r"/notifications/$"))
