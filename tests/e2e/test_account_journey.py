"""A newcomer joins, leaves, comes back and introduces themselves, all through the real pages."""

import re

import pytest
from playwright.sync_api import expect

from tests.factories import TEST_PASSWORD

USERNAME = "ada_newcomer"
EMAIL = "ada@example.com"
DISPLAY_NAME = "Ada Lovelace"
BIO = "I write notes on the Analytical Engine and answer questions about loops."


# allauth's labels end in a colon ("Password:"); match the words, not the punctuation.
PASSWORD = re.compile(r"^Password:?$")
PASSWORD_AGAIN = re.compile(r"^Password \(again\):?$")


@pytest.mark.django_db(transaction=True)
def test_newcomer_signs_up_logs_out_logs_back_in_and_edits_profile(journey):
    page = journey.page

    # Sign up.
    journey.goto("/accounts/signup/")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Username").fill(USERNAME)
    page.get_by_label(PASSWORD).fill(TEST_PASSWORD)
    page.get_by_label(PASSWORD_AGAIN).fill(TEST_PASSWORD)
    with journey.navigates():
        page.get_by_role("button", name="Sign up").click()

    # Logged in: off the form, the account menu shows their name, and the sign-up link is gone.
    expect(page).not_to_have_url(re.compile(r"/accounts/signup/"))
    account = page.get_by_role("navigation", name="Account")
    expect(account.locator("summary")).to_have_text(USERNAME)
    expect(account.get_by_role("link", name="Sign up")).to_have_count(0)

    # Log out from the account menu.
    account.locator("summary").click()
    with journey.navigates():
        account.get_by_role("button", name="Log out").click()
    expect(account.get_by_role("link", name="Log in")).to_be_visible()
    expect(account.locator("summary")).to_have_count(0)

    # Log back in.
    journey.goto("/accounts/login/")
    page.get_by_label("Login").fill(USERNAME)
    page.get_by_label(PASSWORD).fill(TEST_PASSWORD)
    with journey.navigates():
        page.get_by_role("button", name="Sign in").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))
    expect(account.locator("summary")).to_have_text(USERNAME)

    # Edit the profile from the account menu.
    account.locator("summary").click()
    with journey.navigates():
        account.get_by_role("link", name="Edit profile").click()
    expect(page).to_have_url(re.compile(rf"/users/{USERNAME}/edit/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Edit your profile")
    page.get_by_label("Display name").fill(DISPLAY_NAME)
    page.get_by_label("Bio").fill(BIO)
    with journey.navigates():
        page.get_by_role("button", name="Save profile").click()

    # The public profile shows the new name and bio, and the menu uses the new name.
    expect(page).to_have_url(re.compile(rf"/users/{USERNAME}/$"))
    expect(page.locator(".messages")).to_contain_text("Your profile was saved.")
    expect(page.get_by_role("heading", level=1)).to_have_text(DISPLAY_NAME)
    expect(page.get_by_text(f"@{USERNAME}")).to_be_visible()
    expect(page.get_by_role("region", name="About")).to_contain_text(BIO)
    expect(account.locator("summary")).to_have_text(DISPLAY_NAME)

    # Loading the profile afresh shows the same: it was saved, not just echoed back.
    journey.goto(f"/users/{USERNAME}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(DISPLAY_NAME)
    expect(page.get_by_role("region", name="About")).to_contain_text(BIO)
