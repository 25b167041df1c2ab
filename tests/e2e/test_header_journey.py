"""The header on a phone and on a laptop, the bell, tabs, and keeping keyboard focus where it was.

Each test measures what a person would see in Debian's Chromium: boxes, computed padding and the
focused element, not the markup.
"""

import re

import pytest
from playwright.sync_api import expect

from branding.selectors import current as current_brand
from branding.services import branding_update
from notifications.models import Kind, Notification
from notifications.selectors import forget_unread_counts
from tests.e2e.test_question_journey import log_in
from tests.factories import ModeratorFactory, UserFactory, make_answer, make_question

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1280, "height": 800}
LONG_NAME = "Maximiliana Bartholomew-Featherstonehaugh of the Northern Support Team"[:60]
LONG_SITE_NAME = "Northwind Traders Customer Community and Peer Support Forum"

# Every direct part of the header row, and every link of the main nav, with its box.
HEADER_BOXES = """() => {
  const box = (el) => {
    const r = el.getBoundingClientRect();
    return {top: r.top, bottom: r.bottom, height: r.height, width: r.width};
  };
  const row = document.querySelector('.header-row');
  const parts = '.brand, .main-nav li, .search-toggle, .bell, .user-menu summary';
  return {
    header: box(document.querySelector('.site-header')),
    rowOverflows: row.scrollWidth > row.clientWidth,
    navItems: [...document.querySelectorAll('.main-nav li')].map(box),
    parts: [...document.querySelectorAll(parts)].filter((el) => el.getClientRects().length).map(box),
  };
}"""


def truncated(locator) -> bool:
    return locator.evaluate("el => el.scrollWidth > el.clientWidth")


def padding(locator) -> dict:
    return locator.evaluate(
        """el => {
          const s = getComputedStyle(el);
          const px = (value) => parseFloat(value);
          return {left: px(s.paddingLeft), right: px(s.paddingRight), top: px(s.paddingTop)};
        }"""
    )


@pytest.mark.django_db(transaction=True)
def test_on_a_phone_the_header_is_one_short_row_and_menu_opens_the_nav_without_javascript(journey):
    ModeratorFactory(username="morgan", display_name=LONG_NAME)
    page = journey.page
    page.set_viewport_size(PHONE)
    # JavaScript off: no script file loads (the site has no inline script to run either).
    page.route(re.compile(r"\.js(\?.*)?$"), lambda route: route.abort())
    log_in(journey, "morgan")
    journey.goto("/questions/")
    assert page.evaluate("typeof window.htmx") == "undefined"

    boxes = page.evaluate(HEADER_BOXES)
    assert boxes["header"]["height"] <= PHONE["height"] / 4, boxes["header"]
    main_nav = page.get_by_role("navigation", name="Main")
    expect(main_nav).to_be_hidden()
    expect(page.get_by_role("search")).to_be_hidden()
    # The bell and the user menu stay in reach; the user menu is the member's initial, named by the name.
    expect(page.get_by_role("link", name=re.compile("^Notifications"))).to_be_visible()
    expect(page.locator(".user-menu summary")).to_have_accessible_name(LONG_NAME)

    menu = page.get_by_role("button", name="Menu")
    menu.click()
    expect(main_nav).to_be_visible()
    expect(main_nav.get_by_role("link", name="Moderation")).to_be_visible()
    expect(main_nav.get_by_role("link", name="Ask")).to_be_visible()
    expect(page.get_by_role("searchbox", name="Search questions")).to_be_visible()
    journey.check()

    # Escape closes it and focus goes back to the button; so does "Close menu".
    page.keyboard.press("Escape")
    expect(main_nav).to_be_hidden()
    expect(menu).to_be_focused()
    menu.click()
    page.get_by_role("button", name="Close menu").click()
    expect(main_nav).to_be_hidden()

    # The links in it work: the search field searches, a link goes where it says.
    menu.click()
    page.get_by_role("searchbox", name="Search questions").fill("router")
    with journey.navigates():
        page.get_by_role("searchbox", name="Search questions").press("Enter")
    expect(page).to_have_url(re.compile(r"/search/\?q=router$"))
    menu.click()
    with journey.navigates():
        main_nav.get_by_role("link", name="Tags").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tags")


@pytest.mark.django_db(transaction=True)
def test_on_a_laptop_a_moderators_full_header_is_one_row_with_long_names_cut_short(journey):
    branding_update(by=None, site_name=LONG_SITE_NAME, brand_color=current_brand().brand_color)
    ModeratorFactory(username="morgan", display_name=LONG_NAME)
    page = journey.page
    page.set_viewport_size(LAPTOP)
    log_in(journey, "morgan")
    journey.goto("/questions/")

    main_nav = page.get_by_role("navigation", name="Main")
    for name in (
        "Questions",
        "Unanswered",
        "Tags",
        "Knowledge base",
        "Leaderboard",
        "Insights",
        "Moderation",
        "Ask",
    ):
        expect(main_nav.get_by_role("link", name=name, exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Menu")).to_be_hidden()

    boxes = page.evaluate(HEADER_BOXES)
    assert not boxes["rowOverflows"]
    assert len({round(item["top"]) for item in boxes["navItems"]}) == 1, boxes["navItems"]
    assert len({round(item["bottom"]) for item in boxes["navItems"]}) == 1, boxes["navItems"]
    # One row: every part of the header overlaps the same horizontal band.
    assert max(part["top"] for part in boxes["parts"]) < min(part["bottom"] for part in boxes["parts"]), boxes
    assert boxes["header"]["height"] < 70, boxes["header"]

    brand = page.locator(".brand")
    expect(brand).to_have_text(LONG_SITE_NAME)
    assert truncated(brand)
    name = page.locator(".user-menu-name")
    expect(name).to_have_text(LONG_NAME)
    assert truncated(name)
    assert page.locator(".brand").evaluate("el => getComputedStyle(el).textOverflow") == "ellipsis"

    # Search is a button that opens the field under it, next in the tab order.
    search = page.get_by_role("button", name="Search", exact=True).first
    search.click()
    field = page.get_by_role("searchbox", name="Search questions")
    expect(field).to_be_visible()
    page.keyboard.press("Tab")
    expect(field).to_be_focused()
    field.fill("invoice")
    with journey.navigates():
        field.press("Enter")
    expect(page).to_have_url(re.compile(r"/search/\?q=invoice$"))


@pytest.mark.django_db(transaction=True)
def test_the_bell_is_an_svg_named_with_the_unread_count(journey):
    member = UserFactory(username="member")
    for n in range(2):
        Notification.objects.create(recipient=member, kind=Kind.ANSWER, text=f"Answer {n}", url="/")
    forget_unread_counts([member.pk])
    page = journey.page
    log_in(journey, "member")
    journey.goto("/tags/")

    bell = page.get_by_role("link", name="Notifications 2 unread")
    expect(bell).to_be_visible()
    icon = bell.locator("svg")
    expect(icon).to_be_visible()
    size = icon.bounding_box()
    assert size["width"] >= 16 and size["height"] >= 16
    # Drawn, not typed: no emoji that Debian's fonts would show as a missing-glyph box.
    assert "\U0001f514" not in bell.inner_text()
    expect(bell.locator(".count")).to_have_text(re.compile(r"^\s*2"))


@pytest.mark.django_db(transaction=True)
def test_tabs_and_the_ask_button_have_inner_padding(journey):
    page = journey.page
    page.set_viewport_size(LAPTOP)
    journey.goto("/questions/")
    for tab in page.get_by_role("navigation", name="Sort questions").get_by_role("link").all():
        assert padding(tab)["left"] >= 6 and padding(tab)["right"] >= 6, tab.inner_text()
    ask = page.get_by_role("navigation", name="Main").get_by_role("link", name="Ask", exact=True)
    assert padding(ask)["left"] >= 6 and padding(ask)["right"] >= 6 and padding(ask)["top"] >= 3

    journey.goto("/leaderboard/")
    for tab in page.get_by_role("navigation", name="Period").get_by_role("link").all():
        assert padding(tab)["left"] >= 6, tab.inner_text()


@pytest.mark.django_db(transaction=True)
def test_focus_stays_on_the_vote_button_after_voting_by_keyboard(journey):
    UserFactory(username="voter")
    question = make_question(author=UserFactory(), title="Printer queue stuck on one page")
    page = journey.page
    log_in(journey, "voter")
    journey.goto(question.get_absolute_url())

    up = page.get_by_role("button", name="Vote up: this is useful")
    up.focus()
    page.keyboard.press("Enter")
    expect(page.locator(".vote .score").first).to_have_text("1")
    retract = page.get_by_role("button", name="Remove your up vote")
    expect(retract).to_be_focused()
    assert page.evaluate("document.activeElement.id") == f"vote-up-question-{question.pk}"
    # htmx wires up the new widget when it settles (20 ms later); a person is slower than that.
    expect(page.locator(".htmx-settling")).to_have_count(0)

    # And again: taking the vote back leaves focus on the same button.
    page.keyboard.press("Enter")
    expect(page.locator(".vote .score").first).to_have_text("0")
    expect(page.get_by_role("button", name="Vote up: this is useful")).to_be_focused()
    journey.check()


@pytest.mark.django_db(transaction=True)
def test_focus_stays_on_the_accept_button_when_the_answers_are_redrawn(journey):
    asker = UserFactory(username="asker")
    question = make_question(author=asker, title="Invoices show the wrong VAT number")
    make_answer(question, author=UserFactory(), body="Update the VAT number under Billing, then reissue.")
    page = journey.page
    log_in(journey, "asker")
    journey.goto(question.get_absolute_url())

    page.get_by_role("button", name="Accept this answer").focus()
    page.keyboard.press("Enter")
    expect(page.locator(".accepted-mark")).to_have_text("✓ Accepted")
    expect(page.get_by_role("button", name="Unaccept")).to_be_focused()
    journey.check()


@pytest.mark.django_db(transaction=True)
def test_escape_closes_the_user_menu_and_focuses_its_button(journey):
    UserFactory(username="member", display_name="Dana Member")
    page = journey.page
    log_in(journey, "member")
    journey.goto("/tags/")
    summary = page.locator(".user-menu summary")
    profile = page.get_by_role("link", name="Your profile")

    summary.focus()
    page.keyboard.press("Enter")
    expect(profile).to_be_visible()
    page.keyboard.press("Tab")
    expect(profile).to_be_focused()
    page.keyboard.press("Escape")
    expect(profile).to_be_hidden()
    expect(summary).to_be_focused()
    expect(page.locator(".user-menu")).not_to_have_attribute("open", "")

    # A click elsewhere closes it too.
    summary.click()
    expect(profile).to_be_visible()
    page.get_by_role("heading", level=1).click()
    expect(profile).to_be_hidden()
