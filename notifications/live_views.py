"""Live updates by htmx polling: "N new answers — show" on an open question, and the unread count.

Polling rather than server-sent events: it needs no long-lived connections (gunicorn's sync
workers stay free), works through every proxy, and each poll is one or two cheap indexed queries.
A poll with nothing new answers 204, which htmx leaves unswapped, so the aria-live region is not
re-announced every few seconds.
"""

from django.conf import settings
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from forum.models import Answer, Question
from notifications import selectors

DEFAULT_POLL_SECONDS = 10
DEFAULT_UNREAD_POLL_SECONDS = 30


def poll_seconds() -> int:
    """How often an open question asks for new answers (`COMMONPLACE_LIVE_POLL_SECONDS`)."""
    return max(1, int(getattr(settings, "COMMONPLACE_LIVE_POLL_SECONDS", DEFAULT_POLL_SECONDS)))


def unread_poll_seconds() -> int:
    """How often the nav's bell asks for its number (`COMMONPLACE_UNREAD_POLL_SECONDS`)."""
    return max(1, int(getattr(settings, "COMMONPLACE_UNREAD_POLL_SECONDS", DEFAULT_UNREAD_POLL_SECONDS)))


def _int_param(request, name: str) -> int:
    try:
        return max(0, int(request.GET.get(name, 0)))
    except ValueError:
        return 0


def new_answer_count(*, question_pk: int, since: int, viewer) -> tuple[str, int]:
    """The question's slug and how many answers newer than `since` (an answer id) everyone may
    see, not counting the viewer's own, in one query; 404 if the viewer may not see the question.

    Only publicly visible answers count: a held or hidden answer is news to nobody yet.
    """
    newer = Answer.objects.visible().filter(question=OuterRef("pk"), pk__gt=since)
    if viewer.is_authenticated:
        newer = newer.exclude(author=viewer)
    counted = newer.order_by().values("question").annotate(n=Count("pk")).values("n")
    row = (
        Question.objects.visible_to(viewer)
        .filter(pk=question_pk)
        .annotate(new=Coalesce(Subquery(counted, output_field=IntegerField()), 0))
        .values_list("slug", "new")
        .first()
    )
    if row is None:
        raise Http404("No such question.")
    return row


@require_GET
@never_cache
def question_live(request, pk: int):
    since = _int_param(request, "since")
    slug, count = new_answer_count(question_pk=pk, since=since, viewer=request.user)
    # Nothing the page does not already say (at first: nothing new): 204, and htmx swaps nothing.
    if count == _int_param(request, "shown"):
        return HttpResponse(status=204)
    context = {
        "question_pk": pk,
        "question_url": reverse("forum:question_detail", kwargs={"pk": pk, "slug": slug}),
        "since": since,
        "count": count,
        "poll_seconds": poll_seconds(),
    }
    return render(request, "notifications/live/new_answers.html", context)


@require_GET
@never_cache
def unread_count(request):
    """The nav bell, redrawn every 30 s by htmx. The nav polls only for signed-in members, so an
    anonymous poll means the session ended: 204 leaves the bell alone, where a redirect to the
    login page would have htmx swap that whole page into the nav."""
    if not request.user.is_authenticated:
        return HttpResponse(status=204)
    # The bell's own number (cached per member), drawn by the bell's own template.
    context = {"unread_count": selectors.unread_count(request.user)}
    return render(request, "notifications/includes/unread_count.html", context)
