"""Erasing an account in a real browser: a member reads what goes and what stays, confirms with
their password and is logged out, their answer staying under the anonymous name; a community
manager erases a member from the console. Plain forms, checked with axe on every page."""

import pytest
from playwright.sync_api import expect

from accounts.models import User
from tests.e2e.test_console_journey import open_console
from tests.e2e.test_question_journey import log_in
from tests.factories import TEST_PASSWORD, CommunityManagerFactory, UserFactory, make_answer, make_question

ERASE = "Erase Dana Scully\u2019s account"


@pytest.mark.django_db(transaction=True)
def test_a_member_deletes_their_account_and_their_answer_stays_anonymous(journey):
    dana = UserFactory(username="dana", display_name="Dana Scully")
    question = make_question(title="My router drops the connection every hour")
    make_answer(question, author=dana, body="Move it away from the microwave oven.")
    page = journey.page

    log_in(journey, "dana")
    account = page.get_by_role("navigation", name="Account")
    account.locator("summary").click()
    with journey.navigates():
        account.get_by_role("link", name="Edit profile").click()
    with journey.navigates():
        page.get_by_role("link", name="Delete your account…").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Delete your account")
    expect(page.get_by_role("heading", name=f"What stays, as “former member {dana.pk}”")).to_be_visible()
    page.get_by_label("Your password").fill("not my password")
    page.get_by_label("I understand: my account is erased for good, and nobody can restore it.").check()
    with journey.navigates():
        page.get_by_role("button", name="Delete my account").click()
    expect(page.get_by_text("That is not your password.")).to_be_visible()
    expect(
        page.get_by_label("I understand: my account is erased for good, and nobody can restore it.")
    ).to_be_checked()

    page.get_by_label("Your password").fill(TEST_PASSWORD)
    with journey.navigates():
        page.get_by_role("button", name="Delete my account").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your account is deleted")
    expect(page.get_by_role("navigation", name="Account").get_by_role("link", name="Log in")).to_be_visible()
    journey.goto(question.get_absolute_url())
    expect(page.get_by_text("Move it away from the microwave oven.")).to_be_visible()
    expect(page.locator(".user-card", has_text=f"former member {dana.pk}")).to_be_visible()
    expect(page.get_by_text("Dana Scully")).to_have_count(0)


@pytest.mark.django_db(transaction=True)
def test_a_community_manager_erases_a_member_from_the_console(journey):
    CommunityManagerFactory(username="casey", display_name="Casey")
    dana = UserFactory(username="dana", display_name="Dana Scully")
    page = journey.page

    log_in(journey, "casey")
    open_console(journey)
    journey.goto("/manage/members/dana/")
    with journey.navigates():
        page.get_by_role("link", name=f"{ERASE}…").click()

    with journey.navigates():
        page.get_by_role("button", name=ERASE).click()
    expect(page.get_by_text("Say why: the reason stays in the audit log.").first).to_be_visible()
    page.get_by_label("Reason").fill("Asked by email on 3 March")
    with journey.navigates():
        page.get_by_role("button", name=ERASE).click()

    expect(page.locator(".messages")).to_contain_text(f"it shows as “former member {dana.pk}” now")
    assert User.objects.get(pk=dana.pk).erased_at is not None
