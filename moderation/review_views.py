"""The review queue at /moderation/review/. Suggested edits are reviewed by anyone with the edit
privilege (moderators included); held first posts by moderators only."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from forum import permissions as forum_permissions
from forum.forms import SuggestedEditRejectForm
from forum.models import POST_MODELS
from moderation import closing, permissions, review
from moderation.permissions import moderator_required


def _queue_url(tab: str = "edits", page=None) -> str:
    url = f"{reverse('moderation:review')}?tab={tab}"
    return f"{url}&page={page}" if page else url


def _queue_page(request, tab: str, *, failed=None, status: int = 200):
    """`failed` is (suggested edit id, bound reject form) for a rejection without a reason."""
    context = {"tab": tab, "tabs": review.TABS, "is_moderator": permissions.can_release(request.user)}
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
    forum_permissions.allow_review_edits(request.user)
    tab = request.GET.get("tab", "edits")
    if tab not in review.TABS:
        tab = "edits"
    if tab == "first-posts":
        permissions.allow_release(request.user)
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
