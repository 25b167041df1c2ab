"""The review queue at /moderation/review/. Suggested edits are reviewed by anyone with the edit
privilege (moderators included); held first posts by moderators only."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from forum import permissions, services
from forum.forms import SuggestedEditRejectForm
from forum.models import Answer, Question, SuggestedEdit
from moderation import closing, review
from moderation.permissions import moderator_required

HELD_KINDS = {"question": Question, "answer": Answer}


def _queue_url(tab: str = "edits", page=None) -> str:
    url = f"{reverse('moderation:review')}?tab={tab}"
    return f"{url}&page={page}" if page else url


def _require_reviewer(user) -> None:
    if not review.can_review_edits(user):
        raise PermissionDenied(review.review_refusal(user))


def _queue_page(request, tab: str, *, failed=None, status: int = 200):
    """`failed` is (suggested edit id, bound reject form) for a rejection without a reason."""
    context = {"tab": tab, "tabs": review.TABS, "is_moderator": review.can_review_first_posts(request.user)}
    if tab == "edits":
        page, items = review.edit_page(viewer=request.user, page_number=request.GET.get("page"))
        for item in items:
            bound = failed and failed[0] == item.suggestion.pk
            item.reject_form = (
                failed[1] if bound else SuggestedEditRejectForm(auto_id=f"reject-{item.suggestion.pk}-%s")
            )
        context.update(page=page, items=items)
    else:
        context["held"] = review.held_posts()
    return render(request, "moderation/review.html", context, status=status)


@login_required
@require_GET
def review_queue(request):
    """Member-facing for the edits tab (the edit privilege, checked here); first posts are for
    moderators."""
    _require_reviewer(request.user)
    tab = request.GET.get("tab", "edits")
    if tab not in review.TABS:
        tab = "edits"
    if tab == "first-posts" and not review.can_review_first_posts(request.user):
        raise PermissionDenied("Only moderators review new accounts' first posts.")
    return _queue_page(request, tab)


def _reviewable(request, pk: int) -> SuggestedEdit:
    _require_reviewer(request.user)
    suggestion = get_object_or_404(
        SuggestedEdit.objects.select_related("editor", "question", "answer__question"), pk=pk
    )
    if not permissions.can_review_suggested_edit(request.user, suggestion):
        raise PermissionDenied(
            "Only someone who can edit this post, other than the person who suggested it, can review it."
        )
    return suggestion


@login_required
@require_POST
def review_edit_approve(request, pk: int):
    suggestion = _reviewable(request, pk)
    try:
        services.suggested_edit_approve(suggested_edit=suggestion, reviewer=request.user)
    except ValidationError as error:
        messages.info(request, error.messages[0])
        return redirect(_queue_url())
    messages.success(
        request, f"Edit approved and published, credited to {suggestion.editor.name}. Thanks for reviewing."
    )
    return redirect(_queue_url())


@login_required
@require_POST
def review_edit_reject(request, pk: int):
    suggestion = _reviewable(request, pk)
    form = SuggestedEditRejectForm(request.POST, auto_id=f"reject-{suggestion.pk}-%s")
    if not form.is_valid():
        return _queue_page(request, "edits", failed=(suggestion.pk, form), status=400)
    try:
        services.suggested_edit_reject(
            suggested_edit=suggestion, reviewer=request.user, reason=form.cleaned_data["reason"]
        )
    except ValidationError as error:
        messages.info(request, error.messages[0])
        return redirect(_queue_url())
    messages.success(request, "Edit rejected. The person who suggested it will see your reason.")
    return redirect(_queue_url())


def _held(kind: str, pk: int):
    model = HELD_KINDS.get(kind)
    if model is None:
        raise PermissionDenied("Only questions and answers are held for review.")
    return get_object_or_404(model.objects.select_related("author"), pk=pk)


@moderator_required
@require_POST
def review_release(request, kind: str, pk: int):
    post = _held(kind, pk)
    released = review.post_release(post=post, moderator=request.user)
    messages.success(
        request,
        f"Released: everyone can see {post.author.name}'s {kind} now."
        if released
        else "That post is not held.",
    )
    return redirect(_queue_url("first-posts"))


@moderator_required
@require_POST
def review_held_delete(request, kind: str, pk: int):
    post = _held(kind, pk)
    deleted = closing.post_delete(post=post, actor=request.user, reason="Held first post declined")
    messages.success(request, "Deleted." if deleted else "That post was already deleted.")
    return redirect(_queue_url("first-posts"))
