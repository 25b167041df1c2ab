import hmac
from collections.abc import Iterable

from django.db.models import Count, Q
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.functional import SimpleLazyObject, empty

from accounts.models import COMMUNITY_MANAGERS_GROUP, MODERATING_GROUPS, ROLE_GROUPS, ApiKey, User


def member(user):
    """The object behind `request.user` (evaluated now), or `user` itself if not lazy."""
    if isinstance(user, SimpleLazyObject):
        if user._wrapped is empty:
            user._setup()
        return user._wrapped
    return user


def mark_moderators(users: Iterable[User]) -> None:
    """Settle `is_moderator` and `is_community_manager` for every member on a page with one
    query, instead of one groups query per member (or per prefetch level)."""
    # The member itself, not `request.user`'s lazy wrapper: a value set in the wrapper's own
    # __dict__ would be seen through it but not by templates, which get the member (context
    # processor `accounts.context_processors.auth`).
    people = [member(user) for user in users if user is not None and user.pk]
    if not people:
        return
    memberships = User.groups.through.objects.filter(
        user_id__in={user.pk for user in people}, group__name__in=MODERATING_GROUPS
    ).values_list("user_id", "group__name")
    moderators, managers = set(), set()
    for user_id, group in memberships:
        moderators.add(user_id)
        if group == COMMUNITY_MANAGERS_GROUP:
            managers.add(user_id)
    for user in people:  # the same member may appear as several instances (author, commenter)
        user.__dict__["is_moderator"] = user.is_active and (user.is_superuser or user.pk in moderators)
        user.__dict__["is_community_manager"] = user.is_active and (user.is_superuser or user.pk in managers)


def viewer_shape(viewer) -> tuple:
    """Everything the permission rules read about a viewer apart from their id and reputation:
    what a query compiled for one viewer may be reused for another with (prepared/__init__.py).
    Settles the roles with a query when mark_moderators() has not."""
    if viewer is None or not viewer.is_authenticated:
        return ("anonymous",)
    viewer = member(viewer)
    return (
        "member",
        viewer.is_active,
        viewer.is_superuser,
        viewer.is_staff,
        viewer.is_bot,
        viewer.is_moderator,
        viewer.is_community_manager,
        viewer.is_suspended,
        viewer.is_silenced,
    )


def member_get(username: str) -> User:
    """A member by username, as their public pages show them: a closed account is a 404, except
    an erased one, whose posts and ledger stay public under its anonymous name."""
    return get_object_or_404(
        User.objects.filter(Q(is_active=True) | Q(erased_at__isnull=False)), username=username
    )


def member_looking_like(skeleton: str, *, other_than: User | None = None) -> User | None:
    """Another member whose username or display name has this skeleton (accounts/lookalikes.py):
    who a new name could be mistaken for. Closed accounts count too: their names still sign old
    posts."""
    if not skeleton:
        return None
    members = User.objects.filter(Q(username_skeleton=skeleton) | Q(display_name_skeleton=skeleton))
    if other_than is not None and other_than.pk:
        members = members.exclude(pk=other_than.pk)
    return members.order_by("pk").first()


def roles_of(member: User) -> list[str]:
    """The role groups the member belongs to, by name (a superuser's role is their flag, not a
    group). One query."""
    names = member.groups.filter(name__in=ROLE_GROUPS).values_list("name", flat=True)
    return sorted(names)


def api_key_for_token(token: str):
    """The key a `cp_<prefix>_<secret>` token names, with its owner, whether live or not (the
    caller says why a revoked or expired key is refused); None when no key has this secret.
    The secret's hash is compared in constant time."""
    parts = ApiKey.split_token(token)
    if parts is None:
        return None
    prefix, secret = parts
    key = ApiKey.objects.select_related("owner").filter(prefix=prefix).first()
    if key is None or not hmac.compare_digest(key.secret_hash, ApiKey.hash_secret(secret)):
        return None
    return key


def api_keys_of(owner):
    """The member's keys, newest first, revoked ones included (shown as revoked)."""
    return ApiKey.objects.filter(owner=owner).select_related("created_by")


def integration_accounts():
    """The integration accounts (bots), with how many live keys each holds."""
    live = Q(api_keys__revoked_at__isnull=True) & (
        Q(api_keys__expires_at__isnull=True) | Q(api_keys__expires_at__gt=timezone.now())
    )
    return (
        User.objects.filter(is_bot=True)
        .annotate(live_keys=Count("api_keys", filter=live))
        .order_by("username")
    )
