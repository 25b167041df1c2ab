"""A copy of one's data in a real browser: a member asks for it from "Your data", is notified,
downloads the ZIP and finds their question in it; a second request says one is in hand; a
community manager exports a member's data from the console with a reason. Plain forms and links,
checked with axe on every page."""

import io
import json
import zipfile

import pytest
from playwright.sync_api import expect

from tests.e2e.test_console_journey import open_console
from tests.e2e.test_question_journey import from_account_menu, log_in, log_out
from tests.factories import CommunityManagerFactory, UserFactory, make_question


@pytest.mark.django_db(transaction=True)
def test_a_member_downloads_a_copy_of_their_data(journey):
    alice = UserFactory(username="alice", display_name="Alice")
    make_question(author=alice, title="My router drops the connection every hour")
    page = journey.page

    log_in(journey, "alice")
    from_account_menu(journey, "Your data")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your data")
    with journey.navigates():
        page.get_by_role("button", name="Ask for a copy of my data").click()

    # Without a broker the copy is built as the request commits: ready on the page it lands on.
    expect(page.get_by_role("heading", level=1)).to_have_text("A copy of your data")
    expect(page.locator(".messages")).to_contain_text("We are preparing a copy of your data.")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the ZIP of your data").click()
    download = download_info.value
    assert download.suggested_filename.startswith("commonplace-data-alice-")
    with zipfile.ZipFile(io.BytesIO(download.path().read_bytes())) as archive:
        [question] = json.loads(archive.read("questions.json"))
    assert question["title"] == "My router drops the connection every hour"

    journey.goto("/notifications/")
    with journey.navigates():
        page.get_by_role("link", name="A copy of your data is ready to download").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("A copy of your data")

    from_account_menu(journey, "Your data")
    expect(page.get_by_role("button", name="Ask for a copy of my data")).to_have_count(0)
    expect(page.get_by_role("link", name="Download the ZIP of your data")).to_be_visible()
    log_out(journey)


@pytest.mark.django_db(transaction=True)
def test_a_community_manager_exports_a_members_data_from_the_console(journey):
    CommunityManagerFactory(username="casey", display_name="Casey")
    UserFactory(username="dana", display_name="Dana Scully")
    page = journey.page

    log_in(journey, "casey")
    open_console(journey)
    journey.goto("/manage/members/dana/")
    with journey.navigates():
        page.get_by_role("button", name="Export Dana Scully's data").click()
    expect(page.locator(".errorlist")).to_contain_text("Say why you are exporting this member's data")

    page.get_by_role("region", name="Copy of their data").get_by_label("Reason").fill(
        "Dana asked by email (ticket 4821)"
    )
    with journey.navigates():
        page.get_by_role("button", name="Export Dana Scully's data").click()
    expect(page.locator(".messages")).to_contain_text("Dana Scully has been told, with your reason.")
    with journey.navigates():
        page.get_by_role(
            "table", name="Copies of this member's data you asked for, newest first"
        ).get_by_role("link").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("A copy of Dana Scully's data")
    expect(page.get_by_role("link", name="Download the ZIP of Dana Scully's data")).to_be_visible()
