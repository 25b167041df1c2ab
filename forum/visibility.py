"""The one owner of whether a post is shown: delete, restore, hide (by flags), show again, hold
(for pre-moderation) and release.

Every change goes through `post_visibility_change`, which, in one transaction: locks the thread
and then the post (always in that order, so two changes cannot deadlock), sets the state,
recounts the counters that depend on it from the rows themselves (never by +1/-1, so no path can
drift or go below zero), records the reputation event (deleting a question or answer reverses
what it earned; restoring gives it back), reindexes the thread for search and tells whoever
needs telling. Whoever calls it has already asked permissions; moderation adds only its audit
line, from the returned before/after states.
"""

from dataclasses import dataclass
from enum import StrEnum

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from forum import signals
from forum.models import LINEAGE_RELATED, POST_MODELS, Answer, Comment, Question
from forum.search import search_index_question
from reputation import events as reputation_events


class Change(StrEnum):
    DELETE = "delete"
    RESTORE = "restore"
    HIDE = "hide"
    SHOW = "show"
    HOLD = "hold"
    RELEASE = "release"


# change -> (the field it sets or clears, whether it sets it)
_FIELDS = {
    Change.DELETE: ("deleted_at", True),
    Change.RESTORE: ("deleted_at", False),
    Change.HIDE: ("hidden_at", True),
    Change.SHOW: ("hidden_at", False),
    Change.HOLD: ("held_at", True),
    Change.RELEASE: ("held_at", False),
}
# What a counter counts: posts not deleted and not waiting for pre-moderation. A post hidden by
# flags still counts (it may come back when a moderator declines the flags).
COUNTED = Q(deleted_at__isnull=True, held_at__isnull=True)


@dataclass(frozen=True)
class VisibilityChanged:
    post: Question | Answer | Comment  # the post as it is now, read under its lock
    changed: bool  # False when the post was already in that state: nothing was written
    before: dict
    after: dict

    def __bool__(self) -> bool:
        return self.changed


def state(post) -> dict:
    """What the audit log keeps of a post's visibility before and after a change."""

    def iso(value):
        return value.isoformat() if value else None

    return {
        "deleted_at": iso(post.deleted_at),
        "deleted_by": post.deleted_by_id,
        "hidden_at": iso(post.hidden_at),
        "held_at": iso(post.held_at),
    }


def lock_post(post, *, with_thread: bool = True):
    """Lock the post's thread, then the post, and return the post read under the lock (with the
    posts above it read fresh). FOR NO KEY UPDATE serialises writers of these rows without
    blocking inserts that merely point at them (a new answer, a vote). A vote or a comment
    locks only its post (`with_thread=False`): that is enough to wait for a visibility change
    of that post, which holds the same lock, without making a busy thread's votes queue."""
    if with_thread and post.kind != "question":  # a question is its own thread: locked below
        Question.objects.select_for_update(no_key=True).filter(pk=post.thread_id).exists()
    return (
        POST_MODELS[post.kind]
        .objects.select_for_update(no_key=True, of=("self",))
        .select_related("author", *LINEAGE_RELATED[post.kind])
        .get(pk=post.pk)
    )


def recount(post) -> None:
    """Set the counters that depend on this post's visibility from the rows: the thread's
    answer count for an answer, the commented post's comment count for a comment."""
    if post.kind == "answer":
        question_id = post.question_id
        count = Answer.objects.filter(COUNTED, question_id=question_id).count()
        Question.objects.filter(pk=question_id).update(answer_count=count)
    elif post.kind == "comment":
        parent = post.parent
        count = Comment.objects.filter(COUNTED, **parent.as_filter()).count()
        type(parent).objects.filter(pk=parent.pk).update(comment_count=count)


def recount_answers(question_ids) -> None:
    """Recount several threads' answers at once (a merge moves answers between threads)."""
    counts = dict(
        Answer.objects.filter(COUNTED, question_id__in=question_ids)
        .values_list("question_id")
        .annotate(n=Count("pk"))
        .values_list("question_id", "n")
    )
    for question_id in question_ids:
        Question.objects.filter(pk=question_id).update(answer_count=counts.get(question_id, 0))


@transaction.atomic
def post_visibility_change(*, post, change: Change, actor=None) -> VisibilityChanged:
    """Apply one visibility change to a question, answer or comment. Idempotent: a post already
    in that state is returned unchanged (changed=False) and nothing is written."""
    change = Change(change)
    field, setting = _FIELDS[change]
    post = lock_post(post)
    before = state(post)
    if (getattr(post, field) is not None) == setting:
        return VisibilityChanged(post=post, changed=False, before=before, after=before)
    setattr(post, field, timezone.now() if setting else None)
    update_fields = [field]
    if field == "deleted_at":
        post.deleted_by = actor if setting else None
        update_fields.append("deleted_by")
    post.save(update_fields=update_fields)
    recount(post)
    if post.kind in ("question", "answer"):
        if change == Change.DELETE:
            reputation_events.record_post_deleted(post=post, actor=actor)
        elif change == Change.RESTORE:
            reputation_events.record_post_restored(post=post, actor=actor)
    search_index_question(post.thread_id)
    if change == Change.RELEASE:
        if post.kind == "answer":
            Question.objects.filter(pk=post.question_id).update(last_activity_at=timezone.now())
        signals.post_released.send(sender=type(post), post=post)  # now it is news: watchers, tags, mentions
    return VisibilityChanged(post=post, changed=True, before=before, after=state(post))
