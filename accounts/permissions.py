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


def allow_edit_profile(user, member) -> None:
    allow_signed_in(user, "Log in to edit your profile.")
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
