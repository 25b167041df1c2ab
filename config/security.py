"""The browser-facing security headers (README, "Content-Security-Policy and headers").

- `ContentSecurityPolicyMiddleware`: django-csp's middleware, which sends the policy in
  settings.CONTENT_SECURITY_POLICY (or, with COMMONPLACE_CSP_REPORT_ONLY=1, as
  Content-Security-Policy-Report-Only), plus the login providers' origins in `form-action`.
- `SecurityHeadersMiddleware`: Permissions-Policy, Cross-Origin-Resource-Policy and the
  Reporting-Endpoints header that `report-to` names; Django's SecurityMiddleware sends the rest
  (Cross-Origin-Opener-Policy, Referrer-Policy, X-Content-Type-Options, HSTS).
- `csp_report`: where browsers send violations; logged, never stored.
"""

from __future__ import annotations

import json
import logging
import re
import time
from urllib.parse import urlsplit

from allauth.core import context
from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.core.cache import cache
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from rest_framework.throttling import BaseThrottle

logger = logging.getLogger("commonplace.csp")

# The group `report-to` names, and the address both it and `report-uri` send reports to.
REPORT_GROUP = "csp"
REPORT_PATH = "/csp-report/"

# A sensible deny list: nothing on the site uses a camera, a microphone, a location, payments,
# sensors or devices, so no page (and no frame) may ask for them. Only features Chromium knows:
# an unknown name is an error in the console of every page (interest-cohort, FLoC's, was
# withdrawn; browsing-topics is what followed it).
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "autoplay",
        "browsing-topics",
        "camera",
        "display-capture",
        "encrypted-media",
        "geolocation",
        "gyroscope",
        "hid",
        "idle-detection",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "picture-in-picture",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
)


class SecurityHeadersMiddleware:
    """Headers for every response, static files included (it sits before WhiteNoise). A view that
    sets one of them itself keeps its own: the logo says `cross-origin`, so webmail and link
    previews may show it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        if "Content-Security-Policy" in response or "Content-Security-Policy-Report-Only" in response:
            response.headers.setdefault("Reporting-Endpoints", f'{REPORT_GROUP}="{REPORT_PATH}"')
        return response


# --- form-action and the login providers ------------------------------------------------------

# Chromium applies form-action to the redirects that follow a form's submission: "Log in with
# <provider>" posts to us and we answer 302 to the provider, so its origin must be allowed.
_login_origins: tuple[str, ...] | None = None
_OPENID_CONNECT, _SAML = "openid_connect", "saml"


@receiver(setting_changed)
def _forget_login_origins(setting, **kwargs) -> None:
    global _login_origins
    if setting in {"SOCIALACCOUNT_PROVIDERS", "INSTALLED_APPS"}:
        _login_origins = None


def _origin(url: object) -> str | None:
    if not isinstance(url, str):
        return None
    parts = urlsplit(url.strip())
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        return None
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"


def _configured_urls(value: object, key: str = ""):
    """Every setting named *url (server_url, sso_url, metadata_url, GITLAB_URL, login_url, ...)
    in a provider's configuration: the servers an operator told a login to go to."""
    if isinstance(value, dict):
        for name, inner in value.items():
            yield from _configured_urls(inner, str(name))
    elif isinstance(value, list | tuple):
        for inner in value:
            yield from _configured_urls(inner, key)
    elif key.lower().endswith("url"):
        yield value


def _authorize_url(provider_id: str, request: HttpRequest) -> object:
    """The provider's own authorisation address, as allauth would redirect to it. OpenID Connect's
    is read from its server's discovery document, a request: its server_url stands for it."""
    from allauth.socialaccount.providers import registry

    provider_class = registry.get_class(provider_id)
    adapter_class = getattr(provider_class, "oauth2_adapter_class", None) or getattr(
        provider_class, "oauth_adapter_class", None
    )
    if adapter_class is None or provider_id in {_OPENID_CONNECT, _SAML}:
        return None
    try:
        with context.request_context(request):
            return adapter_class(request).authorize_url
    except Exception:  # one needing what only a login has (Shopify's shop): COMMONPLACE_CSP_FORM_ACTION
        logger.debug("No authorisation address for %s outside a login", provider_id, exc_info=True)
        return None


def login_origins(request: HttpRequest) -> tuple[str, ...]:
    """The origins of every configured social and company login's server, worked out from the
    settings on the first request (and again when tests change them)."""
    global _login_origins
    if _login_origins is None:
        found = set()
        for provider_id, configuration in settings.SOCIALACCOUNT_PROVIDERS.items():
            found.update(map(_origin, _configured_urls(configuration)))
            found.add(_origin(_authorize_url(provider_id, request)))
        _login_origins = tuple(sorted(origin for origin in found if origin))
    return _login_origins


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, with the login providers' origins added to form-action."""

    def get_policy_parts(self, request, response, report_only: bool = False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        origins = login_origins(request)
        if origins:
            update = dict(parts.update or {})
            update["form-action"] = [*update.get("form-action", ()), *origins]
            parts.update = update
        return parts


# --- the report endpoint ----------------------------------------------------------------------

MAX_REPORT_BYTES = 16 * 1024
MAX_REPORTS_PER_REQUEST = 10
# Requests per minute from one address, and from everyone: past them reports are dropped, so a
# page that violates on every load, or someone posting junk, cannot flood the logs.
REPORTS_PER_ADDRESS = 30
REPORTS_IN_ALL = 600
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f]")


def _within(bucket: str, limit: int) -> bool:
    key = f"csp-report:{bucket}:{int(time.time() // 60)}"
    cache.add(key, 0, 120)
    try:
        return cache.incr(key) <= limit
    except ValueError:  # expired between add and incr
        cache.set(key, 1, 120)
        return True


def _field(report: dict, *names: str) -> str:
    for name in names:
        value = report.get(name)
        if value not in (None, ""):
            return _UNPRINTABLE.sub(" ", str(value))[:300]
    return "-"


def _violations(payload: object) -> list[dict]:
    """report-uri sends {"csp-report": {...}}; report-to sends a list of reports of any type."""
    if isinstance(payload, dict) and isinstance(payload.get("csp-report"), dict):
        return [payload["csp-report"]]
    if isinstance(payload, list):
        return [
            item["body"]
            for item in payload
            if isinstance(item, dict)
            and item.get("type") == "csp-violation"
            and isinstance(item.get("body"), dict)
        ]
    return []


@csrf_exempt  # browsers send reports without a token; nothing is written but a log line
@require_POST
def csp_report(request: HttpRequest) -> HttpResponse:
    """Log each violation a browser reports (one line each on the commonplace.csp logger).

    Past the budget a report is dropped without a word (204, as if taken: the browser would do
    nothing else with a 429, and Django would log each refusal, the very flood being bounded).
    """
    address = BaseThrottle().get_ident(request)
    if not (_within(f"address:{address}", REPORTS_PER_ADDRESS) and _within("all", REPORTS_IN_ALL)):
        return HttpResponse(status=204)
    body = request.read(MAX_REPORT_BYTES + 1)
    if len(body) > MAX_REPORT_BYTES:
        return HttpResponse(status=413)
    try:
        violations = _violations(json.loads(body))
    except ValueError:
        return HttpResponse("A report must be JSON.", status=400, content_type="text/plain")
    for report in violations[:MAX_REPORTS_PER_REQUEST]:
        logger.warning(
            "Content-Security-Policy violation: %s blocked %s on %s (%s line %s: %s)",
            _field(report, "effectiveDirective", "effective-directive", "violated-directive"),
            _field(report, "blockedURL", "blocked-uri"),
            _field(report, "documentURL", "document-uri"),
            _field(report, "sourceFile", "source-file"),
            _field(report, "lineNumber", "line-number"),
            _field(report, "sample", "script-sample"),
        )
    return HttpResponse(status=204)
