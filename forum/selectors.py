"""Reads with the prefetching that keeps each page's query count constant."""

import copy
from dataclasses import dataclass, field

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import (
    Case,
    IntegerField,
    Max,
    Q,
    QuerySet,
    Value,
    When,
    prefetch_related_objects,
)
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.safestring import SafeString
from taggit.models import Tag

from accounts.selectors import mark_moderators, viewer_shape
from forum import permissions
from forum.diffs import diff_html
from forum.extensions import extensions
from forum.models import (
    LINEAGE_RELATED,
    POST_MODELS,
    Answer,
    Comment,
    Question,
    Revision,
    SuggestedEdit,
    Vote,
    tags_prefetch,
)
from prepared import PreparedQuery

SORTS = {
    "active": ("Active", ["-last_activity_at", "-pk"]),
    "newest": ("Newest", ["-created_at", "-pk"]),
    "votes": ("Most votes", ["-score", "-created_at", "-pk"]),
    # The two help queues, longest-waiting first, by when a question was asked and nothing
    # else: no one's reputation, role or activity moves a question up. Each is shown with its
    # wait and how many members have the problem too (shown, never used to order).
    "unanswered": ("Unanswered", ["created_at", "pk"]),
    "waiting": ("Needs help", ["created_at", "pk"]),
}
DEFAULT_SORT = "active"
# Which questions each help queue lists (QuestionQuerySet methods): "Unanswered" has no answer
# yet; "Needs help" has no accepted or helpful answer, answered or not.
QUEUES = {"unanswered": "unanswered", "waiting": "needs_help"}


# What a list can be narrowed to (the API's `status`; search's "solved" and "unanswered" are the
# same definitions): each is a QuestionQuerySet method or a filter, applied after the sort's queue.
STATUSES = {
    "open": ("Open: takes answers (not closed or locked)", Q(closed_at__isnull=True, locked_at__isnull=True)),
    "closed": ("Closed", Q(closed_at__isnull=False)),
    "locked": ("Locked", Q(locked_at__isnull=False)),
    "answered": ("Has at least one answer", Q(answer_count__gt=0)),
    "unanswered": ("Unanswered (the help queue's definition)", "unanswered"),
    "solved": ("Solved: has an accepted answer", "solved"),
    "needs_help": ("Needs help (the help queue's definition)", "needs_help"),
}


def _with_authors(queryset: QuerySet, prefix: str = "author") -> QuerySet:
    return queryset.select_related(prefix).prefetch_related(f"{prefix}__groups")


def question_list(
    *,
    sort: str = DEFAULT_SORT,
    tag: str | None = None,
    viewer=None,
    status: str | None = None,
    author_roles: bool = True,
) -> QuerySet:
    """Visible questions in a sort's order, optionally only those of a `status` (STATUSES). The
    apps above add to it (forum.extensions): with a `viewer` and no tag chosen, questions in tags
    the viewer ignores are left out (notifications), and the help queues show each question's
    "I have this too" count (insights). With `author_roles=False` the authors' groups are not
    prefetched: give the page to question_page(), which settles them in one plain query (the
    prefetch machinery cost a list page about 1 ms of CPU)."""
    if sort not in SORTS:
        sort = DEFAULT_SORT
    questions = Question.objects.visible()
    if sort in QUEUES:
        questions = getattr(questions, QUEUES[sort])()
    if status in STATUSES:
        narrow = STATUSES[status][1]
        questions = questions.filter(narrow) if isinstance(narrow, Q) else getattr(questions, narrow)()
    if tag:
        questions = questions.filter(tags__slug=tag)
    questions = extensions.apply(extensions.question_list, questions, sort, tag, viewer)
    questions = _with_authors(questions) if author_roles else questions.select_related("author")
    return questions.prefetch_related(tags_prefetch()).order_by(*SORTS[sort][1])


def paginate(queryset, page_number, per_page: int | None = None) -> Page:
    return Paginator(queryset, per_page or settings.QUESTIONS_PER_PAGE).get_page(page_number)


def question_page(questions: QuerySet, page_number) -> Page:
    """A page of question_list(..., author_roles=False), its authors' roles (the Moderator flair
    on their cards) settled in one query."""
    page = paginate(questions, page_number)
    page.object_list = list(page.object_list)
    mark_moderators(question.author for question in page.object_list)
    return page


@dataclass
class Thread:
    question: Question
    answers: list[Answer]
    my_votes: dict[tuple[str, int], int]
    # Pending suggested edits the viewer may review, oldest first (empty for everyone else).
    pending_suggestions: list[SuggestedEdit] = field(default_factory=list)


def post_get(kind: str, pk: int, viewer) -> Question | Answer | Comment:
    """A post by its kind's name and id, with the posts above it, or 404 when there is none or
    the viewer may not see it (forum.permissions.allow_see_post decides)."""
    model = POST_MODELS.get(kind)
    if model is None:
        raise Http404("No such kind of post.")
    post = get_object_or_404(model.objects.select_related("author", *LINEAGE_RELATED[kind]), pk=pk)
    if not permissions.can_see_post(viewer, post):
        raise Http404("No such post.")
    return post


def question_get(pk: int, viewer=None) -> Question:
    questions = Question.objects.visible_to(viewer) if viewer is not None else Question.objects.visible()
    return get_object_or_404(questions.select_related("author"), pk=pk)


def _as_viewer(viewer, pk: int | None):
    """The viewer with another id (a prepared query's stand-in, prepared/__init__.py): the same
    roles, already settled on it, for the builder to read."""
    if pk is None or not viewer.is_authenticated:
        return viewer
    stand_in = copy.copy(viewer)
    stand_in.pk = pk
    return stand_in


def _thread_question_query(shape, viewer, *, pk: int, viewer_pk: int | None = None) -> QuerySet:
    viewer = _as_viewer(viewer, viewer_pk)
    questions = Question.objects.visible_to(viewer).select_related("author").filter(pk=pk)
    # The apps above add what they show, in this same query (forum.extensions): the article the
    # thread became, "I have this too" and any private follow-up, whether the viewer watches it.
    return extensions.apply(extensions.thread_question, questions, viewer)


def _thread_answers_query(shape, viewer, *, question_pk: int, accepted_pk: int, viewer_pk=None) -> QuerySet:
    return answers_of(Question(pk=question_pk, accepted_answer_id=accepted_pk), _as_viewer(viewer, viewer_pk))


def _thread_comments_query(
    shape, viewer, *, question_pk: int, answer_pks: list[int], viewer_pk=None
) -> QuerySet:
    """The comments the viewer may see on the question and on the answers shown. By the answers'
    ids, each side of the OR on an index of its own: joining the answers to filter on their
    question made PostgreSQL scan every answer of every thread."""
    on_thread = Q(question_id=question_pk)
    if answer_pks:
        on_thread |= Q(answer_id__in=answer_pks)
    comments = Comment.objects.visible_to(_as_viewer(viewer, viewer_pk)).filter(on_thread)
    return comments.select_related("author").order_by("created_at", "pk")


# Compiled once per shape of viewer and kept (prepared/__init__.py): building and compiling these
# three cost a thread page more CPU than running them.
THREAD_QUESTION = PreparedQuery("thread question", Question, _thread_question_query)
THREAD_ANSWERS = PreparedQuery("thread answers", Answer, _thread_answers_query)
THREAD_COMMENTS = PreparedQuery("thread comments", Comment, _thread_comments_query)


def thread_get(*, pk: int, viewer) -> Thread:
    """A question with its answers (accepted first, then score, then oldest) and all comments,
    in a fixed number of queries however many answers and comments there are."""
    # The viewer's roles first (one small query): each of the post queries below then filters
    # what they may see without a subquery of its own.
    mark_moderators([viewer if viewer.is_authenticated else None])
    shape = viewer_shape(viewer)
    who = {"viewer_pk": viewer.pk} if viewer.is_authenticated else {}
    found = THREAD_QUESTION.run(shape, viewer, pk=int(pk), **who)
    if not found:
        raise Http404("No such question.")
    question = found[0]
    # The question a closed or merged thread points to is loaded only when there is one: joining
    # both in every thread's query (two more full question rows) cost more CPU than the rest of it.
    rare = [name for name in ("duplicate_of", "merged_into") if getattr(question, f"{name}_id")]
    prefetch_related_objects([question], tags_prefetch(), *rare)
    answers = THREAD_ANSWERS.run(
        shape, viewer, question_pk=question.pk, accepted_pk=question.accepted_answer_id or 0, **who
    )
    for answer in answers:
        answer.question = question  # answer.is_accepted reads it without a query
    comments = THREAD_COMMENTS.run(
        shape, viewer, question_pk=question.pk, answer_pks=[a.pk for a in answers], **who
    )
    _attach_comments(question, answers, comments)
    people = [question.author]
    for post in [question, *answers]:
        people += [post.author, *(comment.author for comment in post.comment_list)]
    mark_moderators(people)
    for attach in extensions.thread_attach:  # moderators' public notes, in one query
        attach(question, answers, viewer)
    return Thread(
        question=question,
        answers=answers,
        my_votes=votes_by(viewer, question, answers),
        pending_suggestions=reviewable_suggestions(viewer, question, answers),
    )


def _attach_comments(question: Question, answers: list[Answer], comments: list[Comment]) -> None:
    """Every post's `comment_list` from the thread's one comment query (oldest first)."""
    answers_by_pk = {answer.pk: answer for answer in answers}
    question.comment_list = []
    for answer in answers:
        answer.comment_list = []
    for comment in comments:
        # The post it is on is the thread's own object (its lineage and thread need no query).
        if comment.question_id:
            comment.question = question
        else:
            comment.answer = answers_by_pk[comment.answer_id]
        comment.post.comment_list.append(comment)


def answers_of(question: Question, viewer) -> QuerySet:
    """A question's answers as its page lists them, for this viewer: the accepted one first,
    then by score, then oldest (the primary key settles ties, so a cursor can page them)."""
    return (
        Answer.objects.visible_to(viewer)
        .filter(question=question)
        .select_related("author", "also_helped_mark")
        .annotate(
            accepted_first=Case(
                When(pk=question.accepted_answer_id or 0, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("accepted_first", "-score", "created_at", "pk")
    )


def comments_of(post, viewer) -> QuerySet:
    """The comments on a question or an answer that this viewer may see, oldest first."""
    return (
        Comment.objects.visible_to(viewer)
        .filter(**post.as_filter())
        .select_related("author")
        .order_by("created_at", "pk")
    )


def reviewable_suggestions(viewer, question: Question, answers: list[Answer]) -> list[SuggestedEdit]:
    """Pending suggestions on a thread's posts that `viewer` may review, in one query, and none
    at all for a viewer who may edit none of the posts (most readers)."""
    if not viewer.is_authenticated:
        return []
    editable = [post for post in [question, *answers] if permissions.can_edit(viewer, post)]
    if not editable:
        return []
    answers_by_pk = {answer.pk: answer for answer in answers}
    if len(editable) == 1 + len(answers):
        # Every post shown is editable: its suggestions, but not those on answers this viewer
        # is not shown (deleted, hidden or held), which no one may review meanwhile.
        on_posts = Q(question=question) | Q(answer__in=list(answers_by_pk))
    else:
        on_posts = Q(pk__in=[])
        for post in editable:
            on_posts |= Q(**post.as_filter())
    suggestions = list(
        SuggestedEdit.objects.filter(on_posts, status=SuggestedEdit.Status.PENDING)
        .exclude(editor=viewer)
        .select_related("editor")
        .order_by("created_at", "pk")
    )
    for suggestion in suggestions:  # the thread's own objects: no query per suggestion
        if suggestion.question_id:
            suggestion.question = question
        else:
            suggestion.answer = answers_by_pk[suggestion.answer_id]
    return suggestions


def _votes_query(shape, viewer, *, viewer_pk: int, question_pk: int, answer_pks: list[int]) -> QuerySet:
    on_thread = Q(question_id=question_pk)
    if answer_pks:
        on_thread |= Q(answer_id__in=answer_pks)
    rows = Vote.objects.filter(voter_id=viewer_pk).filter(on_thread).exclude(value=Vote.RETRACTED)
    return rows.only("question_id", "answer_id", "value")


THREAD_VOTES = PreparedQuery("thread votes", Vote, _votes_query)


def votes_by(viewer, question: Question, answers: list[Answer]) -> dict[tuple[str, int], int]:
    """The viewer's current votes in a thread, keyed ("question"|"answer", id): on the question
    and on `answers`, the ones the page shows."""
    if not viewer.is_authenticated:
        return {}
    rows = THREAD_VOTES.run(
        "votes", viewer, viewer_pk=viewer.pk, question_pk=question.pk, answer_pks=[a.pk for a in answers]
    )
    mine = {}
    for vote in rows:
        # A vote is on exactly one post; the key names which.
        key = ("question", vote.question_id) if vote.question_id else ("answer", vote.answer_id)
        mine[key] = vote.value
    return mine


def revisions_for(post, viewer) -> QuerySet:
    """A post's history, oldest first, for those who may see the post itself (404 for everyone
    else: a deleted, hidden or held post's revisions are its author's and moderators' only)."""
    if not permissions.can_see_post(viewer, post):
        raise Http404("No such post.")
    return Revision.objects.filter(**post.as_filter()).select_related("editor").order_by("number")


def tag_list(*, query: str = "") -> QuerySet:
    """Tags with how many questions everyone may see carry them: a tag that only deleted, hidden
    or held questions carry (a spammer's, say) is not listed."""
    from django.db.models import Count

    shown = Q(taggit_taggeditem_items__object_id__in=Question.objects.visible().values("pk"))
    tags = Tag.objects.annotate(question_count=Count("taggit_taggeditem_items", filter=shown)).filter(
        question_count__gt=0
    )
    if query:
        tags = tags.filter(name__icontains=query)
    return tags.order_by("-question_count", "name")


def tag_get(slug: str, viewer=None) -> Tag:
    """With a `viewer`, the tag carries `viewer_tag_mode` (watch, ignore or None), same query."""
    return get_object_or_404(extensions.apply(extensions.tag, Tag.objects.all(), viewer), slug=slug)


# --- Suggested edits ------------------------------------------------------------------------


def suggested_edit_get(pk: int) -> SuggestedEdit:
    return get_object_or_404(
        SuggestedEdit.objects.select_related(
            "editor", "reviewer", "question__author", "answer__author", "answer__question"
        ),
        pk=pk,
    )


@dataclass
class SuggestedEditDiff:
    """The suggestion against the current post while pending; afterwards against the revision
    it was based on, since the current post may already be the suggestion itself."""

    against: str
    title: SafeString | None
    tags: SafeString | None
    body: SafeString
    post_moved_on: bool


def suggested_edit_diff(suggested_edit: SuggestedEdit) -> SuggestedEditDiff:
    post = suggested_edit.post
    current_number = Revision.objects.filter(**post.as_filter()).aggregate(n=Max("number"))["n"] or 0
    if suggested_edit.is_pending:
        before_title = getattr(post, "title", "")
        before_body = post.body
        before_tags = " ".join(sorted(post.tags.names())) if suggested_edit.question_id else ""
        against = "the post as it reads now"
    else:
        base = Revision.objects.filter(**post.as_filter(), number=suggested_edit.base_revision).first()
        before_title = base.title if base else ""
        before_body = base.body if base else ""
        before_tags = base.tags if base else ""
        against = f"revision {suggested_edit.base_revision}, which it was based on"
    is_question = bool(suggested_edit.question_id)
    return SuggestedEditDiff(
        against=against,
        title=diff_html(before_title, suggested_edit.title) if is_question else None,
        tags=diff_html(before_tags, suggested_edit.tags) if is_question else None,
        body=diff_html(before_body, suggested_edit.body),
        post_moved_on=suggested_edit.is_pending and current_number != suggested_edit.base_revision,
    )


# --- A member's posts, for their profile ----------------------------------------------------

MEMBER_POST_TABS = {"questions": "Questions", "answers": "Answers"}
MEMBER_POST_SORTS = {
    "newest": ("Newest", ["-created_at", "-pk"]),
    "votes": ("Most votes", ["-score", "-created_at", "-pk"]),
}
MEMBER_POSTS_PER_PAGE = 20


@dataclass
class MemberPosts:
    tab: str
    sort: str
    page: Page
    counts: dict[str, int]  # tab -> how many of the member's posts of that kind the viewer sees


def _member_post_rows(member, viewer) -> tuple[QuerySet, QuerySet]:
    questions = Question.objects.visible_to(viewer).filter(author=member)
    answers = Answer.objects.visible_to(viewer).filter(
        author=member, question__in=Question.objects.visible_to(viewer)
    )
    return questions, answers


def member_post_counts(member, viewer) -> dict[str, int]:
    """How many questions and answers of the member the viewer sees (member_posts' tab counts)."""
    return {
        tab: rows.count()
        for tab, rows in zip(MEMBER_POST_TABS, _member_post_rows(member, viewer), strict=True)
    }


def member_posts(
    member, viewer, *, tab: str = "questions", sort: str = "newest", page_number=None
) -> MemberPosts:
    """One page of the member's questions or answers, newest or best-voted first, as the viewer
    may see them (forum.permissions.visibility_filter: deleted, hidden and held posts only for
    their author and moderators; an answer only where its question is seen too). A fixed
    number of queries: the two counts, the page, and the questions' tags."""
    tab = tab if tab in MEMBER_POST_TABS else "questions"
    sort = sort if sort in MEMBER_POST_SORTS else "newest"
    questions, answers = _member_post_rows(member, viewer)
    counts = {"questions": questions.count(), "answers": answers.count()}
    rows = (
        questions.prefetch_related(tags_prefetch())
        if tab == "questions"
        else answers.select_related("question")
    )
    paginator = Paginator(rows.order_by(*MEMBER_POST_SORTS[sort][1]), MEMBER_POSTS_PER_PAGE)
    paginator.count = counts[tab]  # counted above: no second COUNT for the paginator
    return MemberPosts(tab=tab, sort=sort, page=paginator.get_page(page_number), counts=counts)
