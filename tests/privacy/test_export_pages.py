"""/accounts/data/: a member asks for a copy of their data, is told when it is ready, and
downloads it from a link only they can open, for 7 days; one copy at a time."""

import datetime as dt
import io
import zipfile

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from notifications.models import Kind, Notification
from privacy.models import DataExport
from tests.factories import CommunityManagerFactory, ModeratorFactory, UserFactory, make_question, restrict

DATA = reverse("privacy:export")


def detail(export) -> str:
    return reverse("privacy:export_detail", kwargs={"pk": export.pk})


def download(export) -> str:
    return reverse("privacy:export_download", kwargs={"pk": export.pk})


@pytest.fixture
def ask(client, django_capture_on_commit_callbacks):
    """POST the page's button as `user`, running what the request queued after commit (the
    build, the notification's email), as a real request would."""

    def run(user):
        client.force_login(user)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(DATA)
        return response

    return run


def test_a_visitor_is_sent_to_log_in(client, db):
    response = client.get(DATA)
    assert response.status_code == 302 and response.url.startswith(reverse("account_login"))


def test_the_page_says_what_a_copy_holds_and_offers_to_make_one(member_client):
    response = member_client.get(DATA)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Ask for a copy of my data" in page and "deleted 7 days after it is ready" in page
    assert "noindex" in page


def test_asking_prepares_the_copy_notifies_and_emails_a_link_only_the_member_opens(ask, member):
    make_question(author=member, title="My router drops the connection hourly")
    response = ask(member)
    export = DataExport.objects.get(member=member)
    assert response.status_code == 302 and response.url == detail(export)
    assert export.state == DataExport.State.READY and export.requested_by == member
    assert export.expires_at == export.ready_at + dt.timedelta(days=7)
    notification = Notification.objects.get(recipient=member, kind=Kind.DATA_EXPORT)
    assert notification.url == detail(export) and "ready to download until" in notification.text
    [email] = [message for message in mail.outbox if member.email in message.to]
    assert detail(export) in email.body


def test_the_owner_downloads_the_zip_never_cached(ask, client, member):
    make_question(author=member, title="My router drops the connection hourly")
    ask(member)
    export = DataExport.objects.get(member=member)
    page = client.get(detail(export)).content.decode()
    assert download(export) in page and "Download the ZIP" in page
    response = client.get(download(export))
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == f'attachment; filename="{export.filename()}"'
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert "README.txt" in archive.namelist() and "questions.json" in archive.namelist()


@pytest.mark.parametrize(
    "who", [UserFactory, ModeratorFactory, CommunityManagerFactory], ids=["member", "moderator", "manager"]
)
def test_nobody_else_can_open_the_copy_not_even_moderators_or_managers(ask, client, member, who):
    ask(member)
    export = DataExport.objects.get(member=member)
    client.force_login(who())
    assert client.get(detail(export)).status_code == 404
    assert client.get(download(export)).status_code == 404


def test_a_visitor_following_the_link_is_asked_to_log_in(ask, client, member):
    ask(member)
    export = DataExport.objects.get(member=member)
    client.logout()
    response = client.get(download(export))
    assert response.status_code == 302 and response.url.startswith(reverse("account_login"))


def test_one_copy_at_a_time_a_second_request_says_so_and_links_to_the_first(ask, client, member):
    ask(member)
    response = ask(member)
    export = DataExport.objects.get(member=member)  # still only one
    assert response.url == detail(export)
    page = client.get(response.url).content.decode()
    assert "You already asked for a copy of your data on" in page and "ready to download until" in page
    data_page = client.get(DATA).content.decode()
    assert "Ask for a copy of my data" not in data_page and download(export) in data_page


def test_while_being_prepared_the_page_says_so_and_the_download_waits(client, member):
    export = DataExport.objects.create(member=member, requested_by=member)  # the build not run yet
    client.force_login(member)
    assert "Being prepared since you asked" in client.get(DATA).content.decode()
    response = client.get(download(export))
    assert response.status_code == 409
    assert "still being prepared" in response.content.decode()


def test_after_seven_days_the_link_says_the_copy_expired_and_a_new_one_can_be_asked(ask, client, member):
    ask(member)
    export = DataExport.objects.get(member=member)
    DataExport.objects.filter(pk=export.pk).update(
        ready_at=timezone.now() - dt.timedelta(days=8), expires_at=timezone.now() - dt.timedelta(days=1)
    )
    response = client.get(download(export))
    assert response.status_code == 410
    assert (
        "This copy expired on" in response.content.decode()
        and "Ask for a new one" in response.content.decode()
    )
    ask(member)
    assert DataExport.objects.filter(member=member).count() == 2


def test_a_suspended_member_still_gets_a_copy_of_their_data(ask, member):
    restrict(member, reason="Posting links to a shop")
    member.refresh_from_db()
    assert ask(member).status_code == 302
    assert DataExport.objects.get(member=member).state == DataExport.State.READY


def test_the_page_costs_a_few_queries_however_many_copies(client, member, django_assert_max_num_queries):
    for _ in range(6):
        DataExport.objects.create(
            member=member, requested_by=member, state=DataExport.State.EXPIRED, expires_at=timezone.now()
        )
    client.force_login(member)
    with django_assert_max_num_queries(8):
        response = client.get(DATA)
    assert response.content.decode().count("Expired") >= 6


def test_the_user_menu_links_to_the_page(member_client):
    assert f'href="{DATA}"' in member_client.get("/").content.decode()
