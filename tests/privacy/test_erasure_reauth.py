"""An account without a password (the company login) confirms an erasure by logging in again with
its provider, end to end against the real OpenID Connect provider of tests/oidc_provider/: the
button on /accounts/delete/ goes to the provider (asking it to make the person sign in afresh),
and the callback brings them back to the page, now able to erase."""

from urllib.parse import parse_qs, urlsplit

import pytest
from allauth.account.internal.flows.login import AUTHENTICATION_METHODS_SESSION_KEY
from allauth.socialaccount.models import SocialAccount

from accounts.models import User
from config.social import COMPANY_OIDC_ID, company_oidc_app
from tests.accounts.test_company_login_oidc import ADA, CALLBACK, log_in, signed_in_user
from tests.oidc_provider.process import oidc_provider, sign_in_at_provider

pytestmark = pytest.mark.django_db

PAGE = "/accounts/delete/"


@pytest.fixture(scope="module")
def provider():
    with oidc_provider(redirect_uris=[CALLBACK], people=[ADA]) as running:
        yield running


@pytest.fixture(autouse=True)
def company_login(settings, provider):
    app = company_oidc_app(provider.environment("Example Product"), link_by_email=True)
    settings.SOCIALACCOUNT_PROVIDERS = {"openid_connect": {"APPS": [app]}}


def an_hour_later(client) -> None:
    """The session's record of how the member logged in, made an hour old (rather than waiting)."""
    session = client.session
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [
        {**record, "at": record["at"] - 3600} for record in session[AUTHENTICATION_METHODS_SESSION_KEY]
    ]
    session.save()


def confirm_button(page: str) -> str:
    """Where the page's "Log in again with Example Product" button posts."""
    button = page.index("Log in again with Example Product")
    start = page.rindex('<form method="post" action="', 0, button) + len('<form method="post" action="')
    return page[start : page.index('"', start)].replace("&amp;", "&")


def test_a_login_long_ago_does_not_let_an_account_without_a_password_be_erased(client):
    log_in(client, ADA)
    ada = signed_in_user(client)
    assert not ada.has_usable_password()
    an_hour_later(client)

    page = client.get(PAGE).content.decode()
    refused = client.post(PAGE, {"confirm": "on"})

    assert "Log in again with Example Product" in page and 'name="password"' not in page
    assert refused.status_code == 400
    assert "Confirm it is you first, by logging in again with your provider above" in refused.content.decode()
    assert User.objects.get(pk=ada.pk).is_active


def test_logging_in_again_with_the_provider_confirms_it_and_the_account_is_erased(client, commit):
    log_in(client, ADA)
    ada = signed_in_user(client)
    an_hour_later(client)

    start = client.post(confirm_button(client.get(PAGE).content.decode()), {"process": "login", "next": PAGE})
    authorize = parse_qs(urlsplit(start["Location"]).query)
    assert authorize["prompt"] == ["login"]  # the provider makes them sign in afresh
    back = client.get(sign_in_at_provider(start["Location"], ADA).removeprefix("http://testserver"))

    assert back.status_code == 302 and back["Location"] == PAGE
    page = client.get(PAGE).content.decode()
    assert "You logged in again just now" in page
    erased = commit(client.post, PAGE, {"confirm": "on"})
    assert erased.status_code == 302 and erased["Location"] == "/accounts/delete/done/"
    ada = User.objects.get(pk=ada.pk)
    assert ada.erased_at is not None and ada.email == ""
    assert not SocialAccount.objects.filter(provider=COMPANY_OIDC_ID).exists()


def test_after_erasure_the_same_company_login_starts_a_new_account(client, commit):
    log_in(client, ADA)
    first = signed_in_user(client)
    commit(client.post, PAGE, {"confirm": "on"})  # just logged in: that is fresh enough

    log_in(client, ADA)

    again = signed_in_user(client)
    assert again is not None and again.pk != first.pk
    assert User.objects.get(pk=first.pk).username == f"former-member-{first.pk}"
