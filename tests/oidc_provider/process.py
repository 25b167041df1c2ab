"""Start the test OpenID Connect provider (serve.py) for a test, on a free loopback port."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urljoin

import requests

from tests.loopback import Person, first_form, loopback_server


@dataclass(frozen=True)
class RunningProvider:
    url: str
    client_id: str
    secret: str

    @property
    def issuer(self) -> str:
        return f"{self.url}/o"

    def environment(self, name: str) -> dict[str, str]:
        """What an operator would set to use this provider as the company login."""
        return {
            "COMMONPLACE_OIDC_SERVER_URL": self.issuer,
            "COMMONPLACE_OIDC_CLIENT_ID": self.client_id,
            "COMMONPLACE_OIDC_SECRET": self.secret,
            "COMMONPLACE_OIDC_NAME": name,
        }


@contextmanager
def oidc_provider(
    *, redirect_uris: list[str], people: list[Person], skip_consent: bool = False
) -> Iterator[RunningProvider]:
    client_id, secret = "commonplace-" + secrets.token_hex(4), secrets.token_urlsafe(24)
    config = {
        "client_id": client_id,
        "secret": secret,
        "redirect_uris": redirect_uris,
        "skip_consent": skip_consent,
        "people": [vars(person) for person in people],
    }
    env = {
        "OIDC_PROVIDER_CONFIG": json.dumps(config),
        "OIDC_PROVIDER_SECRET_KEY": secrets.token_urlsafe(32),
    }
    with loopback_server("tests.oidc_provider.serve", env) as url:
        yield RunningProvider(url=url, client_id=client_id, secret=secret)


def sign_in_at_provider(authorize_url: str, person: Person, *, consent: bool = True) -> str:
    """Be the person at the provider, as a browser would: open the authorization URL, sign in,
    allow the site on the consent page, and return where the provider sends them back (the
    site's callback URL with the code and state)."""
    browser = requests.Session()
    page = browser.get(authorize_url, timeout=10)
    assert page.status_code == 200 and "Sign in to Example Product" in page.text, page.text[:2000]
    login = first_form(page.text)
    answer = browser.post(
        urljoin(page.url, login.action),
        data={**login.fields, "username": person.username, "password": person.password},
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code == 302, answer.text[:2000]
    answer = browser.get(urljoin(page.url, answer.headers["Location"]), allow_redirects=False, timeout=10)
    if answer.status_code == 200:  # the consent page
        assert consent, "the provider asked for consent"
        allow = first_form(answer.text)
        answer = browser.post(
            answer.url, data={**allow.fields, "allow": "Authorize"}, allow_redirects=False, timeout=10
        )
    assert answer.status_code == 302, answer.text[:2000]
    return answer.headers["Location"]
