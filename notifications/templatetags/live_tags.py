"""The question page's live-answers poller, drawn from what the page already holds (no query)."""

from django import template

from notifications.live_views import poll_seconds, unread_poll_seconds

register = template.Library()


@register.inclusion_tag("notifications/live/poller.html", takes_context=True)
def live_answers(context):
    """An aria-live region that polls for answers newer than the newest one on the page.

    Nothing is drawn where no answer can arrive (closed, locked or deleted questions), or
    outside a question page (no `question` in the context).
    """
    question = context.get("question")
    if question is None or question.closed_at or question.locked_at or question.deleted_at:
        return {"question": None}
    answers = context.get("answers") or []
    return {
        "question": question,
        "question_url": question.get_absolute_url(),
        "since": max((answer.pk for answer in answers), default=0),
        "count": 0,
        "poll_seconds": poll_seconds(),
    }


@register.simple_tag
def unread_poll_trigger() -> str:
    """The bell's hx-trigger: every few seconds (only while the tab is in view: the bell carries
    data-poll-while-visible, which static/js/htmx-behaviours.js reads)."""
    return f"every {unread_poll_seconds()}s"
