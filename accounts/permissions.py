"""The shape every app's permissions.py follows, and the roles every rule starts from.

A rule is one `allow_<action>(user, ...)` function that returns nothing when the action is
allowed and raises PermissionDenied with the sentence the person sees when it is not (Misago's
style). The boolean that templates and lists use is derived from it with `boolean()`, so a
refusal is written once and the yes/no can never disagree with the message.

Staff status appears in no rule on purpose: it is a flair, shown and never privileged. Powers
come from reputation (accounts.privileges), the Moderators group, the Community managers group
(who run the site through the console and hold every moderator power; superusers count as
community managers), or (for escalation, the company's own care work) staff's care role in
insights.permissions.
"""

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils import timezone
from django.utils.dateformat import format as format_date

from accounts.models import COMMUNITY_MANAGERS_GROUP, INDEFINITELY, ROLE_GROUPS, Restriction, User


def is_signed_in(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def is_moderator(user) -> bool:
    return bool(user and user.is_authenticated and user.is_moderator)


def is_community_manager(user) -> bool:
    return bool(user and user.is_authenticated and user.is_community_manager)


def allow_signed_in(user, message: str) -> None:
    if not is_signed_in(user):
        raise PermissionDenied(message)


def allow_moderator(user, message: str = "Only moderators can do this.") -> None:
    if not is_moderator(user):
        raise PermissionDenied(message)


def allow_community_manager(user, message: str = "Only community managers can do this.") -> None:
    if not is_community_manager(user):
        raise PermissionDenied(message)


def boolean(allow: Callable[..., None]) -> Callable[..., bool]:
    """`can_x = boolean(allow_x)`: True where allow_x lets the action through."""

    @wraps(allow)
    def can(*args, **kwargs) -> bool:
        try:
            allow(*args, **kwargs)
        except PermissionDenied:
            return False
        return True

    can.__name__ = allow.__name__.replace("allow_", "can_", 1)
    return can


def refusal(allow: Callable[..., None], *args, **kwargs) -> str:
    """The sentence `allow` refuses with, or "" when it lets the action through: for a page that
    shows why a form is not offered."""
    try:
        allow(*args, **kwargs)
    except PermissionDenied as refused:
        return str(refused)
    return ""


def allow_edit_profile(user, member) -> None:
    allow_signed_in(user, "Log in to edit your profile.")
    allow_participate(user)
    if member.pk != user.pk:
        raise PermissionDenied("You can only edit your own profile.")


# The company's own logins (its OpenID Connect server or SAML identity provider, configured by
# COMMONPLACE_OIDC_* and COMMONPLACE_SAML_*), as opposed to social providers such as GitHub.
COMPANY_LOGIN_PROVIDERS = frozenset({"openid_connect", "saml"})


def allow_sign_up(*, provider: str | None = None) -> None:
    """Whether a new account may be created: by the sign-up form (no provider), or by a first
    login with a social provider or the company's login (the provider's allauth id)."""
    if provider in COMPANY_LOGIN_PROVIDERS:
        if not settings.COMMONPLACE_SSO_SIGNUP_OPEN:
            raise PermissionDenied(
                "New accounts cannot be created with the company login: ask the community's "
                "managers for an account."
            )
        return
    if not settings.COMMONPLACE_SIGNUP_OPEN:
        raise PermissionDenied("Sign-up is closed: this community is not taking new members right now.")


can_sign_up = boolean(allow_sign_up)
# --- Suspended and silenced members -----------------------------------------------------------


def until_phrase(ends_at) -> str:
    """ "until Dec 3, 2026, 14:00 UTC", or "indefinitely" for a restriction without an end."""
    if ends_at is None or ends_at >= INDEFINITELY:
        return "indefinitely"
    return f"until {format_date(timezone.localtime(ends_at), 'M j, Y, H:i T')}"


def _sentence(restriction: Restriction, state: str) -> str:
    reason = restriction.reason.strip().rstrip(".")
    return f"Your account is {state} {until_phrase(restriction.ends_at)}: {reason}."


def allow_participate(user) -> None:
    """A suspended member can log in and read, and takes no part: no posts, edits, votes,
    acceptances, flags, close votes, "I have this too", curating or profile changes. Every write
    rule of every app calls this right after allow_signed_in, so the web, the console and the API
    refuse alike, with the same sentence. Whether the member is suspended is read from their
    own row (no query); the reason costs one query, for a suspended member only."""
    suspension = getattr(user, "current_suspension", None)
    if suspension is not None:
        raise PermissionDenied(_sentence(suspension, "suspended"))


def allow_post_unreviewed(user) -> None:
    """A silenced member's new questions and answers wait for a moderator (forum.permissions.
    posts_held_for); what cannot wait in that queue (comments, edits, articles) is refused."""
    silence = getattr(user, "current_silence", None)
    if silence is not None:
        raise PermissionDenied(
            f"{_sentence(silence, 'silenced')} Until then your questions and answers wait for a "
            "moderator, and you can't comment or edit."
        )


can_participate = boolean(allow_participate)


def allow_see_restriction_details(user, member) -> None:
    """Everyone sees that a member is suspended, and until when (as Discourse shows it); why,
    and whether they are silenced at all, only the member themselves and moderators see."""
    if not (is_signed_in(user) and (user.pk == member.pk or is_moderator(user))):
        raise PermissionDenied("Only the member and moderators see why a member is suspended or silenced.")


can_see_restriction_details = boolean(allow_see_restriction_details)


# --- Running the community: roles, suspensions, silences ---------------------------------------


def other_community_managers(user) -> int:
    """How many community managers there are besides `user` (superusers count)."""
    managers = User.objects.filter(
        Q(groups__name=COMMUNITY_MANAGERS_GROUP) | Q(is_superuser=True), is_active=True
    )
    return managers.exclude(pk=user.pk).distinct().count()


def allow_change_role(user, member, group: str, *, grant: bool) -> None:
    """Community managers appoint and remove moderators and community managers. Superusers are
    community managers by their flag, not a group, so that role is theirs for good; and the last
    community manager cannot step down, or nobody could run the site."""
    allow_community_manager(user, "Only community managers can appoint or remove moderators.")
    allow_participate(user)
    if group not in ROLE_GROUPS:
        raise PermissionDenied("There is no such role.")
    if member.is_superuser:
        raise PermissionDenied(f"{member.name} is a superuser, and superusers are always community managers.")
    if not member.is_active:
        raise PermissionDenied(f"{member.name}'s account is closed.")
    if grant and member.is_suspended:
        raise PermissionDenied(f"{member.name} is suspended: lift the suspension before giving them a role.")
    if (
        not grant
        and group == COMMUNITY_MANAGERS_GROUP
        and member.pk == user.pk
        and not other_community_managers(user)
    ):
        raise PermissionDenied(
            "You are the last community manager: appoint another before you step down, "
            "or nobody could run the site."
        )


def allow_restrict(user, member) -> None:
    """Suspend or silence a member, or lift it: moderators and community managers; nobody
    themselves; a moderator never another moderator or a community manager; community managers
    moderators but not each other (take the role away first); nobody a superuser."""
    allow_moderator(user, "Only moderators and community managers can suspend or silence members.")
    allow_participate(user)
    if member.pk == user.pk:
        raise PermissionDenied("You can't suspend or silence yourself.")
    if member.is_superuser:
        raise PermissionDenied("Nobody can suspend or silence a superuser.")
    if is_community_manager(member):
        raise PermissionDenied(
            f"{member.name} is a community manager: remove that role before suspending or silencing them."
        )
    if is_moderator(member) and not is_community_manager(user):
        raise PermissionDenied(
            f"{member.name} is a moderator: only a community manager can suspend or silence them."
        )


def allow_remove_spammer(user, member) -> None:
    """Delete every post of a member, reverse what those posts earned, and suspend them
    indefinitely: community managers only, and never on a member they could not suspend."""
    allow_community_manager(user, "Only community managers can remove a spammer.")
    allow_restrict(user, member)


can_change_role = boolean(allow_change_role)
can_restrict = boolean(allow_restrict)
can_remove_spammer = boolean(allow_remove_spammer)


# --- API keys and integration accounts -------------------------------------------------------


def allow_manage_api_keys(user, owner) -> None:
    """Members create and revoke keys for themselves; community managers for integration
    accounts (is_bot), which cannot log in. Nobody holds keys to act as another member."""
    allow_signed_in(user, "Log in to manage API keys.")
    if owner.is_bot:
        allow_community_manager(user, "Only community managers can manage an integration account's keys.")
    elif owner.pk != user.pk:
        raise PermissionDenied("You can only manage your own API keys.")


def allow_create_api_key(user, owner, scopes) -> None:
    """A new key acts as its owner, so a suspended member makes none (revoking stays open to
    them); a key holds only scopes its owner could use at all."""
    allow_manage_api_keys(user, owner)
    allow_participate(user)
    if owner.pk != user.pk:
        allow_participate(owner)
    if not scopes:
        raise PermissionDenied("Choose at least one scope for the key.")
    if "moderate" in scopes and not is_moderator(owner):
        raise PermissionDenied(
            f"Only moderators' keys can have the moderate scope, and {owner.name} is not one."
        )
    if "manage" in scopes and not is_community_manager(owner):
        raise PermissionDenied(
            f"Only community managers' keys can have the manage scope, and {owner.name} is not one."
        )


def allow_api_scope(key, scope: str) -> None:
    """What an API key may be used for (a browser session holds every scope: it is the member
    at the keyboard). Its owner's own rules are asked after this, as for any request."""
    if key is not None and not key.has_scope(scope):
        raise PermissionDenied(
            f"This API key does not have the {scope} scope (it has: {', '.join(key.scope_labels())}). "
            f"Create a key with the {scope} scope for this."
        )


def allow_create_integration_account(user) -> None:
    """Integration accounts, and their keys, are community managers' to create and look after
    (the console's Integrations pages ask this too)."""
    allow_community_manager(user, "Only community managers can manage integration accounts.")
    allow_participate(user)


can_manage_api_keys = boolean(allow_manage_api_keys)
can_create_api_key = boolean(allow_create_api_key)
can_create_integration_account = boolean(allow_create_integration_account)


# --- Erasing an account (privacy/erasure.py does it) -------------------------------------------


def allow_erase_account(user, member) -> None:
    """Members erase their own account (the page asks for their password, or a fresh login with
    their provider, first); a suspension does not stop them, since the right to erasure is not a
    way of taking part. Community managers erase other members' accounts, as they remove
    spammers, but never a community manager's (take the role away first) nor a superuser's
    (whose flag only the server's operator sets). The last community manager cannot go, or
    nobody could run the site."""
    allow_signed_in(user, "Log in to delete your account.")
    if member.erased_at is not None:
        raise PermissionDenied("This account is already erased.")
    if member.pk == user.pk:
        if member.is_superuser:
            raise PermissionDenied(
                "A superuser's account can't be deleted here: whoever runs the server takes the "
                "superuser flag away first (Django's admin or the shell)."
            )
        if is_community_manager(member) and not other_community_managers(member):
            raise PermissionDenied(
                "You are the last community manager: appoint another before you delete your "
                "account, or nobody could run the site."
            )
        return
    allow_community_manager(user, "Only community managers can erase someone else's account.")
    allow_participate(user)
    if member.is_superuser:
        raise PermissionDenied("Nobody can erase a superuser's account here.")
    if is_community_manager(member):
        raise PermissionDenied(
            f"{member.name} is a community manager: remove that role before erasing their account."
        )


can_erase_account = boolean(allow_erase_account)
