"""The branding on the pages: name, logo, colour, footer links, the welcome banner and the
escalation contact; and the logo and theme files, cached by browsers and revalidated by ETag."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from branding.selectors import current
from branding.views import BANNER_COOKIE
from insights import services as insights_services
from tests.branding.conftest import LOGO
from tests.branding.images import image_bytes
from tests.factories import StaffFactory, UserFactory, make_question

pytestmark = pytest.mark.django_db

BANNER = "Welcome to Acme Help: ask anything, customers and staff answer as equals."


def page(client, path="/") -> str:
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


# --- Every page -----------------------------------------------------------------------------


def test_every_page_carries_the_name_colour_and_footer_links(client, brand_site):
    brand_site()
    html = page(client, reverse("forum:tag_list"))
    assert re.search(r"<title>[^<]*· Acme Help</title>", html)
    assert '<meta property="og:site_name" content="Acme Help">' in html
    assert '<a class="brand" href="/">Acme Help</a>' in html  # no logo: the name
    footer = html.split('<footer class="site-footer">')[1]
    assert '<a href="https://status.acme.example/">Status page</a>' in footer
    assert '<a href="https://acme.example/privacy">Privacy</a>' in footer
    assert footer.index("Status page") < footer.index("Privacy")

    theme_url = current().theme_url
    assert f'<link rel="stylesheet" href="{theme_url}">' in html
    css = page(client, theme_url)
    assert "--brand: #7a1f5c;" in css
    assert "--brand-text: #ffffff;" in css


def test_the_colour_reaches_pages_through_a_stylesheet_never_a_style_attribute(client, brand_site):
    brand_site(logo=LOGO)
    html = page(client)
    assert "style=" not in html
    assert "#7a1f5c" not in html


def test_the_logo_replaces_the_name_in_the_header_with_the_name_as_its_text(client, brand_site):
    brand_site(logo=LOGO)
    brand = current()
    html = page(client)
    assert (
        f'<a class="brand" href="/"><img class="brand-logo" src="{brand.logo_url}" alt="Acme Help" '
        'width="150" height="50"></a>'
    ) in html
    assert f'<meta property="og:image" content="http://testserver{brand.logo_url}">' in html


def test_an_unbranded_site_looks_as_before(client, settings):
    settings.SITE_NAME = "Commonplace"
    html = page(client)
    assert '<a class="brand" href="/">Commonplace</a>' in html
    assert 'class="footer-links"' not in html
    assert "welcome-banner" not in html
    css = page(client, current().theme_url)
    assert "--brand: #0b5cad;" in css and "--brand-dark: #7db7ff;" in css


def test_feeds_are_named_after_the_site(client, brand_site):
    brand_site()
    make_question()
    assert "Newest questions · Acme Help" in page(client, reverse("forum:feed"))


# --- The logo and theme files ---------------------------------------------------------------


def test_the_logo_is_served_from_the_database_with_long_caching_and_an_etag(client, brand_site):
    brand_site(logo=LOGO)
    url = current().logo_url
    assert re.fullmatch(r"/branding/logo/[0-9a-f]{64}\.png", url)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response.content == LOGO
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response["ETag"] == f'"{current().logo_sha256}"'
    assert response["X-Content-Type-Options"] == "nosniff"

    again = client.get(url, HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == response["ETag"]


def test_revalidating_the_logo_reads_no_bytes(client, brand_site, django_assert_num_queries):
    brand_site(logo=LOGO)
    brand = current()
    with django_assert_num_queries(0):
        response = client.get(brand.logo_url, HTTP_IF_NONE_MATCH=f'"{brand.logo_sha256}"')
    assert response.status_code == 304


def test_an_old_logo_address_leads_to_the_new_logo(client, brand_site):
    brand_site(logo=LOGO)
    old = current().logo_url
    brand_site(logo=image_bytes("GIF", size=(90, 30)))
    new = current().logo_url
    assert new.endswith(".gif") and new != old
    response = client.get(old)
    assert response.status_code == 302
    assert response["Location"] == new


def test_without_a_logo_the_logo_address_is_not_found(client, brand_site):
    brand_site(logo=LOGO)
    url = current().logo_url
    brand_site(remove_logo=True)
    assert client.get(url).status_code == 404
    assert 'class="brand-logo"' not in page(client)


def test_the_theme_is_kept_a_year_under_its_version_and_revalidated_by_etag(client, brand_site):
    brand_site()
    brand = current()
    response = client.get(brand.theme_url)
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    assert client.get(brand.theme_url, HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304
    # A stale version number (a page cached before a save) gets the current colours, briefly cached.
    stale = client.get(reverse("branding:theme") + "?v=000000000000")
    assert stale["Cache-Control"] == "public, max-age=60"
    assert "--brand: #7a1f5c;" in stale.content.decode()


def test_a_new_colour_gives_the_theme_a_new_address(brand_site):
    brand_site(brand_color="#7a1f5c")
    before = current().theme_url
    brand_site(brand_color="#1d4d2b")
    assert current().theme_url != before


# --- The welcome banner ---------------------------------------------------------------------


def test_visitors_see_the_welcome_banner_on_the_question_lists(client, brand_site):
    brand_site()
    assert BANNER in page(client, "/")
    assert BANNER in page(client, reverse("forum:question_list") + "?sort=unanswered")
    assert BANNER not in page(client, reverse("forum:tag_list"))


def test_new_members_see_it_and_established_members_do_not(client, brand_site):
    brand_site()
    client.force_login(UserFactory())
    assert BANNER in page(client)
    old_timer = UserFactory()
    old_timer.date_joined = timezone.now() - dt.timedelta(days=30)
    old_timer.save()
    client.force_login(old_timer)
    assert BANNER not in page(client)


def test_dismissing_without_javascript_returns_to_the_same_page_without_the_banner(client, brand_site):
    brand_site()
    response = client.post(reverse("branding:dismiss_banner"), {"next": "/questions/?sort=newest"})
    assert response.status_code == 302
    assert response["Location"] == "/questions/?sort=newest"
    assert response.cookies[BANNER_COOKIE]["httponly"]
    assert BANNER not in page(client, "/questions/?sort=newest")


def test_dismissing_with_htmx_removes_it_in_place(client, brand_site):
    brand_site()
    response = client.post(reverse("branding:dismiss_banner"), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response.content == b""
    assert BANNER not in page(client)


def test_a_dismissal_never_sends_anyone_off_the_site(client, brand_site):
    brand_site()
    response = client.post(reverse("branding:dismiss_banner"), {"next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_a_new_banner_shows_again_after_the_old_one_was_dismissed(client, brand_site):
    brand_site()
    client.post(reverse("branding:dismiss_banner"), {"next": "/"})
    brand_site(welcome_banner="Maintenance on Sunday: the forum stays open.")
    assert "Maintenance on Sunday" in page(client)


def test_the_banner_form_works_with_and_without_javascript(client, brand_site):
    brand_site()
    html = page(client)
    banner = html.split('id="welcome-banner"')[1].split("</section>")[0]
    assert 'method="post" action="/branding/banner/dismiss/"' in banner
    assert 'hx-post="/branding/banner/dismiss/"' in banner
    assert '<button type="submit"' in banner


# --- The escalation contact -----------------------------------------------------------------


def test_threads_taken_to_private_follow_up_show_the_contact(client, brand_site, commit):
    brand_site()
    question = make_question(title="Charged twice for one month of service")
    commit(insights_services.escalation_open, question=question, staff_user=StaffFactory(), note="")
    html = page(client, question.get_absolute_url())
    follow_up = html.split('id="follow-up"')[1].split("</aside>")[0]
    assert "Our care team answers within a day:" in follow_up
    assert '<a href="mailto:care@acme.example">care@acme.example</a>' in follow_up

    commit(
        insights_services.escalation_resolve,
        question=question,
        staff_user=StaffFactory(),
        outcome="We refunded the second charge; it shows on your statement within 5 days.",
    )
    html = page(client, question.get_absolute_url())
    assert "Our care team answers within a day:" in html.split('id="follow-up"')[1].split("</aside>")[0]


def test_without_a_contact_the_follow_up_notice_is_unchanged(client, brand_site, commit):
    brand_site(escalation_contact_text="", escalation_contact_address="")
    question = make_question(title="Charged twice for one month of service")
    commit(insights_services.escalation_open, question=question, staff_user=StaffFactory(), note="")
    assert "escalation-contact" not in page(client, question.get_absolute_url())


def test_staff_see_the_contact_members_will_be_shown_before_escalating(client, brand_site):
    brand_site()
    question = make_question(title="Charged twice for one month of service")
    client.force_login(StaffFactory())
    html = page(client, question.get_absolute_url())
    staff_form = html.split('<details class="follow-up-staff" id="follow-up">')[1].split("</details>")[0]
    assert "The notice will give the company's contact" in staff_form
    assert '<a href="mailto:care@acme.example">care@acme.example</a>' in staff_form
