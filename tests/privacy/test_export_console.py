"""A community manager exports a member's data from the console member page: with a reason,
audit-logged, the member told; only that community manager can open the copy."""

import pytest
from django.urls import reverse

from moderation.models import ModerationAction
from notifications.models import Kind, Notification
from privacy import export_services
from privacy.models import DataExport
from tests.factories import CommunityManagerFactory, ModeratorFactory, UserFactory, make_question

pytestmark = pytest.mark.django_db

PAGE = "/manage/members/dana/"
EXPORT = "/manage/members/dana/export/"
REASON = "Dana asked by email on May 3 (ticket 4821)"


@pytest.fixture
def dana():
    dana = UserFactory(username="dana", display_name="Dana Scully", email="dana@fbi.example")
    make_question(author=dana, title="The lights in the sky keep flickering")
    return dana


@pytest.fixture
def casey(client):
    casey = CommunityManagerFactory(username="casey", display_name="Casey")
    client.force_login(casey)
    return casey


@pytest.fixture
def export_for_dana(client, casey, dana, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(EXPORT, {"export-reason": REASON})
    assert response.status_code == 302 and response.url == PAGE
    return DataExport.objects.get(member=dana)


def test_the_member_page_offers_community_managers_an_export(client, casey, dana):
    page = client.get(PAGE).content.decode()
    assert (
        "Copy of their data" in page and f'action="{EXPORT}"' in page and "Export Dana Scully's data" in page
    )


def test_moderators_are_not_offered_it_and_are_refused(client, dana):
    client.force_login(ModeratorFactory())
    assert "Copy of their data" not in client.get(PAGE).content.decode()
    response = client.post(EXPORT, {"export-reason": REASON})
    assert response.status_code == 403
    assert not DataExport.objects.exists()


def test_a_reason_is_required_and_nothing_typed_is_lost(client, casey, dana):
    response = client.post(EXPORT, {"export-reason": "   "})
    assert response.status_code == 400
    assert "Say why you are exporting this member&#x27;s data" in response.content.decode()
    too_long = "Dana asked by email. " * 30
    response = client.post(EXPORT, {"export-reason": too_long})
    assert response.status_code == 400 and too_long.strip() in response.content.decode()
    assert not DataExport.objects.exists()


def test_the_export_is_audit_logged_and_the_member_told(export_for_dana, casey, dana):
    [line] = ModerationAction.objects.filter(action="data_export.requested")
    assert line.moderator == casey and (line.target_type, line.target_id) == ("user", dana.pk)
    assert line.reason == REASON and line.after == {"export": export_for_dana.pk}
    told = Notification.objects.get(recipient=dana, kind=Kind.ACCOUNT)
    assert "Casey, a community manager, asked for a copy of your data" in told.text and REASON in told.text


def test_the_community_manager_is_notified_and_alone_downloads_it(client, export_for_dana, casey, dana):
    assert export_for_dana.requested_by == casey and export_for_dana.state == DataExport.State.READY
    ready = Notification.objects.get(recipient=casey, kind=Kind.DATA_EXPORT)
    assert "A copy of Dana Scully's data (@dana) is ready" in ready.text
    assert ready.url == reverse("privacy:export_detail", kwargs={"pk": export_for_dana.pk})
    download = reverse("privacy:export_download", kwargs={"pk": export_for_dana.pk})
    assert client.get(download).status_code == 200
    assert f'href="{ready.url}"' in client.get(PAGE).content.decode()  # listed on the member page too
    for someone in (dana, CommunityManagerFactory(), ModeratorFactory()):
        client.force_login(someone)
        assert client.get(download).status_code == 404
        assert client.get(ready.url).status_code == 404


def test_a_second_export_while_one_is_ready_links_to_it(client, export_for_dana, casey):
    response = client.post(EXPORT, {"export-reason": "Again"})
    assert response.url == reverse("privacy:export_detail", kwargs={"pk": export_for_dana.pk})
    assert DataExport.objects.count() == 1
    assert ModerationAction.objects.filter(action="data_export.requested").count() == 1


def test_the_audit_log_names_the_action(client, export_for_dana):
    page = client.get("/moderation/log/").content.decode()
    assert "Copy of their data exported" in page


def test_the_member_page_lists_the_copies_in_one_query(
    client, casey, dana, commit, django_assert_max_num_queries
):
    for _ in range(3):
        export, _ = commit(export_services.export_request, member=dana, actor=casey, reason=REASON)
        DataExport.objects.filter(pk=export.pk).update(state=DataExport.State.EXPIRED, archive=None)
    with django_assert_max_num_queries(11):
        response = client.get(PAGE)
    assert response.content.decode().count("Expired and deleted") == 3
