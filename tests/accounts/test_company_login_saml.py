"""Company login with SAML 2.0, end to end against a real identity provider process on loopback
(tests/saml_idp.py: its own key and certificate, a signed assertion): the AuthnRequest, the
person signing in at the IdP, the signed Response posted back to the assertion consumer service,
its signature and conditions checked by python3-saml, the account created or linked.

The site is the test client; the person at the IdP is a requests session."""

import base64
import zlib
from urllib.parse import parse_qs, urljoin, urlsplit
from xml.etree import ElementTree

import pytest
import requests
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.test import Client

from accounts.models import User
from config.social import COMPANY_SAML_SLUG, company_saml_app
from tests.factories import UserFactory
from tests.loopback import Person, first_form
from tests.saml_idp import saml_idp

pytestmark = pytest.mark.django_db

# python3-saml refuses single-label host names such as the test client's "testserver".
HOST = "localhost"
LOGIN = f"/accounts/saml/{COMPANY_SAML_SLUG}/login/"
ACS = f"http://{HOST}/accounts/saml/{COMPANY_SAML_SLUG}/acs/"
ADA = Person("ada", "ada-at-the-product-1", "ada@example.com", "Ada Lovelace")
GRACE = Person("grace", "grace-at-the-product-1", "grace@example.com", "Grace Hopper")


@pytest.fixture(scope="module")
def idp():
    with saml_idp([ADA, GRACE]) as running:
        yield running


@pytest.fixture
def site():
    return Client(HTTP_HOST=HOST)


@pytest.fixture
def configure(settings, idp):
    def apply(*, metadata: bool = False, trust_email: bool = True) -> None:
        app = company_saml_app(
            idp.environment("Example Product", metadata=metadata), link_by_email=True, trust_email=trust_email
        )
        settings.SOCIALACCOUNT_PROVIDERS = {"saml": {"APPS": [app]}}

    apply()
    return apply


def sign_in_at_idp(site, person: Person, *, tamper=None):
    """Press "Log in with Example Product", sign in at the IdP, post its answer back."""
    start = site.post(LOGIN, {"process": "login"})
    assert start.status_code == 302, start.content.decode()[:2000]
    browser = requests.Session()
    page = browser.get(start["Location"], timeout=10)
    sign_in = first_form(page.text)
    answer = browser.post(
        urljoin(page.url, sign_in.action),
        data={**sign_in.fields, "username": person.username, "password": person.password},
        timeout=10,
    )
    post_back = first_form(answer.text)
    assert post_back.action == ACS
    fields = post_back.fields
    if tamper:
        xml = base64.b64decode(fields["SAMLResponse"]).decode()
        fields = {**fields, "SAMLResponse": base64.b64encode(tamper(xml).encode()).decode()}
    received = site.post(urlsplit(ACS).path, fields)
    assert received.status_code == 302  # allauth's ACS keeps the post, then finishes
    return site.get(received["Location"])


def signed_in_user(site) -> User | None:
    user_id = site.session.get("_auth_user_id")
    return User.objects.get(pk=user_id) if user_id else None


def test_login_sends_a_valid_authn_request_to_the_idp(site, idp, configure):
    start = site.post(LOGIN, {"process": "login"})

    target = urlsplit(start["Location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == f"{idp.url}/sso"
    encoded = parse_qs(target.query)["SAMLRequest"][0]
    request = ElementTree.fromstring(zlib.decompress(base64.b64decode(encoded), -15))  # noqa: S314
    assert request.tag == "{urn:oasis:names:tc:SAML:2.0:protocol}AuthnRequest"
    assert request.attrib["AssertionConsumerServiceURL"] == ACS
    assert request.attrib["Destination"] == f"{idp.url}/sso"
    issuer = request.find("{urn:oasis:names:tc:SAML:2.0:assertion}Issuer").text
    assert issuer == f"http://{HOST}/accounts/saml/{COMPANY_SAML_SLUG}/metadata/"


def test_the_service_provider_metadata_is_published_for_the_idp(site, configure):
    page = site.get(f"/accounts/saml/{COMPANY_SAML_SLUG}/metadata/")

    assert page.status_code == 200
    body = page.content.decode()
    assert f'entityID="http://{HOST}/accounts/saml/{COMPANY_SAML_SLUG}/metadata/"' in body
    assert f'Location="{ACS}"' in body


@pytest.mark.parametrize("metadata", [False, True], ids=["certificate", "metadata-url"])
def test_first_login_creates_the_member_from_the_assertion(site, configure, metadata):
    configure(metadata=metadata)

    landed = sign_in_at_idp(site, ADA)

    assert landed.status_code == 302 and landed["Location"] == "/"
    user = signed_in_user(site)
    assert (user.username, user.display_name, user.email) == ("ada", "Ada Lovelace", "ada@example.com")
    assert EmailAddress.objects.get(user=user).verified
    assert SocialAccount.objects.get(user=user).uid == "ada"


def test_second_login_signs_into_the_same_account(site, configure):
    sign_in_at_idp(site, ADA)
    first = signed_in_user(site)
    site.post("/accounts/logout/")

    sign_in_at_idp(site, ADA)

    assert signed_in_user(site) == first
    assert User.objects.count() == 1


def test_a_trusted_idp_links_a_member_with_the_same_verified_email(site, configure):
    member = UserFactory(username="grace_h", email="grace@example.com")

    sign_in_at_idp(site, GRACE)

    assert signed_in_user(site) == member
    assert SocialAccount.objects.get(user=member).provider == "saml"


def test_an_idp_not_trusted_with_emails_never_takes_over_an_account(site, configure):
    configure(trust_email=False)
    member = UserFactory(username="grace_h", email="grace@example.com")

    sign_in_at_idp(site, GRACE)

    assert signed_in_user(site) != member
    assert not SocialAccount.objects.filter(user=member).exists()


def test_a_tampered_assertion_is_refused(site, configure):
    page = sign_in_at_idp(site, ADA, tamper=lambda xml: xml.replace("ada@example.com", "boss@example.com"))

    assert signed_in_user(site) is None
    assert not User.objects.exists()
    assert "Third-Party Login Failure" in page.content.decode()


def test_the_login_page_offers_the_saml_login_by_its_name(site, configure):
    page = site.get("/accounts/login/").content.decode()

    assert "Log in with Example Product" in page
    assert f'action="{LOGIN}"' in page
