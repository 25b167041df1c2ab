"""Thin views: parse, authorise, call one service, respond. htmx requests get a fragment;
the same forms without JavaScript POST and redirect back to the right place on the page."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import throttle
from accounts.adapter import client_address
from accounts.selectors import member
from accounts.throttle import Rate
from forum import pagecache, permissions, selectors, services
from forum.diffs import revision_diffs
from forum.forms import (
    AnswerEditForm,
    AnswerForm,
    CommentForm,
    PreviewForm,
    QuestionEditForm,
    QuestionForm,
    SuggestedEditRejectForm,
    VoteForm,
)
from forum.limits import PostLimited
from forum.markdown import render_markdown
from forum.models import Revision

# --- Lists ----------------------------------------------------------------------------------


@require_GET
@pagecache.anonymous_page()
def question_list(request):
    sort = request.GET.get("sort", selectors.DEFAULT_SORT)
    if sort not in selectors.SORTS:
        sort = selectors.DEFAULT_SORT
    tag = request.GET.get("tag") or None
    tag_obj = selectors.tag_get(tag, viewer=request.user) if tag else None
    questions = selectors.question_list(sort=sort, tag=tag, viewer=member(request.user), author_roles=False)
    page = selectors.question_page(questions, request.GET.get("page"))
    return render(
        request,
        "forum/question_list.html",
        {"page": page, "sort": sort, "sorts": selectors.SORTS, "tag": tag_obj},
    )


@require_GET
@pagecache.anonymous_page()
def tag_list(request):
    query = request.GET.get("q", "").strip()
    page = selectors.paginate(selectors.tag_list(query=query), request.GET.get("page"), per_page=60)
    return render(request, "forum/tag_list.html", {"page": page, "query": query})


@require_GET
@pagecache.anonymous_page()
def tag_detail(request, slug: str):
    tag = selectors.tag_get(slug, viewer=request.user)
    sort = request.GET.get("sort", selectors.DEFAULT_SORT)
    if sort not in selectors.SORTS:
        sort = selectors.DEFAULT_SORT
    questions = selectors.question_list(sort=sort, tag=tag.slug, author_roles=False)
    page = selectors.question_page(questions, request.GET.get("page"))
    return render(
        request,
        "forum/question_list.html",
        {"page": page, "sort": sort, "sorts": selectors.SORTS, "tag": tag},
    )


# --- Asking ---------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def ask(request):
    if request.method == "GET":
        permissions.allow_ask(request.user)  # a suspended member is told why before typing anything
    form = QuestionForm(request.POST or None)
    preview = None
    if request.method == "POST":
        if "preview" in request.POST:
            preview = render_markdown(request.POST.get("body", ""))
        elif form.is_valid():
            data = form.cleaned_data
            try:
                question, created = services.question_create(
                    author=request.user,
                    title=data["title"],
                    body=data["body"],
                    tags=data["tags"],
                    submission_token=data["submission_token"],
                )
            except PostLimited as limited:
                # Too many requests: the same form again, as typed, with what to wait for.
                form.add_error(None, limited)
                return render(request, "forum/ask.html", {"form": form, "preview": None}, status=429)
            except PermissionDenied as refused:
                # Refused since the page was opened (suspended meanwhile): why, and the text kept.
                form.add_error(None, str(refused))
                return render(request, "forum/ask.html", {"form": form, "preview": None}, status=403)
            if created and question.held_at:
                messages.info(request, permissions.held_message(request.user))
            elif created:
                messages.success(request, "Your question is posted. You'll see answers here.")
            return redirect(question)
    return render(request, "forum/ask.html", {"form": form, "preview": preview})


PREVIEW_SCOPE = "preview"


def _preview_refused(request, message: str, status: int, retry_after: int | None = None):
    """The preview area says why there is no preview (static/js/preview.js lets htmx show a 4xx)."""
    response = render(request, "forum/includes/preview.html", {"refusal": message}, status=status)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


@require_POST
def preview(request):
    """The live preview: members only, counted per account (COMMONPLACE_PREVIEW_RATE), within the
    post body's length and the Markdown table budget."""
    try:
        permissions.allow_preview(request.user)
    except PermissionDenied as refused:
        return _preview_refused(request, str(refused), 403)
    wait = throttle.hit(
        PREVIEW_SCOPE, f"user:{request.user.pk}", Rate.parse(settings.COMMONPLACE_PREVIEW_RATE)
    )
    if wait:
        return _preview_refused(
            request,
            f"The preview is resting: too many previews in a short time. It comes back in "
            f"{throttle.wait_phrase(wait)}; your text is safe in the form.",
            429,
            retry_after=wait,
        )
    form = PreviewForm(request.POST)
    if not form.is_valid():
        return _preview_refused(request, form.errors["body"][0], 400)
    return render(
        request, "forum/includes/preview.html", {"preview": render_markdown(form.cleaned_data["body"])}
    )


# --- The thread -----------------------------------------------------------------------------


def thread_context(request, pk: int, failed_comment=None, **extra) -> dict:
    """Everything the thread page shows (moderation's forms re-render the page with it too).
    `failed_comment` is (kind, post id, bound form) for a comment that did not validate, so its
    errors and text reappear under the right post."""
    thread = selectors.thread_get(pk=pk, viewer=member(request.user))  # not the lazy wrapper
    if failed_comment:
        kind, post_pk, form = failed_comment
        posts = [thread.question] if kind == "question" else thread.answers
        for post in posts:
            if post.pk == post_pk:
                post.failed_comment_form = form
    return {
        "thread": thread,
        "question": thread.question,
        "answers": thread.answers,
        "my_votes": thread.my_votes,
        "answer_form": extra.pop("answer_form", None) or AnswerForm(),
        "comment_form": CommentForm(),
        **extra,
    }


@require_GET
def question_redirect(request, pk: int):
    return redirect(selectors.question_get(pk), permanent=True)


def _visitor(request) -> str:
    """Who counts as one viewer: a member, or an anonymous reader's address and browser."""
    if request.user.is_authenticated:
        return f"user:{request.user.pk}"
    # Asked twice on a page served from the cache (its "seen" mark, then the count): once.
    visitor = getattr(request, "anonymous_visitor", None)
    if visitor is None:
        visitor = f"anon:{client_address(request)}:{request.META.get('HTTP_USER_AGENT', '')[:200]}"
        request.anonymous_visitor = visitor
    return visitor


def _record_view(request, pk: int, **_) -> None:
    # The page cache marked the visitor as seen in its own read (one round trip): say if new.
    marked = getattr(request, "pagecache_claimed", None)
    services.question_record_view(question_id=pk, visitor=_visitor(request), seen_mark_new=marked)


def _view_mark(request, pk: int, **_) -> tuple[str, int]:
    return services.question_view_key(question_id=pk, visitor=_visitor(request)), services.VIEW_WINDOW_SECONDS


@require_GET
@pagecache.anonymous_page(question=lambda pk, **_: pk, on_hit=_record_view, claim=_view_mark)
def question_detail(request, pk: int, slug: str):
    context = thread_context(request, pk)
    question = context["question"]
    if slug != question.slug:
        return redirect(question, permanent=True)
    _record_view(request, question.pk)
    return render(request, "forum/question_detail.html", context)


@login_required
@require_POST
def answer_create(request, pk: int):
    question = selectors.question_get(pk)
    form = AnswerForm(request.POST)
    try:
        permissions.allow_answer(request.user, question)  # closed, locked: say so, whatever was typed
    except PermissionDenied as refused:
        if not request.user.is_suspended:
            raise
        # Suspended while typing: the page says why, and the answer stays in its box to keep.
        form.is_valid()
        form.add_error("body", str(refused))
        return render(
            request, "forum/question_detail.html", thread_context(request, pk, answer_form=form), status=403
        )
    if "preview" in request.POST or not form.is_valid():
        preview = render_markdown(request.POST.get("body", "")) if "preview" in request.POST else None
        context = thread_context(request, pk, answer_form=form, answer_preview=preview)
        return render(request, "forum/question_detail.html", context, status=200 if preview else 400)
    answer = _create_from_form(request, form, services.answer_create, question=question)
    if answer is None:
        context = thread_context(request, pk, answer_form=form)
        return render(request, "forum/question_detail.html", context, status=429)
    return redirect(answer.anchor_url)


def _create_from_form(request, form, create, **target):
    """Post an answer or a comment from a valid form through `create`, its service. A limit's
    refusal goes on the body field, which keeps the typed text (the form has no other error
    slot), and None is returned: the caller shows the form again with 429."""
    try:
        post, _ = create(
            **target,
            author=request.user,
            body=form.cleaned_data["body"],
            submission_token=form.cleaned_data["submission_token"],
        )
    except PostLimited as limited:
        form.add_error("body", limited)
        return None
    return post


def _post_or_404(request, kind: str, pk: int):
    """Questions and answers (the posts votes, comments and edits take), as the viewer may see."""
    if kind not in ("question", "answer"):
        raise Http404("No such kind of post.")
    return selectors.post_get(kind, pk, request.user)


def _login_first(post):
    return redirect(f"{reverse('account_login')}?next={post.anchor_url}")


@require_POST
def vote(request, kind: str, pk: int):
    post = _post_or_404(request, kind, pk)
    if not request.user.is_authenticated:
        return _login_first(post)
    form = VoteForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest("A vote is 1 (up), -1 (down) or 0 (retract).")
    value = form.cleaned_data["value"]
    vote = services.vote_cast(voter=request.user, post=post, value=value)
    if request.htmx:
        post.refresh_from_db(fields=["score"])
        return render(
            request, "forum/includes/vote.html", {"post": post, "kind": kind, "my_vote": vote.value}
        )
    return redirect(post.anchor_url)


@require_POST
def answer_accept(request, pk: int):
    answer = selectors.post_get("answer", pk, request.user)
    if not request.user.is_authenticated:
        return _login_first(answer)
    accepted = services.answer_accept_toggle(answer=answer, user=request.user)
    if request.htmx:
        return render(request, "forum/includes/answers.html", thread_context(request, answer.question_id))
    messages.success(
        request, "Answer accepted. Thank you for closing the loop." if accepted else "Acceptance removed."
    )
    return redirect(answer.anchor_url)


@require_POST
def answer_also_helped(request, pk: int):
    answer = selectors.post_get("answer", pk, request.user)
    if not request.user.is_authenticated:
        return _login_first(answer)
    try:
        marked = services.answer_also_helped_toggle(answer=answer, user=request.user)
    except ValidationError as error:
        if request.htmx:  # the refusal shows next to the button that was pressed
            context = thread_context(
                request, answer.question_id, also_helped_error=(answer.pk, error.messages[0])
            )
            return render(request, "forum/includes/answers.html", context, status=400)
        messages.error(request, error.messages[0])
        return redirect(answer.anchor_url)
    if request.htmx:
        return render(request, "forum/includes/answers.html", thread_context(request, answer.question_id))
    messages.success(
        request,
        "Marked as also helped: its author earns 5 reputation."
        if marked
        else "No longer marked as also helped.",
    )
    return redirect(answer.anchor_url)


@require_POST
def comment_create(request, kind: str, pk: int):
    post = _post_or_404(request, kind, pk)
    if not request.user.is_authenticated:
        return _login_first(post)
    permissions.allow_comment(request.user, post)
    form = CommentForm(request.POST)
    status = 400
    if form.is_valid():
        if _create_from_form(request, form, services.comment_create, post=post) is None:
            status = 429  # too soon, or a new account's comments for the day are spent
        else:
            form, status = CommentForm(), 200
    if request.htmx:
        post.comment_list = list(
            post.comments.visible_to(request.user).select_related("author").prefetch_related("author__groups")
        )
        context = {"post": post, "kind": kind, "comment_form": form}
        return render(request, "forum/includes/comments.html", context, status=status)
    if status != 200:
        context = thread_context(request, post.thread_id, failed_comment=(kind, post.pk, form))
        return render(request, "forum/question_detail.html", context, status=status)
    return redirect(post.anchor_url)


# --- Editing and revisions ------------------------------------------------------------------


def _edit_mode(user, post) -> bool:
    """True when the edit page should take a suggestion rather than edit directly."""
    if permissions.can_edit(user, post):
        return False
    if permissions.can_suggest_edit(user, post):
        return True
    permissions.allow_edit(user, post)  # refuses, saying why
    return False


def _save_edit(request, form, post, *, suggesting: bool, **content):
    """Edit directly, or send the edit for review. A refusal (no change, a suggestion already
    waiting, a limit) shows on the form, which keeps what was typed: returns the status to show
    it with, or None when saved."""
    summary = form.cleaned_data["summary"]
    try:
        if suggesting:
            services.suggested_edit_create(post=post, editor=request.user, summary=summary, **content)
            messages.success(request, "Thanks — your edit was sent for review.")
        else:
            edit = services.question_edit if post.kind == "question" else services.answer_edit
            revision = edit(**{post.kind: post}, editor=request.user, summary=summary, **content)
            messages.success(request, "Your edit is saved." if revision else "Nothing changed.")
    except PostLimited as limited:
        form.add_error(None, limited)
        return 429
    except ValidationError as error:
        form.add_error(None, error)
        return 200
    return None


def _edit_page(request, form, post, kind: str, preview, suggesting: bool, status: int = 200):
    context = {"form": form, "post": post, "kind": kind, "preview": preview, "suggesting": suggesting}
    return render(request, "forum/edit.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def question_edit(request, pk: int):
    question = selectors.post_get("question", pk, request.user)
    suggesting = _edit_mode(request.user, question)
    initial = {
        "title": question.title,
        "body": question.body,
        "tags": " ".join(sorted(question.tags.names())),
    }
    form = QuestionEditForm(request.POST or None, initial=initial)
    preview, status = None, 200
    if request.method == "POST":
        if "preview" in request.POST:
            preview = render_markdown(request.POST.get("body", ""))
        elif form.is_valid():
            data = form.cleaned_data
            content = {"title": data["title"], "body": data["body"], "tags": data["tags"]}
            status = _save_edit(request, form, question, suggesting=suggesting, **content)
            if status is None:
                return redirect(question.get_absolute_url())
    return _edit_page(request, form, question, "question", preview, suggesting, status)


@login_required
@require_http_methods(["GET", "POST"])
def answer_edit(request, pk: int):
    answer = selectors.post_get("answer", pk, request.user)
    suggesting = _edit_mode(request.user, answer)
    form = AnswerEditForm(request.POST or None, initial={"body": answer.body})
    preview, status = None, 200
    if request.method == "POST":
        if "preview" in request.POST:
            preview = render_markdown(request.POST.get("body", ""))
        elif form.is_valid():
            status = _save_edit(request, form, answer, suggesting=suggesting, body=form.cleaned_data["body"])
            if status is None:
                return redirect(answer.anchor_url)
    return _edit_page(request, form, answer, "answer", preview, suggesting, status)


def _revisions_page(request, post, status: int = 200):
    history = selectors.revisions_for(post, request.user)
    context = {
        "post": post,
        "kind": post.kind,
        "question": post.thread,
        "diffs": revision_diffs(history),
        "can_rollback": permissions.can_rollback(request.user, post),
    }
    return render(request, "forum/revisions.html", context, status=status)


@require_GET
def revisions(request, kind: str, pk: int):
    return _revisions_page(request, _post_or_404(request, kind, pk))


@login_required
@require_POST
def revision_rollback(request, pk: int):
    revision = get_object_or_404(Revision.objects.select_related("question", "answer__question"), pk=pk)
    post = revision.question or revision.answer
    if not permissions.can_see_post(request.user, post):
        raise Http404("No such post.")
    permissions.allow_rollback(request.user, post)
    try:
        result = services.revision_rollback(revision=revision, editor=request.user)
    except PostLimited as limited:  # a rollback is an edit: the history again, saying when to retry
        messages.error(request, limited.messages[0])
        return _revisions_page(request, post, status=429)
    messages.success(
        request,
        f"Rolled back to revision {revision.number}." if result else "That revision is the current text.",
    )
    return redirect(post.anchor_url)


# --- Suggested edits ------------------------------------------------------------------------


def _suggested_edit_page(request, suggested_edit, reject_form=None, status: int = 200):
    permissions.allow_see_suggested_edit(request.user, suggested_edit)
    post = suggested_edit.post
    context = {
        "suggested_edit": suggested_edit,
        "post": post,
        "kind": post.kind,
        "question": post.thread,
        "diff": selectors.suggested_edit_diff(suggested_edit),
        "can_review": suggested_edit.is_pending
        and permissions.can_review_suggested_edit(request.user, suggested_edit),
        "reject_form": reject_form or SuggestedEditRejectForm(),
    }
    return render(request, "forum/suggested_edit.html", context, status=status)


@login_required
@require_GET
def suggested_edit_detail(request, pk: int):
    return _suggested_edit_page(request, selectors.suggested_edit_get(pk))


# Approve and reject are one pair of views for both doors: the suggestion's own page, and the
# review queue, whose URLs pass `return_to` (the URL name to go back to) through the URLconf.


def _reviewable(request, pk: int):
    suggested_edit = selectors.suggested_edit_get(pk)
    permissions.allow_review_suggested_edit(request.user, suggested_edit)
    return suggested_edit


def _back(suggested_edit, return_to: str | None, *, done: bool):
    if return_to:
        return redirect(f"{reverse(return_to)}?tab=edits")
    return redirect(suggested_edit.post.anchor_url if done else suggested_edit.get_absolute_url())


@login_required
@require_POST
def suggested_edit_approve(request, pk: int, return_to: str | None = None):
    suggested_edit = _reviewable(request, pk)
    try:
        services.suggested_edit_approve(suggested_edit=suggested_edit, reviewer=request.user)
    except ValidationError as error:
        messages.info(request, error.messages[0])
        return _back(suggested_edit, return_to, done=False)
    messages.success(
        request,
        f"Edit approved and published, credited to {suggested_edit.editor.name}. Thanks for reviewing.",
    )
    return _back(suggested_edit, return_to, done=True)


@login_required
@require_POST
def suggested_edit_reject(request, pk: int, return_to: str | None = None):
    suggested_edit = _reviewable(request, pk)
    form = SuggestedEditRejectForm(request.POST)
    if not form.is_valid():  # the suggestion's page, with the reason as typed and what is missing
        return _suggested_edit_page(request, suggested_edit, reject_form=form, status=400)
    try:
        services.suggested_edit_reject(
            suggested_edit=suggested_edit, reviewer=request.user, reason=form.cleaned_data["reason"]
        )
    except ValidationError as error:
        messages.info(request, error.messages[0])
        return _back(suggested_edit, return_to, done=False)
    messages.success(request, "Edit rejected. The person who suggested it will see your reason.")
    return _back(suggested_edit, return_to, done=True)
