"""Writes about members. Keyword-only, atomic.

The restriction and role writes here are the one owner of that state (Restriction rows and the
suspended_until / silenced_until columns that summarise them; group memberships), like
forum.visibility for posts: whoever calls them has asked accounts.permissions first, and the
moderation service that calls them adds its audit line and tells the member
(moderation/members.py)."""

import datetime as dt
import secrets
from dataclasses import dataclass

from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts import permissions, signals
from accounts.models import INDEFINITELY, ApiKey, Restriction, User
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


# --- API keys and integration accounts ---------------------------------------------------------

# The last-used time is written at most this often per key, not on every request.
API_KEY_TOUCH_SECONDS = 60


@dataclass(frozen=True)
class NewApiKey:
    key: ApiKey
    token: str  # `cp_<prefix>_<secret>`: shown once, never stored


@transaction.atomic
def api_key_create(*, owner: User, name: str, scopes: list[str], expires_at=None, actor: User) -> NewApiKey:
    """A new key for `owner` with 32 random bytes of secret; only its SHA-256 is kept."""
    permissions.allow_create_api_key(actor, owner, scopes)
    secret = secrets.token_urlsafe(32)
    while True:
        prefix = secrets.token_hex(6)
        if not ApiKey.objects.filter(prefix=prefix).exists():
            break
    key = ApiKey.objects.create(
        name=name,
        owner=owner,
        prefix=prefix,
        secret_hash=ApiKey.hash_secret(secret),
        scopes=[scope for scope in ApiKey.Scope.values if scope in scopes],
        expires_at=expires_at,
        created_by=actor,
    )
    return NewApiKey(key=key, token=f"{ApiKey.TOKEN_START}{prefix}_{secret}")


@transaction.atomic
def api_key_revoke(*, key: ApiKey, actor: User) -> bool:
    """Revoke at once; the row stays, shown as revoked. False when it already was."""
    permissions.allow_manage_api_keys(actor, key.owner)
    now = timezone.now()
    revoked = ApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(revoked_at=now)
    if revoked:
        key.revoked_at = now
    return bool(revoked)


def api_key_used(*, key: ApiKey) -> None:
    """Note that the key authenticated a request: at most one write a minute per key."""
    now = timezone.now()
    recent = now - dt.timedelta(seconds=API_KEY_TOUCH_SECONDS)
    if key.last_used_at is not None and key.last_used_at > recent:
        return
    ApiKey.objects.filter(pk=key.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lte=recent)
    ).update(last_used_at=now)
    key.last_used_at = now


@transaction.atomic
def integration_account_create(*, username: str, display_name: str, actor: User) -> User:
    """An account for a program (a helpdesk, a CRM): it cannot log in with a password, acts only
    through the keys a community manager gives it, and is shown with the Bot flair."""
    permissions.allow_create_integration_account(actor)
    account = User(username=username, display_name=display_name, is_bot=True)
    account.set_unusable_password()
    account.save()
    return account
