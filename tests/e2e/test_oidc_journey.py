"""A customer logs in with their product account: the company's OpenID Connect provider (a real
django-oauth-toolkit server started on loopback for the test) signs them in, they allow the
forum, and they land back on Commonplace signed in as a new member with their name.

The provider's own pages (its sign-in and consent pages) are audited by axe like every page the
journey visits; they are the test provider's, written to pass."""

import re

import pytest
from allauth.socialaccount.models import SocialAccount
from playwright.sync_api import expect

from accounts.models import User
from config.social import COMPANY_OIDC_ID, company_oidc_app
from tests.loopback import Person
from tests.oidc_provider.process import oidc_provider

PRODUCT = "Example Product"
ADA = Person("ada", "ada-at-the-product-1", "ada@example.com", "Ada Lovelace")


@pytest.mark.django_db(transaction=True)
def test_a_customer_logs_in_with_their_product_account(journey, live_server, settings):
    callback = f"{live_server.url}/accounts/oidc/{COMPANY_OIDC_ID}/login/callback/"
    with oidc_provider(redirect_uris=[callback], people=[ADA]) as provider:
        app = company_oidc_app(provider.environment(PRODUCT), link_by_email=True)
        settings.SOCIALACCOUNT_PROVIDERS = {"openid_connect": {"APPS": [app]}}
        page = journey.page

        journey.goto("/accounts/login/")
        logins = page.get_by_role("region", name="Or use another account")
        with journey.navigates():
            logins.get_by_role("button", name=f"Log in with {PRODUCT}").click()

        # At the provider: sign in, then allow the forum to use the account.
        expect(page).to_have_url(re.compile(rf"^{re.escape(provider.url)}/login/"))
        expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to Example Product")
        page.get_by_label("Username").fill(ADA.username)
        page.get_by_label("Password").fill(ADA.password)
        with journey.navigates():
            page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Let Commonplace use your Example Product account?"
        )
        with journey.navigates():
            page.get_by_role("button", name="Allow").click()

        # Back on Commonplace, signed in with the name the provider gave.
        expect(page).to_have_url(f"{live_server.url}/")
        account = page.get_by_role("navigation", name="Account")
        expect(account.locator("summary")).to_have_text(ADA.name)
        user = User.objects.get(username="ada")
        assert (user.display_name, user.email) == (ADA.name, ADA.email)
        assert SocialAccount.objects.get(user=user).provider == COMPANY_OIDC_ID

        account.locator("summary").click()
        with journey.navigates():
            account.get_by_role("link", name="Your profile").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(ADA.name)
