"""Daily and weekly digests: one email per member, grouped by kind and then by question.

`notifications.send_digests(frequency)` (celery beat: daily at COMMONPLACE_DIGEST_HOUR_UTC, weekly
on Mondays) fans out one `notifications.send_digest(user_id, frequency)` per member with something
waiting. Each marks what it listed as emailed in the transaction that locked it, so a second run,
or a redelivered task, sends nothing new.
"""

from dataclasses import dataclass, field

from django.core.mail import EmailMultiAlternatives

from notifications.email import build_message, emailable, send_pending
from notifications.models import Frequency, Kind, Notification
from notifications.unsubscribe import absolute_url

DIGEST_FREQUENCIES = (Frequency.DAILY, Frequency.WEEKLY)


@dataclass
class Thread:
    title: str
    url: str
    notifications: list[Notification] = field(default_factory=list)


@dataclass
class KindGroup:
    kind: str
    label: str
    threads: list[Thread] = field(default_factory=list)


def group(notifications: list[Notification]) -> list[KindGroup]:
    """By kind (in the order of Kind), then by question in order of first appearance; whatever is
    about no question comes last in its kind. Expects `absolute_url` set (email.with_links)."""
    threads: dict[str, dict[int | None, Thread]] = {}
    for notification in notifications:
        by_question = threads.setdefault(notification.kind, {})
        thread = by_question.get(notification.question_id)
        if thread is None:
            question = notification.question
            thread = by_question[notification.question_id] = Thread(
                title=question.title if question else "Other",
                url=absolute_url(question.get_absolute_url()) if question else "",
            )
        thread.notifications.append(notification)
    groups = []
    for kind in Kind.values:
        if kind in threads:
            ordered = sorted(threads[kind].items(), key=lambda item: item[0] is None)
            groups.append(KindGroup(kind=kind, label=Kind(kind).label, threads=[t for _, t in ordered]))
    return groups


def compose_digest(frequency: str):
    def compose(*, user, address: str, notifications: list[Notification]) -> EmailMultiAlternatives:
        period = "daily" if frequency == Frequency.DAILY else "weekly"
        count = len(notifications)
        return build_message(
            user=user,
            address=address,
            subject=f"Your {period} digest: {count} notification{'s' if count != 1 else ''}",
            template="digest",
            context={"period": period, "groups": group(notifications), "count": count},
            kinds={notification.kind for notification in notifications},
        )

    return compose


def users_due(frequency: str) -> list[int]:
    """Members with something waiting for this digest."""
    _check(frequency)
    return list(emailable(frequency).order_by().values_list("recipient_id", flat=True).distinct())


def send_digest(*, user_id: int, frequency: str) -> int:
    """One member's digest. Returns how many notifications it listed (0: nothing new)."""
    _check(frequency)
    return send_pending(user_id=user_id, frequency=frequency, compose=compose_digest(frequency))


def _check(frequency: str) -> None:
    if frequency not in DIGEST_FREQUENCIES:
        raise ValueError(f"Not a digest frequency: {frequency!r}.")
