"""COMMONPLACE_SIGNUP_OPEN closes sign-up (the form and social providers' first logins);
COMMONPLACE_SSO_SIGNUP_OPEN governs the company's own logins on their own."""

from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory

from accounts.adapter import SocialAccountAdapter
from accounts.models import User
from accounts.permissions import allow_sign_up, can_sign_up
from tests.factories import TEST_PASSWORD, make_question

pytestmark = pytest.mark.django_db

CLOSED = "Sign-up is closed: this community is not taking new members right now."
SIGNUP = {
    "username": "newcomer",
    "email": "newcomer@example.com",
    "password1": TEST_PASSWORD,
    "password2": TEST_PASSWORD,
}


@pytest.fixture
def closed(settings):
    settings.COMMONPLACE_SIGNUP_OPEN = False


def test_sign_up_is_open_by_default_and_linked_from_every_page(client):
    assert can_sign_up()
    page = client.get("/").content.decode()
    assert 'href="/accounts/signup/"' in page
    assert "New here?" in client.get("/accounts/login/").content.decode()


def test_closed_sign_up_page_says_so_and_creates_nobody(client, closed):
    page = client.get("/accounts/signup/")

    assert page.status_code == 200
    body = page.content.decode()
    assert "<h1>Sign-up is closed</h1>" in body
    assert CLOSED in body
    assert 'name="password1"' not in body

    client.post("/accounts/signup/", SIGNUP)
    assert not User.objects.filter(username="newcomer").exists()


def test_closed_sign_up_hides_every_link_to_it(client, closed):
    question = make_question()
    for path in ["/", "/accounts/login/", question.get_absolute_url()]:
        body = client.get(path).content.decode()
        assert "/accounts/signup/" not in body, path
    assert "Log in</a> to answer" in client.get(question.get_absolute_url()).content.decode()


def test_social_providers_follow_the_sign_up_switch_and_company_logins_their_own(settings):
    settings.COMMONPLACE_SIGNUP_OPEN = False
    with pytest.raises(PermissionDenied, match="Sign-up is closed"):
        allow_sign_up(provider="github")
    allow_sign_up(provider="openid_connect")
    allow_sign_up(provider="saml")

    settings.COMMONPLACE_SIGNUP_OPEN, settings.COMMONPLACE_SSO_SIGNUP_OPEN = True, False
    allow_sign_up(provider="github")
    allow_sign_up()
    for company in ["openid_connect", "saml"]:
        with pytest.raises(PermissionDenied, match="cannot be created with the company login"):
            allow_sign_up(provider=company)


def test_a_refused_social_sign_up_shows_why(client, closed):
    request = RequestFactory().get("/accounts/github/login/callback/")
    login = SimpleNamespace(provider=SimpleNamespace(id="github"))

    assert SocialAccountAdapter(request).is_open_for_signup(request, login) is False
    assert request.sign_up_refusal == CLOSED


def test_login_page_costs_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    client.get("/accounts/login/")  # the site row is cached after the first request
    with django_assert_max_num_queries(3):
        assert client.get("/accounts/login/").status_code == 200
