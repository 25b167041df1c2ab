"""Appeals of serial-voting reversals: a review item of their own, not a flag.

A serial-voting reversal (moderation/serial_voting.py) takes back, in one anti-fraud ledger
event, what one voter's ring of votes earned a member. The member sees "Ask a moderator to
review this" beside each of those lines; asking opens a `ReversalAppeal` about the whole
reversal (every line that event wrote for them), listed for moderators in the review queue's
"Reputation appeals" tab with the member's reason, the lines and the votes behind them.

A moderator decides once:

- **restore**: a new ledger event (`reputation.events.record_reversal_restored`) reverses each
  reversal line, so the member gets back exactly what was taken and the votes hold their credit
  again; nothing is edited, and serial-voting detection never reverses a restoration;
- **keep**: the reversal stands, with the moderator's reason.

Either way the member is told (a notification, emailed as they chose) with the moderator's
note, and the decision is in the audit log. A reversal is appealed once: after "keep" it cannot
be appealed again (Stack Exchange's rule for a reviewed decision), and the page says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.selectors import mark_moderators
from moderation import audit, permissions
from moderation.models import AppealStatus, ReversalAppeal
from moderation.serial_voting import SERIAL_VOTING_REASON
from notifications import triggers as notification_triggers
from reputation import events
from reputation.models import EventKind, LedgerEntry

PER_PAGE = 20
RESTORE, KEEP = "restore", "keep"
OUTCOMES = {RESTORE: AppealStatus.RESTORED, KEEP: AppealStatus.KEPT}
KEEP_NEEDS_A_NOTE = "Say why the reversal stays: the member reads your note."
OUTCOME_REQUIRED = "Choose to restore the reputation or keep the reversal."


def is_appealable(entry: LedgerEntry) -> bool:
    """A line an anti-fraud event wrote to reverse serial voting (its reason may carry a note
    such as "reputation floor") that moved reputation: reversing a line the daily cap had
    already made 0 took nothing back, so there is nothing to review."""
    return (
        entry.reverses_id is not None
        and entry.event_id is not None
        and SERIAL_VOTING_REASON in entry.reason
        and entry.amount != 0
    )


def reversal_lines(*, member_id: int, reversal_id: int):
    """The lines the reversal event wrote for the member, oldest first."""
    return LedgerEntry.objects.filter(
        event_id=reversal_id, user_id=member_id, event__kind=EventKind.FRAUD_REVERSAL
    ).order_by("pk")


def appeal_of(entry: LedgerEntry) -> ReversalAppeal | None:
    """The appeal already made about the reversal this line belongs to, if any."""
    return (
        ReversalAppeal.objects.select_related("decided_by")
        .filter(member_id=entry.user_id, reversal_id=entry.event_id)
        .first()
    )


def refusal(user, entry: LedgerEntry, appeal: ReversalAppeal | None) -> str:
    """Why the member may not appeal this reversal (again), or "" when they may."""
    try:
        permissions.allow_appeal(user, entry, appeal)
    except PermissionDenied as error:
        return str(error)
    return ""


def appeal_url(appeal: ReversalAppeal) -> str:
    """The member's page about the appeal: the appeal form's address, at its first line."""
    first = (
        reversal_lines(member_id=appeal.member_id, reversal_id=appeal.reversal_id)
        .exclude(amount=0)
        .values_list("pk", flat=True)
        .first()
    )
    if first is None:  # every line is 0: unreachable for an appeal, but never a broken link
        return reverse("reputation:user_ledger", args=[appeal.member.username])
    return reverse("moderation:appeal", args=[first])


# --- Writes ------------------------------------------------------------------------------------


@transaction.atomic
def appeal_create(*, entry: LedgerEntry, member, text: str) -> tuple[ReversalAppeal, bool]:
    """Open a review item about the reversal `entry` belongs to. Returns (appeal, created);
    created is False, and nothing changes, when the member already appealed that reversal
    (the same form sent twice included): the caller says why from `refusal`."""
    if not is_appealable(entry):
        raise ValidationError("This entry is not a serial voting reversal.")
    permissions.allow_appeal(member, entry)
    existing = appeal_of(entry)
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            appeal = ReversalAppeal.objects.create(member=member, reversal_id=entry.event_id, text=text)
    except IntegrityError:  # the same form sent twice at once: the first one counts
        return appeal_of(entry), False
    return appeal, True


@transaction.atomic
def appeal_decide(*, appeal: ReversalAppeal, moderator, outcome: str, note: str = "") -> bool:
    """Restore the reversal (new ledger lines reversing it) or keep it, tell the member, log it.
    Returns False, changing nothing, when the appeal was already decided."""
    permissions.allow_decide_appeal(moderator, appeal)
    if outcome not in OUTCOMES:
        raise ValidationError(OUTCOME_REQUIRED)
    note = note.strip()
    if outcome == KEEP and not note:
        raise ValidationError(KEEP_NEEDS_A_NOTE)
    appeal = ReversalAppeal.objects.select_for_update().select_related("member").get(pk=appeal.pk)
    if not appeal.is_pending:
        return False
    lines = reversal_lines(member_id=appeal.member_id, reversal_id=appeal.reversal_id)
    line_ids = list(lines.values_list("pk", flat=True))
    if outcome == RESTORE:
        appeal.restoration = events.record_reversal_restored(
            entry_ids=line_ids, actor=moderator, appeal_id=appeal.pk
        )
    appeal.status = OUTCOMES[outcome]
    appeal.decided_by = moderator
    appeal.decided_at = timezone.now()
    appeal.note = note
    appeal.save(update_fields=["status", "decided_by", "decided_at", "note", "restoration"])
    audit.record(
        moderator=moderator,
        action=f"appeal_{appeal.status}",
        target=appeal.member,
        reason=note,
        before={"appeal": AppealStatus.PENDING.value},
        after={"appeal": appeal.status, "reversal_ids": line_ids},
    )
    notification_triggers.reversal_appeal_decided(
        member_id=appeal.member_id,
        moderator=moderator,
        restored=outcome == RESTORE,
        note=note,
        url=appeal_url(appeal),
    )
    return True


# --- The review queue's "Reputation appeals" tab -----------------------------------------------


@dataclass
class AppealItem:
    appeal: ReversalAppeal
    lines: list[LedgerEntry] = field(default_factory=list)  # each with its vote and voter

    @property
    def taken(self) -> int:
        """The reputation the reversal took back from the member (what restoring returns)."""
        return -sum(line.amount for line in self.lines)

    @property
    def people(self) -> list:
        """The member and each line's voter (the same voter appears once per line)."""
        return [self.appeal.member, *(line.vote.voter for line in self.lines if line.vote_id)]


def pending_appeals(viewer):
    """Appeals waiting for a moderator, oldest first, without the viewer's own."""
    return ReversalAppeal.objects.filter(status=AppealStatus.PENDING).exclude(member_id=viewer.pk)


def appeal_page(*, viewer, page_number=None) -> tuple[Page, list[AppealItem]]:
    """One page of the appeals tab, each appeal with the lines its reversal wrote (with what
    they reversed, their post, their vote and its voter), in a fixed number of queries."""
    queryset = pending_appeals(viewer).select_related("member").order_by("created_at", "pk")
    page = Paginator(queryset, PER_PAGE).get_page(page_number)
    items = {(a.member_id, a.reversal_id): AppealItem(appeal=a) for a in page.object_list}
    if items:
        lines = (
            LedgerEntry.objects.filter(event_id__in={reversal for _, reversal in items})
            .select_related("reverses", "vote__voter", "question", "answer__question")
            .order_by("pk")
        )
        for line in lines:
            item = items.get((line.user_id, line.event_id))
            if item is not None:
                item.lines.append(line)
    result = list(items.values())
    mark_moderators([person for item in result for person in item.people])
    return page, result
