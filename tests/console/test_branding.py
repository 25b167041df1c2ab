"""/manage/branding/: community managers (and only they) edit the branding; bad input comes
back with every value as typed and a sentence saying what to do; each save is an audit line."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from branding.models import Branding
from branding.selectors import current
from console import branding_services
from console.permissions import allow_edit_branding, can_edit_branding
from moderation.models import ModerationAction
from tests.branding.images import image_bytes, noisy_png
from tests.factories import CommunityManagerFactory, ModeratorFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/manage/branding/"
LOGO = image_bytes("PNG", size=(150, 50), colour="#7a1f5c")


def form_data(**changes) -> dict:
    data = {
        "site_name": "Acme Help",
        "brand_color": "#7a1f5c",
        "welcome_banner": "Welcome! Ask anything.",
        "escalation_contact_text": "Reach our care team:",
        "escalation_contact_address": "https://acme.example/care",
        "footer_label_1": "Status page",
        "footer_url_1": "https://status.acme.example/",
    }
    data.update(changes)
    return data


@pytest.fixture
def manager(client):
    person = CommunityManagerFactory(username="casey", display_name="Casey")
    client.force_login(person)
    return person


@pytest.fixture
def post(client, commit):
    """Post the form as a browser would, and run what the save does after commit (the cache)."""

    def send(data, **kwargs):
        return commit(client.post, URL, data, **kwargs)

    return send


# --- Who may ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "make", [UserFactory, StaffFactory, ModeratorFactory], ids=["member", "staff", "moderator"]
)
def test_only_community_managers_may_open_or_save_the_branding(client, make, post):
    client.force_login(make())
    for response in (client.get(URL), post(form_data())):
        assert response.status_code == 403
        assert "Only community managers can change the site&#x27;s branding." in response.content.decode()
    assert not Branding.objects.exists()


def test_visitors_are_sent_to_log_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_community_managers_and_superusers_may(client):
    for person in (CommunityManagerFactory(), UserFactory(is_superuser=True)):
        client.force_login(person)
        response = client.get(URL)
        assert response.status_code == 200
        assert "<h1>Branding</h1>" in response.content.decode()


def test_the_rule_holds_at_the_service_too():
    assert not can_edit_branding(AnonymousUser())
    assert not can_edit_branding(ModeratorFactory())
    assert can_edit_branding(CommunityManagerFactory())
    with pytest.raises(PermissionDenied):
        branding_services.branding_save(by=StaffFactory(), site_name="Nope", brand_color="#0b5cad")
    assert not Branding.objects.exists()
    allow_edit_branding(CommunityManagerFactory())


def test_the_console_nav_offers_branding_to_community_managers_only(client, manager):
    assert 'href="/manage/branding/"' in client.get("/manage/").content.decode()
    client.force_login(ModeratorFactory())
    assert 'href="/manage/branding/"' not in client.get("/manage/").content.decode()


# --- Saving --------------------------------------------------------------------------------


def test_saving_applies_everything_at_once_and_says_so(client, manager, post):
    data = form_data(logo=SimpleUploadedFile("acme.png", LOGO, content_type="image/png"))
    response = post(data)
    assert (response.status_code, response["Location"]) == (302, URL)
    html = client.get(URL).content.decode()
    assert "The branding is saved." in html
    brand = current()
    assert (brand.site_name, brand.brand_color, brand.welcome_banner) == (
        "Acme Help",
        "#7a1f5c",
        "Welcome! Ask anything.",
    )
    assert [(link.label, link.url) for link in brand.footer_links] == [
        ("Status page", "https://status.acme.example/")
    ]
    assert (brand.logo_content_type, brand.logo_width, brand.logo_height) == ("image/png", 150, 50)
    assert brand.escalation_contact_href == "https://acme.example/care"
    assert f'src="{brand.logo_url}" alt="Acme Help"' in html  # the console's own header, branded
    assert "Last saved by Casey" in html


def test_each_save_is_an_audit_line_with_what_changed(client, manager, post):
    post(form_data())
    post(
        form_data(site_name="Acme Community", footer_label_2="Privacy", footer_url_2="https://acme.example/p")
    )
    entries = ModerationAction.objects.filter(action="branding.update").order_by("pk")
    assert entries.count() == 2
    last = entries.last()
    assert last.moderator == manager
    assert last.target_type == "branding"
    assert (last.before["site_name"], last.after["site_name"]) == ("Acme Help", "Acme Community")
    assert last.after["footer_links"] == [
        "Status page (https://status.acme.example/)",
        "Privacy (https://acme.example/p)",
    ]

    log = client.get(reverse("moderation:log") + "?action=branding.update").content.decode()
    assert "Branding changed" in log
    assert "The site&#x27;s branding" in log
    assert "Acme Community" in log


def test_a_save_that_changes_nothing_writes_no_audit_line(client, manager, post):
    post(form_data())
    post(form_data())
    assert "Nothing had changed" in client.get(URL).content.decode()
    assert ModerationAction.objects.filter(action="branding.update").count() == 1


def test_the_logo_can_be_removed(client, manager, post):
    post(form_data(logo=SimpleUploadedFile("acme.png", LOGO)))
    assert current().has_logo
    post(form_data(remove_logo="on"))
    assert not current().has_logo
    assert Branding.objects.get().logo is None
    entry = ModerationAction.objects.filter(action="branding.update").order_by("pk").last()
    assert entry.before["logo"].startswith("PNG, 150 by 50 pixels") and entry.after["logo"] == ""


def test_saving_without_a_new_file_keeps_the_logo(client, manager, post):
    post(form_data(logo=SimpleUploadedFile("acme.png", LOGO)))
    post(form_data(site_name="Acme Community"))
    assert current().has_logo


def test_the_form_starts_from_what_is_saved(client, manager, post):
    post(form_data())
    html = client.get(URL).content.decode()
    assert 'name="site_name" value="Acme Help"' in html
    assert 'name="footer_url_1" value="https://status.acme.example/"' in html
    assert "White text on #7a1f5c: contrast 9.6:1, passes (at least 4.5:1 needed)." in html


# --- Bad input -----------------------------------------------------------------------------


def test_a_low_contrast_colour_is_refused_with_its_ratio_and_everything_typed_is_kept(client, manager, post):
    data = form_data(
        brand_color="#ffcc00",
        site_name="Acme Help Centre",
        welcome_banner="Typed with care",
        footer_label_2="Privacy",
        footer_url_2="https://acme.example/privacy",
    )
    response = post(data)
    html = response.content.decode()
    assert response.status_code == 400
    assert "White text on #ffcc00 has a contrast of 1.5:1" in html
    assert "Choose a darker shade" in html
    assert "White text on #ffcc00: contrast 1.5:1, too low" in html  # the sample beside the field
    assert 'href="/branding/preview.css?colour=ffcc00"' in html
    assert 'name="site_name" value="Acme Help Centre"' in html
    assert 'name="brand_color" value="#ffcc00"' in html
    assert "Typed with care</textarea>" in html
    assert 'name="footer_url_2" value="https://acme.example/privacy"' in html
    assert not Branding.objects.exists()


def test_a_javascript_link_in_the_footer_is_refused(client, manager, post):
    response = post(form_data(footer_label_1="Click me", footer_url_1="javascript:alert(document.cookie)"))
    html = response.content.decode()
    assert response.status_code == 400
    assert (
        "Footer link 1&#x27;s address must start with https:// or http://; "
        "“javascript:” links are not allowed." in html
    )
    assert 'value="javascript:alert(document.cookie)"' in html  # kept, to be corrected
    assert not Branding.objects.exists()


def test_a_footer_link_without_a_label_is_refused(client, manager, post):
    response = post(form_data(footer_label_1="", footer_url_1="https://status.acme.example/"))
    assert "Give footer link 1 a label, or empty its address." in response.content.decode()


def test_a_file_disguised_as_a_png_is_refused_by_its_content(client, manager, post):
    disguised = SimpleUploadedFile(
        "logo.png", b"<html><script>alert(1)</script></html>", content_type="image/png"
    )
    response = post(form_data(logo=disguised))
    html = response.content.decode()
    assert response.status_code == 400
    assert "That file is not a PNG, JPEG, WebP or GIF image, whatever its name says." in html
    assert "choose the file again" in html
    assert not Branding.objects.exists()


def test_an_svg_logo_is_refused(client, manager, post):
    svg = SimpleUploadedFile(
        "logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"/>', content_type="image/svg+xml"
    )
    response = post(form_data(logo=svg))
    assert "SVG is not accepted" in response.content.decode()


def test_a_logo_over_512_kb_is_refused(client, manager, post):
    big = SimpleUploadedFile("big.png", noisy_png((600, 400)), content_type="image/png")
    response = post(form_data(logo=big))
    assert response.status_code == 400
    assert "a logo can be at most 512 KB" in response.content.decode()


def test_a_good_logo_sent_with_other_errors_must_be_chosen_again(client, manager, post):
    data = form_data(brand_color="#ffcc00", logo=SimpleUploadedFile("acme.png", LOGO))
    html = post(data).content.decode()
    assert "The logo file you chose was fine" in html
    assert "choose the file again" in html


def test_a_new_logo_and_removing_the_logo_at_once_is_refused(client, manager, post):
    post(form_data(logo=SimpleUploadedFile("acme.png", LOGO)))
    response = post(form_data(logo=SimpleUploadedFile("b.png", image_bytes()), remove_logo="on"))
    assert "Choose a new logo or remove the logo, not both." in response.content.decode()


def test_the_preview_stylesheet_only_ever_holds_a_colour(client):
    assert (
        client.get("/branding/preview.css?colour=7a1f5c").content
        == b".colour-preview { --preview: #7a1f5c; }\n"
    )
    assert client.get("/branding/preview.css?colour=red;}body{display:none").content == b""


def test_the_branding_page_costs_a_fixed_number_of_queries(
    client, manager, post, django_assert_max_num_queries
):
    post(form_data(logo=SimpleUploadedFile("acme.png", LOGO)))
    client.get(URL)  # the message of the save, shown once
    # session, member, groups, the saved branding (fresh, not cached), and a spare
    with django_assert_max_num_queries(5):
        response = client.get(URL)
    assert response.status_code == 200
