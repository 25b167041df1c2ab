"""The review queue at /moderation/review/. Suggested edits are reviewed by anyone with the edit
privilege (moderators included); held first posts and appeals of serial-voting reversals by
moderators only."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from forum import permissions as forum_permissions
from forum.forms import SuggestedEditRejectForm
from forum.models import POST_MODELS
from moderation import appeals, closing, permissions, review
from moderation.forms import AppealDecisionForm
from moderation.models import ReversalAppeal
from moderation.permissions import moderator_required


def _queue_url(tab: str = "edits", page=None) -> str:
    url = f"{reverse('moderation:review')}?tab={tab}"
    return f"{url}&page={page}" if page else url


def _form_for(pk: int, failed, form_class, prefix: str):
    """The bound form that failed for this item (kept as typed), or a fresh one."""
    return failed[1] if failed and failed[0] == pk else form_class(auto_id=f"{prefix}-{pk}-%s")


def _queue_page(request, tab: str, *, failed=None, status: int = 200):
    """`failed` is (item id, bound form) for a form sent back with an error: a rejection
    without a reason on the edits tab, a decision without its note on the appeals tab."""
    context = {"tab": tab, "tabs": review.TABS, "is_moderator": permissions.can_release(request.user)}
    page_number = request.GET.get("page")
    if tab == "edits":
        page, items = review.edit_page(viewer=request.user, page_number=page_number)
        for item in items:
            item.reject_form = _form_for(item.suggestion.pk, failed, SuggestedEditRejectForm, "reject")
        context.update(page=page, items=items)
    elif tab == "appeals":
        page, items = appeals.appeal_page(viewer=request.user, page_number=page_number)
        for item in items:
            item.form = _form_for(item.appeal.pk, failed, AppealDecisionForm, "appeal")
        context.update(page=page, appeals=items)
    else:
        context["held"] = review.held_posts()
    return render(request, "moderation/review.html", context, status=status)


@login_required
@require_GET
def review_queue(request):
    """Member-facing for the edits tab (the edit privilege, checked here); first posts are for
    moderators."""
    forum_permissions.allow_review_edits(request.user)
    tab = request.GET.get("tab", "edits")
    if tab not in review.TABS:
        tab = "edits"
    if tab == "first-posts":
        permissions.allow_release(request.user)
    if tab == "appeals":
        permissions.allow_decide_appeal(request.user)
    return _queue_page(request, tab)


def _held(kind: str, pk: int):
    if kind not in ("question", "answer"):
        raise PermissionDenied("Only questions and answers are held for review.")
    return get_object_or_404(POST_MODELS[kind].objects.select_related("author"), pk=pk)


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


@moderator_required
@require_POST
def review_appeal_decide(request, pk: int):
    """Restore or keep an appealed serial-voting reversal; a keep without a note comes back to
    the queue with the note field marked and everything typed kept."""
    appeal = get_object_or_404(ReversalAppeal.objects.select_related("member"), pk=pk)
    permissions.allow_decide_appeal(request.user, appeal)
    form = AppealDecisionForm(request.POST, auto_id=f"appeal-{pk}-%s")
    if form.is_valid():
        try:
            decided = appeals.appeal_decide(appeal=appeal, moderator=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            restored = form.cleaned_data["outcome"] == appeals.RESTORE
            messages.success(
                request,
                (
                    f"Restored: {appeal.member.name} gets the reputation back and is told."
                    if restored
                    else f"Kept: the reversal stands, and {appeal.member.name} is told why."
                )
                if decided
                else "That appeal was already decided.",
            )
            return redirect(_queue_url("appeals"))
    return _queue_page(request, "appeals", failed=(pk, form), status=400)
