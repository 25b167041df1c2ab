"""Suspensions and silences as rows and as the member's state: who may impose them on whom, the
sentence a suspended member is refused with, expiry by the clock, and what it costs a request."""

import datetime as dt
import re
from unittest import mock

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts import permissions
from accounts.models import INDEFINITELY, Restriction, User
from moderation import members
from tests.factories import CommunityManagerFactory, ModeratorFactory, UserFactory, restrict

pytestmark = pytest.mark.django_db


def fresh(user) -> User:
    """The member as the next request loads them."""
    return User.objects.get(pk=user.pk)


# --- Who may suspend or silence whom ---------------------------------------------------------


def test_moderators_and_community_managers_may_restrict_members():
    member = UserFactory()
    for actor in (ModeratorFactory(), CommunityManagerFactory()):
        assert permissions.can_restrict(actor, member)


def test_members_and_staff_may_not():
    from tests.factories import StaffFactory

    member = UserFactory()
    for actor in (UserFactory(reputation=100_000), StaffFactory(), AnonymousUser()):
        with pytest.raises(PermissionDenied, match="Only moderators and community managers"):
            permissions.allow_restrict(actor, member)


def test_nobody_restricts_themselves():
    for actor in (ModeratorFactory(), CommunityManagerFactory()):
        with pytest.raises(PermissionDenied, match="You can't suspend or silence yourself"):
            permissions.allow_restrict(actor, actor)


def test_a_moderator_may_not_restrict_a_moderator_or_a_community_manager():
    moderator = ModeratorFactory()
    with pytest.raises(PermissionDenied, match="only a community manager can suspend or silence them"):
        permissions.allow_restrict(moderator, ModeratorFactory())
    with pytest.raises(PermissionDenied, match="is a community manager: remove that role"):
        permissions.allow_restrict(moderator, CommunityManagerFactory())


def test_community_managers_may_restrict_moderators_but_not_each_other_or_superusers():
    manager = CommunityManagerFactory()
    assert permissions.can_restrict(manager, ModeratorFactory())
    assert not permissions.can_restrict(manager, CommunityManagerFactory())
    superuser = UserFactory(is_superuser=True)
    with pytest.raises(PermissionDenied, match="Nobody can suspend or silence a superuser"):
        permissions.allow_restrict(manager, superuser)
    with pytest.raises(PermissionDenied, match="Nobody can suspend or silence a superuser"):
        permissions.allow_restrict(UserFactory(is_superuser=True), superuser)


def test_the_service_asks_the_rule_too():
    moderator, other = ModeratorFactory(), ModeratorFactory()
    with pytest.raises(PermissionDenied):
        restrict(other, by=moderator)
    assert not Restriction.objects.exists()


# --- The state ---------------------------------------------------------------------------------


def test_a_suspension_is_a_row_and_the_members_state():
    member = UserFactory()
    manager = CommunityManagerFactory(display_name="Casey")
    row = restrict(member, days=7, reason="Posting links to a shop", by=manager)

    member = fresh(member)
    assert member.is_suspended and not member.is_silenced
    assert member.suspended_until == row.ends_at
    assert (row.kind, row.reason, row.imposed_by, row.lifted_at) == (
        "suspend",
        "Posting links to a shop",
        manager,
        None,
    )
    assert member.reputation == 1  # untouched


def test_an_indefinite_suspension_has_no_end_and_says_so():
    member = UserFactory()
    row = restrict(member, days=None)

    assert row.ends_at is None
    assert fresh(member).suspended_until == INDEFINITELY
    with pytest.raises(
        PermissionDenied, match=r"^Your account is suspended indefinitely: Posting links to a shop\.$"
    ):
        permissions.allow_participate(fresh(member))


def test_the_refusal_says_until_when_and_why():
    member = UserFactory()
    row = restrict(member, days=3, reason="Rude to other members.")
    until = timezone.localtime(row.ends_at).strftime("%b %-d, %Y, %H:%M")

    with pytest.raises(PermissionDenied) as refused:
        permissions.allow_participate(fresh(member))

    assert str(refused.value) == f"Your account is suspended until {until} UTC: Rude to other members."


def test_it_ends_by_the_clock_with_nothing_run():
    member = UserFactory()
    restrict(member, days=1)
    later = timezone.now() + dt.timedelta(hours=25)

    with mock.patch("django.utils.timezone.now", return_value=later):
        member = fresh(member)
        assert not member.is_suspended
        permissions.allow_participate(member)  # no refusal
        assert not Restriction.objects.in_force().exists()


def test_lifting_ends_it_now_and_keeps_the_row():
    member, moderator = UserFactory(), ModeratorFactory()
    row = restrict(member, by=moderator)

    assert members.member_lift(member=member, kind="suspend", actor=moderator) is True
    assert members.member_lift(member=member, kind="suspend", actor=moderator) is False  # nothing left

    row.refresh_from_db()
    assert row.lifted_at is not None and row.lifted_by == moderator
    assert not fresh(member).is_suspended
    permissions.allow_participate(fresh(member))


def test_a_new_suspension_replaces_the_one_in_force():
    member, moderator = UserFactory(), ModeratorFactory()
    first = restrict(member, days=1, by=moderator)
    second = restrict(member, days=30, reason="Again, after a warning", by=moderator)

    first.refresh_from_db()
    assert first.lifted_at is not None
    assert list(Restriction.objects.in_force()) == [second]
    assert fresh(member).suspended_until == second.ends_at


def test_suspension_and_silence_are_independent():
    member, moderator = UserFactory(), ModeratorFactory()
    restrict(member, kind="silence", by=moderator)
    restrict(member, kind="suspend", by=moderator)
    members.member_lift(member=member, kind="suspend", actor=moderator)

    member = fresh(member)
    assert member.is_silenced and not member.is_suspended


def test_a_reason_is_required_and_the_end_must_be_ahead():
    member, moderator = UserFactory(), ModeratorFactory()
    with pytest.raises(ValidationError, match="Say why"):
        restrict(member, reason="   ", by=moderator)
    with pytest.raises(ValidationError, match="Choose an end in the future"):
        restrict(member, days=-1, by=moderator)
    assert not Restriction.objects.exists()


# --- What it costs a request -------------------------------------------------------------------


def test_a_member_in_good_standing_costs_no_query(django_assert_num_queries):
    member = fresh(UserFactory())
    with django_assert_num_queries(0):
        permissions.allow_participate(member)
        permissions.allow_post_unreviewed(member)
        assert not member.is_suspended


def test_a_suspended_member_costs_one_query_per_request(django_assert_num_queries):
    member = UserFactory()
    restrict(member)
    member = fresh(member)
    with django_assert_num_queries(1):
        for _ in range(5):
            assert not permissions.can_participate(member)


def test_silence_refuses_what_cannot_wait_for_review():
    member = UserFactory()
    restrict(member, kind="silence", days=2, reason="Heated threads")

    member = fresh(member)
    permissions.allow_participate(member)  # a silenced member still takes part
    with pytest.raises(PermissionDenied) as refused:
        permissions.allow_post_unreviewed(member)
    assert re.match(
        r"Your account is silenced until .* UTC: Heated threads\. Until then your", str(refused.value)
    )
