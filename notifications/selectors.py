"""Reads for the inbox, the bell and what a member watches, each in a fixed number of queries."""

import logging

from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.shortcuts import get_object_or_404
from taggit.models import TaggedItem

from notifications.models import Notification, QuestionWatch, TagPreference

log = logging.getLogger(__name__)

INBOX_PER_PAGE = 30
# The bell is on every page. Its number is cached per member and forgotten whenever it changes
# (notify, mark read); the timeout only bounds how stale a per-process cache (no Redis) can be.
UNREAD_COUNT_TIMEOUT = 60 * 60


def _unread_key(user_id: int) -> str:
    return f"notifications:unread:{user_id}"


def unread_count(user) -> int:
    """The member's unread notifications: from the cache on most pages, one COUNT otherwise."""
    if not (user and user.is_authenticated):
        return 0
    key = _unread_key(user.pk)
    try:
        cached = cache.get(key)
    except Exception:  # a cache outage costs a query, never the page
        log.warning("Could not read the unread count of user %s from the cache.", user.pk, exc_info=True)
        cached = None
    if cached is not None:
        return cached
    count = Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True).count()
    try:
        cache.set(key, count, UNREAD_COUNT_TIMEOUT)
    except Exception:
        log.warning("Could not cache the unread count of user %s.", user.pk, exc_info=True)
    return count


def forget_unread_counts(user_ids) -> None:
    """Called by the services when a member's unread count changes."""
    keys = [_unread_key(pk) for pk in set(user_ids)]
    if not keys:
        return
    try:
        cache.delete_many(keys)
    except Exception:
        log.warning("Could not clear cached unread counts %s.", keys, exc_info=True)


def inbox(user) -> QuerySet[Notification]:
    """The member's notifications, newest first."""
    return Notification.objects.filter(recipient=user).select_related("actor").order_by("-created_at", "-pk")


def notification_get(*, user, pk: int) -> Notification:
    """One of the member's own notifications; someone else's is a 404, as if it did not exist."""
    return get_object_or_404(Notification, pk=pk, recipient_id=user.pk)


# --- Watching ---------------------------------------------------------------------------------


def watcher_ids(question_id: int) -> list[int]:
    return list(
        QuestionWatch.objects.filter(question_id=question_id).order_by("pk").values_list("user_id", flat=True)
    )


def is_watching(user, question) -> bool:
    if not (user and user.is_authenticated):
        return False
    return QuestionWatch.objects.filter(user=user, question=question).exists()


def watch_annotation(viewer) -> dict:
    """`viewer_watching` for a question queryset, so a page learns the watch state of its viewer
    inside the query that loads the question (no query of its own)."""
    if not (viewer and viewer.is_authenticated):
        return {}
    watches = QuestionWatch.objects.filter(question=OuterRef("pk"), user_id=viewer.pk)
    return {"viewer_watching": Exists(watches)}


def tag_mode_annotation(viewer) -> dict:
    """`viewer_tag_mode` ("watch", "ignore" or None) for a tag queryset, in the same query."""
    if not (viewer and viewer.is_authenticated):
        return {}
    mode = TagPreference.objects.filter(tag=OuterRef("pk"), user_id=viewer.pk).values("mode")[:1]
    return {"viewer_tag_mode": Subquery(mode)}


def tag_mode(user, tag) -> str | None:
    if not (user and user.is_authenticated):
        return None
    return TagPreference.objects.filter(user=user, tag=tag).values_list("mode", flat=True).first()


def without_ignored_tags(questions: QuerySet, viewer) -> QuerySet:
    """Drop questions carrying any tag the viewer ignores, as a subquery of the list's own query."""
    if not (viewer and viewer.is_authenticated):
        return questions
    ignored = TagPreference.objects.filter(user_id=viewer.pk, mode=TagPreference.Mode.IGNORE).values("tag_id")
    tagged = TaggedItem.objects.filter(
        object_id=OuterRef("pk"),
        # The content type's id (remembered by Django after its first read), not a join on
        # django_content_type by app and model in every list query.
        content_type_id=ContentType.objects.get_for_model(questions.model).pk,
        tag_id__in=ignored,
    )
    return questions.exclude(Exists(tagged))


def tag_preferences(user) -> dict[str, list]:
    """The member's watched and ignored tags, by mode."""
    rows = TagPreference.objects.filter(user=user).select_related("tag").order_by("tag__name")
    by_mode: dict[str, list] = {mode: [] for mode in TagPreference.Mode.values}
    for row in rows:
        by_mode[row.mode].append(row.tag)
    return by_mode


# --- What notifications adds to the forum's pages (registered in apps.py) -----------------------


def thread_question(questions: QuerySet, viewer) -> QuerySet:
    """Whether the viewer watches the question (the Watch button), in the question's query."""
    return questions.annotate(**watch_annotation(viewer))


def question_list(questions: QuerySet, sort: str, tag, viewer) -> QuerySet:
    """With a viewer and no tag chosen, questions in tags the viewer ignores are left out."""
    if tag or viewer is None:
        return questions
    return without_ignored_tags(questions, viewer)


def tag_with_mode(tags: QuerySet, viewer) -> QuerySet:
    """With a viewer, a tag carries `viewer_tag_mode` (watch, ignore or None), same query."""
    return tags.annotate(**tag_mode_annotation(viewer))
