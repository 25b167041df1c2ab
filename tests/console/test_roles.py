"""Appointing and removing moderators and community managers: community managers only, logged,
told to the member; superusers are always community managers, and the last community manager
cannot step down."""

import re

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied

from accounts.models import COMMUNITY_MANAGERS_GROUP, MODERATORS_GROUP, User
from moderation import members
from moderation.models import ModerationAction
from notifications.models import Kind, Notification
from tests.factories import CommunityManagerFactory, ModeratorFactory, UserFactory, restrict

pytestmark = pytest.mark.django_db


def role(group: str, grant: bool, next_url: str = "") -> dict:
    return {"role": group, "grant": "1" if grant else "0", "next": next_url}


def fresh(user) -> User:
    return User.objects.get(pk=user.pk)


@pytest.fixture
def casey(client):
    casey = CommunityManagerFactory(username="casey", display_name="Casey")
    client.force_login(casey)
    return casey


def test_a_community_manager_makes_a_member_a_moderator(client, casey):
    dana = UserFactory(username="dana", display_name="Dana")

    response = client.post("/manage/members/dana/role/", role(MODERATORS_GROUP, True), follow=True)

    assert "Dana is a moderator now, and has been told." in response.content.decode()
    assert fresh(dana).is_moderator and not fresh(dana).is_community_manager
    entry = ModerationAction.objects.get()
    assert (entry.action, entry.target_type, entry.target_id, entry.moderator) == (
        "moderator_appointed",
        "user",
        dana.pk,
        casey,
    )
    assert (entry.before, entry.after) == ({"roles": []}, {"roles": [MODERATORS_GROUP]})
    note = Notification.objects.get(recipient=dana)
    assert note.kind == Kind.ACCOUNT and note.text.startswith("Casey made you a moderator.")
    assert note.url == "/moderation/"
    log = client.get("/moderation/log/").content.decode()
    assert "Made a moderator" in log and "Member Dana" in log
    assert re.search(r'"change-label">Roles:</span>\s*none\s*<span aria-hidden="true">→</span>', log)


def test_giving_a_role_twice_changes_nothing(client, casey):
    dana = ModeratorFactory(username="dana")
    response = client.post("/manage/members/dana/role/", role(MODERATORS_GROUP, True), follow=True)
    assert "already is a moderator" in response.content.decode()
    assert not ModerationAction.objects.exists()
    assert fresh(dana).groups.count() == 1


def test_a_community_manager_appoints_and_removes_community_managers(client, casey):
    dana = UserFactory(username="dana")
    client.post("/manage/members/dana/role/", role(COMMUNITY_MANAGERS_GROUP, True))
    assert fresh(dana).is_community_manager and fresh(dana).is_moderator

    client.post("/manage/members/dana/role/", role(COMMUNITY_MANAGERS_GROUP, False))

    assert not fresh(dana).is_community_manager
    assert list(ModerationAction.objects.order_by("pk").values_list("action", flat=True)) == [
        "community_manager_appointed",
        "community_manager_removed",
    ]
    assert Notification.objects.filter(recipient=dana, text__contains="took away your community manager role")


def test_moderators_and_members_cannot_change_roles(client):
    dana = UserFactory(username="dana")
    for person in (ModeratorFactory(), UserFactory(reputation=10_000)):
        client.force_login(person)
        response = client.post("/manage/members/dana/role/", role(MODERATORS_GROUP, True))
        assert response.status_code == 403
        assert client.get("/manage/roles/").status_code == 403
    assert not fresh(dana).is_moderator


def test_the_last_community_manager_cannot_step_down(client, casey):
    response = client.post("/manage/members/casey/role/", role(COMMUNITY_MANAGERS_GROUP, False))

    assert response.status_code == 403
    assert "You are the last community manager" in response.content.decode()
    assert fresh(casey).is_community_manager


def test_with_another_community_manager_they_can(client, casey):
    CommunityManagerFactory()
    client.post("/manage/members/casey/role/", role(COMMUNITY_MANAGERS_GROUP, False))
    assert not fresh(casey).is_community_manager


def test_a_superuser_counts_as_another_community_manager_and_keeps_the_role(client, casey):
    UserFactory(username="root", is_superuser=True)
    response = client.post("/manage/members/root/role/", role(COMMUNITY_MANAGERS_GROUP, False))
    assert response.status_code == 403
    assert "superusers are always community managers" in response.content.decode()

    client.post("/manage/members/casey/role/", role(COMMUNITY_MANAGERS_GROUP, False))
    assert not fresh(casey).is_community_manager


def test_a_suspended_member_gets_no_role(casey):
    dana = UserFactory()
    restrict(dana, by=casey)
    with pytest.raises(PermissionDenied, match="lift the suspension"):
        members.member_role_set(member=fresh(dana), group=MODERATORS_GROUP, grant=True, actor=casey)


def test_roles_page_lists_holders_and_finds_members_to_appoint(client, casey, django_assert_max_num_queries):
    ModeratorFactory(username="morgan", display_name="Morgan")
    UserFactory(username="root", display_name="Root", is_superuser=True)
    UserFactory(username="dana", display_name="Dana")

    with django_assert_max_num_queries(10):
        page = client.get("/manage/roles/?q=dana").content.decode()

    assert "Take away Morgan\u2019s moderator role" in page
    assert "Take away Casey\u2019s community manager role" in page
    assert 'Root</a> <span class="muted">superuser</span>' in page
    assert "Make Dana a moderator" in page and "Make Dana a community manager" in page


def test_a_role_button_comes_back_to_where_it_was_pressed_but_never_off_site(client, casey):
    UserFactory(username="dana")
    response = client.post(
        "/manage/members/dana/role/", role(MODERATORS_GROUP, True, "/manage/roles/?q=dana")
    )
    assert response["Location"] == "/manage/roles/?q=dana"
    response = client.post(
        "/manage/members/dana/role/", role(MODERATORS_GROUP, False, "https://evil.example/")
    )
    assert response["Location"] == "/manage/members/dana/"


def test_two_managers_stepping_down_leave_one(casey):
    other = CommunityManagerFactory()
    members.member_role_set(member=other, group=COMMUNITY_MANAGERS_GROUP, grant=False, actor=other)
    with pytest.raises(PermissionDenied):
        members.member_role_set(member=casey, group=COMMUNITY_MANAGERS_GROUP, grant=False, actor=casey)
    assert Group.objects.get(name=COMMUNITY_MANAGERS_GROUP).user_set.get() == casey


def test_a_role_that_is_not_one_is_a_bad_request(client, casey):
    UserFactory(username="dana")
    response = client.post("/manage/members/dana/role/", role("Administrators", True))
    assert response.status_code == 400
    assert not ModerationAction.objects.exists()
