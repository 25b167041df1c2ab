"""Social and company login, read from the environment by config/settings.py.

Settings import this before Django is set up, so it reads allauth's package from disk and
imports nothing from Django's apps. Three sources, each producing allauth's own configuration
(INSTALLED_APPS entries and SOCIALACCOUNT_PROVIDERS), so no admin rows are ever needed:

- SOCIAL_PROVIDERS: allauth provider ids (github, google, gitlab, ...), each with
  SOCIAL_<ID>_CLIENT_ID, SOCIAL_<ID>_SECRET, SOCIAL_<ID>_KEY, and any of the provider's own
  settings as SOCIAL_<ID>_<SETTING> (SOCIAL_GITLAB_GITLAB_URL, SOCIAL_OKTA_OKTA_BASE_URL, ...).
- COMMONPLACE_OIDC_*: the company's OpenID Connect server ("Log in with <product> account").
- COMMONPLACE_SAML_*: the company's SAML identity provider.
"""

from __future__ import annotations

import difflib
import importlib.util
import json
import re
from collections.abc import Mapping
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

PROVIDERS_PACKAGE = "allauth.socialaccount.providers"
# Folders of allauth's providers package that are not providers people may name: shared base
# code, and "dummy", a test double whose login form lets anyone sign in as anyone.
NOT_PROVIDERS = frozenset({"base", "oauth", "oauth2", "dummy"})
# Configured by their own variables, because they need a server rather than a client id alone.
COMPANY_PROVIDERS = {"openid_connect": "COMMONPLACE_OIDC_*", "saml": "COMMONPLACE_SAML_*"}
# The values allauth keeps on the app itself (and SOCIAL_<ID>_SETTINGS, the app's settings as a
# JSON object); every other SOCIAL_<ID>_<NAME> is a provider setting.
APP_FIELDS = {"CLIENT_ID": "client_id", "SECRET": "secret", "KEY": "key"}

# The company logins' fixed ids: the callback and metadata URLs an operator registers at the
# identity provider are built from them (see README, "Company login").
COMPANY_OIDC_ID = "company"
COMPANY_SAML_SLUG = "company"

# SAML attribute names the common identity providers (Entra ID, Okta, Keycloak, Google, ADFS)
# send, by what allauth makes of them. Overridable with COMMONPLACE_SAML_ATTRIBUTE_MAPPING.
SAML_ATTRIBUTE_MAPPING = {
    "uid": ["urn:oasis:names:tc:SAML:attribute:subject-id"],
    "email": [
        "urn:oid:0.9.2342.19200300.100.1.3",
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
        "email",
        "mail",
    ],
    "email_verified": ["email_verified", "http://schemas.auth0.com/email_verified"],
    "username": [
        "urn:oid:0.9.2342.19200300.100.1.1",
        "preferred_username",
        "username",
        "http://schemas.auth0.com/nickname",
    ],
    "name": [
        "urn:oid:2.16.840.1.113730.3.1.241",
        "http://schemas.microsoft.com/identity/claims/displayname",
        "displayName",
        "name",
    ],
    "first_name": [
        "urn:oid:2.5.4.42",
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname",
        "givenName",
    ],
    "last_name": [
        "urn:oid:2.5.4.4",
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname",
        "sn",
    ],
}


def shipped_providers() -> dict[str, str]:
    """Every provider the installed allauth ships: its package name (what SOCIAL_PROVIDERS and the
    SOCIAL_<ID>_ variables use) and the id its class registers (what SOCIALACCOUNT_PROVIDERS is
    keyed by). They differ for two ("daum" is "Daum", "fivehundredpx" is "500px"). Read from the
    package's files, since settings cannot import provider modules before Django is set up."""
    spec = importlib.util.find_spec(PROVIDERS_PACKAGE)
    assert spec and spec.submodule_search_locations  # allauth is a requirement
    found = {}
    for folder in map(Path, spec.submodule_search_locations):
        for path in sorted(folder.iterdir()):
            module = path / "provider.py"
            if module.is_file() and path.name not in NOT_PROVIDERS:
                declared = re.search(r"""^\s+id\s*=\s*["']([^"']+)["']""", module.read_text(), re.MULTILINE)
                found[path.name] = declared.group(1) if declared else path.name
    return found


def social_provider_ids() -> list[str]:
    """The names SOCIAL_PROVIDERS accepts: allauth's provider packages."""
    return [name for name in shipped_providers() if name not in COMPANY_PROVIDERS]


def _setting_value(raw: str):
    # Lists, objects and booleans (SCOPE, AUTH_PARAMS, VERIFIED_EMAIL) are written as JSON;
    # anything else, tenant ids and URLs included, stays the string it is.
    text = raw.strip()
    if text[:1] in ("[", "{") or text in ("true", "false"):
        try:
            return json.loads(text)
        except ValueError as exc:
            raise ImproperlyConfigured(f"Could not read {raw!r} as JSON: {exc}") from exc
    return text


def _unknown(name: str, valid: list[str]) -> ImproperlyConfigured:
    hint = difflib.get_close_matches(name, valid, n=1)
    company = COMPANY_PROVIDERS.get(name)
    if company:
        return ImproperlyConfigured(
            f"SOCIAL_PROVIDERS names {name!r}: the company's {name} login is configured with "
            f"{company} instead (see README, 'Company login')."
        )
    return ImproperlyConfigured(
        f"SOCIAL_PROVIDERS names {name!r}, which is not an allauth provider"
        + (f" (did you mean {hint[0]!r}?)" if hint else "")
        + f". Valid ids: {', '.join(valid)}."
    )


def social_providers(names: list[str], environ: Mapping[str, str]) -> tuple[list[str], dict[str, dict]]:
    """The INSTALLED_APPS entries and SOCIALACCOUNT_PROVIDERS for SOCIAL_PROVIDERS, whose
    credentials and settings come from SOCIAL_<NAME>_*."""
    shipped = shipped_providers()
    valid = [name for name in shipped if name not in COMPANY_PROVIDERS]
    for name in names:
        if name not in valid:
            raise _unknown(name, valid)
    # SOCIAL_TWITTER_OAUTH2_SECRET belongs to twitter_oauth2, not to twitter: each variable goes
    # to the longest provider name that prefixes it.
    prefixes = sorted(((f"SOCIAL_{name.upper()}_", name) for name in valid), key=lambda p: -len(p[0]))
    configured: dict[str, dict] = {
        name: {"APPS": [{"client_id": "", "secret": "", "key": ""}]} for name in names
    }
    for variable, raw in environ.items():
        owner = next(((prefix, name) for prefix, name in prefixes if variable.startswith(prefix)), None)
        if owner is None or owner[1] not in configured:
            continue
        setting = variable.removeprefix(owner[0])
        provider = configured[owner[1]]
        if setting in APP_FIELDS:
            provider["APPS"][0][APP_FIELDS[setting]] = raw.strip()
        elif setting == "SETTINGS":
            # The app's own settings, a JSON object (Apple's certificate_key, for one).
            app_settings = _setting_value(raw)
            if not isinstance(app_settings, dict):
                raise ImproperlyConfigured(f"{variable} must be a JSON object.")
            provider["APPS"][0]["settings"] = app_settings
        elif setting:
            provider[setting] = _setting_value(raw)
    apps = [f"{PROVIDERS_PACKAGE}.{name}" for name in names]
    return apps, {shipped[name]: provider for name, provider in configured.items()}


def _required(environ: Mapping[str, str], name: str, because: str) -> str:
    value = environ.get(name, "").strip()
    if not value:
        raise ImproperlyConfigured(f"{name} is not set, and {because} needs it.")
    return value


def company_oidc_app(environ: Mapping[str, str], *, link_by_email: bool) -> dict | None:
    """allauth's openid_connect app for COMMONPLACE_OIDC_SERVER_URL, or None when it is unset."""
    server_url = environ.get("COMMONPLACE_OIDC_SERVER_URL", "").strip().rstrip("/")
    if not server_url:
        return None
    because = "COMMONPLACE_OIDC_SERVER_URL"
    return {
        "provider_id": COMPANY_OIDC_ID,
        "name": environ.get("COMMONPLACE_OIDC_NAME", "").strip() or "your company account",
        "client_id": _required(environ, "COMMONPLACE_OIDC_CLIENT_ID", because),
        "secret": environ.get("COMMONPLACE_OIDC_SECRET", "").strip(),
        "settings": {
            # The issuer; allauth reads <server_url>/.well-known/openid-configuration.
            "server_url": server_url,
            "oauth_pkce_enabled": True,
            "email_authentication": link_by_email,
        },
    }


def _certificate(raw: str) -> str:
    """A PEM certificate given inline, or the path of a file holding one."""
    value = raw.strip()
    if value and "-----BEGIN" not in value and Path(value).is_file():
        return Path(value).read_text()
    return value


def company_saml_app(environ: Mapping[str, str], *, link_by_email: bool, trust_email: bool) -> dict | None:
    """allauth's SAML app for COMMONPLACE_SAML_IDP_*, or None when no identity provider is set."""
    metadata_url = environ.get("COMMONPLACE_SAML_IDP_METADATA_URL", "").strip()
    sso_url = environ.get("COMMONPLACE_SAML_IDP_SSO_URL", "").strip()
    if not (metadata_url or sso_url):
        return None
    entity_id = _required(environ, "COMMONPLACE_SAML_IDP_ENTITY_ID", "a SAML identity provider")
    if metadata_url:
        idp = {"entity_id": entity_id, "metadata_url": metadata_url}
    else:
        certificate = _certificate(environ.get("COMMONPLACE_SAML_IDP_X509_CERT", ""))
        if not certificate:
            raise ImproperlyConfigured(
                "COMMONPLACE_SAML_IDP_X509_CERT is not set, and COMMONPLACE_SAML_IDP_SSO_URL needs "
                "it (or give COMMONPLACE_SAML_IDP_METADATA_URL instead)."
            )
        idp = {"entity_id": entity_id, "sso_url": sso_url, "x509cert": certificate}
    mapping_raw = environ.get("COMMONPLACE_SAML_ATTRIBUTE_MAPPING", "").strip()
    app_settings = {
        "idp": idp,
        "attribute_mapping": _setting_value(mapping_raw) if mapping_raw else SAML_ATTRIBUTE_MAPPING,
        # Only an identity provider that vouches for every address it sends (a company
        # directory) should be trusted with this: it lets its logins claim existing accounts.
        "verified_email": trust_email,
        "email_authentication": link_by_email,
    }
    sp_entity_id = environ.get("COMMONPLACE_SAML_SP_ENTITY_ID", "").strip()
    if sp_entity_id:
        app_settings["sp"] = {"entity_id": sp_entity_id}
    return {
        "name": environ.get("COMMONPLACE_SAML_NAME", "").strip() or "your company account",
        # The organisation slug in /accounts/saml/<slug>/...
        "client_id": COMPANY_SAML_SLUG,
        "settings": app_settings,
    }
