"""Every email carries the branding: notifications' emails and allauth's account emails alike,
with the site's name in the subject and sender, the logo (or name) on the brand colour, and the
footer links."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from branding.selectors import current
from notifications import email
from notifications.models import Kind, Notification
from tests.branding.conftest import LOGO
from tests.factories import UserFactory, make_question

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.COMMONPLACE_SITE_URL = "https://help.acme.example"
    settings.SITE_NAME = "Commonplace"
    settings.DEFAULT_FROM_EMAIL = "Commonplace <noreply@acme.example>"


def notification_email():
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    question = make_question(author=alice, title="Router drops every hour")
    note = Notification.objects.create(
        recipient=alice,
        kind=Kind.ANSWER,
        actor=bob,
        question=question,
        text="bob answered “Router drops every hour”",
        url=question.get_absolute_url(),
    )
    email.deliver_later([note.pk])
    [message] = mail.outbox
    [(html, _)] = message.alternatives
    return message, html


def test_a_notification_email_carries_the_name_colour_logo_and_footer_links(brand_site):
    brand_site(logo=LOGO)
    message, html = notification_email()
    assert message.subject.startswith("[Acme Help] ")
    assert message.from_email == "Acme Help <noreply@acme.example>"
    assert f'<img src="https://help.acme.example{current().logo_url}" alt="Acme Help"' in html
    assert "border-top:6px solid #7a1f5c" in html
    assert '<a href="https://status.acme.example/" style="color:#7a1f5c">Status page</a>' in html
    assert "Status page: https://status.acme.example/" in message.body
    assert "Privacy: https://acme.example/privacy" in message.body
    assert "your email settings on Acme Help" in message.body


def test_without_a_logo_the_email_header_is_the_name_in_the_brand_colour(brand_site):
    brand_site()
    _, html = notification_email()
    header = html.split("<body")[1].split("</div>")[0]
    assert "<img" not in header
    assert re.search(
        r'<a href="https://help\.acme\.example/" style="color:#7a1f5c;[^"]*">Acme Help</a>', header
    )


def test_an_unbranded_site_emails_under_the_setting(settings):
    message, html = notification_email()
    assert message.subject.startswith("[Commonplace] ")
    assert message.from_email == "Commonplace <noreply@acme.example>"
    assert "#0b5cad" in html


def test_a_sender_the_operator_named_is_kept(settings, brand_site):
    settings.DEFAULT_FROM_EMAIL = "Acme Care <care@acme.example>"
    brand_site()
    message, _ = notification_email()
    assert message.from_email == "Acme Care <care@acme.example>"


def test_the_password_reset_email_is_branded(client, brand_site):
    brand_site(logo=LOGO)
    UserFactory(username="forgetful", email="forgetful@example.com")
    response = client.post(reverse("account_reset_password"), {"email": "forgetful@example.com"})
    assert response.status_code == 302

    [message] = mail.outbox
    assert message.subject == "[Acme Help] Password Reset Email"
    assert message.from_email == "Acme Help <noreply@acme.example>"
    assert message.body.startswith("Hello from Acme Help!")
    assert "Thank you for using Acme Help!" in message.body
    assert "Status page: https://status.acme.example/" in message.body
    assert "/accounts/password/reset/key/" in message.body

    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    assert f'<img src="https://help.acme.example{current().logo_url}" alt="Acme Help"' in html
    assert "border-top:6px solid #7a1f5c" in html
    assert '<a href="https://acme.example/privacy" style="color:#7a1f5c">Privacy</a>' in html
    link = re.search(r"http://testserver/accounts/password/reset/key/\S+/", message.body).group(0)
    assert f'<a href="{link}"' in html  # the text's links still work in the HTML part
