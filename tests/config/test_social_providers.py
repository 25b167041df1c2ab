"""Every provider allauth ships starts when named in SOCIAL_PROVIDERS, and its login sends the
visitor to the provider's authorization page.

One fresh interpreter loads config/settings.py with all of them named at once (dummy
credentials, the server settings the self-hosted ones need) and POSTs to each login URL, as the
login page's buttons do; see provider_probe.py. The list comes from allauth's own package, so a
provider added by an allauth upgrade is tested without anyone adding it here."""

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

import pytest

from config.social import COMPANY_PROVIDERS, shipped_providers, social_provider_ids
from tests.config.provider_probe import OAUTH1_TOKEN, probe_environment

ROOT = Path(__file__).resolve().parents[2]
PROVIDERS = social_provider_ids()
# Notion sends people back to the redirect URI registered with the integration, so its
# authorization URL carries none.
NO_REDIRECT_URI = {"notion"}
# Not OAuth: Draugiem and Telegram have their own sign-in pages, Steam is OpenID 2.
OWN_PROTOCOL = {"draugiem", "steam", "telegram"}


def run_settings(env: dict[str, str], code: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SOCIAL_", "COMMONPLACE_"))}
    clean.update(
        DJANGO_SETTINGS_MODULE="config.settings", DATABASE_URL="sqlite://:memory:", REDIS_URL="", **env
    )
    return subprocess.run(
        [sys.executable, *code.split()], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120
    )


@pytest.fixture(scope="module")
def started() -> dict[str, dict]:
    result = run_settings(
        {**probe_environment(PROVIDERS), "DJANGO_ALLOWED_HOSTS": "testserver"},
        "-m tests.config.provider_probe",
    )
    assert result.returncode == 0, result.stderr[-5000:]
    return {probe["name"]: probe for probe in map(json.loads, result.stdout.splitlines())}


def test_the_list_is_allauths_own_less_the_company_logins_and_the_test_double():
    shipped = shipped_providers()

    assert len(PROVIDERS) > 100
    assert {"github", "google", "gitlab", "microsoft", "apple", "twitter", "steam"} <= set(PROVIDERS)
    assert "dummy" not in shipped  # lets anyone sign in as anyone: never offered
    assert set(COMPANY_PROVIDERS) <= set(shipped)
    assert not set(COMPANY_PROVIDERS) & set(PROVIDERS)


def test_every_provider_starts_in_one_process(started):
    assert sorted(started) == PROVIDERS


@pytest.mark.parametrize("name", PROVIDERS)
def test_login_redirects_to_the_providers_authorization_page(started, name):
    probe = started[name]
    assert "error" not in probe, probe["error"]
    assert probe["escaped"] == [], "the login tried to reach the network"
    location = probe["location"]

    if name == "openid":
        # OpenID 1/2 asks the visitor for their OpenID address first.
        assert probe["status"] == 200
        assert 'name="openid"' in probe["page"] or "OpenID" in probe["page"]
        return
    assert probe["status"] == 302, probe["page"]
    target = urlsplit(location)
    assert target.scheme == "https"
    assert target.netloc and target.netloc != "testserver"
    query = dict(parse_qsl(target.query))

    if name in OWN_PROTOCOL:
        assert probe["kind"] == "other"
        assert "testserver" in unquote(location)  # the provider is told where to send them back
        return
    expected = urlsplit(probe["authorize_url"])
    assert (target.scheme, target.netloc, target.path) == (expected.scheme, expected.netloc, expected.path)
    if probe["kind"] == "oauth1":
        # OAuth 1 first asks the provider for a request token (answered by the probe), then
        # sends the visitor to authorize it.
        assert probe["sent"], "no request token was asked for"
        assert OAUTH1_TOKEN in query.values()  # oauth_token; Pocket calls it request_token
        return
    assert probe["kind"] == "oauth2"
    assert f"probe-{name}" in query.values()  # the client id, whatever the provider calls it
    assert query.get("state")
    if name not in NO_REDIRECT_URI:
        assert any(urlsplit(value).path == probe["callback_path"] for value in query.values())
    assert probe["sent"] == [], "an OAuth 2 login starts without calling the provider"


def test_an_unknown_provider_stops_the_start_with_the_valid_ids():
    result = run_settings({"SOCIAL_PROVIDERS": "github,githb"}, "manage.py check")

    assert result.returncode != 0
    assert "ModuleNotFoundError" not in result.stderr
    message = result.stderr.strip().splitlines()[-1]
    assert (
        "SOCIAL_PROVIDERS names 'githb', which is not an allauth provider (did you mean 'github'?)" in message
    )
    assert "Valid ids: agave, amazon," in message
    assert ", zoom." in message


@pytest.mark.parametrize("name", ["dummy", "openid_connect", "saml"])
def test_the_test_double_and_the_company_logins_cannot_be_named(name):
    result = run_settings({"SOCIAL_PROVIDERS": name}, "manage.py check")

    assert result.returncode != 0
    message = result.stderr.strip().splitlines()[-1]
    assert f"SOCIAL_PROVIDERS names {name!r}" in message
    if name != "dummy":
        assert "COMMONPLACE_" in message


def test_provider_settings_and_credentials_come_from_social_variables():
    from config.social import social_providers

    apps, providers = social_providers(
        ["gitlab", "twitter", "twitter_oauth2", "fivehundredpx"],
        {
            "SOCIAL_GITLAB_CLIENT_ID": "gl-id",
            "SOCIAL_GITLAB_SECRET": "gl-secret",
            "SOCIAL_GITLAB_GITLAB_URL": "https://git.example.com",
            "SOCIAL_GITLAB_SCOPE": '["read_user", "openid"]',
            "SOCIAL_TWITTER_CLIENT_ID": "tw1",
            "SOCIAL_TWITTER_OAUTH2_CLIENT_ID": "tw2",
            "SOCIAL_FIVEHUNDREDPX_CLIENT_ID": "px",
            "SOCIAL_TWITTER_OAUTH2_SETTINGS": '{"oauth_pkce_enabled": true}',
            "SOCIAL_GITHUB_CLIENT_ID": "not named, not read",
        },
    )

    assert apps == [
        f"allauth.socialaccount.providers.{name}"
        for name in ["gitlab", "twitter", "twitter_oauth2", "fivehundredpx"]
    ]
    assert providers["gitlab"] == {
        "APPS": [{"client_id": "gl-id", "secret": "gl-secret", "key": ""}],
        "GITLAB_URL": "https://git.example.com",
        "SCOPE": ["read_user", "openid"],
    }
    assert providers["twitter"]["APPS"][0]["client_id"] == "tw1"
    assert "OAUTH2_CLIENT_ID" not in providers["twitter"]
    assert providers["twitter_oauth2"]["APPS"][0]["client_id"] == "tw2"
    assert providers["twitter_oauth2"]["APPS"][0]["settings"] == {"oauth_pkce_enabled": True}
    # Keyed by the id allauth's class registers, which differs from the package for 500px.
    assert providers["500px"]["APPS"][0]["client_id"] == "px"
    assert "github" not in providers


def test_github_and_google_start_the_server():
    # The report: with these two set, the server did not start (no `requests`).
    result = run_settings(
        {
            "SOCIAL_PROVIDERS": "github,google",
            "SOCIAL_GITHUB_CLIENT_ID": "id",
            "SOCIAL_GOOGLE_CLIENT_ID": "id",
        },
        "manage.py check",
    )

    assert result.returncode == 0, result.stderr
