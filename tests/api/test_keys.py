"""API keys: scopes, acting only as their owner, revocation and expiry, the last-used time, the
browser session with CSRF, and the request limits, the same for every role."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.utils import timezone

from accounts.models import ApiKey
from accounts.services import api_key_create, api_key_revoke
from forum.models import Answer, Question
from tests.api.conftest import key_for
from tests.factories import (
    CommunityManagerFactory,
    ModeratorFactory,
    StaffFactory,
    UserFactory,
    make_question,
)

pytestmark = pytest.mark.django_db

ASK = {
    "title": "My card is declined when renewing",
    "body": "It says declined but the bank shows nothing.",
    "tags": ["billing"],
}


def test_a_read_key_cannot_post(api):
    response = api.post("/api/v1/questions/", ASK, token=key_for(UserFactory(), "read"))
    assert response.status_code == 403
    assert response.json()["error"]["message"] == (
        "This API key does not have the write scope (it has: read). "
        "Create a key with the write scope for this."
    )
    assert not Question.objects.exists()


def test_a_write_only_key_cannot_read(api):
    response = api.get("/api/v1/questions/", token=key_for(UserFactory(), "write"))
    assert response.status_code == 403
    assert "does not have the read scope" in response.json()["error"]["message"]


def test_a_key_cannot_act_for_another_member(api):
    """Whatever the request says, the post is the key owner's; and their rules are the owner's."""
    owner, other = UserFactory(), UserFactory()
    question = make_question(author=other)
    token = key_for(owner)
    response = api.post(
        "/api/v1/questions/", {**ASK, "author": other.username, "author_id": other.pk}, token=token
    )
    assert Question.objects.get(pk=response.json()["id"]).author == owner
    # The other member's question is not the key owner's to accept on, or to edit below the privilege.
    answer = api.post(
        f"/api/v1/questions/{question.pk}/answers/", {"body": "Try turning it off and on."}, token=token
    )
    accept = api.post(f"/api/v1/answers/{answer.json()['id']}/accept/", token=token)
    assert accept.status_code == 403
    assert Answer.objects.get().author == owner


def test_nobody_creates_a_key_for_another_member(db):
    owner = UserFactory()
    with pytest.raises(PermissionDenied, match=r"You can only manage your own API keys\."):
        api_key_create(owner=owner, name="sneaky", scopes=["read"], actor=CommunityManagerFactory())


def test_a_revoked_key_is_a_401(api):
    owner = UserFactory()
    new = api_key_create(owner=owner, name="laptop", scopes=["read"], actor=owner)
    api_key_revoke(key=new.key, actor=owner)
    response = api.get("/api/v1/questions/", token=new.token)
    assert response.status_code == 401
    assert response.json()["error"]["message"].startswith(f"This API key ({new.key.prefix}) was revoked on ")


def test_an_expired_key_is_a_401(api):
    owner = UserFactory()
    new = api_key_create(
        owner=owner,
        name="laptop",
        scopes=["read"],
        actor=owner,
        expires_at=timezone.now() + dt.timedelta(days=1),
    )
    ApiKey.objects.filter(pk=new.key.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    response = api.get("/api/v1/questions/", token=new.token)
    assert response.status_code == 401
    assert "expired" in response.json()["error"]["message"]


def test_a_key_of_a_closed_account_is_a_401(api):
    owner = UserFactory()
    token = key_for(owner, "read")
    owner.is_active = False
    owner.save(update_fields=["is_active"])
    assert api.get("/api/v1/questions/", token=token).status_code == 401


def test_the_secret_is_stored_only_as_its_hash(db):
    owner = UserFactory()
    new = api_key_create(owner=owner, name="laptop", scopes=["read"], actor=owner)
    secret = new.token.split("_", 2)[2]
    assert len(secret) >= 43  # 32 random bytes
    assert secret not in str(ApiKey.objects.filter(pk=new.key.pk).values().get())
    assert new.token.startswith(f"cp_{new.key.prefix}_")


def test_last_used_is_written_at_most_once_a_minute(api, django_assert_num_queries):
    owner = UserFactory()
    new = api_key_create(owner=owner, name="laptop", scopes=["read"], actor=owner)
    assert new.key.last_used_at is None
    api.get("/api/v1/questions/", token=new.token)
    first = ApiKey.objects.get(pk=new.key.pk).last_used_at
    assert first is not None
    api.get("/api/v1/questions/", token=new.token)
    assert ApiKey.objects.get(pk=new.key.pk).last_used_at == first
    ApiKey.objects.filter(pk=new.key.pk).update(last_used_at=timezone.now() - dt.timedelta(minutes=2))
    api.get("/api/v1/questions/", token=new.token)
    assert ApiKey.objects.get(pk=new.key.pk).last_used_at > first


def test_moderate_and_manage_scopes_only_for_those_who_hold_the_role(db):
    member, moderator = UserFactory(), ModeratorFactory()
    with pytest.raises(PermissionDenied, match="Only moderators' keys can have the moderate scope"):
        api_key_create(owner=member, name="x", scopes=["read", "moderate"], actor=member)
    with pytest.raises(PermissionDenied, match="Only community managers' keys can have the manage scope"):
        api_key_create(owner=moderator, name="x", scopes=["manage"], actor=moderator)
    assert api_key_create(owner=moderator, name="x", scopes=["moderate"], actor=moderator).key.scopes == [
        "moderate"
    ]


def test_the_session_works_and_writes_need_the_csrf_token(member):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(member)
    assert browser.get("/api/v1/questions/").status_code == 200
    refused = browser.post("/api/v1/questions/", ASK, content_type="application/json")
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["error"]["message"]
    browser.get("/")  # the site's pages set the CSRF cookie
    token = browser.cookies["csrftoken"].value
    posted = browser.post("/api/v1/questions/", ASK, content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert posted.status_code == 201, posted.content


# --- Request limits ---------------------------------------------------------------------------


@pytest.mark.parametrize("make", [UserFactory, StaffFactory, ModeratorFactory, CommunityManagerFactory])
def test_reads_past_the_limit_answer_429_with_retry_after_whoever_calls(api, settings, make):
    settings.COMMONPLACE_API_READ_RATE = "3/min"
    token = key_for(make(), "read")
    assert [api.get("/api/v1/questions/", token=token).status_code for _ in range(3)] == [200, 200, 200]
    refused = api.get("/api/v1/questions/", token=token)
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "throttled"
    assert 1 <= int(refused["Retry-After"]) <= 60
    # Counted per account: someone else still reads.
    assert api.get("/api/v1/questions/", token=key_for(UserFactory(), "read")).status_code == 200


def test_writes_have_their_own_limit(api, settings):
    settings.COMMONPLACE_API_WRITE_RATE = "1/min"
    question = make_question()
    token = key_for(UserFactory())
    url = f"/api/v1/questions/{question.pk}/vote/"
    assert api.post(url, {"value": 1}, token=token).status_code == 200
    assert api.delete(url, token=token).status_code == 429
    assert api.get("/api/v1/questions/", token=token).status_code == 200  # reads are counted apart


def test_anonymous_readers_are_counted_by_address(api, settings):
    settings.COMMONPLACE_API_READ_RATE = "1/min"
    assert api.get("/api/v1/questions/", REMOTE_ADDR="203.0.113.5").status_code == 200
    assert api.get("/api/v1/questions/", REMOTE_ADDR="203.0.113.5").status_code == 429
    assert api.get("/api/v1/questions/", REMOTE_ADDR="203.0.113.6").status_code == 200
