"""Flagging (members) and the flag queue and audit log (moderators). Thin: parse, authorise,
one service call, respond."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from forum import selectors as forum_selectors
from forum.models import POST_MODELS, Question
from moderation import audit_log, flags, permissions, selectors
from moderation.forms import FlagForm
from moderation.models import Flag
from moderation.permissions import moderator_required

FLAG_THANKS = "Thanks — moderators will review your flag."


@login_required
@require_http_methods(["GET", "POST"])
def flag(request, kind: str, pk: int):
    post = forum_selectors.post_get(kind, pk, request.user)
    permissions.allow_flag(request.user, post)
    form = FlagForm(request.POST or None, kind=kind)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            flags.flag_create(
                flagger=request.user,
                post=post,
                reason=data["reason"],
                duplicate_of_id=data.get("duplicate_of"),
                text=data["text"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, FLAG_THANKS)
            if not Question.objects.visible_to(request.user).filter(pk=post.thread_id).exists():
                return redirect("forum:question_list")  # the flag hid the whole thread
            return redirect(post.anchor_url)
    context = {"form": form, "post": post, "kind": kind, "post_url": post.anchor_url}
    return render(request, "moderation/flag.html", context, status=400 if form.errors else 200)


@moderator_required
@require_GET
def queue(request):
    page = selectors.flag_queue(page_number=request.GET.get("page"))
    return render(request, "moderation/queue.html", {"page": page})


def _any_flag_on(kind: str, pk: int) -> Flag:
    if kind not in POST_MODELS:
        raise Http404("No such kind of post.")
    # Any flag on the post will do: the services act on all of the post's pending flags.
    flag = Flag.objects.filter(**{f"{kind}_id": pk}).order_by("pk").first()
    if flag is None:
        raise Http404("This post has no flags.")
    return flag


def _handled(request, action, **kwargs):
    try:
        count = action(moderator=request.user, **kwargs)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return None
    return count


@moderator_required
@require_POST
def flag_accept(request, kind: str, pk: int):
    outcome = request.POST.get("outcome", "")
    count = _handled(request, flags.flag_accept, flag=_any_flag_on(kind, pk), outcome=outcome)
    if count:
        done = "deleted" if outcome == "delete" else "hidden"
        messages.success(request, f"The {kind} is {done}; {count} flag{'s' if count != 1 else ''} accepted.")
    return redirect(reverse("moderation:queue"))


@moderator_required
@require_POST
def flag_decline(request, kind: str, pk: int):
    count = _handled(request, flags.flag_decline, flag=_any_flag_on(kind, pk))
    if count:
        messages.success(request, f"{count} flag{'s' if count != 1 else ''} on the {kind} declined.")
    return redirect(reverse("moderation:queue"))


@moderator_required
@require_GET
def log(request):
    action = request.GET.get("action", "")
    moderator = request.GET.get("moderator", "")
    page = audit_log.audit_log_page(action=action, moderator=moderator, page_number=request.GET.get("page"))
    actions, moderators = audit_log.audit_log_choices()
    context = {
        "page": page,
        "actions": actions,
        "moderators": moderators,
        "selected_action": action,
        "selected_moderator": moderator,
        "automatic": audit_log.AUTOMATIC,
    }
    return render(request, "moderation/log.html", context)
