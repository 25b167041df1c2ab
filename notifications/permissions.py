"""Who may do what with notifications and watches (the `allow_*` / `can_*` shape is explained in
accounts.permissions)."""

from django.core.exceptions import PermissionDenied

from accounts.permissions import allow_signed_in


def allow_read_notifications(user) -> None:
    """A member's own inbox: theirs alone (someone else's notification is a 404 to them)."""
    allow_signed_in(user, "Log in to see your notifications.")


def allow_read_notification(user, notification) -> None:
    allow_read_notifications(user)
    if notification.recipient_id != user.pk:
        raise PermissionDenied("This is not your notification.")


def allow_watch(user) -> None:
    """Watch questions and tags, and set email preferences."""
    allow_signed_in(user, "Log in to watch questions and tags.")
