"""Flags in a real browser: three members flag an answer as spam, which hides it at once; a
moderator deletes it from the queue, and the audit log says who did what."""

import pytest
from playwright.sync_api import expect

from tests.e2e.test_question_journey import log_in, log_out
from tests.factories import ModeratorFactory, UserFactory, make_answer, make_question

SPAM = "Cheap designer watches at unbeatable prices, visit my shop today!"


@pytest.mark.django_db(transaction=True)
def test_three_members_flag_spam_it_is_hidden_and_a_moderator_deletes_it(journey):
    question = make_question(title="My router drops the connection every hour")
    make_answer(question, author=UserFactory(username="spammer"), body=SPAM)
    for name in ("fran", "gil", "hana"):
        UserFactory(username=name, reputation=20)
    ModeratorFactory(username="morgan", display_name="Morgan")
    page = journey.page
    thread = question.get_absolute_url()

    for number, name in enumerate(("fran", "gil", "hana"), start=1):
        log_in(journey, name)
        journey.goto(thread)
        with journey.navigates():
            page.locator("article.answer").get_by_role("link", name="Flag this answer").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Flag this answer")
        page.get_by_label("Spam", exact=True).check()
        with journey.navigates():
            page.get_by_role("button", name="Flag this answer").click()
        expect(page.locator(".messages")).to_contain_text("Thanks — moderators will review your flag.")
        if number < 3:
            expect(page.locator("#answers")).to_contain_text(SPAM)
        else:  # the third spam flag hides the answer at once
            expect(page.locator("#answers")).not_to_contain_text(SPAM)
        log_out(journey)

    # Someone else reading the thread no longer sees it.
    journey.goto(thread)
    expect(page.get_by_role("heading", level=1)).to_have_text("My router drops the connection every hour")
    expect(page.locator("#answers")).not_to_contain_text(SPAM)

    # The moderator finds it in the queue, with each flagger's accuracy, and deletes it.
    log_in(journey, "morgan")
    with journey.navigates():
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Moderation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Flagged posts")
    flagged = page.locator("article.flagged-post")
    expect(flagged).to_have_count(1)
    expect(flagged).to_contain_text("Spam \u00d73")
    expect(flagged).to_contain_text("Hidden")
    expect(flagged.locator("td.accuracy")).to_have_text(["no flags handled yet"] * 3)
    with journey.navigates():
        flagged.get_by_role("button", name="Accept and delete").click()
    expect(page.locator(".messages")).to_contain_text("The answer is deleted; 3 flags accepted.")
    expect(page.get_by_text("No flags are waiting.")).to_be_visible()

    # The audit log shows both the automatic hiding and the moderator's deletion.
    with journey.navigates():
        page.get_by_role("link", name="Audit log").click()
    log = page.locator("table.audit-log tbody")
    expect(log.locator("tr")).to_have_count(2)
    expect(log.locator("tr").first).to_contain_text("Morgan")
    expect(log.locator("tr").first).to_contain_text("Deleted")
    expect(log.locator("tr").first).to_contain_text("removed as spam by Morgan")
    expect(log.locator("tr").nth(1)).to_contain_text("Hidden automatically by flags")

    # On the thread, the moderator sees the deleted answer with its notice and public note.
    journey.goto(thread)
    answer = page.locator("article.answer")
    expect(answer).to_contain_text("This post has been deleted.")
    expect(answer).to_contain_text("Removed as spam by Morgan")
