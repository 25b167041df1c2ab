"""The inbox, marking read, and the Watch / Ignore buttons. Thin: parse, authorise, one service
call, respond. Every action is a plain form POST that redirects back; with htmx, the same POST
answers with the fragment to swap (and the bell's count, out of band)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from forum import selectors as forum_selectors
from notifications import selectors, services
from notifications.models import TagPreference


def _login_first(request, back: str):
    return redirect(f"{reverse('account_login')}?next={back}")


def _safe_next(request, fallback: str) -> str:
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False):
        return target or fallback
    return fallback


# --- The inbox ------------------------------------------------------------------------------


def _inbox_page(request, number):
    return Paginator(selectors.inbox(request.user), selectors.INBOX_PER_PAGE).get_page(number)


@login_required
@require_GET
def inbox(request):
    page = _inbox_page(request, request.GET.get("page"))
    return render(request, "notifications/inbox.html", {"page": page})


@login_required
@require_GET
def go(request, pk: int):
    """Follow a notification: it is read once its link is followed."""
    notification = selectors.notification_get(user=request.user, pk=pk)
    services.notification_mark_read(user=request.user, notification=notification)
    target = notification.url or reverse("notifications:inbox")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("notifications:inbox")
    return redirect(target)


@login_required
@require_POST
def mark_read(request, pk: int):
    notification = selectors.notification_get(user=request.user, pk=pk)
    services.notification_mark_read(user=request.user, notification=notification)
    if request.htmx:
        context = {"notification": notification, "unread_count": selectors.unread_count(request.user)}
        return render(request, "notifications/includes/marked_read.html", context)
    return redirect(_safe_next(request, reverse("notifications:inbox")))


@login_required
@require_POST
def mark_all_read(request):
    marked = services.notifications_mark_all_read(user=request.user)
    if request.htmx:
        page = _inbox_page(request, request.POST.get("page"))
        return render(request, "notifications/includes/inbox_list.html", {"page": page, "unread_count": 0})
    messages.success(request, f"Marked {marked} notification{'s' if marked != 1 else ''} as read.")
    return redirect(_safe_next(request, reverse("notifications:inbox")))


# --- Watching a question --------------------------------------------------------------------


@require_POST
def question_watch_toggle(request, pk: int):
    question = forum_selectors.question_get(pk, viewer=request.user)
    if not request.user.is_authenticated:
        return _login_first(request, question.get_absolute_url())
    watching = services.question_watch_toggle(user=request.user, question=question)
    if request.htmx:
        question.viewer_watching = watching
        return render(request, "notifications/includes/watch_button.html", {"question": question})
    messages.success(
        request,
        "You're watching this question: new answers and comments will notify you."
        if watching
        else "You no longer watch this question.",
    )
    return redirect(question.get_absolute_url())


# --- Watching and ignoring tags -------------------------------------------------------------

TAG_ACTIONS = {
    "watch": (services.tag_watch, "You're watching {tag}: new questions in it will notify you."),
    "ignore": (services.tag_ignore, "You're ignoring {tag}: its questions leave your question list."),
    "clear": (services.tag_preference_clear, "You neither watch nor ignore {tag} now."),
}


@require_POST
def tag_preference(request, slug: str, action: str):
    tag = forum_selectors.tag_get(slug)
    back = reverse("forum:tag_detail", kwargs={"slug": tag.slug})
    if not request.user.is_authenticated:
        return _login_first(request, back)
    service, message = TAG_ACTIONS[action]
    service(user=request.user, tag=tag)
    if request.htmx:
        tag.viewer_tag_mode = None if action == "clear" else TagPreference.Mode(action)
        return render(request, "notifications/includes/tag_preference.html", {"tag": tag})
    messages.success(request, message.format(tag=tag.name))
    return redirect(back)
