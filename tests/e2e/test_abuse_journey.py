"""Abuse that hurts members, tried in a real browser: a member whose username is being hammered
still gets in, and a crafted Markdown table is refused in the live preview with a sentence."""

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from playwright.sync_api import expect

from tests.factories import TEST_PASSWORD, UserFactory

PASSWORD = re.compile(r"^Password:?$")


def sign_in(journey, login: str) -> None:
    page = journey.page
    journey.goto("/accounts/login/")
    page.get_by_label("Login").fill(login)
    page.get_by_label(PASSWORD).fill(TEST_PASSWORD)
    with journey.navigates():
        page.get_by_role("button", name="Sign in").click()


@pytest.mark.django_db(transaction=True)
def test_a_member_whose_username_is_hammered_gets_in_with_an_emailed_code(journey):
    member = UserFactory(username="robin", email="robin@example.com")
    # Someone on the same network (the browser comes from 127.0.0.1 too) tries twenty passwords.
    attacker = Client(REMOTE_ADDR="127.0.0.1")
    for n in range(20):
        attacker.post(reverse("account_login"), {"login": "robin", "password": f"guess-{n}"})
    page = journey.page

    sign_in(journey, "robin")
    expect(page.get_by_text("Too many failed sign-ins from your connection")).to_be_visible()
    expect(page.get_by_label("Login")).to_have_value("robin")

    with journey.navigates():
        page.get_by_role("link", name="Email me a sign-in code").click()
    page.get_by_label("Email").fill("robin@example.com")
    with journey.navigates():
        page.get_by_role("button", name=re.compile("code", re.I)).click()
    code = re.search(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", mail.outbox[-1].body, re.M).group(1)
    page.get_by_label("Code").fill(code)
    with journey.navigates():
        page.get_by_role("button", name="Confirm").click()

    account = page.get_by_role("navigation", name="Account")
    expect(account.locator("summary")).to_have_text(member.display_name)


@pytest.mark.django_db(transaction=True)
def test_a_crafted_table_is_refused_in_the_live_preview_with_the_text_kept(journey):
    UserFactory(username="writer")
    page = journey.page
    sign_in(journey, "writer")

    journey.goto("/questions/ask/")
    details = page.get_by_label("Details")
    details.fill("A fine **start**")
    expect(page.locator("#id_body_preview strong")).to_have_text("start")
    table = "|" + "a|" * 40 + "\n|" + "-|" * 40 + "\n" + "b\n" * 50
    details.fill(table)

    expect(page.locator("#id_body_preview")).to_contain_text("too big a table")
    expect(page.locator("#id_body_preview strong")).to_have_count(0)
    expect(details).to_have_value(table)
    journey.check()
