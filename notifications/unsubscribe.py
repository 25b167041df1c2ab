"""Signed one-click unsubscribe links: they work without logging in, from any mail client.

A token is `django.core.signing.dumps({"u": user id, "k": kinds or "all"})` with its own salt:
nobody can forge one for another member or widen it to other kinds, and it never expires
(an unsubscribe link in a months-old email must still work, RFC 8058 expects that).
"""

from collections.abc import Iterable

from django.conf import settings
from django.core import signing
from django.urls import reverse

from notifications.models import Kind

SALT = "notifications.email.unsubscribe"
ALL = "all"


class BadToken(Exception):
    """The link was cut short, altered, or signed with another key."""


def make_token(*, user_id: int, kinds: Iterable[str] | str = ALL) -> str:
    chosen = ALL if kinds == ALL else sorted(set(kinds))
    return signing.dumps({"u": user_id, "k": chosen}, salt=SALT, compress=True)


def read_token(token: str) -> tuple[int, list[str]]:
    """The member id and the kinds the link stops (every kind when it was made for "all")."""
    try:
        payload = signing.loads(token, salt=SALT)
        user_id, kinds = int(payload["u"]), payload["k"]
    except (signing.BadSignature, KeyError, TypeError, ValueError) as error:
        raise BadToken(str(error)) from error
    if kinds == ALL:
        return user_id, list(Kind.values)
    if not isinstance(kinds, list) or not kinds or not set(kinds) <= set(Kind.values):
        raise BadToken("unknown kinds")
    return user_id, kinds


def absolute_url(path: str) -> str:
    """Emails are read away from any request: links are built on COMMONPLACE_SITE_URL."""
    if path.startswith(("http://", "https://")):
        return path
    return settings.COMMONPLACE_SITE_URL.rstrip("/") + "/" + path.lstrip("/")


def unsubscribe_url(*, user_id: int, kinds: Iterable[str] | str = ALL) -> str:
    token = make_token(user_id=user_id, kinds=kinds)
    return absolute_url(reverse("notifications:unsubscribe", kwargs={"token": token}))
