"""Notification email: who is emailed about what, and the immediate email that gathers a burst.

notify() (notifications/services.py) calls `deliver_later(ids)` on commit. For each recipient who
wants one of those kinds "immediately", it schedules one `notifications.send_pending_immediate`
task COMMONPLACE_EMAIL_BURST_SECONDS ahead, unless one is already scheduled (a cache `add()` with a
TTL is the guard). That task sends every notification of the member still waiting, in one email:
20 comments in a minute make one email. Nothing depends on the broker or the cache being up at the
moment of the write: the beat sweep (`notifications.sweep_immediate`, every minute) schedules any
member whose notifications are still waiting after two windows. `emailed_at`, written in the
transaction that locks the rows, makes every send idempotent, whoever triggers it.

Without a broker (Celery eager: `make run`, the tests) there are no countdowns and no beat, so
each notification is emailed at once, on its own: gathering bursts is a production behaviour, and
the tests prove it on the sender directly.

Never emailed: a member about their own action, inactive members, members without a verified
address, and kinds set to "off". Digests (daily, weekly) are in notifications/digests.py.
"""

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Mapping

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator

from branding.email import email_context, from_email, subject_prefix
from branding.selectors import current as current_brand
from notifications.models import DEFAULT_FREQUENCY, EmailPreference, Frequency, Kind, Notification
from notifications.unsubscribe import absolute_url, unsubscribe_url
from queueing import publish

log = logging.getLogger(__name__)

# How far back a send looks. Notifications older than this are left to the inbox: switching a kind
# from "off" to "immediately" must not unleash months of old news. Digests look back a little
# more than their period, so a digest run that was missed is caught up by the next one.
LOOKBACK = {
    Frequency.IMMEDIATELY: dt.timedelta(days=1),
    Frequency.DAILY: dt.timedelta(days=2),
    Frequency.WEEKLY: dt.timedelta(days=8),
}


# --- Preferences ----------------------------------------------------------------------------


def frequencies_for(user) -> dict[str, str]:
    """Every kind with the member's frequency: their choice, or the default."""
    chosen = dict(EmailPreference.objects.filter(user=user).values_list("kind", "frequency"))
    return {kind: chosen.get(kind, DEFAULT_FREQUENCY[kind]) for kind in Kind.values}


@transaction.atomic
def email_preferences_set(*, user, frequencies: Mapping[str, str]) -> None:
    """Save the member's choices. A saved choice stays theirs even if a default changes later."""
    for kind, frequency in frequencies.items():
        if kind not in Kind.values or frequency not in Frequency.values:
            raise ValueError(f"Unknown email preference {kind}={frequency}.")
        EmailPreference.objects.update_or_create(user=user, kind=kind, defaults={"frequency": frequency})


def email_unsubscribe(*, user, kinds: Iterable[str]) -> list[str]:
    """Turn these kinds off (a one-click unsubscribe). Idempotent. Returns the kinds, in order."""
    kinds = [kind for kind in Kind.values if kind in set(kinds)]
    email_preferences_set(user=user, frequencies=dict.fromkeys(kinds, Frequency.OFF))
    return kinds


# --- Who is emailed about what --------------------------------------------------------------


def emailable(frequency: str, *, now: dt.datetime | None = None) -> QuerySet[Notification]:
    """Notifications waiting to be emailed at `frequency`: not yet emailed, recent, of a kind the
    recipient wants at that frequency (chosen, or by default), to an active member with a
    verified address, and never about the recipient's own action."""
    now = now or timezone.now()
    chosen = EmailPreference.objects.filter(user=OuterRef("recipient_id"), kind=OuterRef("kind"))
    by_default = [kind for kind, default in DEFAULT_FREQUENCY.items() if default == frequency]
    verified = EmailAddress.objects.filter(user=OuterRef("recipient_id"), verified=True)
    return (
        Notification.objects.filter(
            emailed_at__isnull=True,
            created_at__gte=now - LOOKBACK[frequency],
            recipient__is_active=True,
        )
        .filter(Exists(chosen.filter(frequency=frequency)) | (Q(kind__in=by_default) & ~Exists(chosen)))
        .filter(Exists(verified))
        .exclude(actor_id=F("recipient_id"))
    )


def address_for(user) -> str | None:
    """The member's primary verified address, else any verified one; None: do not email."""
    if not user.is_active:
        return None
    return (
        EmailAddress.objects.filter(user=user, verified=True)
        .order_by("-primary", "pk")
        .values_list("email", flat=True)
        .first()
    )


# --- Composing and sending ------------------------------------------------------------------

Compose = Callable[..., EmailMultiAlternatives]


def build_message(
    *, user, address: str, subject: str, template: str, context: dict, kinds: Iterable[str]
) -> EmailMultiAlternatives:
    """One email with text and HTML parts, a footer to manage or stop these emails, and RFC 8058
    one-click unsubscribe headers (which stop exactly the kinds this email is about)."""
    kinds = [kind for kind in Kind.values if kind in set(kinds)]
    stop_these = unsubscribe_url(user_id=user.pk, kinds=kinds)
    brand = current_brand()
    context = {
        **context,
        **email_context(brand),  # the site's name, colour, logo and footer links
        "user": user,
        "site_url": absolute_url("/"),
        "settings_url": absolute_url(reverse("notifications:email_settings")),
        "unsubscribe_url": stop_these,
        "unsubscribe_all_url": unsubscribe_url(user_id=user.pk),
        "kind_labels": [Kind(kind).label for kind in kinds],
    }
    message = EmailMultiAlternatives(
        subject=subject_prefix(brand) + Truncator(subject).chars(150),
        body=render_to_string(f"notifications/email/{template}.txt", context),
        from_email=from_email(brand),
        to=[address],
        headers={
            "List-Unsubscribe": f"<{stop_these}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
        },
    )
    message.attach_alternative(render_to_string(f"notifications/email/{template}.html", context), "text/html")
    return message


def with_links(notifications: list[Notification]) -> list[Notification]:
    for notification in notifications:
        notification.absolute_url = absolute_url(notification.url or "/")
    return notifications


def send_pending(*, user_id: int, frequency: str, compose: Compose) -> int:
    """Email one member everything waiting at `frequency`, in one message, and mark it emailed in
    the transaction that locked the rows: a second run, a retry or a racing sweep finds nothing
    left. A failed send rolls the marks back, so the task's retry sends it all again. Returns how
    many notifications the email listed."""
    with transaction.atomic():
        ids = list(
            emailable(frequency)
            .filter(recipient_id=user_id)
            .select_for_update(of=("self",))
            .values_list("pk", flat=True)
        )
        if not ids:
            return 0
        user = get_user_model().objects.get(pk=user_id)
        address = address_for(user)
        if address is None:
            return 0
        notifications = with_links(
            list(
                Notification.objects.filter(pk__in=ids)
                .select_related("actor", "question")
                .order_by("created_at", "pk")
            )
        )
        compose(user=user, address=address, notifications=notifications).send()
        Notification.objects.filter(pk__in=ids).update(emailed_at=timezone.now())
    log.info("Emailed user %s %d %s notifications.", user_id, len(ids), frequency)
    return len(ids)


# --- Immediate email ------------------------------------------------------------------------


def burst_window() -> dt.timedelta:
    return dt.timedelta(seconds=settings.COMMONPLACE_EMAIL_BURST_SECONDS)


def _scheduled_key(user_id: int) -> str:
    return f"notifications:email-scheduled:{user_id}"


def compose_immediate(*, user, address: str, notifications: list[Notification]) -> EmailMultiAlternatives:
    count = len(notifications)
    subject = notifications[0].text if count == 1 else f"{count} new notifications"
    return build_message(
        user=user,
        address=address,
        subject=subject,
        template="immediate",
        context={"notifications": notifications, "inbox_url": absolute_url("/notifications/")},
        kinds={notification.kind for notification in notifications},
    )


def send_pending_immediate(user_id: int) -> int:
    """The member's waiting immediate notifications, in one email. Clearing the "scheduled" mark
    first means a notification arriving while this runs schedules its own send (which finds
    nothing if this one took it): none is left waiting for the sweep."""
    try:
        cache.delete(_scheduled_key(user_id))
    except Exception:  # the cache being down only costs a later, still single, email
        log.warning("Could not clear the email schedule mark of user %s.", user_id, exc_info=True)
    return send_pending(user_id=user_id, frequency=Frequency.IMMEDIATELY, compose=compose_immediate)


def schedule_immediate(user_id: int) -> bool:
    """Schedule the member's immediate email a burst window ahead, unless one already is.
    Never raises: the sweep catches up whatever a broker or cache outage leaves behind."""
    from notifications.tasks import send_pending_immediate as task

    what = f"email for user {user_id}; the sweep will send it"
    if task.app.conf.task_always_eager:
        return publish(task, (user_id,), what=what)
    key = _scheduled_key(user_id)
    window = burst_window()
    try:
        if not cache.add(key, 1, timeout=int(window.total_seconds() * 2)):
            return False
    except Exception:
        log.warning("Could not schedule %s.", what, exc_info=True)
        return False
    if publish(task, (user_id,), what=what, countdown=int(window.total_seconds())):
        return True
    try:
        cache.delete(key)
    except Exception:  # the mark expires on its own
        log.warning("Could not clear the email schedule mark of user %s.", user_id, exc_info=True)
    return False


def deliver_later(notification_ids: list[int]) -> None:
    """Called by notify() on commit: schedule the immediate email of every recipient concerned.
    Digest kinds wait for their digest; "off", self-actions and unverified addresses get nothing."""
    try:
        recipient_ids = set(
            emailable(Frequency.IMMEDIATELY)
            .filter(pk__in=list(notification_ids))
            .values_list("recipient_id", flat=True)
        )
    except Exception:  # an email must never fail the request that caused it
        log.warning("Could not look up notifications %s for email.", notification_ids, exc_info=True)
        return
    for user_id in sorted(recipient_ids):
        schedule_immediate(user_id)


def users_left_waiting(*, limit: int = 1000) -> list[int]:
    """Members whose immediate notifications still wait after two burst windows: their scheduled
    send was lost (broker or cache down, worker died). The sweep schedules them again."""
    cutoff = timezone.now() - 2 * burst_window()
    return list(
        emailable(Frequency.IMMEDIATELY)
        .filter(created_at__lt=cutoff)
        .order_by()
        .values_list("recipient_id", flat=True)
        .distinct()[:limit]
    )
