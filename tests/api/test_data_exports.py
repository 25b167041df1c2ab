"""/api/v1/data-exports/: ask for a copy of your data (write scope), follow it and download it
(read scope), one at a time, your own only; community managers export a member's data with the
manage scope, audit-logged."""

import datetime as dt
import io
import json
import zipfile

import pytest
from django.utils import timezone

from moderation.models import ModerationAction
from privacy.models import DataExport
from tests.api.conftest import any_scope_key, error_of, key_for, ok
from tests.factories import CommunityManagerFactory, ModeratorFactory, UserFactory, make_question

pytestmark = pytest.mark.django_db

LIST = "/api/v1/data-exports/"
FOR_MEMBER = "/api/v1/data-exports/for-member/"


def one(export_id: int) -> str:
    return f"{LIST}{export_id}/"


@pytest.fixture
def asked(api, django_capture_on_commit_callbacks):
    """POST as a request would: what it queued after commit (the build) runs."""

    def run(url, data=None, token=None):
        with django_capture_on_commit_callbacks(execute=True):
            return api.post(url, data, token=token)

    return run


def test_a_member_asks_follows_and_downloads_a_copy(api, asked, member):
    make_question(author=member, title="My router drops the connection hourly")
    token = key_for(member, "read", "write")
    created = ok(asked(LIST, token=token), 201)
    assert created["member"]["username"] == member.username
    export = DataExport.objects.get(pk=created["id"])
    shown = ok(api.get(one(export.pk), token=token))
    assert shown["state"] == "ready"  # built after the request's commit
    assert shown["sha256"] == export.sha256 and shown["size"] == export.size
    assert shown["download_url"].endswith(f"{one(export.pk)}download/")
    assert shown["web_url"].endswith(f"/accounts/data/{export.pk}/")
    assert shown["expires_at"] is not None
    response = api.get(f"{one(export.pk)}download/", token=token)
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert "no-store" in response["Cache-Control"]
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        [question] = json.loads(archive.read("questions.json"))
    assert question["title"] == "My router drops the connection hourly"
    assert [row["id"] for row in ok(api.get(LIST, token=token))["results"]] == [export.pk]


def test_asking_again_answers_the_copy_in_hand(asked, member):
    token = key_for(member, "read", "write")
    first = ok(asked(LIST, token=token), 201)
    again = ok(asked(LIST, token=token), 200)
    assert again["id"] == first["id"] and DataExport.objects.count() == 1


def test_scopes_asking_needs_write_reading_needs_read(api, asked, member):
    reader, writer = key_for(member, "read"), key_for(member, "write")
    assert "write scope" in error_of(asked(LIST, token=reader), 403)["message"]
    export_id = ok(asked(LIST, token=writer), 201)["id"]
    assert "read scope" in error_of(api.get(one(export_id), token=writer), 403)["message"]
    assert api.get(f"{one(export_id)}download/", token=reader).status_code == 200


def test_a_visitor_is_told_to_authenticate(api, db):
    assert error_of(api.post(LIST), 401)["code"] == "not_authenticated"
    assert error_of(api.get(LIST), 401)["code"] == "not_authenticated"


@pytest.mark.parametrize(
    "who", [UserFactory, ModeratorFactory, CommunityManagerFactory], ids=["member", "moderator", "manager"]
)
def test_someone_elses_copy_is_a_404_even_to_moderators_and_managers(api, asked, member, who):
    export_id = ok(asked(LIST, token=key_for(member)), 201)["id"]
    token = any_scope_key(who())
    assert error_of(api.get(one(export_id), token=token), 404)["code"] == "not_found"
    assert api.get(f"{one(export_id)}download/", token=token).status_code == 404
    assert ok(api.get(LIST, token=token))["results"] == []


def test_a_copy_being_prepared_is_409_and_an_expired_one_410(api, member):
    token = key_for(member, "read")
    pending = DataExport.objects.create(member=member, requested_by=member)
    error = error_of(api.get(f"{one(pending.pk)}download/", token=token), 409)
    assert error["code"] == "not_ready" and "still being prepared" in error["message"]
    assert ok(api.get(one(pending.pk), token=token))["download_url"] is None
    past = timezone.now() - dt.timedelta(days=1)
    expired = DataExport.objects.create(
        member=member, requested_by=member, state=DataExport.State.EXPIRED, expires_at=past, deleted_at=past
    )
    error = error_of(api.get(f"{one(expired.pk)}download/", token=token), 410)
    assert error["code"] == "gone" and "expired on" in error["message"]


def test_a_community_manager_exports_a_members_data_with_the_manage_scope(api, asked):
    casey, dana = CommunityManagerFactory(username="casey"), UserFactory(username="dana")
    body = {"member": "dana", "reason": "Dana asked by email (ticket 4821)"}
    assert (
        "manage scope" in error_of(asked(FOR_MEMBER, body, key_for(casey, "read", "write")), 403)["message"]
    )
    token = any_scope_key(casey, scopes=("read", "manage"))
    created = ok(asked(FOR_MEMBER, body, token), 201)
    assert created["member"]["username"] == "dana"
    assert ok(api.get(one(created["id"]), token=token))["state"] == "ready"
    [line] = ModerationAction.objects.filter(action="data_export.requested")
    assert line.moderator == casey and line.target_id == dana.pk and line.reason == body["reason"]
    assert api.get(f"{one(created['id'])}download/", token=token).status_code == 200
    # Dana, whose data it is, cannot open the copy Casey asked for.
    assert api.get(one(created["id"]), token=any_scope_key(dana)).status_code == 404


def test_exporting_a_member_needs_a_reason_and_a_member_who_exists(asked):
    token = any_scope_key(CommunityManagerFactory())
    UserFactory(username="dana")
    error = error_of(asked(FOR_MEMBER, {"member": "dana"}, token), 400)
    assert "Say why you are exporting" in error["fields"]["reason"][0]
    error = error_of(asked(FOR_MEMBER, {"member": "nobody-here", "reason": "Asked"}, token), 400)
    assert error["fields"]["member"] == ["No member is called “nobody-here”."]


def test_members_and_moderators_cannot_export_others(asked):
    UserFactory(username="dana")
    for who in (UserFactory(), ModeratorFactory()):
        error = error_of(asked(FOR_MEMBER, {"member": "dana", "reason": "Curious"}, any_scope_key(who)), 403)
        assert error["message"] == "Only community managers can export another member's data."
    assert not DataExport.objects.exists()


def test_the_list_costs_a_few_queries_however_many_copies(api, member, django_assert_max_num_queries):
    token = key_for(member, "read")
    for _ in range(8):
        DataExport.objects.create(
            member=member, requested_by=member, state=DataExport.State.EXPIRED, expires_at=timezone.now()
        )
    with django_assert_max_num_queries(8):
        results = ok(api.get(LIST, token=token))["results"]
    assert len(results) == 8
