"""Every write in the forum with a rule or a side effect. Keyword-only, atomic."""

import hashlib
import logging
import uuid

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone

from forum import pagecache, permissions, signals, visibility
from forum.limits import check_edit_allowed, check_post_allowed
from forum.markdown import render_markdown
from forum.models import (
    ALSO_HELPED_MAX,
    AlsoHelped,
    Answer,
    Comment,
    Question,
    Revision,
    SuggestedEdit,
    Vote,
)
from forum.search import search_index_question
from forum.titles import visible_title
from reputation import events as reputation_events
from reputation.events import award_badges_later

log = logging.getLogger(__name__)


def _tags_text(names) -> str:
    return " ".join(sorted(names))


def _touch_question(question_id: int, **counters) -> None:
    """Bump last activity (and any counters by the given deltas) without a lost update."""
    updates = {name: F(name) + delta for name, delta in counters.items()}
    Question.objects.filter(pk=question_id).update(last_activity_at=timezone.now(), **updates)


def _first_post_held_at(author):
    """With pre-moderation on, a new account's first post (no question or answer before it)
    waits for a moderator in /moderation/review/. Moderators' posts are never held. A silenced
    member's posts all wait there."""
    if permissions.posts_held_for(author):
        return timezone.now()
    if not permissions.first_posts_held_for(author):
        return None
    if Question.objects.filter(author=author).exists() or Answer.objects.filter(author=author).exists():
        return None
    return timezone.now()


def _next_revision_number(post) -> int:
    current = Revision.objects.filter(**post.as_filter()).aggregate(n=Max("number"))["n"]
    return (current or 0) + 1


def _record_revision(post, *, editor, summary: str = "") -> Revision:
    return Revision.objects.create(
        **post.as_filter(),
        number=_next_revision_number(post),
        title=getattr(post, "title", ""),
        body=post.body,
        # Only questions have tags (a type-specific field, not a branch on the type).
        tags=_tags_text(post.tags.names()) if hasattr(post, "tags") else "",
        editor=editor,
        summary=summary,
    )


def question_create(
    *, author, title: str, body: str, tags: list[str], submission_token: uuid.UUID | None = None
) -> tuple[Question, bool]:
    """Returns (question, created). A repeated submission token returns the first question."""
    permissions.allow_ask(author)
    title = visible_title(title)
    if submission_token:
        existing = Question.objects.filter(author=author, submission_token=submission_token).first()
        if existing:
            return existing, False
    try:
        with transaction.atomic():
            check_post_allowed(author=author, kind="question", body=body, submission_token=submission_token)
            now = timezone.now()
            question = Question.objects.create(
                title=title,
                body=body,
                body_html=render_markdown(body),
                author=author,
                created_at=now,
                last_activity_at=now,
                submission_token=submission_token,
                held_at=_first_post_held_at(author),
            )
            question.tags.set(tags)
            _record_revision(question, editor=author)
            search_index_question(question.pk)
            signals.question_created.send(sender=Question, question=question)
    except IntegrityError:
        # Two copies of one form raced past the check above; the first one won.
        existing = Question.objects.filter(author=author, submission_token=submission_token).first()
        if existing is None:
            raise
        return existing, False
    return question, True


@transaction.atomic
def question_edit(*, question: Question, editor, title: str, body: str, tags: list[str], summary: str = ""):
    """Returns the new Revision, or None when nothing changed. An edit that changes something
    counts against the editor's limits (forum.limits.check_edit_allowed)."""
    question = _lock_for_edit(question, editor)
    if _question_unchanged(question, title=title, body=body, tags=tags):
        return None
    check_edit_allowed(editor=editor, before=question.body, after=body)
    return _apply_question_edit(question, editor=editor, title=title, body=body, tags=tags, summary=summary)


def _lock_for_edit(post, editor):
    """Ask, lock the thread and the post, and ask again as the post is now: an edit checked
    before a deletion (or a hold, or a lock) committed is refused, not applied to a post no one
    may touch any more."""
    permissions.allow_edit(editor, post)
    post = visibility.lock_post(post)
    permissions.allow_edit(editor, post)
    return post


def _question_unchanged(question: Question, *, title: str, body: str, tags: list[str]) -> bool:
    return question.title == title and question.body == body and sorted(question.tags.names()) == sorted(tags)


def _apply_question_edit(question: Question, *, editor, title: str, body: str, tags: list[str], summary: str):
    """The edit itself, for callers that have already decided it may happen (a direct edit by
    someone who may edit, or an approved suggestion credited to its suggester)."""
    title = visible_title(title)
    question = Question.objects.select_for_update().get(pk=question.pk)
    if _question_unchanged(question, title=title, body=body, tags=tags):
        return None
    previous_html = question.body_html
    now = timezone.now()
    question.title = title
    question.body = body
    question.body_html = render_markdown(body)
    question.edited_at = now
    question.last_activity_at = now
    question.save(update_fields=["title", "slug", "body", "body_html", "edited_at", "last_activity_at"])
    question.tags.set(tags)
    search_index_question(question.pk)
    signals.post_edited.send(sender=Question, post=question, editor=editor, previous_html=previous_html)
    return _record_revision(question, editor=editor, summary=summary)


def answer_create(
    *, question: Question, author, body: str, submission_token: uuid.UUID | None = None
) -> tuple[Answer, bool]:
    permissions.allow_answer(author, question)
    if submission_token:
        existing = Answer.objects.filter(author=author, submission_token=submission_token).first()
        if existing:
            return existing, False
    try:
        with transaction.atomic():
            check_post_allowed(author=author, kind="answer", body=body, submission_token=submission_token)
            held_at = _first_post_held_at(author)
            answer = Answer.objects.create(
                question=question,
                body=body,
                body_html=render_markdown(body),
                author=author,
                submission_token=submission_token,
                held_at=held_at,
            )
            _record_revision(answer, editor=author)
            if held_at is None:  # a held answer is counted when a moderator releases it
                _touch_question(question.pk, answer_count=1)
            transaction.on_commit(lambda: award_badges_later(author.pk))
            search_index_question(question.pk)
            signals.answer_created.send(sender=Answer, answer=answer)
    except IntegrityError:
        existing = Answer.objects.filter(author=author, submission_token=submission_token).first()
        if existing is None:
            raise
        return existing, False
    return answer, True


@transaction.atomic
def answer_edit(*, answer: Answer, editor, body: str, summary: str = ""):
    """Returns the new Revision, or None when nothing changed (see question_edit)."""
    answer = _lock_for_edit(answer, editor)
    if answer.body == body:
        return None
    check_edit_allowed(editor=editor, before=answer.body, after=body)
    return _apply_answer_edit(answer, editor=editor, body=body, summary=summary)


def _apply_answer_edit(answer: Answer, *, editor, body: str, summary: str):
    answer = Answer.objects.select_for_update().get(pk=answer.pk)
    if answer.body == body:
        return None
    previous_html = answer.body_html
    answer.body = body
    answer.body_html = render_markdown(body)
    answer.edited_at = timezone.now()
    answer.save(update_fields=["body", "body_html", "edited_at"])
    _touch_question(answer.question_id)
    search_index_question(answer.question_id)
    signals.post_edited.send(sender=Answer, post=answer, editor=editor, previous_html=previous_html)
    return _record_revision(answer, editor=editor, summary=summary)


def revision_rollback(*, revision: Revision, editor):
    """Restore an earlier revision's content as a new revision (history is never rewritten)."""
    summary = f"Rolled back to revision {revision.number}"
    if revision.question_id:
        question = revision.question
        return question_edit(
            question=question,
            editor=editor,
            title=revision.title,
            body=revision.body,
            tags=revision.tags.split(),
            summary=summary,
        )
    return answer_edit(answer=revision.answer, editor=editor, body=revision.body, summary=summary)


def comment_create(
    *, post, author, body: str, submission_token: uuid.UUID | None = None
) -> tuple[Comment, bool]:
    permissions.allow_comment(author, post)
    if submission_token:
        existing = Comment.objects.filter(author=author, submission_token=submission_token).first()
        if existing:
            return existing, False
    try:
        with transaction.atomic():
            post = visibility.lock_post(post, with_thread=False)
            permissions.allow_comment(author, post)  # again, as the post is now: not deleted meanwhile
            check_post_allowed(author=author, kind="comment", body=body, submission_token=submission_token)
            comment = Comment.objects.create(
                **post.as_filter(),
                body=body,
                body_html=render_markdown(body),
                author=author,
                submission_token=submission_token,
            )
            type(post).objects.filter(pk=post.pk).update(comment_count=F("comment_count") + 1)
            _touch_question(post.thread_id)
            signals.comment_created.send(sender=Comment, comment=comment)
    except IntegrityError:
        existing = Comment.objects.filter(author=author, submission_token=submission_token).first()
        if existing is None:
            raise
        return existing, False
    return comment, True


@transaction.atomic
def vote_cast(*, voter, post, value: int) -> Vote:
    """Cast, change (value 1/-1) or retract (value 0) a vote. The post's score moves by the
    difference in one UPDATE ... SET score = score + delta, so concurrent votes all count.
    Each change records a reputation event in the same transaction."""
    if value not in (Vote.UP, Vote.DOWN, Vote.RETRACTED):
        raise ValidationError("A vote is 1 (up), -1 (down) or 0 (retract).")
    permissions.allow_vote(voter, post, value)
    # Lock the post, then ask again: a moderator who deleted it meanwhile has committed by now,
    # and one deleting it next waits for this vote (and its ledger event) to commit first.
    post = visibility.lock_post(post, with_thread=False)
    permissions.allow_vote(voter, post, value)
    mine = {"voter": voter, **post.as_filter()}
    vote = Vote.objects.select_for_update().filter(**mine).first()
    if vote is None:
        if value == Vote.RETRACTED:
            return Vote(value=Vote.RETRACTED, **mine)
        try:
            with transaction.atomic():
                # A first vote is inserted with its value: one statement, no UPDATE after.
                vote = Vote.objects.create(value=value, **mine)
            delta = value
        except IntegrityError:
            # The same person's second click raced the first: take the row it created.
            vote = Vote.objects.select_for_update().get(**mine)
            delta = None
    else:
        delta = None
    if delta is None:
        delta = value - vote.value
        if delta == 0:
            return vote
        vote.value = value
        vote.updated_at = timezone.now()
        vote.save(update_fields=["value", "updated_at"])
    model = type(post)
    model.objects.filter(pk=post.pk).update(score=F("score") + delta)
    # The post's row is locked (lock_post above) until commit: no other vote moved its score
    # since it was read, so the new score needs no second read.
    reputation_events.record_vote(vote=vote, actor=voter, score=post.score + delta)
    return vote


@transaction.atomic
def answer_accept_toggle(*, answer: Answer, user, accept: bool | None = None) -> bool:
    """Accept the answer, or unaccept it if it is the accepted one. Returns True when accepted.
    Accepting another answer moves the acceptance: one accepted answer at a time. With `accept`
    (the API's POST and DELETE) the answer ends up accepted or not, whatever it was: asking for
    what already holds changes nothing, so a retried request is harmless."""
    permissions.allow_accept(user, answer)
    answer = visibility.lock_post(answer)  # the thread, then the answer: as a deletion locks them
    permissions.allow_accept(user, answer)  # again, as it is now: not deleted or hidden meanwhile
    question = Question.objects.select_for_update().get(pk=answer.question_id)
    currently = question.accepted_answer_id == answer.pk
    accepted = not currently if accept is None else accept
    if accepted == currently:
        return accepted
    previous = question.accepted_answer
    question.accepted_answer = answer if accepted else None
    question.last_activity_at = timezone.now()
    question.save(update_fields=["accepted_answer", "last_activity_at"])
    if previous is not None:
        reputation_events.record_accept(answer=previous, actor=user, on=False)
    if accepted:
        # The accepted answer is not "also" helpful: drop its mark and take back its +5.
        if AlsoHelped.objects.filter(answer=answer).delete()[0]:
            reputation_events.record_also_helped(answer=answer, actor=user, on=False)
        reputation_events.record_accept(answer=answer, actor=user, on=True)
        signals.answer_accepted.send(sender=Answer, answer=answer, actor=user)
        if previous is None:
            signals.question_solved.send(sender=Question, question=question, answer=answer, actor=user)
    return accepted


@transaction.atomic
def answer_also_helped_toggle(*, answer: Answer, user, mark: bool | None = None) -> bool:
    """The asker marks (or unmarks) up to 3 answers besides the accepted one as having also
    helped. Returns True when marked. With `mark` (the API's POST and DELETE) the answer ends up
    marked or not, whatever it was: asking for what already holds changes nothing."""
    permissions.allow_mark_also_helped(user, answer)
    answer = visibility.lock_post(answer)
    permissions.allow_mark_also_helped(user, answer)  # again, as it is now
    question = Question.objects.select_for_update().get(pk=answer.question_id)
    existing = AlsoHelped.objects.filter(answer=answer).first()
    wanted = existing is None if mark is None else mark
    if wanted and question.accepted_answer_id == answer.pk:
        raise ValidationError("This is the accepted answer already.")
    if not wanted:
        if existing:
            existing.delete()
            reputation_events.record_also_helped(answer=answer, actor=user, on=False)
        return False
    if existing:
        return True
    # Counted over the thread's answers, not the marks made on this question: a merge brings
    # the duplicate's marks along (moderation.closing.question_merge keeps at most 3).
    if AlsoHelped.objects.filter(answer__question=question).count() >= ALSO_HELPED_MAX:
        raise ValidationError(f"You can mark at most {ALSO_HELPED_MAX} answers as also helped.")
    AlsoHelped.objects.create(question=question, answer=answer)
    reputation_events.record_also_helped(answer=answer, actor=user, on=True)
    signals.answer_also_helped.send(sender=Answer, answer=answer, actor=user)
    return True


@transaction.atomic
def question_outcome_posted(*, question: Question, at) -> bool:
    """Record that the company answered the thread with the public outcome of a private
    follow-up (insights calls this when staff post one): it leaves the help queues and the
    sitemap. Idempotent: False when an outcome was already recorded."""
    posted = bool(Question.objects.filter(pk=question.pk, outcome_at__isnull=True).update(outcome_at=at))
    if posted:
        pagecache.question_changed(question.pk)
    return posted


# Views are counted in the cache, not the database: reading a question writes nothing (no
# session, no UPDATE), so a crawl or a crowd of anonymous readers costs the database nothing.
# A visitor (a member, or an anonymous reader's address and browser) counts once per question
# per VIEW_WINDOW_SECONDS; the counts wait in the cache and `view_counts_flush` (beat job
# forum-flush-view-counts, every minute) adds them to Question.view_count.
VIEW_WINDOW_SECONDS = 3600
VIEW_FLUSH_BATCH = 1000


def _pending_views_key(question_id: int) -> str:
    return f"forum:views:pending:{question_id}"


def question_view_key(*, question_id: int, visitor: str) -> str:
    """The cache key that marks `visitor` as having viewed the question (within the window)."""
    digest = hashlib.sha256(visitor.encode()).hexdigest()[:24]
    return f"forum:views:seen:{question_id}:{digest}"


def question_record_view(*, question_id: int, visitor: str, seen_mark_new: bool | None = None) -> bool:
    """Count one view of the question by `visitor` unless they viewed it within the window.
    Never raises and never touches the database: with the cache down the view goes uncounted.
    `seen_mark_new`: the caller has already added the visitor's mark (question_view_key, the
    page cache does it in its read) and says whether it was new; None: add it here."""
    try:
        if seen_mark_new is None:
            key = question_view_key(question_id=question_id, visitor=visitor)
            seen_mark_new = cache.add(key, 1, timeout=VIEW_WINDOW_SECONDS)
        if not seen_mark_new:
            return False
        key = _pending_views_key(question_id)
        if not cache.add(key, 1, timeout=None):
            cache.incr(key)
    except Exception:  # a view count is not worth failing or slowing a page for
        log.warning("Could not count a view of question %s.", question_id, exc_info=True)
        return False
    return True


def view_counts_flush() -> int:
    """Add the views waiting in the cache to the questions' counts; returns how many views.
    Safe to run concurrently with counting: it subtracts what it added, never deletes."""
    flushed = 0
    ids = Question.objects.order_by("pk").values_list("pk", flat=True).iterator(chunk_size=VIEW_FLUSH_BATCH)
    batch: list[int] = []
    for question_id in ids:
        batch.append(question_id)
        if len(batch) == VIEW_FLUSH_BATCH:
            flushed += _flush_views(batch)
            batch = []
    return flushed + (_flush_views(batch) if batch else 0)


def _flush_views(question_ids: list[int]) -> int:
    pending = cache.get_many([_pending_views_key(pk) for pk in question_ids])
    flushed = 0
    for question_id in question_ids:
        count = pending.get(_pending_views_key(question_id)) or 0
        if count <= 0:
            continue
        Question.objects.filter(pk=question_id).update(view_count=F("view_count") + count)
        pagecache.question_changed(question_id)  # the page says how many times it was viewed
        cache.decr(_pending_views_key(question_id), count)
        flushed += count
    return flushed


# --- Suggested edits ------------------------------------------------------------------------


@transaction.atomic
def suggested_edit_create(
    *, post, editor, title: str = "", body: str, tags: list[str] | None = None, summary: str = ""
) -> SuggestedEdit:
    """Below the edit privilege, an edit of someone else's post waits here for review. The post
    itself does not change. Title and tags are ignored for answers."""
    permissions.allow_suggest_edit(editor, post)
    post = visibility.lock_post(post)
    permissions.allow_suggest_edit(editor, post)  # again, as the post is now
    if post.kind == "question":
        tags = tags or []
        unchanged = _question_unchanged(post, title=title, body=body, tags=tags)
        tags_text = _tags_text(tags)
    else:
        unchanged = post.body == body
        title, tags_text = "", ""
    if unchanged:
        raise ValidationError("That suggestion changes nothing.")
    already = "You already have a suggested edit of this post awaiting review."
    pending = SuggestedEdit.objects.filter(
        editor=editor, status=SuggestedEdit.Status.PENDING, **post.as_filter()
    )
    if pending.exists():
        raise ValidationError(already)
    check_edit_allowed(editor=editor, before=post.body, after=body)
    try:
        with transaction.atomic():
            return SuggestedEdit.objects.create(
                **post.as_filter(),
                editor=editor,
                title=title,
                body=body,
                tags=tags_text,
                summary=summary,
                base_revision=_next_revision_number(post) - 1,
            )
    except IntegrityError as exc:  # a second copy of the form raced this one
        raise ValidationError(already) from exc


def _lock_pending(suggested_edit: SuggestedEdit, reviewer) -> SuggestedEdit:
    permissions.allow_review_suggested_edit(reviewer, suggested_edit)
    locked = SuggestedEdit.objects.select_for_update().select_related("editor").get(pk=suggested_edit.pk)
    if not locked.is_pending:
        raise ValidationError(f"This suggested edit was already {locked.get_status_display().lower()}.")
    return locked


@transaction.atomic
def suggested_edit_approve(*, suggested_edit: SuggestedEdit, reviewer) -> SuggestedEdit:
    """Apply the suggestion as a new revision credited to its suggester, and reward them.
    The row is locked and must still be pending, so approving twice applies (and pays) once."""
    suggested_edit = _lock_pending(suggested_edit, reviewer)
    post = suggested_edit.post
    if suggested_edit.question_id:
        _apply_question_edit(
            post,
            editor=suggested_edit.editor,
            title=suggested_edit.title,
            body=suggested_edit.body,
            tags=suggested_edit.tags.split(),
            summary=suggested_edit.summary,
        )
    else:
        _apply_answer_edit(
            post, editor=suggested_edit.editor, body=suggested_edit.body, summary=suggested_edit.summary
        )
    suggested_edit.status = SuggestedEdit.Status.APPROVED
    suggested_edit.reviewer = reviewer
    suggested_edit.reviewed_at = timezone.now()
    suggested_edit.save(update_fields=["status", "reviewer", "reviewed_at"])
    reputation_events.record_edit_approved(
        editor=suggested_edit.editor, post=post, actor=reviewer, suggested_edit_id=suggested_edit.pk
    )
    return suggested_edit


@transaction.atomic
def suggested_edit_reject(*, suggested_edit: SuggestedEdit, reviewer, reason: str) -> SuggestedEdit:
    """Turn a suggestion down, saying why: the suggester learns from the reason."""
    reason = " ".join((reason or "").split())
    suggested_edit = _lock_pending(suggested_edit, reviewer)
    if not reason:
        raise ValidationError("Say why you are rejecting this edit, so its author can learn from it.")
    suggested_edit.status = SuggestedEdit.Status.REJECTED
    suggested_edit.reviewer = reviewer
    suggested_edit.reviewed_at = timezone.now()
    suggested_edit.review_reason = reason[:300]
    suggested_edit.save(update_fields=["status", "reviewer", "reviewed_at", "review_reason"])
    return suggested_edit
