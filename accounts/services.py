"""Writes about members. Keyword-only, atomic.

The restriction and role writes here are the one owner of that state (Restriction rows and the
suspended_until / silenced_until columns that summarise them; group memberships), like
forum.visibility for posts: whoever calls them has asked accounts.permissions first, and the
moderation service that calls them adds its audit line and tells the member
(moderation/members.py)."""

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from accounts import signals
from accounts.models import INDEFINITELY, Restriction, User
from accounts.selectors import roles_of

COLUMNS = {Restriction.Kind.SUSPEND: "suspended_until", Restriction.Kind.SILENCE: "silenced_until"}
CACHED = {Restriction.Kind.SUSPEND: "current_suspension", Restriction.Kind.SILENCE: "current_silence"}


@transaction.atomic
def profile_update(*, user: User, display_name: str, bio: str) -> User:
    user.display_name = display_name
    user.bio = bio
    user.save(update_fields=["display_name", "bio"])
    return user


# --- Suspensions and silences ---------------------------------------------------------------


@dataclass(frozen=True)
class RestrictionChanged:
    restriction: Restriction | None  # the row written or lifted; None when nothing was in force
    replaced: Restriction | None  # a restriction in force that a new one ended
    before: dict
    after: dict

    def __bool__(self) -> bool:
        return self.restriction is not None


def _state(member: User, kind: str) -> dict:
    until = getattr(member, COLUMNS[kind])
    if until is None or until <= timezone.now():
        value = None
    else:
        value = "indefinitely" if until == INDEFINITELY else until.isoformat()
    return {COLUMNS[kind]: value}


def _locked(member: User) -> User:
    return User.objects.select_for_update(no_key=True).get(pk=member.pk)


def _set_column(member: User, locked: User, kind: str, until) -> None:
    setattr(locked, COLUMNS[kind], until)
    locked.save(update_fields=[COLUMNS[kind]])
    # The caller's copy of the member (often the very object a page holds) reads the new state.
    setattr(member, COLUMNS[kind], until)
    member.__dict__.pop(CACHED[kind], None)


def _end_in_force(member: User, kind: str, *, actor, now: dt.datetime) -> Restriction | None:
    current = Restriction.objects.in_force(now).filter(user=member, kind=kind).select_for_update().first()
    if current is not None:
        current.lifted_at, current.lifted_by = now, actor
        current.save(update_fields=["lifted_at", "lifted_by"])
    return current


@transaction.atomic
def restriction_impose(
    *, member: User, kind: str, ends_at: dt.datetime | None, reason: str, actor
) -> RestrictionChanged:
    """Suspend or silence `member` until `ends_at` (None: indefinitely). One in force at a time:
    a new one replaces the one running (which is marked lifted now, by `actor`)."""
    locked = _locked(member)
    before = _state(locked, kind)
    now = timezone.now()
    replaced = _end_in_force(locked, kind, actor=actor, now=now)
    restriction = Restriction.objects.create(
        user=locked, kind=kind, reason=reason, starts_at=now, ends_at=ends_at, imposed_by=actor
    )
    _set_column(member, locked, kind, ends_at or INDEFINITELY)
    signals.restriction_imposed.send(sender=Restriction, restriction=restriction)
    return RestrictionChanged(restriction, replaced, before, _state(locked, kind))


@transaction.atomic
def restriction_lift(*, member: User, kind: str, actor) -> RestrictionChanged:
    """End the suspension (or silence) in force now. Falsy when none was in force."""
    locked = _locked(member)
    before = _state(locked, kind)
    lifted = _end_in_force(locked, kind, actor=actor, now=timezone.now())
    if getattr(locked, COLUMNS[kind]) is not None:
        _set_column(member, locked, kind, None)
    return RestrictionChanged(lifted, None, before, _state(locked, kind))


# --- Roles ----------------------------------------------------------------------------------


@transaction.atomic
def role_set(*, member: User, group: str, grant: bool) -> tuple[bool, dict, dict]:
    """Add the member to a role group, or take them out. Returns (changed, before, after)."""
    _locked(member)  # two managers changing one member's roles take turns
    before = {"roles": roles_of(member)}
    group_row, _ = Group.objects.get_or_create(name=group)
    held = member.groups.filter(pk=group_row.pk).exists()
    if held == grant:
        return False, before, before
    if grant:
        member.groups.add(group_row)
    else:
        member.groups.remove(group_row)
    for cached in ("is_moderator", "is_community_manager"):
        member.__dict__.pop(cached, None)
    if hasattr(member, "_prefetched_objects_cache"):
        member._prefetched_objects_cache.pop("groups", None)
    return True, before, {"roles": roles_of(member)}
