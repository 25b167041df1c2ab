"""A member's own API keys at /accounts/api-keys/: created with a name, scopes and an expiry,
the secret shown once, listed with when they were last used, revoked with a button. Plain
forms: everything works without JavaScript."""

import re

import pytest

from accounts.models import ApiKey
from tests.factories import ModeratorFactory, UserFactory, restrict

pytestmark = pytest.mark.django_db

URL = "/accounts/api-keys/"


def create(client, **fields):
    return client.post(URL, {"name": "Helpdesk sync", "scopes": ["read", "write"], "expires": "90", **fields})


def test_a_member_creates_a_key_and_sees_its_secret_once(member_client, member):
    response = create(member_client)
    page = response.content.decode()
    assert response.status_code == 200
    key = ApiKey.objects.get()
    assert (key.owner, key.created_by, key.name, key.scopes) == (
        member,
        member,
        "Helpdesk sync",
        ["read", "write"],
    )
    assert key.expires_at is not None
    token = re.search(r'value="(cp_[0-9a-f]+_[^"]+)"', page).group(1)
    assert token.startswith(f"cp_{key.prefix}_")
    assert "Copy it now: it is shown only this once." in page
    # It works, as the member.
    assert member_client.get("/api/v1/questions/", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200
    # And the page never shows it again.
    assert token not in member_client.get(URL).content.decode()


def test_the_list_shows_name_scopes_prefix_and_use(member_client, member):
    create(member_client, name="My laptop", scopes=["read"], expires="never")
    page = member_client.get(URL).content.decode()
    key = ApiKey.objects.get()
    assert "My laptop" in page and f"cp_{key.prefix}_…" in page
    assert re.search(r"<td>read</td>", page)
    assert "never" in page


def test_a_key_needs_a_name_and_a_scope_and_the_form_keeps_what_was_typed(member_client):
    response = create(member_client, name="Kept name", scopes=[])
    page = response.content.decode()
    assert response.status_code == 400
    assert "Choose at least one scope for the key." in page
    assert 'value="Kept name"' in page
    assert not ApiKey.objects.exists()


def test_members_are_offered_read_and_write_and_moderators_moderate(member_client, client):
    page = member_client.get(URL).content.decode()
    assert 'value="write"' in page and 'value="moderate"' not in page
    client.force_login(ModeratorFactory())
    assert 'value="moderate"' in client.get(URL).content.decode()


def test_a_member_cannot_give_their_key_a_scope_they_do_not_hold(member_client):
    response = create(member_client, scopes=["read", "moderate"])
    assert response.status_code == 400
    assert not ApiKey.objects.exists()


def test_revoking_stops_the_key_at_once(member_client):
    page = create(member_client).content.decode()
    token = re.search(r'value="(cp_[^"]+)"', page).group(1)
    key = ApiKey.objects.get()
    response = member_client.post(f"{URL}{key.pk}/revoke/", follow=True)
    assert (
        f"The key “Helpdesk sync” ({key.prefix}) is revoked: it no longer works." in response.content.decode()
    )
    assert member_client.get("/api/v1/questions/", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401
    assert "revoked" in member_client.get(URL).content.decode()


def test_nobody_revokes_another_members_key(member_client):
    other = UserFactory()
    key = ApiKey.objects.create(
        owner=other, name="theirs", prefix="abcdef012345", secret_hash="0" * 64, scopes=["read"]
    )
    assert member_client.post(f"{URL}{key.pk}/revoke/").status_code == 404
    assert ApiKey.objects.get().revoked_at is None


def test_a_suspended_member_creates_no_key_but_can_revoke(member_client, member):
    create(member_client)
    restrict(member)
    page = member_client.get(URL).content.decode()
    assert "Your account is suspended until" in page
    assert create(member_client, name="another").status_code == 403
    key = ApiKey.objects.get()
    member_client.post(f"{URL}{key.pk}/revoke/")
    assert ApiKey.objects.get().revoked_at is not None


def test_the_page_needs_a_login(client):
    assert client.get(URL).status_code == 302
