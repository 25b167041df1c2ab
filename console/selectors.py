"""Reads for the console's member pages, each in a fixed number of queries."""

from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Q
from django.utils import timezone

from accounts.models import COMMUNITY_MANAGERS_GROUP, MODERATORS_GROUP, ROLE_GROUPS, Restriction, User
from accounts.permissions import is_community_manager
from accounts.selectors import mark_moderators, roles_of
from moderation.audit_log import describe_entries
from moderation.models import ModerationAction

MEMBERS_PER_PAGE = 30
HISTORY_AT_MOST = 50  # audit lines about one member shown on their page


def member_search(*, query: str, viewer):
    """Active members whose username or display name contains the query; for a community
    manager, whose email address does too (moderators are not shown members' addresses)."""
    members = User.objects.filter(is_active=True)
    query = query.strip().lstrip("@")
    if query:
        match = Q(username__icontains=query) | Q(display_name__icontains=query)
        if is_community_manager(viewer):
            match |= Q(email__icontains=query)
        members = members.filter(match)
    return members.order_by("username")


def members_page(*, query: str, viewer, page_number=None) -> Page:
    """A page of members with their roles settled: three queries (count, page, roles)."""
    page = Paginator(member_search(query=query, viewer=viewer), MEMBERS_PER_PAGE).get_page(page_number)
    page.object_list = list(page.object_list)
    mark_moderators(page.object_list)
    return page


@dataclass
class RoleHolders:
    managers: list[User]
    moderators: list[User]  # in the Moderators group and not community managers
    superusers: list[User]


def role_holders() -> RoleHolders:
    """Who holds which role, for /manage/roles/: two queries (the people, their roles)."""
    people = list(
        User.objects.filter(Q(groups__name__in=ROLE_GROUPS) | Q(is_superuser=True), is_active=True)
        .distinct()
        .order_by("username")
    )
    mark_moderators(people)
    managers = [person for person in people if not person.is_superuser and person.is_community_manager]
    moderators = [person for person in people if not person.is_community_manager and person.is_moderator]
    return RoleHolders(managers, moderators, [person for person in people if person.is_superuser])


@dataclass
class MemberFile:
    """Everything the console's member page shows."""

    member: User
    roles: list[str]  # group names, from ROLE_GROUPS
    suspension: Restriction | None
    silence: Restriction | None
    restrictions: list[Restriction]  # every suspension and silence, newest first
    actions: list[ModerationAction]  # audit lines about the member, newest first

    @property
    def is_plain_moderator(self) -> bool:
        return MODERATORS_GROUP in self.roles

    @property
    def is_manager_by_group(self) -> bool:
        return COMMUNITY_MANAGERS_GROUP in self.roles


def member_file(member: User) -> MemberFile:
    """A fixed number of queries: roles (two), restrictions with who imposed and lifted them, audit
    lines, and what those lines mention (describe_entries: one query per kind of thing)."""
    mark_moderators([member])
    restrictions = list(member.restrictions.select_related("imposed_by", "lifted_by"))
    now = timezone.now()

    def in_force(kind: str) -> Restriction | None:
        return next((row for row in restrictions if row.kind == kind and row.is_in_force(now)), None)

    actions = ModerationAction.objects.filter(target_type="user", target_id=member.pk).select_related(
        "moderator", "question"
    )
    return MemberFile(
        member=member,
        roles=roles_of(member),
        suspension=in_force(Restriction.Kind.SUSPEND),
        silence=in_force(Restriction.Kind.SILENCE),
        restrictions=restrictions,
        actions=describe_entries(actions[:HISTORY_AT_MOST]),
    )
