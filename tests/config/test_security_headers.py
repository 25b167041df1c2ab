"""The Content-Security-Policy and the other security headers (config/security.py), on pages, the
API and files; the report-only switch; the endpoint browsers report violations to."""

import json
import logging
import re
from pathlib import Path

import pytest
from django.test import Client

from branding.selectors import current
from config import security
from tests.branding.conftest import LOGO
from tests.branding.conftest import brand_site as brand_site
from tests.config.test_settings import STRONG_KEY, run

REPORT = "/csp-report/"


def policy(header: str) -> dict[str, list[str]]:
    directives = (part.split() for part in header.split(";") if part.strip())
    return {name: values for name, *values in directives}


# --- The policy --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_pages_get_the_strict_policy(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        response = client.get("/")

    assert response.status_code == 200
    assert "Content-Security-Policy-Report-Only" not in response
    assert policy(response["Content-Security-Policy"]) == {
        "default-src": ["'self'"],
        "script-src": ["'self'", "'report-sample'"],
        "style-src": ["'self'", "'report-sample'"],
        "img-src": ["'self'"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "report-uri": [REPORT],
        "report-to": [security.REPORT_GROUP],
    }
    assert response["Reporting-Endpoints"] == f'{security.REPORT_GROUP}="{REPORT}"'


@pytest.mark.django_db
def test_pages_and_api_answers_get_the_other_security_headers(client):
    for url in ("/", "/questions/?sort=newest", "/api/v1/questions/", "/no-such-page/"):
        response = client.get(url)
        assert "'unsafe-inline'" not in response["Content-Security-Policy"], url
        assert "'unsafe-eval'" not in response["Content-Security-Policy"], url
        permissions = dict(item.split("=") for item in response["Permissions-Policy"].split(", "))
        for feature in ("camera", "microphone", "geolocation", "payment", "usb", "browsing-topics"):
            assert permissions[feature] == "()", (url, feature)
        assert response["Cross-Origin-Opener-Policy"] == "same-origin", url
        assert response["Cross-Origin-Resource-Policy"] == "same-origin", url
        assert response["Referrer-Policy"] == "same-origin", url
        assert response["X-Content-Type-Options"] == "nosniff", url
        assert response["X-Frame-Options"] == "DENY", url


def test_static_files_are_not_for_other_sites_either(client, settings):
    settings.WHITENOISE_USE_FINDERS = True  # tests collect no static files: serve them from source
    settings.WHITENOISE_AUTOREFRESH = True
    response = client.get("/static/css/site.css")

    assert response.status_code == 200
    assert response["Cross-Origin-Resource-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]


@pytest.mark.django_db
def test_the_logo_may_be_shown_by_webmail_and_link_previews(client, brand_site):
    brand_site(logo=LOGO)
    brand = current()
    response = client.get(brand.logo_url)
    assert response.status_code == 200
    assert response["Cross-Origin-Resource-Policy"] == "cross-origin"
    # Its own policy, stricter than the pages': an image, never a document.
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"

    revalidated = client.get(brand.logo_url, HTTP_IF_NONE_MATCH=f'"{brand.logo_sha256}"')
    assert revalidated.status_code == 304
    assert revalidated["Cross-Origin-Resource-Policy"] == "cross-origin"


@pytest.mark.django_db
def test_only_the_api_docs_allow_data_images_for_swagger_uis_icons(client):
    docs = policy(client.get("/api/v1/docs/")["Content-Security-Policy"])
    assert docs["img-src"] == ["'self'", "data:"]
    assert docs["script-src"] == ["'self'", "'report-sample'"]
    assert docs["style-src"] == ["'self'", "'report-sample'"]
    assert "data:" not in client.get("/")["Content-Security-Policy"]


@pytest.mark.django_db
def test_login_forms_may_go_on_to_the_configured_login_providers(client, settings):
    """Chromium checks form-action on the redirect after "Log in with ..." is submitted."""
    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {
            "APPS": [
                {"provider_id": "company", "settings": {"server_url": "https://id.example.com/realms/help"}}
            ]
        },
        "saml": {
            "APPS": [
                {
                    "client_id": "company",
                    "settings": {
                        "idp": {"entity_id": "urn:idp", "sso_url": "https://sso.example.net:8443/saml/sso"},
                        "attribute_mapping": {"email": ["http://schemas.example.org/claims/email"]},
                    },
                }
            ]
        },
        "gitlab": {"GITLAB_URL": "https://gitlab.example.org"},
    }

    form_action = policy(client.get("/accounts/login/")["Content-Security-Policy"])["form-action"]

    assert form_action == [
        "'self'",
        "https://gitlab.example.org",
        "https://id.example.com",
        "https://sso.example.net:8443",
    ]


@pytest.mark.django_db
def test_the_docs_policy_follows_the_report_only_switch(client, settings):
    settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = settings.CONTENT_SECURITY_POLICY
    settings.CONTENT_SECURITY_POLICY = None

    response = client.get("/api/v1/docs/")

    assert "Content-Security-Policy" not in response
    assert policy(response["Content-Security-Policy-Report-Only"])["img-src"] == ["'self'", "data:"]


HEADERS_PROBE = """
import json, django
django.setup()
from django.test import Client
response = Client().get("/healthz", secure=True)
print(json.dumps(dict(response.headers)))
"""


@pytest.mark.parametrize(
    ("switch", "sent", "not_sent"),
    [
        ("1", "Content-Security-Policy-Report-Only", "Content-Security-Policy"),
        ("0", "Content-Security-Policy", "Content-Security-Policy-Report-Only"),
    ],
)
def test_operators_can_switch_the_policy_to_report_only(tmp_path, switch, sent, not_sent):
    result = run(
        HEADERS_PROBE,
        {
            "COMMONPLACE_CSP_REPORT_ONLY": switch,
            "COMMONPLACE_VAR_DIR": str(tmp_path),
            "DJANGO_ALLOWED_HOSTS": "testserver",
        },
    )

    assert result.returncode == 0, result.stderr
    headers = json.loads(result.stdout.strip().splitlines()[-1])
    assert "script-src 'self'" in headers[sent]
    assert not_sent not in headers
    assert headers["Reporting-Endpoints"] == 'csp="/csp-report/"'


def test_production_enforces_the_policy_with_hsts(tmp_path):
    result = run(
        HEADERS_PROBE,
        {
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": STRONG_KEY,
            "COMMONPLACE_VAR_DIR": str(tmp_path),
            "DJANGO_ALLOWED_HOSTS": "testserver",
        },
    )

    assert result.returncode == 0, result.stderr
    headers = json.loads(result.stdout.strip().splitlines()[-1])
    assert policy(headers["Content-Security-Policy"])["script-src"] == ["'self'", "'report-sample'"]
    assert "Content-Security-Policy-Report-Only" not in headers
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"


def test_extra_form_action_origins_must_be_origins(tmp_path):
    result = run(
        HEADERS_PROBE,
        {
            "COMMONPLACE_CSP_FORM_ACTION": "https://ok.example.com,'unsafe-inline'",
            "COMMONPLACE_VAR_DIR": str(tmp_path),
        },
    )

    assert result.returncode != 0
    assert "COMMONPLACE_CSP_FORM_ACTION takes origins such as https://login.example.com" in result.stderr


# --- Where violations are reported -------------------------------------------------------------

REPORT_URI_BODY = {
    "csp-report": {
        "document-uri": "https://help.example.com/questions/1/router/",
        "violated-directive": "script-src-elem",
        "effective-directive": "script-src-elem",
        "blocked-uri": "inline",
        "source-file": "https://help.example.com/questions/1/router/",
        "line-number": 12,
        "script-sample": "alert(1)",
    }
}
REPORT_TO_BODY = [
    {
        "type": "csp-violation",
        "url": "https://help.example.com/",
        "body": {
            "documentURL": "https://help.example.com/",
            "effectiveDirective": "img-src",
            "blockedURL": "https://tracker.example.net/pixel.gif",
            "sourceFile": "https://help.example.com/static/js/x.js",
            "lineNumber": 3,
        },
    },
    {"type": "deprecation", "url": "https://help.example.com/", "body": {"id": "x"}},
]


def send(client, body, content_type="application/csp-report", **extra):
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(REPORT, data=data, content_type=content_type, **extra)


@pytest.mark.django_db
def test_a_report_uri_report_is_logged_in_one_line_and_written_nowhere(caplog, django_assert_num_queries):
    client = Client(enforce_csrf_checks=True)  # browsers send no CSRF token
    with caplog.at_level(logging.WARNING, logger="commonplace.csp"), django_assert_num_queries(0):
        response = send(client, REPORT_URI_BODY)

    assert response.status_code == 204
    (record,) = caplog.records
    assert record.getMessage() == (
        "Content-Security-Policy violation: script-src-elem blocked inline on "
        "https://help.example.com/questions/1/router/ "
        "(https://help.example.com/questions/1/router/ line 12: alert(1))"
    )


def test_a_reporting_api_batch_logs_its_csp_violations_only(client, caplog):
    with caplog.at_level(logging.WARNING, logger="commonplace.csp"):
        response = send(client, REPORT_TO_BODY, content_type="application/reports+json")

    assert response.status_code == 204
    (record,) = caplog.records
    assert (
        "img-src blocked https://tracker.example.net/pixel.gif on https://help.example.com/"
        in record.getMessage()
    )


def test_what_a_report_says_cannot_forge_log_lines(client, caplog):
    forged = {
        "csp-report": {**REPORT_URI_BODY["csp-report"], "blocked-uri": "x\n2026 ERROR forged" + "y" * 1000}
    }
    with caplog.at_level(logging.WARNING, logger="commonplace.csp"):
        send(client, forged)

    (record,) = caplog.records
    message = record.getMessage()
    assert "\n" not in message
    assert "x 2026 ERROR forged" in message
    assert len(message) < 1000


def test_bad_reports_are_refused(client, caplog):
    with caplog.at_level(logging.WARNING, logger="commonplace.csp"):
        assert send(client, "not json").status_code == 400
        assert send(client, "x" * (security.MAX_REPORT_BYTES + 1)).status_code == 413
        assert client.get(REPORT).status_code == 405
    assert [record for record in caplog.records if record.name == "commonplace.csp"] == []


def test_reports_from_one_address_are_bounded_junk_included(client, caplog):
    """Past the budget reports are dropped unlogged, and so is junk (whose 400s Django logs)."""
    with caplog.at_level(logging.WARNING):
        for _ in range(security.REPORTS_PER_ADDRESS):
            assert send(client, REPORT_URI_BODY).status_code == 204
        assert send(client, REPORT_URI_BODY).status_code == 204
        assert send(client, "not json").status_code == 204
        assert send(client, REPORT_URI_BODY, REMOTE_ADDR="192.0.2.7").status_code == 204

    assert len(caplog.records) == security.REPORTS_PER_ADDRESS + 1
    assert {record.name for record in caplog.records} == {"commonplace.csp"}


def test_one_request_logs_a_bounded_number_of_reports(client, caplog):
    batch = [REPORT_TO_BODY[0]] * 50
    with caplog.at_level(logging.WARNING, logger="commonplace.csp"):
        assert send(client, batch, content_type="application/reports+json").status_code == 204

    assert len(caplog.records) == security.MAX_REPORTS_PER_REQUEST


def test_the_policy_reports_where_the_endpoint_is():
    from django.conf import settings
    from django.urls import reverse

    directives = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]
    assert directives["report-uri"] == [reverse("csp_report")] == [security.REPORT_PATH]
    assert directives["report-to"] == security.REPORT_GROUP


def test_reports_from_everyone_together_are_bounded(client, caplog, monkeypatch):
    monkeypatch.setattr(security, "REPORTS_IN_ALL", 3)
    with caplog.at_level(logging.WARNING, logger="commonplace.csp"):
        for number in range(5):
            assert send(client, REPORT_URI_BODY, REMOTE_ADDR=f"192.0.2.{number}").status_code == 204

    assert len(caplog.records) == 3


# --- Nothing inline in the templates ------------------------------------------------------------

TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "templates"
INLINE = {
    "an hx-on handler (htmx would eval it)": re.compile(r"\bhx-on"),
    "an hx-trigger filter (htmx would eval it)": re.compile(r"""hx-trigger=["'][^"']*\["""),
    "js: values (htmx would eval them)": re.compile(r"""hx-(vals|vars|headers)=["']\s*(js|javascript):"""),
    "an inline event handler": re.compile(r"""\son[a-z]+\s*=\s*["']""", re.IGNORECASE),
    "a style attribute": re.compile(r"""\sstyle\s*=""", re.IGNORECASE),
    "a <style> element": re.compile(r"<style", re.IGNORECASE),
    "an inline <script>": re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE),
    "a javascript: URL": re.compile(r"javascript:", re.IGNORECASE),
}


def test_no_page_template_holds_inline_script_or_style():
    """Emails are not pages (their HTML needs inline styles, and no policy applies to them)."""
    found = []
    for template in sorted(TEMPLATES_DIR.rglob("*.html")):
        if "email" in template.relative_to(TEMPLATES_DIR).parts:
            continue
        text = template.read_text()
        found += [
            f"{template.relative_to(TEMPLATES_DIR)}: {what}"
            for what, rule in INLINE.items()
            if rule.search(text)
        ]
    assert found == []
