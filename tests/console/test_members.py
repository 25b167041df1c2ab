"""The console's member pages: finding members, suspending and silencing them from a member's
page (with a reason, told to the member by notification and email), lifting it, and the audit
log; each page in a fixed number of queries."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import Restriction, User
from forum.models import Answer, Question
from moderation.models import ModerationAction
from notifications.models import Kind, Notification
from tests.factories import (
    CommunityManagerFactory,
    ModeratorFactory,
    UserFactory,
    make_answer,
    make_question,
    restrict,
)

pytestmark = pytest.mark.django_db


def suspend_form(duration="7", reason="Posting links to a shop", until="", prefix="suspend") -> dict:
    return {f"{prefix}-duration": duration, f"{prefix}-until": until, f"{prefix}-reason": reason}


@pytest.fixture
def moderator(client):
    moderator = ModeratorFactory(username="morgan", display_name="Morgan")
    client.force_login(moderator)
    return moderator


@pytest.fixture
def dana():
    return UserFactory(username="dana", display_name="Dana Scully", email="dana@fbi.example")


# --- Finding members ---------------------------------------------------------------------------


def test_members_list_finds_by_name_and_username(client, moderator, dana):
    UserFactory(username="erin")

    by_name = client.get("/manage/members/?q=scully").content.decode()
    by_username = client.get("/manage/members/?q=@dana").content.decode()

    assert 'href="/manage/members/dana/"' in by_name and "erin" not in by_name
    assert 'href="/manage/members/dana/"' in by_username


def test_only_community_managers_find_members_by_email_and_see_it(client, moderator, dana):
    assert "Dana Scully" not in client.get("/manage/members/?q=fbi.example").content.decode()
    client.force_login(CommunityManagerFactory())
    page = client.get("/manage/members/?q=fbi.example").content.decode()
    assert "Dana Scully" in page and "dana@fbi.example" in page


def test_members_list_shows_roles_and_standing(client, moderator, dana):
    restrict(dana)
    page = client.get("/manage/members/").content.decode()
    assert ">Suspended<" in page
    assert ">Moderator<" in page  # morgan


def test_members_pages_refuse_members_and_staff(client, dana):
    from tests.factories import StaffFactory

    for person in (UserFactory(reputation=5000), StaffFactory()):
        client.force_login(person)
        for url in ("/manage/members/", "/manage/members/dana/"):
            assert client.get(url).status_code == 403
        response = client.post("/manage/members/dana/suspend/", suspend_form())
        assert response.status_code == 403
    assert not Restriction.objects.exists()


def test_members_list_query_count_does_not_grow_with_members(
    client, moderator, django_assert_max_num_queries
):
    for number in range(40):
        UserFactory(username=f"person{number}")
    restrict(User.objects.get(username="person3"))
    with django_assert_max_num_queries(7):
        response = client.get("/manage/members/")
    assert response.status_code == 200


def test_member_page_query_count(client, moderator, dana, django_assert_max_num_queries):
    for _ in range(5):
        restrict(dana, by=moderator)
        restrict(dana, kind="silence", by=moderator)
    with django_assert_max_num_queries(10):
        response = client.get("/manage/members/dana/")
    assert response.status_code == 200
    assert response.content.decode().count("Lifted early") == 0  # no lifts yet, only replacements


# --- Suspending from the member page -------------------------------------------------------------


def test_a_moderator_suspends_a_member_for_seven_days_with_a_reason(client, moderator, dana):
    response = client.post("/manage/members/dana/suspend/", suspend_form(), follow=True)

    page = response.content.decode()
    assert "Dana Scully is suspended, and has been told why." in page
    row = Restriction.objects.get()
    assert (row.kind, row.reason, row.imposed_by) == ("suspend", "Posting links to a shop", moderator)
    assert dt.timedelta(days=6, hours=23) < row.ends_at - timezone.now() <= dt.timedelta(days=7)
    assert "Suspended until" in page and "Lift the suspension now" in page


@pytest.mark.parametrize(("duration", "days"), [("1", 1), ("30", 30)])
def test_durations(client, moderator, dana, duration, days):
    client.post("/manage/members/dana/suspend/", suspend_form(duration=duration))
    left = Restriction.objects.get().ends_at - timezone.now()
    assert dt.timedelta(days=days) - dt.timedelta(minutes=1) < left <= dt.timedelta(days=days)


def test_a_custom_end_and_indefinitely(client, moderator, dana):
    until = (timezone.now() + dt.timedelta(days=10)).replace(second=0, microsecond=0)
    client.post(
        "/manage/members/dana/suspend/",
        suspend_form(duration="custom", until=until.strftime("%Y-%m-%dT%H:%M")),
    )
    assert Restriction.objects.get().ends_at == until

    client.post("/manage/members/dana/suspend/", suspend_form(duration="indefinitely"))
    assert Restriction.objects.in_force().get().ends_at is None


def test_bad_input_is_explained_and_what_was_typed_stays(client, moderator, dana):
    response = client.post(
        "/manage/members/dana/suspend/", suspend_form(duration="custom", until="", reason="Typed reason")
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "Choose when it ends, or another duration." in page
    assert "Typed reason</textarea>" in page

    response = client.post("/manage/members/dana/suspend/", suspend_form(reason=""))
    assert "Say why: the member is told" in response.content.decode()

    past = (timezone.now() - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = client.post("/manage/members/dana/suspend/", suspend_form(duration="custom", until=past))
    assert "Choose an end in the future." in response.content.decode()
    assert not Restriction.objects.exists()


def test_the_member_is_told_why_by_notification_and_email(
    client, moderator, dana, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/manage/members/dana/suspend/", suspend_form(reason="Posting links to a shop"))

    note = Notification.objects.get(recipient=dana)
    assert note.kind == Kind.ACCOUNT
    assert note.text.startswith("You are suspended until")
    assert note.text.endswith("Why: Posting links to a shop")
    assert note.url == "/users/dana/"
    [message] = mail.outbox
    assert message.to == ["dana@fbi.example"]
    assert "Posting links to a shop" in message.body


def test_suspending_is_audit_logged_with_the_member_as_target(client, moderator, dana):
    client.post("/manage/members/dana/suspend/", suspend_form())

    entry = ModerationAction.objects.get()
    assert (entry.action, entry.target_type, entry.target_id, entry.moderator) == (
        "suspended",
        "user",
        dana.pk,
        moderator,
    )
    assert entry.reason == "Posting links to a shop"
    assert entry.before == {"suspended_until": None}
    log = client.get("/moderation/log/").content.decode()
    assert "Suspended" in log and "Member Dana Scully" in log and "Suspended until" in log
    assert "Suspended by Morgan" in client.get("/manage/members/dana/").content.decode()


def test_lifting_early_is_logged_and_told(client, moderator, dana):
    restrict(dana, by=moderator)

    response = client.post("/manage/members/dana/suspend/lift/", follow=True)

    assert "Dana Scully is no longer suspended, and has been told." in response.content.decode()
    assert not User.objects.get(pk=dana.pk).is_suspended
    assert ModerationAction.objects.filter(action="suspension_lifted", target_id=dana.pk).exists()
    assert Notification.objects.filter(
        recipient=dana, text__startswith="You are no longer suspended"
    ).exists()


def test_a_moderator_cannot_suspend_a_fellow_moderator_and_is_told_why(client, moderator):
    ModeratorFactory(username="mo2", display_name="Mo Two")

    page = client.get("/manage/members/mo2/").content.decode()
    response = client.post("/manage/members/mo2/suspend/", suspend_form())

    assert "Mo Two is a moderator: only a community manager can suspend or silence them." in page
    assert 'action="/manage/members/mo2/suspend/"' not in page
    assert response.status_code == 403
    assert not Restriction.objects.exists()


def test_a_suspended_moderator_cannot_open_the_console(client):
    suspended = ModeratorFactory()
    restrict(suspended)  # by a community manager
    client.force_login(suspended)

    response = client.get("/manage/")

    assert response.status_code == 403
    assert "Your account is suspended until" in response.content.decode()


def test_unknown_kinds_and_members_are_not_found(client, moderator, dana):
    assert client.post("/manage/members/dana/banish/", suspend_form()).status_code == 404
    assert client.post("/manage/members/nobody/suspend/", suspend_form()).status_code == 404


# --- Silencing -----------------------------------------------------------------------------------


def test_a_silenced_members_new_posts_wait_in_the_review_queue(client, moderator, dana):
    client.post("/manage/members/dana/silence/", suspend_form(prefix="silence", reason="Heated threads"))
    dana = User.objects.get(pk=dana.pk)
    question = make_question(author=dana, title="A question while silenced, held")
    answer = make_answer(make_question(), author=dana)

    assert question.held_at is not None and answer.held_at is not None
    queue = client.get("/moderation/review/?tab=first-posts").content.decode()
    assert f"/moderation/review/held/question/{question.pk}/release/" in queue
    assert f"/moderation/review/held/answer/{answer.pk}/release/" in queue
    client.force_login(UserFactory())
    assert client.get(question.get_absolute_url()).status_code == 404


def test_a_silenced_member_is_told_their_post_waits_and_cannot_comment(client, dana):
    restrict(dana, kind="silence", reason="Heated threads")
    question = make_question()
    client.force_login(dana)

    response = client.post(
        "/questions/ask/",
        {
            "title": "A question while silenced, held",
            "body": "Body long enough to be a question.",
            "tags": "wifi",
        },
        follow=True,
    )
    page = response.content.decode()
    assert "You are silenced for now, so your post is waiting for a moderator" in page
    assert Question.objects.get(title="A question while silenced, held").held_at is not None

    refused = client.post(f"/questions/{question.pk}/comments/", {"body": "A comment long enough."})
    assert refused.status_code == 403
    assert "Your account is silenced until" in refused.content.decode()
    assert "Heated threads" in refused.content.decode()


def test_once_the_silence_is_lifted_posts_are_public_again(client, moderator, dana):
    restrict(dana, kind="silence", by=moderator)
    client.post("/manage/members/dana/silence/lift/")

    answer = make_answer(make_question(), author=User.objects.get(pk=dana.pk))

    assert answer.held_at is None
    assert Answer.objects.visible().filter(pk=answer.pk).exists()
