"""The console in a real browser: a community manager appoints a moderator; a moderator suspends
a member, who logs in, reads why, and cannot answer."""

import pytest
from playwright.sync_api import expect

from tests.e2e.test_question_journey import log_in, log_out
from tests.factories import CommunityManagerFactory, ModeratorFactory, UserFactory, make_question

REASON = "Posting the same shop link in every thread"


def open_console(journey) -> None:
    account = journey.page.get_by_role("navigation", name="Account")
    account.locator("summary").click()
    with journey.navigates():
        account.get_by_role("link", name="Console").click()


@pytest.mark.django_db(transaction=True)
def test_a_community_manager_appoints_a_moderator(journey):
    CommunityManagerFactory(username="casey", display_name="Casey")
    UserFactory(username="dana", display_name="Dana Scully")
    page = journey.page

    log_in(journey, "casey")
    open_console(journey)
    expect(page.get_by_role("heading", level=1)).to_have_text("Console")
    with journey.navigates():
        page.get_by_role("navigation", name="Console").get_by_role("link", name="Roles").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Roles")
    expect(page.get_by_text("No moderators yet.")).to_be_visible()

    page.get_by_label("Find a member").fill("dana")
    with journey.navigates():
        page.get_by_role("button", name="Find", exact=True).click()
    with journey.navigates():
        page.get_by_role("button", name="Make Dana Scully a moderator").click()

    expect(page.locator(".messages")).to_contain_text("Dana Scully is a moderator now, and has been told.")
    moderators = page.get_by_role("region", name="Moderators")
    expect(moderators.get_by_role("link", name="Dana Scully")).to_be_visible()
    log_out(journey)

    # Dana, at her next login, finds the moderator's pages and the notice that sent her there.
    log_in(journey, "dana")
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Moderation")).to_be_visible()
    with journey.navigates():
        page.get_by_role("link", name="Notifications").click()
    expect(page.locator("main")).to_contain_text("Casey made you a moderator.")


@pytest.mark.django_db(transaction=True)
def test_a_moderator_suspends_a_member_who_then_cannot_answer(journey):
    ModeratorFactory(username="morgan", display_name="Morgan")
    UserFactory(username="dana", display_name="Dana Scully")
    question = make_question(title="My router drops the connection every hour")
    page = journey.page

    # Morgan goes from Dana's profile to her console page, and suspends her for 7 days.
    log_in(journey, "morgan")
    journey.goto("/users/dana/")
    with journey.navigates():
        page.get_by_role("link", name="Suspend / silence").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dana Scully")
    suspend = page.get_by_role("region", name="Suspend")
    suspend.get_by_label("7 days").check()
    suspend.get_by_label("Reason").fill(REASON)
    with journey.navigates():
        suspend.get_by_role("button", name="Suspend Dana Scully").click()
    expect(page.locator(".messages")).to_contain_text("Dana Scully is suspended, and has been told why.")
    expect(page.locator(".standing-restricted")).to_contain_text(f"Reason: {REASON}")
    log_out(journey)

    # Dana logs in: every page tells her she is suspended, until when and why.
    log_in(journey, "dana")
    notice = page.locator(".restriction-notice")
    expect(notice).to_contain_text("Your account is suspended until")
    expect(notice).to_contain_text(REASON)

    # She can read the thread, but there is no answer form, only why.
    journey.goto(question.get_absolute_url())
    expect(page.get_by_role("heading", level=1)).to_have_text("My router drops the connection every hour")
    answer_section = page.get_by_role("region", name="Your answer")
    expect(answer_section).to_contain_text("You can't answer while your account is suspended")
    expect(answer_section.get_by_role("button", name="Post your answer")).to_have_count(0)

    # Asking is refused with the same sentence.
    response = page.goto("/questions/ask/")
    assert response is not None and response.status == 403
    journey.check()
    expect(page.locator("main")).to_contain_text("Your account is suspended until")

    # Her profile says so to everyone.
    journey.goto("/users/dana/")
    expect(page.locator(".standing-restricted").first).to_contain_text("Suspended until")
