"""Counting a member's unread notifications when they log in.

The bell is on every page, and its number is cached per member. Counting at login, rather than
on the first page after it, keeps that page (often a busy one, such as search) within its query
budget; later pages read the cache until a notification arrives or is read."""

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from notifications import selectors


@receiver(user_logged_in, dispatch_uid="notifications.count_unread_at_login")
def count_unread_at_login(sender, request, user, **kwargs):
    selectors.unread_count(user)


def connect() -> None:
    """The forum tells of its facts by signals (forum/signals.py), sent in the fact's
    transaction; each one runs the trigger of the same name, so the notification rows commit or
    roll back with the fact. Called once, from NotificationsConfig.ready()."""
    from forum import signals as forum_signals
    from notifications import triggers

    for name in (
        "question_created",
        "answer_created",
        "comment_created",
        "post_edited",
        "answer_accepted",
        "answer_also_helped",
        "post_released",
    ):
        getattr(forum_signals, name).connect(
            _receiver(getattr(triggers, name)), weak=False, dispatch_uid=f"notifications.{name}"
        )


def _receiver(trigger):
    def receive(sender, signal=None, **kwargs):
        trigger(**kwargs)

    return receive
