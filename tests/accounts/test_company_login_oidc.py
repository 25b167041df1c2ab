"""Company login with OpenID Connect, end to end against a real provider process on loopback
(django-oauth-toolkit, tests/oidc_provider/): discovery, the authorization code flow with PKCE,
the callback, the token exchange and userinfo over HTTP, the signed ID token.

The site is the test client; the person at the provider is a requests session
(`sign_in_at_provider`). Nothing is mocked between the two."""

from urllib.parse import parse_qs, urlsplit

import pytest
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount

from accounts.models import User
from config.social import COMPANY_OIDC_ID, company_oidc_app
from tests.factories import TEST_PASSWORD, UserFactory
from tests.loopback import Person
from tests.oidc_provider.process import oidc_provider, sign_in_at_provider

pytestmark = pytest.mark.django_db

LOGIN = f"/accounts/oidc/{COMPANY_OIDC_ID}/login/"
CALLBACK = f"http://testserver/accounts/oidc/{COMPANY_OIDC_ID}/login/callback/"
ADA = Person("ada", "ada-at-the-product-1", "ada@example.com", "Ada Lovelace")
GRACE = Person("grace", "grace-at-the-product-1", "grace@example.com", "Grace Hopper")
LINUS = Person("linus", "linus-at-the-product-1", "linus@example.com", "Linus T")
# A username and a name that look like a moderator's.
IMPOSTOR = Person("rnorgan", "rnorgan-at-the-product-1", "rnorgan@example.com", "Morgan (moderator)")
# Claims an address the provider never checked.
MALLORY = Person("mallory", "mallory-at-the-product", "victim@example.com", "Mallory", email_verified=False)


@pytest.fixture(scope="module")
def provider():
    with oidc_provider(redirect_uris=[CALLBACK], people=[ADA, GRACE, LINUS, MALLORY, IMPOSTOR]) as running:
        yield running


@pytest.fixture(autouse=True)
def company_login(settings, provider):
    app = company_oidc_app(provider.environment("Example Product"), link_by_email=True)
    settings.SOCIALACCOUNT_PROVIDERS = {"openid_connect": {"APPS": [app]}}


def log_in(client, person: Person):
    """Press "Log in with Example Product", sign in at the provider, come back."""
    start = client.post(LOGIN, {"process": "login"})
    assert start.status_code == 302, start.content.decode()[:2000]
    callback = sign_in_at_provider(start["Location"], person)
    assert callback.startswith(CALLBACK)
    return client.get(callback.removeprefix("http://testserver"))


def signed_in_user(client) -> User | None:
    user_id = client.session.get("_auth_user_id")
    return User.objects.get(pk=user_id) if user_id else None


def test_the_login_page_offers_the_company_login_by_its_name(client):
    page = client.get("/accounts/login/").content.decode()

    assert "Log in with Example Product" in page
    assert f'action="{LOGIN}"' in page


def test_login_starts_at_the_providers_authorization_endpoint_with_pkce(client, provider):
    start = client.post(LOGIN, {"process": "login"})

    target = urlsplit(start["Location"])
    query = parse_qs(target.query)
    assert f"{target.scheme}://{target.netloc}{target.path}" == f"{provider.issuer}/authorize/"
    assert query["client_id"] == [provider.client_id]
    assert query["redirect_uri"] == [CALLBACK]
    assert sorted(query["scope"][0].split()) == ["email", "openid", "profile"]
    assert query["code_challenge_method"] == ["S256"]
    assert query["code_challenge"][0]


def test_first_login_creates_the_member_from_the_providers_claims(client):
    landed = log_in(client, ADA)

    assert landed.status_code == 302
    assert landed["Location"] == "/"
    user = signed_in_user(client)
    assert user is not None
    assert (user.username, user.display_name, user.email) == ("ada", "Ada Lovelace", "ada@example.com")
    assert not user.has_usable_password()
    assert EmailAddress.objects.get(user=user).verified
    account = SocialAccount.objects.get(user=user)
    assert account.provider == COMPANY_OIDC_ID
    assert client.get("/").content.decode().count("Ada Lovelace") >= 1


def test_second_login_signs_into_the_same_account(client):
    log_in(client, ADA)
    first = signed_in_user(client)
    client.post("/accounts/logout/")
    assert signed_in_user(client) is None

    log_in(client, ADA)

    assert signed_in_user(client) == first
    assert User.objects.filter(email="ada@example.com").count() == 1
    assert SocialAccount.objects.filter(user=first).count() == 1


def test_a_member_whose_verified_email_matches_is_linked_not_duplicated(client):
    member = UserFactory(username="grace_h", email="grace@example.com")

    log_in(client, GRACE)

    assert signed_in_user(client) == member
    assert SocialAccount.objects.get(user=member).provider == COMPANY_OIDC_ID
    assert User.objects.filter(email__iexact="grace@example.com").count() == 1
    member.refresh_from_db()
    assert member.check_password(TEST_PASSWORD)  # their own password still works
    # Next time the link is used directly.
    client.post("/accounts/logout/")
    log_in(client, GRACE)
    assert signed_in_user(client) == member


def test_an_unverified_claim_never_takes_over_an_existing_account(client):
    victim = UserFactory(username="victim", email="victim@example.com")

    landed = log_in(client, MALLORY)

    assert signed_in_user(client) != victim
    assert not SocialAccount.objects.filter(user=victim).exists()
    # The address is taken, so allauth asks for another one on its sign-up form.
    assert landed.status_code == 302
    assert landed["Location"] == "/accounts/3rdparty/signup/"


def test_an_address_never_confirmed_here_is_not_linked(client):
    # Whoever typed grace's address into the sign-up form never proved it theirs.
    squatter = UserFactory(username="squatter", email="grace@example.com", verified_email=False)
    EmailAddress.objects.create(user=squatter, email="grace@example.com", verified=False, primary=True)

    log_in(client, GRACE)

    assert signed_in_user(client) != squatter
    assert not SocialAccount.objects.filter(user=squatter).exists()
    squatter.refresh_from_db()
    assert squatter.check_password(TEST_PASSWORD)


@pytest.mark.parametrize(
    ("taken", "person", "display_name"),
    [
        ("linus", LINUS, "Linus T"),
        # Looks like "morgan", and the name claims a role: a variant, and no display name
        # (shown by the username, never as "Morgan (moderator)").
        ("morgan", IMPOSTOR, ""),
    ],
)
def test_a_taken_or_look_alike_username_gets_a_variant(client, taken, person, display_name):
    UserFactory(username=taken, email="someone-else@example.com", display_name="Morgan")

    log_in(client, person)

    user = signed_in_user(client)
    assert user.email == person.email
    assert user.username.startswith(person.username) and user.username != person.username
    assert user.display_name == display_name


def test_with_company_sign_up_closed_no_account_is_created_but_members_still_log_in(client, settings):
    settings.COMMONPLACE_SSO_SIGNUP_OPEN = False
    member = UserFactory(username="grace_h", email="grace@example.com")

    refused = log_in(client, ADA)

    assert signed_in_user(client) is None
    assert not User.objects.filter(email="ada@example.com").exists()
    assert "New accounts cannot be created with the company login" in refused.content.decode()

    log_in(client, GRACE)
    assert signed_in_user(client) == member


def test_closing_local_sign_up_leaves_company_sign_up_open(client, settings):
    settings.COMMONPLACE_SIGNUP_OPEN = False

    log_in(client, ADA)

    assert signed_in_user(client).username == "ada"
