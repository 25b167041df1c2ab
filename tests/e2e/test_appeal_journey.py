"""Appealing a serial-voting reversal in a real browser: the member asks from their ledger, a
moderator restores it from the review queue, and the member reads the outcome; the member's
profile lists their answers and renders their Markdown bio."""

import pytest
from playwright.sync_api import expect

from forum import services
from forum.models import Vote
from moderation.tasks import detect_serial_voting
from tests.e2e.test_question_journey import log_in, log_out
from tests.factories import ModeratorFactory, UserFactory, make_answer, make_question

REASON = "Dan is my colleague and reads everything I write about routers."
NOTE = "The votes came over a morning from someone who clearly read the answers."


@pytest.mark.django_db(transaction=True)
def test_a_member_appeals_a_reversal_and_a_moderator_restores_it(journey):
    alice = UserFactory(username="alice", display_name="Alice Martin", bio="Runs a **bakery**.")
    dan = UserFactory(username="dan")
    ModeratorFactory(username="morgan", display_name="Morgan")
    for number in range(5):
        question = make_question(title=f"Router question number {number} for the journey")
        services.vote_cast(voter=dan, post=make_answer(question, author=alice), value=Vote.UP)
    detect_serial_voting.delay()
    page = journey.page

    # Alice finds the reversal on her ledger and asks for a review.
    log_in(journey, "alice")
    journey.goto("/users/alice/reputation/")
    with journey.navigates():
        page.get_by_role("link", name="Ask a moderator to review this").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ask a moderator to review a reversal")
    expect(page.locator("tr[id^=appeal-line-]")).to_have_count(5)
    page.get_by_label("What should the moderator know?").fill(REASON)
    with journey.navigates():
        page.get_by_role("button", name="Ask for a review").click()
    expect(page.locator(".messages")).to_contain_text("Your request is sent.")
    expect(page.get_by_role("heading", level=2, name="Your request: waiting for a moderator")).to_be_visible()
    log_out(journey)

    # Morgan restores it from the review queue's appeals tab.
    log_in(journey, "morgan")
    journey.goto("/moderation/review/")
    with journey.navigates():
        page.get_by_role("link", name="Reputation appeals").click()
    item = page.locator("article.review-item")
    expect(item).to_have_count(1)
    expect(item).to_contain_text("Appeal by Alice Martin: 50 reputation from 5 votes")
    expect(item).to_contain_text(REASON)
    item.get_by_label("Note to the member").fill(NOTE)
    with journey.navigates():
        item.get_by_role("button", name="Restore the reputation").click()
    expect(page.locator(".messages")).to_contain_text("Restored: Alice Martin gets the reputation back")
    expect(page.get_by_text("No appeals are waiting.")).to_be_visible()
    log_out(journey)

    # Alice reads the outcome, and her profile shows her answers and her bio.
    log_in(journey, "alice")
    journey.goto("/notifications/")
    with journey.navigates():
        page.get_by_role("link", name="A moderator restored the reputation").first.click()
    expect(page.get_by_role("heading", level=2)).to_have_text("Your request: restored")
    expect(page.locator(".appeal-status")).to_contain_text(NOTE)
    journey.goto("/users/alice/")
    expect(page.locator(".rep-total")).to_have_text("51")
    expect(page.locator(".bio strong")).to_have_text("bakery")
    with journey.navigates():
        page.get_by_role("link", name="Answers (5)").click()
    expect(page.locator("ol.member-posts > li")).to_have_count(5)
