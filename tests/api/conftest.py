import pytest

from accounts.services import api_key_create
from tests.integrations.conftest import receiver  # noqa: F401 (a real webhook receiver on loopback)


def key_for(user, *scopes: str, **extra) -> str:
    """A new API key's token for `user` (created by them, or `actor=` for an integration account)."""
    actor = extra.pop("actor", user)
    return api_key_create(
        owner=user, name="test key", scopes=list(scopes or ("read", "write")), actor=actor, **extra
    ).token


def ok(response, status: int = 200) -> dict:
    """The JSON of an answer that must have this status (the body in the failure if not)."""
    assert response.status_code == status, response.content
    return response.json()


def error_of(response, status: int) -> dict:
    """The `error` of a refusal that must have this status: status, code, message, fields."""
    assert response.status_code == status, response.content
    return response.json()["error"]


def bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


@pytest.fixture
def api(client):
    """The Django test client speaking JSON: api.get(url, token=...), api.post(url, data, token=...)."""

    class Api:
        def _call(self, method, url, data=None, token=None, **headers):
            if token:
                headers.update(bearer(token))
            kwargs = {"content_type": "application/json"} if data is not None else {}
            if data is not None:
                kwargs["data"] = data
            return getattr(client, method)(url, **kwargs, **headers)

        def get(self, url, token=None, **headers):
            return client.get(url, **(bearer(token) if token else {}), **headers)

        def post(self, url, data=None, token=None, **headers):
            return self._call("post", url, data if data is not None else {}, token, **headers)

        def patch(self, url, data=None, token=None, **headers):
            return self._call("patch", url, data if data is not None else {}, token, **headers)

        def put(self, url, data=None, token=None, **headers):
            return self._call("put", url, data if data is not None else {}, token, **headers)

        def delete(self, url, token=None, **headers):
            return self._call("delete", url, None, token, **headers)

    return Api()


def any_scope_key(user, scopes=("read", "write", "moderate", "manage")) -> str:
    """A key holding every scope, written straight to the table (the service would refuse the
    moderate and manage scopes to members): so that only the account's own rules decide what
    the key may do, as for a key whose owner has since lost a role."""
    import secrets

    from accounts.models import ApiKey

    prefix, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    ApiKey.objects.create(
        owner=user,
        name="every scope",
        prefix=prefix,
        secret_hash=ApiKey.hash_secret(secret),
        scopes=list(scopes),
    )
    return f"cp_{prefix}_{secret}"
