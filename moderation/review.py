"""The review queues at /moderation/review/: suggested edits waiting for a reviewer, new
accounts' first posts held by pre-moderation, and members' appeals of serial-voting reversals
(read and decided in moderation/appeals.py). Reads cost a fixed number of queries per page;
the writes (approving and rejecting edits) are forum.services' own."""

from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db import transaction
from django.db.models import IntegerField, Max, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils.safestring import SafeString

from accounts.selectors import mark_moderators
from forum import visibility
from forum.diffs import diff_html
from forum.models import Answer, Question, Revision, SuggestedEdit
from moderation import audit, permissions

PER_PAGE = 20
TABS = {"edits": "Suggested edits", "first-posts": "First posts", "appeals": "Reputation appeals"}
HELD_NOTICE = "Your first post is waiting for a moderator; only you can see it for now."


# --- Suggested edits ---------------------------------------------------------------------------


@dataclass
class EditItem:
    suggestion: SuggestedEdit
    post: Question | Answer
    kind: str
    question: Question
    title: SafeString | None
    tags: SafeString | None
    body: SafeString
    post_moved_on: bool


def _latest_revision(field: str):
    return Coalesce(
        Subquery(
            Revision.objects.filter(**{field: OuterRef(field)})
            .order_by()
            .values(field)
            .annotate(n=Max("number"))
            .values("n")[:1],
            output_field=IntegerField(),
        ),
        0,
    )


def pending_edits(viewer):
    """Pending suggestions the viewer may review (not their own, on posts shown to everyone),
    oldest first: they have waited longest. A suggestion on a post deleted, hidden by flags or
    held, or in such a thread, is left out: no one may edit that post now, and the queue's diff
    would show its text to reviewers who may not see it."""
    shown = {"deleted_at__isnull": True, "hidden_at__isnull": True, "held_at__isnull": True}
    on_question = Q(question__isnull=False, **{f"question__{name}": value for name, value in shown.items()})
    on_answer = Q(
        answer__isnull=False,
        **{f"answer__{name}": value for name, value in shown.items()},
        **{f"answer__question__{name}": value for name, value in shown.items()},
    )
    suggestions = SuggestedEdit.objects.filter(on_question | on_answer, status=SuggestedEdit.Status.PENDING)
    if not permissions.is_moderator(viewer):
        # Edit privilege holders cannot edit in locked threads, so cannot review there either.
        suggestions = suggestions.exclude(question__locked_at__isnull=False).exclude(
            answer__question__locked_at__isnull=False
        )
    return suggestions.exclude(editor=viewer).order_by("created_at", "pk")


def edit_page(*, viewer, page_number=None) -> tuple[Page, list[EditItem]]:
    """One page of the suggested-edits queue with each suggestion's diff against the post as it
    reads now, in a fixed number of queries."""
    queryset = (
        pending_edits(viewer)
        .select_related("editor", "question__author", "answer__author", "answer__question")
        .prefetch_related("question__tags", "editor__groups")
        .annotate(
            question_revision=_latest_revision("question"),
            answer_revision=_latest_revision("answer"),
        )
    )
    page = Paginator(queryset, PER_PAGE).get_page(page_number)
    suggestions = list(page.object_list)
    mark_moderators([s.editor for s in suggestions] + [s.post.author for s in suggestions])
    items = []
    for suggestion in suggestions:
        post = suggestion.post
        is_question = post.kind == "question"  # only questions have a title and tags to compare
        current = getattr(suggestion, f"{post.kind}_revision")
        items.append(
            EditItem(
                suggestion=suggestion,
                post=post,
                kind=post.kind,
                question=post.thread,
                title=diff_html(post.title, suggestion.title) if is_question else None,
                tags=diff_html(" ".join(sorted(t.name for t in post.tags.all())), suggestion.tags)
                if is_question
                else None,
                body=diff_html(post.body, suggestion.body),
                post_moved_on=current != suggestion.base_revision,
            )
        )
    return page, items


# --- First posts held for review ---------------------------------------------------------------


@dataclass
class HeldItem:
    post: Question | Answer
    kind: str
    question: Question


def held_posts() -> list[HeldItem]:
    """Every held first post not yet deleted, oldest first. Two queries and the authors' roles:
    pre-moderation holds one post per new account, so the list stays short."""
    questions = list(
        Question.objects.filter(held_at__isnull=False, deleted_at__isnull=True)
        .select_related("author")
        .order_by("held_at", "pk")
    )
    answers = list(
        Answer.objects.filter(held_at__isnull=False, deleted_at__isnull=True)
        .select_related("author", "question")
        .order_by("held_at", "pk")
    )
    mark_moderators([post.author for post in [*questions, *answers]])
    items = [HeldItem(post=post, kind=post.kind, question=post.thread) for post in [*questions, *answers]]
    return sorted(items, key=lambda item: (item.post.held_at, item.kind, item.post.pk))


@transaction.atomic
def post_release(*, post, moderator) -> bool:
    """Publish a held first post: everyone sees it from now on, and it is news (forum.visibility
    counts it, indexes it and tells watchers). False when it is not held."""
    permissions.allow_release(moderator)
    result = visibility.post_visibility_change(post=post, change=visibility.Change.RELEASE, actor=moderator)
    if not result:
        return False
    audit.record(
        moderator=moderator,
        action="released",
        target=result.post,
        reason="First post released from pre-moderation",
        before=result.before,
        after=result.after,
    )
    return True
