"""Every write of the helpdesk bridge. Keyword-only; each step atomic.

A ticket's life:

1. **Asked for.** Staff taking a thread to private follow-up tick "Also open a ticket", or press
   "Open a ticket" on a follow-up without one (`escalation_take`, `ticket_request`). A
   HelpdeskTicket row, due at once, is written in the transaction that asked, with the
   escalation as it stands then; after commit a task tries to open it. Nothing talks to the
   helpdesk inside a web request's transaction, and a broker outage loses nothing: the row is
   due, and `helpdesk.retry_tickets` (every minute) finds it.
2. **Tried** (`ticket_open_attempt`). A try claims the ticket for LEASE (so no second try runs
   meanwhile), commits, calls the helpdesk outside any transaction, and records what came back:
   the ticket, or the error, with the next try after a pause that doubles from a minute to an
   hour. Every try sends the same request id, so a helpdesk that got a request whose answer was
   lost does not open a second ticket. After COMMONPLACE_HELPDESK_RETRY_HOURS it gives up and
   tells whoever asked; "Try again" on the thread starts over.
3. **Called back** (`ticket_callback`). The helpdesk tells us the status; "solved" prompts the
   staff member who opened the ticket to post the public outcome, and an outcome in the callback
   is posted through insights' own service, in the name of the staff member who opened the
   follow-up, exactly once. The community's answers and their credit are never touched.
"""

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.text import Truncator, capfirst

from branding.email import absolute
from forum.models import Question
from helpdesk import adapters, permissions
from helpdesk.models import DONE, LEASE, HelpdeskTicket
from insights import services as insights_services
from insights.models import Escalation
from insights.permissions import can_escalate
from insights.selectors import care_team
from notifications.models import Kind
from notifications.services import notify
from queueing import publish

log = logging.getLogger(__name__)

FIRST_PAUSE = dt.timedelta(minutes=1)
LONGEST_PAUSE = dt.timedelta(hours=1)
RETRY_BATCH = 100


class UnknownTicket(LookupError):
    """A callback about a ticket no thread here is linked to."""


@dataclass(frozen=True)
class Escalated:
    escalation: Escalation
    created: bool  # False: the thread was already in private follow-up
    ticket: HelpdeskTicket | None
    ticket_requested: bool  # a try at opening it was scheduled


def pause_after(attempts: int) -> dt.timedelta:
    """1, 2, 4, 8, 16, 32 minutes, then an hour between tries."""
    return min(FIRST_PAUSE * 2 ** max(attempts - 1, 0), LONGEST_PAUSE)


def retry_window() -> dt.timedelta:
    return dt.timedelta(hours=max(settings.COMMONPLACE_HELPDESK_RETRY_HOURS, 0))


def escalation_details(*, escalation: Escalation, staff_user, private_note: str = "") -> dict:
    """What the helpdesk is told (the generic contract's "escalation"). The public note is on the
    thread for all to read; the private note and the email addresses go to the helpdesk only."""
    question = escalation.question
    asker = question.author
    asker_email = asker.email if settings.COMMONPLACE_HELPDESK_SHARE_EMAIL and verified(asker) else ""
    return {
        "id": escalation.pk,
        "question": {
            "id": question.pk,
            "title": question.title,
            "url": absolute(question.get_absolute_url()),
        },
        "asker": {
            "username": asker.username,
            "name": asker.name,
            "url": absolute(asker.get_absolute_url()),
            **({"email": asker_email} if asker_email else {}),
        },
        "staff": {"username": staff_user.username, "name": staff_user.name, "email": staff_user.email},
        "public_note": escalation.note,
        "private_note": private_note.strip(),
        "opened_at": escalation.opened_at.isoformat(),
    }


def verified(user) -> bool:
    return user.emailaddress_set.filter(email__iexact=user.email, verified=True).exists()


@transaction.atomic
def escalation_take(
    *, question: Question, staff_user, note: str = "", open_ticket: bool = False, ticket_note: str = ""
) -> Escalated:
    """Take a thread to private follow-up (insights' service, unchanged) and, when asked, open a
    ticket for it in the same transaction: either both are recorded or neither."""
    if open_ticket:
        permissions.allow_open_ticket(staff_user)
    escalation, created = insights_services.escalation_open(
        question=question, staff_user=staff_user, note=note
    )
    if not open_ticket:
        return Escalated(escalation, created, None, False)
    ticket, requested = ticket_request(escalation=escalation, staff_user=staff_user, note=ticket_note)
    return Escalated(escalation, created, ticket, requested)


@transaction.atomic
def ticket_request(
    *, escalation: Escalation, staff_user, note: str = "", now: dt.datetime | None = None
) -> tuple[HelpdeskTicket, bool]:
    """Ask for the follow-up's ticket, or, for one not opened yet, try again now. Returns the
    ticket and whether a try was scheduled: False when it is already opened, or a try is under
    way this minute (idempotent: a double click schedules one try)."""
    permissions.allow_open_ticket(staff_user, escalation)
    adapter = adapters.current()
    now = now or timezone.now()
    escalation = (
        Escalation.objects.select_for_update(of=("self",))
        .select_related("question__author")
        .get(pk=escalation.pk)
    )
    permissions.allow_open_ticket(staff_user, escalation)  # again, locked: the outcome may have come
    ticket = HelpdeskTicket.objects.select_for_update().filter(escalation=escalation).first()
    if ticket is None:
        ticket = HelpdeskTicket.objects.create(
            escalation=escalation,
            adapter=adapter.key,
            request=escalation_details(escalation=escalation, staff_user=staff_user, private_note=note),
            opened_by=staff_user,
            requested_at=now,
            next_attempt_at=now,
            give_up_at=now + retry_window(),
        )
    elif ticket.is_opened or ticket.is_trying(now):
        return ticket, False
    else:  # waiting for its next try, or given up: try now, for a new retry window
        ticket.adapter = adapter.key  # the bridge may have been switched since
        ticket.next_attempt_at = now
        ticket.give_up_at = now + retry_window()
        ticket.save(update_fields=["adapter", "next_attempt_at", "give_up_at"])
    transaction.on_commit(lambda: enqueue_open(ticket.pk))
    return ticket, True


def enqueue_open(ticket_id: int) -> None:
    from helpdesk.tasks import open_ticket

    publish(open_ticket, (ticket_id,), what=f"helpdesk ticket {ticket_id}; retry_tickets will open it")


def ticket_open_attempt(*, ticket_id: int, now: dt.datetime | None = None) -> str:
    """One try at opening a ticket, if one is due: claim it, call the helpdesk (outside any
    transaction), record the answer. Returns "opened", "retrying", "failed", or "" when nothing
    was due (opened already, claimed by another try, or not due yet)."""
    now = now or timezone.now()
    claimed = ticket_claim(ticket_id=ticket_id, now=now)
    if claimed is None:
        return ""
    ticket, adapter = claimed
    if adapter is None or adapter.key != ticket.adapter:
        return ticket_attempt_failed(ticket_id=ticket_id, error=why_not_tried(ticket), now=now, give_up=True)
    try:
        opened = adapter.open_ticket(
            request_id=str(ticket.request_id), escalation=ticket.request, retry=ticket.attempts > 1
        )
    except adapters.HelpdeskError as error:
        return ticket_attempt_failed(ticket_id=ticket_id, error=str(error), now=now)
    except Exception as error:  # a bug must not leave the ticket claimed and retried for ever
        log.exception("Opening helpdesk ticket %s failed unexpectedly.", ticket_id)
        return ticket_attempt_failed(
            ticket_id=ticket_id,
            error=f"Something unexpected went wrong ({type(error).__name__}); "
            "the server's log has the details.",
            now=now,
        )
    return ticket_opened(ticket_id=ticket_id, opened=opened, now=now)


@transaction.atomic
def ticket_claim(*, ticket_id: int, now: dt.datetime):
    """(ticket, the adapter in use or None) with the ticket claimed for LEASE, or None if it is
    not due."""
    ticket = (
        HelpdeskTicket.objects.due(now=now).select_for_update(skip_locked=True).filter(pk=ticket_id).first()
    )
    if ticket is None:
        return None
    ticket.attempts += 1
    ticket.trying_since = now
    ticket.next_attempt_at = now + LEASE
    ticket.save(update_fields=["attempts", "trying_since", "next_attempt_at"])
    return ticket, adapters.current()


def why_not_tried(ticket: HelpdeskTicket) -> str:
    chosen = adapters.chosen()
    if chosen is not None and chosen.key == ticket.adapter:
        missing = ", ".join(chosen.missing_settings())
        return f"The helpdesk bridge lacks {missing} (manage.py check says so too)."
    now_set = f"set to {chosen.key}" if chosen else "switched off"
    return (
        f"The helpdesk bridge was {now_set} since this ticket was asked for: “Try again” asks the one in use."
    )


@transaction.atomic
def ticket_opened(*, ticket_id: int, opened: adapters.Opened, now: dt.datetime) -> str:
    ticket = HelpdeskTicket.objects.select_for_update().get(pk=ticket_id)
    if ticket.is_opened:  # a callback got here first and linked it: keep its status
        if not ticket.url and opened.url:
            ticket.url = opened.url
            ticket.save(update_fields=["url"])
        return "opened"
    taken = HelpdeskTicket.objects.filter(adapter=ticket.adapter, external_id=opened.external_id).exists()
    if taken:
        return ticket_attempt_failed(
            ticket_id=ticket_id,
            error=f"The helpdesk answered with ticket {opened.external_id}, "
            "which belongs to another thread here.",
            now=now,
            give_up=True,
        )
    ticket.external_id = opened.external_id
    ticket.url = opened.url
    ticket.status = opened.status
    ticket.opened_at = ticket.last_status_at = now
    ticket.solved_at = now if opened.status in DONE else None
    ticket.next_attempt_at = ticket.trying_since = None
    ticket.last_error = ""
    ticket.save()
    return "opened"


@transaction.atomic
def ticket_attempt_failed(*, ticket_id: int, error: str, now: dt.datetime, give_up: bool = False) -> str:
    """Record a failed try: the next after a pause, or, past the retry window, none (the staff
    member who asked is told). Returns "retrying" or "failed"."""
    ticket = (
        HelpdeskTicket.objects.select_for_update(of=("self",))
        .select_related("escalation__question")
        .get(pk=ticket_id)
    )
    if ticket.is_opened:
        return "opened"
    ticket.last_error = error[:1000]
    ticket.last_error_at = now
    ticket.trying_since = None
    give_up = give_up or now >= ticket.give_up_at
    ticket.next_attempt_at = None if give_up else now + pause_after(ticket.attempts)
    ticket.save(update_fields=["last_error", "last_error_at", "trying_since", "next_attempt_at"])
    if not give_up:
        return "retrying"
    question = ticket.escalation.question
    tries = f"{ticket.attempts} tr{'y' if ticket.attempts == 1 else 'ies'}"
    tell(
        responsible(ticket.opened_by),
        question,
        f"No ticket could be opened for “{title_of(question)}” after {tries}: "
        f"{ticket.last_error} Try again from the thread.",
    )
    return "failed"


def tickets_retry_due() -> int:
    """Start a try for every ticket whose next try is due (helpdesk.retry_tickets, every minute):
    those after a failure, and any whose first try was never started (the broker was down).
    Idempotent: a ticket already being tried is not due. Returns how many were started."""
    due = HelpdeskTicket.objects.due(now=timezone.now()).order_by("next_attempt_at", "pk")
    ids = list(due.values_list("pk", flat=True)[:RETRY_BATCH])
    for pk in ids:
        enqueue_open(pk)
    return len(ids)


def tell(recipients, question: Question, text: str) -> None:
    """A notification about a follow-up's ticket (the kind staff get reminders of follow-ups by),
    linking to the thread's follow-up panel."""
    notify(
        recipients=recipients,
        kind=Kind.ESCALATION,
        actor=None,
        text=text,
        url=f"{question.get_absolute_url()}#follow-up",
        question=question,
    )


def title_of(question: Question) -> str:
    return Truncator(question.title).chars(80)


def responsible(opener) -> list:
    """Who hears about a ticket: its opener while they may still act on it, else all the staff,
    so that nothing is orphaned (as insights' reminders do)."""
    return [opener] if opener.is_active and can_escalate(opener) else list(care_team())


@transaction.atomic
def ticket_callback(
    *, adapter: adapters.Adapter, callback: adapters.Callback, now: dt.datetime | None = None
) -> dict:
    """Apply a verified status callback. Idempotent: the same callback again changes nothing, a
    callback signed before the last one applied does not undo it, and an outcome is posted once.
    Raises UnknownTicket when no thread here has this ticket."""
    now = now or timezone.now()
    ticket = locked_ticket(adapter=adapter, callback=callback)
    if not ticket.is_opened:  # the callback came before the helpdesk's answer to our request
        ticket.external_id = callback.ticket_id
        ticket.url = ticket.url or adapter.ticket_url(callback.ticket_id)
        ticket.opened_at = now
        ticket.next_attempt_at = ticket.trying_since = None
        ticket.last_error = ""
    became_done = False
    stale = ticket.last_callback_signed_at is not None and callback.signed_at < ticket.last_callback_signed_at
    if not stale:
        if callback.status != ticket.status:
            became_done = callback.status in DONE and ticket.status not in DONE
            if became_done:
                ticket.solved_at = now
            elif callback.status not in DONE:
                ticket.solved_at = None
            ticket.status = callback.status
            ticket.last_status_at = now
        ticket.last_callback_signed_at = callback.signed_at
    ticket.save()
    escalation = ticket.escalation
    posted = (
        bool(callback.public_outcome) and escalation.is_open and outcome_post(ticket, callback.public_outcome)
    )
    if became_done and escalation.is_open and not posted and not ticket.pending_outcome:
        question = escalation.question
        tell(
            responsible(ticket.opened_by),
            question,
            f"{capfirst(adapter.display_name)} ticket {ticket.external_id} for “{title_of(question)}” is "
            f"{ticket.status}. Post the public outcome on the thread to close the loop.",
        )
    escalation.refresh_from_db(fields=["state"])
    return {
        "ticket_id": ticket.external_id,
        "status": ticket.status,
        "ignored_as_stale": stale,
        "outcome_posted": posted,
        "escalation": escalation.state,
    }


def locked_ticket(*, adapter: adapters.Adapter, callback: adapters.Callback) -> HelpdeskTicket:
    tickets = HelpdeskTicket.objects.select_for_update(of=("self",)).select_related(
        "escalation__question", "escalation__opened_by", "opened_by"
    )
    ticket = tickets.filter(adapter=adapter.key, external_id=callback.ticket_id).first()
    if ticket is None and callback.request_id:
        ticket = tickets.filter(adapter=adapter.key, request_id=callback.request_id, external_id="").first()
    if ticket is None:
        raise UnknownTicket(
            f"No thread here is linked to {adapter.display_name} ticket {callback.ticket_id}."
        )
    return ticket


def outcome_post(ticket: HelpdeskTicket, outcome: str) -> bool:
    """Post the outcome the helpdesk sent through insights' service, as the staff member who
    opened the follow-up, which sanitises it as any post and leaves the answers as they are.
    When they may no longer post it, keep it on the ticket for the care team. Returns whether
    it was posted."""
    escalation = ticket.escalation
    question = escalation.question
    opener = escalation.opened_by
    title = title_of(question)
    try:
        _escalation, posted = insights_services.escalation_resolve(
            question=question, staff_user=opener, outcome=outcome
        )
    except PermissionDenied as refusal:
        if ticket.pending_outcome == outcome:  # the same callback again: the care team knows
            return False
        ticket.pending_outcome = outcome
        ticket.save(update_fields=["pending_outcome"])
        tell(
            care_team(),
            question,
            f"{capfirst(ticket.helpdesk_name)} sent the public outcome for “{title}”, but it could not "
            f"be posted in {opener.name}'s name ({refusal}). Review it and post it from the thread.",
        )
        return False
    if ticket.pending_outcome:
        ticket.pending_outcome = ""
        ticket.save(update_fields=["pending_outcome"])
    if posted:
        tell(
            [opener],
            question,
            f"The outcome of ticket {ticket.external_id} was posted on “{title}” in your name, "
            "as the helpdesk sent it.",
        )
    return posted
