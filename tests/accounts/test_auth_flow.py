import re

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import User
from tests.factories import TEST_PASSWORD, UserFactory

SIGNUP = {
    "username": "newcomer",
    "email": "newcomer@example.com",
    "password1": TEST_PASSWORD,
    "password2": TEST_PASSWORD,
}


def confirmation_link(message) -> str:
    match = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


@pytest.mark.django_db
def test_signup_with_mandatory_verification_asks_for_email_then_logs_in_after_confirming(client, settings):
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"

    response = client.post(reverse("account_signup"), SIGNUP)

    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert User.objects.filter(username="newcomer").exists()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["newcomer@example.com"]
    # Not logged in until the address is confirmed.
    assert "_auth_user_id" not in client.session

    link = confirmation_link(mail.outbox[0])
    assert client.get(link).status_code == 200  # GET shows a confirm button, it does not confirm
    response = client.post(link)

    assert response.status_code == 302
    assert User.objects.get(username="newcomer").emailaddress_set.get().verified
    assert client.session["_auth_user_id"] == str(User.objects.get(username="newcomer").pk)


@pytest.mark.django_db
def test_login_with_unverified_email_is_refused_when_verification_is_mandatory(client, settings):
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    UserFactory(username="pending", verified_email=False)

    response = client.post(reverse("account_login"), {"login": "pending", "password": TEST_PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
@pytest.mark.parametrize("login", ["reader", "reader@example.com"])
def test_login_by_username_or_email_then_logout(client, login):
    user = UserFactory(username="reader")

    response = client.post(reverse("account_login"), {"login": login, "password": TEST_PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)

    page = client.get("/")
    assert "Log out" in page.content.decode()

    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_wrong_password_shows_an_error_and_keeps_the_login_typed(client):
    UserFactory(username="reader")

    response = client.post(reverse("account_login"), {"login": "reader", "password": "nope-nope"})

    assert response.status_code == 200
    body = response.content.decode()
    assert "not correct" in body
    assert 'value="reader"' in body


@pytest.mark.django_db
def test_repeated_failed_logins_are_rate_limited(client):
    UserFactory(username="reader")
    statuses = [
        client.post(reverse("account_login"), {"login": "reader", "password": "wrong-password"}).status_code
        for _ in range(7)
    ]
    final = client.post(reverse("account_login"), {"login": "reader", "password": "wrong-password"})

    assert statuses[0] == 200
    # Per client, never per account: tests/accounts/test_login_throttle.py.
    assert final.status_code == 429
    assert "Too many failed sign-ins from your connection" in final.content.decode()


@pytest.mark.django_db
def test_password_reset_sends_a_link_that_sets_a_new_password(client):
    UserFactory(username="forgetful")

    response = client.post(reverse("account_reset_password"), {"email": "forgetful@example.com"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/[^\s]+/)", mail.outbox[0].body).group(1)

    response = client.get(link, follow=True)
    form_url = response.redirect_chain[-1][0] if response.redirect_chain else link
    response = client.post(form_url, {"password1": "brand-new-pass-77", "password2": "brand-new-pass-77"})
    assert response.status_code == 302

    assert client.login(username="forgetful", password="brand-new-pass-77")


@pytest.mark.django_db
def test_password_change_for_a_logged_in_member(client):
    user = UserFactory(username="changer")
    client.force_login(user)

    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": TEST_PASSWORD, "password1": "another-pass-99", "password2": "another-pass-99"},
    )

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("another-pass-99")


@pytest.mark.django_db
def test_allauth_pages_use_the_site_layout(client):
    for name in ["account_login", "account_signup", "account_reset_password"]:
        body = client.get(reverse(name)).content.decode()
        assert 'class="site-header"' in body, name
        assert '<main id="main"' in body, name
