"""Writes for in-app notifications and what members watch. Keyword-only and atomic.

`notify` is the one way a notification is made. The triggers (notifications/triggers.py) call it
inside the transaction of the fact they announce, so a rolled-back answer notifies nobody and a
committed one cannot lose its notifications. After commit, the new ids go to the email side
(`notifications.email.deliver_later`), which decides who is emailed and when.
"""

import logging
from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import Truncator

from notifications import permissions, selectors
from notifications.models import Kind, Notification, QuestionWatch, TagPreference

log = logging.getLogger(__name__)

TEXT_MAX = Notification._meta.get_field("text").max_length
URL_MAX = Notification._meta.get_field("url").max_length


def _user_ids(people: Iterable) -> list[int]:
    """Users or ids, in order, each once."""
    seen: dict[int, None] = {}
    for person in people:
        if person is None:
            continue
        pk = person if isinstance(person, int) else person.pk
        if pk is not None:
            seen.setdefault(pk, None)
    return list(seen)


def _deliver(ids: list[int]) -> None:
    # Imported here: the email side imports the models and tasks, and must not be loaded (or
    # able to break) the write that notifies.
    from notifications.email import deliver_later

    deliver_later(ids)


def _forget_counts_now_and_on_commit(user_ids: list[int]) -> None:
    # Now, for the rest of this request; on commit too, because a page read between now and the
    # commit would have cached the old number.
    selectors.forget_unread_counts(user_ids)
    transaction.on_commit(lambda: selectors.forget_unread_counts(user_ids), robust=True)


@transaction.atomic
def notify(
    *,
    recipients: Iterable,
    kind: str,
    actor,
    text: str,
    url: str,
    question=None,
    answer=None,
    comment=None,
) -> list[Notification]:
    """One notification per recipient (users or ids, duplicates ignored), never to the actor and
    never to an inactive member. Returns the notifications made."""
    if kind not in Kind.values:
        raise ValueError(f"Unknown notification kind {kind!r}.")
    actor_id = actor if isinstance(actor, int) or actor is None else actor.pk
    wanted = [pk for pk in _user_ids(recipients) if pk != actor_id]
    if not wanted:
        return []
    active = set(get_user_model().objects.filter(pk__in=wanted, is_active=True).values_list("pk", flat=True))
    now = timezone.now()
    text = Truncator(" ".join(text.split())).chars(TEXT_MAX)
    rows = [
        Notification(
            recipient_id=pk,
            kind=kind,
            actor_id=actor_id,
            question=question,
            answer=answer,
            comment=comment,
            text=text,
            url=url[:URL_MAX],
            created_at=now,
        )
        for pk in wanted
        if pk in active
    ]
    if not rows:
        return []
    created = Notification.objects.bulk_create(rows)
    _forget_counts_now_and_on_commit([row.recipient_id for row in created])
    ids = [row.pk for row in created]
    transaction.on_commit(lambda: _deliver(ids), robust=True)
    return created


# --- Reading --------------------------------------------------------------------------------


@transaction.atomic
def notification_mark_read(*, user, notification: Notification) -> bool:
    """Mark one of the member's notifications read. False when it already was."""
    permissions.allow_read_notification(user, notification)
    if notification.read_at is not None:
        return False
    now = timezone.now()
    changed = Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=now)
    notification.read_at = now
    if changed:
        _forget_counts_now_and_on_commit([user.pk])
    return bool(changed)


@transaction.atomic
def notifications_mark_all_read(*, user) -> int:
    """Mark every unread notification of the member read. Returns how many were unread."""
    permissions.allow_read_notifications(user)
    changed = Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    if changed:
        _forget_counts_now_and_on_commit([user.pk])
    return changed


# --- Watching questions ---------------------------------------------------------------------


@transaction.atomic
def question_watch(*, user, question, source: str = QuestionWatch.Source.MANUAL) -> bool:
    """Start watching. False when already watching (the first reason to watch is kept)."""
    permissions.allow_watch(user)
    if QuestionWatch.objects.filter(user=user, question=question).exists():
        return False
    try:
        with transaction.atomic():
            QuestionWatch.objects.create(user=user, question=question, source=source)
    except IntegrityError:  # a second click raced the first
        return False
    return True


@transaction.atomic
def question_unwatch(*, user, question) -> bool:
    """Stop watching. False when not watching."""
    permissions.allow_watch(user)
    deleted, _ = QuestionWatch.objects.filter(user=user, question=question).delete()
    return bool(deleted)


@transaction.atomic
def question_watch_toggle(*, user, question) -> bool:
    """Watch, or stop watching. Returns True when the member now watches the question."""
    if question_unwatch(user=user, question=question):
        return False
    question_watch(user=user, question=question)
    return True


# --- Watching and ignoring tags -------------------------------------------------------------


def _set_tag_mode(user, tag, mode: str) -> TagPreference:
    permissions.allow_watch(user)
    preference, _ = TagPreference.objects.update_or_create(user=user, tag=tag, defaults={"mode": mode})
    return preference


@transaction.atomic
def tag_watch(*, user, tag) -> TagPreference:
    """New questions in this tag notify the member (unless they also carry an ignored tag)."""
    return _set_tag_mode(user, tag, TagPreference.Mode.WATCH)


@transaction.atomic
def tag_ignore(*, user, tag) -> TagPreference:
    """Questions in this tag leave the member's default question list and notify nobody."""
    return _set_tag_mode(user, tag, TagPreference.Mode.IGNORE)


@transaction.atomic
def tag_preference_clear(*, user, tag) -> bool:
    """Neither watch nor ignore the tag. False when there was nothing to clear."""
    permissions.allow_watch(user)
    deleted, _ = TagPreference.objects.filter(user=user, tag=tag).delete()
    return bool(deleted)
