"""Start Commonplace with every provider allauth ships named in SOCIAL_PROVIDERS, and start each
one's login as a visitor would. Run in a fresh interpreter by test_social_providers.py, which
sets the environment (`probe_environment()`); prints one JSON object per provider.

Nothing leaves the machine: every HTTP request allauth makes is answered here, and recorded.
Only OAuth 1 providers make one to start a login (the request token); the answer is a
well-formed token, so the test can follow the redirect that carries it.
"""

from __future__ import annotations

import json
import os
import socket
import sys
from urllib.parse import urlencode, urlsplit

# Settings some providers need before their login can start: the server of a self-hosted or
# per-tenant service. The README's "Social login" lists them; a provider missing here that needs
# one shows up as a failed login start in the test.
PROVIDER_SETTINGS = {
    "amazon_cognito": {"DOMAIN": "https://probe.auth.eu-west-1.amazoncognito.com"},
    "auth0": {"AUTH0_URL": "https://probe.eu.auth0.com"},
    "edx": {"EDX_URL": "https://courses.probe.example"},
    # allauth has no default for Gumroad's address: https://gumroad.com
    "gumroad": {"GUMROAD_URL": "https://gumroad.com"},
    "gitea": {"GITEA_URL": "https://gitea.probe.example"},
    "gitlab": {"GITLAB_URL": "https://gitlab.probe.example"},
    "jupyterhub": {"API_URL": "https://hub.probe.example"},
    "lemonldap": {"LEMONLDAP_URL": "https://sso.probe.example"},
    "mailcow": {"SERVER": "https://mail.probe.example"},
    "netiq": {"NETIQ_URL": "https://netiq.probe.example"},
    "nextcloud": {"SERVER": "https://cloud.probe.example"},
    "okta": {"OKTA_BASE_URL": "probe.okta.example"},
    # Salesforce takes its instance's address as the app's key.
    "salesforce": {"KEY": "https://probe.my.salesforce.com"},
}
# Query parameters some logins need from the page that starts them.
LOGIN_QUERY = {"shopify": {"shop": "probe-shop.myshopify.com"}}
OAUTH1_TOKEN = "probe-request-token"


def probe_environment(provider_ids: list[str]) -> dict[str, str]:
    env = {"SOCIAL_PROVIDERS": ",".join(provider_ids)}
    for pid in provider_ids:
        prefix = f"SOCIAL_{pid.upper()}_"
        env[prefix + "CLIENT_ID"] = f"probe-{pid}"
        env[prefix + "SECRET"] = "probe-secret"
        env[prefix + "KEY"] = "probe-key"
        for name, value in PROVIDER_SETTINGS.get(pid, {}).items():
            env[prefix + name] = value
    return env


# What Steam's OpenID discovery finds: its login endpoint.
STEAM_XRDS = """<?xml version="1.0" encoding="UTF-8"?>
<xrds:XRDS xmlns:xrds="xri://$xrds" xmlns="xri://$xrd*($v*2.0)"><XRD><Service priority="0">
<Type>http://specs.openid.net/auth/2.0/server</Type><URI>https://steamcommunity.com/openid/login</URI>
</Service></XRD></xrds:XRDS>"""


class Loopback:
    """Answers every request allauth sends (through requests, or python3-openid's fetcher for
    Steam), without a network, and keeps a list of them. A socket that tries to connect anywhere
    else fails the probe instead of reaching out."""

    def __init__(self):
        self.sent: list[str] = []
        self.escaped: list[str] = []

    def install(self) -> None:
        import requests.adapters
        from openid import fetchers

        requests.adapters.HTTPAdapter.send = lambda adapter, request, **kw: self.answer(request)
        loopback = self

        class Fetcher(fetchers.HTTPFetcher):
            def fetch(self, url, body=None, headers=None):
                loopback.sent.append(f"{'POST' if body else 'GET'} {url}")
                return fetchers.HTTPResponse(
                    final_url=url,
                    status=200,
                    headers={"content-type": "application/xrds+xml"},
                    body=STEAM_XRDS,
                )

        fetchers.setDefaultFetcher(Fetcher(), wrap_exceptions=False)

        def refuse(sock, address):
            self.escaped.append(repr(address))
            raise ConnectionRefusedError(f"the provider probe reaches no network ({address!r})")

        socket.socket.connect = refuse
        socket.socket.connect_ex = refuse

    def answer(self, request):
        from requests.models import Response

        self.sent.append(f"{request.method} {request.url}")
        response = Response()
        response.status_code = 200
        response.url = request.url
        response.request = request
        if request.headers.get("X-Accept") == "application/json":
            # Pocket's request token
            response.headers["Content-Type"] = "application/json"
            response._content = json.dumps({"code": OAUTH1_TOKEN}).encode()
        else:
            # An OAuth 1 request token
            response.headers["Content-Type"] = "application/x-www-form-urlencoded"
            response._content = (
                f"oauth_token={OAUTH1_TOKEN}&oauth_token_secret=probe&oauth_callback_confirmed=true".encode()
            )
        return response


def kind_of(provider) -> str:
    from allauth.socialaccount.providers.oauth.provider import OAuthProvider
    from allauth.socialaccount.providers.oauth2.provider import OAuth2Provider

    if isinstance(provider, OAuth2Provider):
        return "oauth2"
    if isinstance(provider, OAuthProvider):
        return "oauth1"
    return "other"


def authorize_url(provider, request, kind: str) -> str | None:
    if kind == "oauth2":
        return provider.get_oauth2_adapter(request).authorize_url
    if kind == "oauth1":
        return (
            provider.get_auth_url(request, "authenticate")
            or provider.get_oauth_adapter(request).authorize_url
        )
    return None


def probe(name: str, provider_id: str, loopback: Loopback) -> dict:
    from allauth.socialaccount.adapter import get_adapter
    from django.test import Client, RequestFactory
    from django.urls import reverse

    request = RequestFactory().get("/", LOGIN_QUERY.get(name, {}))
    result: dict = {"name": name, "id": provider_id}
    try:
        provider = get_adapter().get_provider(request, provider_id)
        result["kind"] = kind_of(provider)
        result["label"] = provider.name
        login_url = provider.get_login_url(request)
        result["authorize_url"] = authorize_url(provider, request, result["kind"])
        result["callback_path"] = reverse(f"{provider_id}_callback") if result["kind"] != "other" else None
    except Exception as error:
        result["error"] = f"{type(error).__name__}: {error}"
        return result
    before = len(loopback.sent)
    query = LOGIN_QUERY.get(name)
    if query:
        login_url += "?" + urlencode(query)
    response = Client(raise_request_exception=False).post(login_url, {"process": "login"})
    result.update(
        login_url=login_url,
        status=response.status_code,
        location=response.get("Location", ""),
        sent=loopback.sent[before:],
        escaped=loopback.escaped[:],
        page=response.content.decode(errors="replace")[:300] if response.status_code != 302 else "",
    )
    return result


def main() -> None:
    import django

    django.setup()
    from django.core.management import call_command

    from config.social import shipped_providers, social_provider_ids

    call_command("migrate", verbosity=0)
    loopback = Loopback()
    loopback.install()
    ids = [pid for pid in os.environ["SOCIAL_PROVIDERS"].split(",") if pid]
    assert ids == social_provider_ids(), "the probe starts every provider SOCIAL_PROVIDERS accepts"
    shipped = shipped_providers()
    for name in ids:
        sys.stdout.write(json.dumps(probe(name, shipped[name], loopback)) + "\n")


def split(url: str) -> tuple[str, str, str]:
    parts = urlsplit(url)
    return parts.scheme, parts.netloc, parts.path


if __name__ == "__main__":
    main()
