"""A community manager brands the site in a real browser: name, colour (with its contrast shown
as it is typed, and a colour too light refused), a logo, a footer link and a welcome banner; the
home page then shows them all, and a visitor dismisses the banner in place. Screenshots of the
branded home page and of the form, at 1280 and 390 pixels wide, go to the test's tmp_path
(run with --basetemp to keep them)."""

import pytest
from playwright.sync_api import expect

from branding.selectors import current
from tests.branding.images import wordmark
from tests.e2e.test_question_journey import log_in, log_out
from tests.factories import CommunityManagerFactory, make_question

LOGO = wordmark("Acme Help", colour="#7a1f5c")
BANNER = "Welcome to Acme Help: customers and staff answer here as equals."
WIDTHS = {"desktop": 1280, "phone": 390}
ACCENT = "getComputedStyle(document.documentElement).getPropertyValue('--accent').trim()"


def screenshots(journey, name: str, directory) -> None:
    page = journey.page
    for label, width in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": 900})
        # Nothing is wider than the screen: no sideways scrolling at either width.
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.screenshot(path=directory / f"{name}-{label}.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


@pytest.mark.django_db(transaction=True)
def test_a_community_manager_brands_the_site(journey, tmp_path):
    CommunityManagerFactory(username="casey", display_name="Casey")
    make_question(title="My router drops the connection every hour")
    page = journey.page

    log_in(journey, "casey")
    journey.goto("/manage/")
    with journey.navigates():
        page.get_by_role("navigation", name="Console").get_by_role("link", name="Branding").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Branding")

    page.get_by_label("Site name").fill("Acme Help")
    page.get_by_label("Brand colour").fill("#ffcc00")
    expect(page.locator("#colour-contrast")).to_have_text(
        "White text on #ffcc00: contrast 1.5:1, too low (at least 4.5:1 needed)."
    )
    page.get_by_label("Footer link 1: label").fill("Status page")
    page.get_by_label("Footer link 1: address").fill("https://status.acme.example/")
    page.get_by_label("Banner text").fill(BANNER)
    with journey.navigates():
        page.get_by_role("button", name="Save branding").click()

    # Refused, with the measured ratio and a darker shade; everything typed is still there.
    expect(page.locator(".errorlist-box")).to_contain_text("Nothing was saved")
    expect(page.get_by_text("White text on #ffcc00 has a contrast of 1.5:1")).to_be_visible()
    expect(page.get_by_label("Site name")).to_have_value("Acme Help")
    expect(page.get_by_label("Footer link 1: address")).to_have_value("https://status.acme.example/")
    expect(page.get_by_label("Banner text")).to_have_value(BANNER)
    page.screenshot(path=tmp_path / "branding-form-errors.png", full_page=True)

    page.get_by_label("Brand colour").fill("#7a1f5c")
    expect(page.locator("#colour-contrast")).to_have_text(
        "White text on #7a1f5c: contrast 9.6:1, passes (at least 4.5:1 needed)."
    )
    page.get_by_label("New logo").set_input_files(
        files=[{"name": "acme.png", "mimeType": "image/png", "buffer": LOGO}]
    )
    with journey.navigates():
        page.get_by_role("button", name="Save branding").click()
    expect(page.locator(".messages")).to_contain_text("The branding is saved.")
    expect(page.get_by_role("img", name="The current logo")).to_be_visible()
    screenshots(journey, "branding-form", tmp_path)

    # The home page, branded.
    journey.goto("/")
    expect(page).to_have_title("Questions · Acme Help")
    header_logo = page.get_by_role("banner").get_by_role("img", name="Acme Help")
    expect(header_logo).to_be_visible()
    assert header_logo.bounding_box()["height"] == 40
    assert page.evaluate(ACCENT) == "#7a1f5c"
    ask = page.get_by_role("link", name="Ask a question")
    expect(ask).to_have_css("background-color", "rgb(122, 31, 92)")
    expect(ask).to_have_css("color", "rgb(255, 255, 255)")
    footer = page.get_by_role("navigation", name="Footer")
    expect(footer.get_by_role("link", name="Status page")).to_have_attribute(
        "href", "https://status.acme.example/"
    )
    expect(page.get_by_role("region", name="Welcome")).to_contain_text(BANNER)
    screenshots(journey, "home", tmp_path)

    # In dark mode links and buttons take a lighter tint of the colour, readable on the dark page.
    page.emulate_media(color_scheme="dark")
    assert page.evaluate(ACCENT) == current().brand_color_dark != "#7a1f5c"
    journey.check()  # axe measures the contrast again, in the dark
    page.screenshot(path=tmp_path / "home-dark.png", full_page=True)
    page.emulate_media(color_scheme="light")

    # A visitor dismisses the banner in place (htmx): the page stays, the banner goes, for good.
    log_out(journey)
    journey.goto("/questions/?sort=newest")
    page.get_by_role("button", name="Dismiss the welcome message").click()
    expect(page.get_by_role("region", name="Welcome")).to_have_count(0)
    assert page.url.endswith("/questions/?sort=newest")
    journey.goto("/")
    expect(page.get_by_role("region", name="Welcome")).to_have_count(0)
