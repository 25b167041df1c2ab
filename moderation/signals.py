"""Remembering, for the nav, that the member who logged in is a moderator.

The nav is on every page; asking the database about the member's groups there would add a
query to every page. The answer is kept in the session at login instead: a member made a
moderator sees the link from their next login, and every moderation page checks the group
itself, so a stale link can never grant anything."""

from django.contrib.auth.signals import user_logged_in
from django.dispatch import Signal, receiver

from moderation.permissions import is_moderator

NAV_SESSION_KEY = "moderation_nav"

# What moderation tells the apps above it (integrations' webhooks), sent inside the transaction
# that made the fact, as the forum does (forum/signals.py).
flag_raised = Signal()  # flag, post: the post as it is after the flag (hidden if flags hid it)


@receiver(user_logged_in, dispatch_uid="moderation.remember_moderator")
def remember_moderator(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        request.session[NAV_SESSION_KEY] = is_moderator(user)
