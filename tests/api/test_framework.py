"""The API's common behaviour: errors, ETags, scopes, keys, throttling, pagination, schema."""

import pytest

from tests.api.conftest import key_for
from tests.factories import UserFactory, make_question

pytestmark = pytest.mark.django_db


def test_unknown_address_under_the_api_is_a_json_404(api):
    response = api.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_a_write_to_an_unknown_address_with_a_session_cookie_is_the_json_404_not_a_csrf_page():
    """Schemathesis found it: a PUT to /api/v1/answers/null,null/ with a session cookie got the
    CSRF middleware's HTML 403, which no operation documents."""
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(UserFactory())
    response = browser.put("/api/v1/answers/null,null/", {"body": "x"}, content_type="application/json")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == "not_found"


def test_a_bad_query_parameter_is_a_400_naming_the_field(api):
    response = api.get("/api/v1/questions/?sort=loudest")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert error["fields"] == {"sort": ['"loudest" is not a valid choice.']}


def test_every_read_has_an_etag_and_if_none_match_answers_304(api):
    make_question()
    first = api.get("/api/v1/questions/")
    etag = first["ETag"]
    assert etag.startswith('"')
    again = api.get("/api/v1/questions/", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    make_question(title="Another question about my router")
    changed = api.get("/api/v1/questions/", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag


def test_a_mistyped_key_is_a_401_saying_so(api):
    response = api.get("/api/v1/questions/", token="cp_0123456789ab_not-the-secret")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert "not valid" in response.json()["error"]["message"]


def test_a_key_reads_as_its_owner(api):
    owner = UserFactory()
    held = make_question(author=owner, title="My held question about the router")
    held.held_at = held.created_at
    held.save(update_fields=["held_at"])
    assert api.get(f"/api/v1/questions/{held.pk}/").status_code == 404
    mine = api.get(f"/api/v1/questions/{held.pk}/", token=key_for(owner, "read"))
    assert mine.status_code == 200
    assert mine.json()["state"] == "held"


def test_the_schema_and_the_docs_are_served(api):
    schema = api.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    assert "/api/v1/questions/" in schema.json()["paths"]
    docs = api.get("/api/v1/docs/")
    assert docs.status_code == 200
    assert b"drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in docs.content
    assert b"cdn" not in docs.content.lower()


def test_the_docs_page_has_no_inline_script_or_style(api):
    """A strict Content-Security-Policy is coming: everything the page runs is a file."""
    html = api.get("/api/v1/docs/").content.decode()
    assert "<style" not in html
    assert "style=" not in html
    for tag in html.split("<script")[1:]:
        assert tag.lstrip().startswith("src="), tag[:80]
    assert api.get("/api/v1/docs/?script=").status_code == 200


def test_the_schema_validates_without_a_warning(tmp_path):
    """What `manage.py spectacular --validate --fail-on-warn` checks: every operation has its
    request and response schemas, and the document is valid OpenAPI 3."""
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml"))
    assert "/api/v1/questions/{id}/answers/" in (tmp_path / "schema.yml").read_text()


def test_a_mistyped_rate_stops_the_start_saying_what_is_expected(tmp_path):
    from tests.config.test_settings import run

    env = {"COMMONPLACE_VAR_DIR": str(tmp_path), "COMMONPLACE_API_READ_RATE": "600 per minute"}
    result = run("import django; django.setup()", env)
    assert result.returncode != 0
    assert (
        'COMMONPLACE_API_READ_RATE must look like "600/min" (per sec, min, hour or day); '
        "got '600 per minute'." in result.stderr
    )
