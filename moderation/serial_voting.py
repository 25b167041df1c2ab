"""Voting rings: found by a periodic task, neutralised in the ledger, open to appeal.

Two patterns, among up-votes that still stand (value 1):

- **Serial voting**: one member up-votes ``SERIAL_VOTES`` (5) or more posts by the same author
  within ``WINDOW`` (24 hours).
- **Reciprocal voting**: two members each up-vote ``RECIPROCAL_VOTES`` (3) or more of the
  other's posts within the same 24 hours. Three each way is well past chance between two people
  who merely help in the same tags, yet lower than 5 because a ring of two needs half the effort.

A vote's time is ``updated_at``, when it took its current value. The task runs hourly and looks
back ``LOOKBACK`` (48 hours), testing every 24-hour window in it, so a ring is caught whichever
side of a run its votes fall on, and even when beat missed a day of runs.

Neutralising reverses, through ``reputation.events.record_fraud_reversal``, the active ledger
entries those votes earned, with the reason "serial voting reversed". Nothing is deleted or
edited: the votes stay (they are the history the ledger points at) and so do the posts' scores,
which stay the sum of their votes, as vote changes and ``reputation_reconcile`` expect; the
reversal takes away what the ring was for, reputation. Running again reverses nothing new,
since a reversed entry is no longer active and entries already in a pending reversal are
skipped; each reversal writes one audit line (moderator none, target the author whose
reputation it took back). The author sees the reversal in their ledger with a link to ask a
moderator to review it: moderation/appeals.py. Votes a moderator cleared on appeal (their
reversal restored) are never reversed again.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models.functions import Coalesce
from django.utils import timezone

from moderation import audit
from reputation import events
from reputation.models import EventKind, LedgerEntry, ReputationEvent

SERIAL_VOTING_REASON = "serial voting reversed"
AUDIT_ACTION = "serial_voting_reversed"
SERIAL_VOTES = 5
RECIPROCAL_VOTES = 3
WINDOW = dt.timedelta(hours=24)
LOOKBACK = 2 * WINDOW

User = get_user_model()


@dataclass
class Finding:
    """Up-votes by `voter_id` on posts by `author_id` that are part of a ring."""

    voter_id: int
    author_id: int
    vote_ids: set[int] = field(default_factory=set)
    patterns: set[str] = field(default_factory=set)  # "serial", "reciprocal"

    def describe(self, *, voter, author) -> str:
        """The audit line's reason, in names: the ids stay in its `after` and the target."""
        kinds = " and ".join(sorted(self.patterns))
        return (
            f"{len(self.vote_ids)} up-votes by {_name(voter)} on posts by {_name(author)} "
            f"({kinds} voting within {WINDOW.total_seconds() / 3600:.0f} hours)"
        )


def _name(user) -> str:
    return user.name if user is not None else "a deleted member"


# --- Finding ---------------------------------------------------------------------------------


def find_serial_voting(now: dt.datetime | None = None) -> list[Finding]:
    """Every ring in the votes of the last LOOKBACK, one Finding per (voter, author)."""
    from forum.models import Vote

    now = now or timezone.now()
    rows = (
        Vote.objects.filter(value=Vote.UP, updated_at__gt=now - LOOKBACK, updated_at__lte=now)
        .annotate(author_id=Coalesce("answer__author_id", "question__author_id"))
        .values_list("pk", "voter_id", "author_id", "updated_at")
    )
    by_pair: dict[tuple[int, int], list[tuple[dt.datetime, int]]] = defaultdict(list)
    for pk, voter_id, author_id, at in rows:
        if voter_id != author_id:
            by_pair[(voter_id, author_id)].append((at, pk))
    for votes in by_pair.values():
        votes.sort()

    findings: dict[tuple[int, int], Finding] = {}

    def add(pair: tuple[int, int], vote_ids: set[int], pattern: str) -> None:
        finding = findings.setdefault(pair, Finding(voter_id=pair[0], author_id=pair[1]))
        finding.vote_ids |= vote_ids
        finding.patterns.add(pattern)

    for pair, votes in by_pair.items():
        if ids := _in_dense_windows(votes, SERIAL_VOTES):
            add(pair, ids, "serial")
    for (a, b), a_to_b in by_pair.items():
        if a < b and (b_to_a := by_pair.get((b, a))):
            ids_ab, ids_ba = _reciprocal(a_to_b, b_to_a)
            if ids_ab:
                add((a, b), ids_ab, "reciprocal")
                add((b, a), ids_ba, "reciprocal")
    return sorted(findings.values(), key=lambda f: (f.author_id, f.voter_id))


def _in_dense_windows(votes: list[tuple[dt.datetime, int]], threshold: int) -> set[int]:
    """Ids of the votes lying in some WINDOW that holds `threshold` or more of them (sorted)."""
    found: set[int] = set()
    end = 0
    for start, (at, _) in enumerate(votes):
        while end < len(votes) and votes[end][0] - at <= WINDOW:
            end += 1
        if end - start >= threshold:
            found.update(pk for _, pk in votes[start:end])
    return found


def _reciprocal(a_to_b, b_to_a) -> tuple[set[int], set[int]]:
    """Votes each way within a WINDOW that holds RECIPROCAL_VOTES or more in both directions."""
    ids_ab: set[int] = set()
    ids_ba: set[int] = set()
    for start in sorted({at for at, _ in a_to_b} | {at for at, _ in b_to_a}):
        ab = {pk for at, pk in a_to_b if start <= at <= start + WINDOW}
        ba = {pk for at, pk in b_to_a if start <= at <= start + WINDOW}
        if len(ab) >= RECIPROCAL_VOTES and len(ba) >= RECIPROCAL_VOTES:
            ids_ab |= ab
            ids_ba |= ba
    return ids_ab, ids_ba


# --- Neutralising ----------------------------------------------------------------------------


def neutralise(findings: list[Finding]) -> list[int]:
    """Reverse what each finding's votes earned. Returns the ids of the entries sent for
    reversal (none on a second run)."""
    reversed_ids: list[int] = []
    for finding in findings:
        reversed_ids += _neutralise_one(finding)
    return reversed_ids


@transaction.atomic
def _neutralise_one(finding: Finding) -> list[int]:
    # One run at a time per author: a second run then sees the first one's pending event.
    author = User.objects.select_for_update(no_key=True).filter(pk=finding.author_id).first()
    if author is None:
        return []
    # A vote a moderator cleared on appeal keeps its credit, whatever the ledger did to it since
    # (a post deleted and restored gives a restoration back as a fresh line).
    cleared = LedgerEntry.objects.filter(vote_id__in=finding.vote_ids, event__kind=EventKind.APPEAL_RESTORED)
    votes = finding.vote_ids - set(cleared.values_list("vote_id", flat=True))
    credited = LedgerEntry.objects.active().filter(vote_id__in=votes, reverses__isnull=True)
    entry_ids = sorted(set(credited.values_list("pk", flat=True)) - _pending_reversals())
    if not entry_ids:
        return []
    events.record_fraud_reversal(entry_ids=entry_ids, actor=None, reason=SERIAL_VOTING_REASON)
    voter = User.objects.filter(pk=finding.voter_id).first()
    audit.record(
        moderator=None,
        action=AUDIT_ACTION,
        target=author,
        reason=finding.describe(voter=voter, author=author),
        after={
            "voter_id": finding.voter_id,
            "vote_ids": sorted(finding.vote_ids),
            "entry_ids": entry_ids,
            "patterns": sorted(finding.patterns),
        },
    )
    return entry_ids


def _pending_reversals() -> set[int]:
    """Entries already named by a reversal that has not been applied yet (the broker is slow)."""
    pending: set[int] = set()
    for payload in (
        ReputationEvent.objects.pending()
        .filter(kind=EventKind.FRAUD_REVERSAL)
        .values_list("payload", flat=True)
    ):
        pending.update(payload.get("entry_ids", []))
    return pending


def detect_and_neutralise(now: dt.datetime | None = None) -> list[int]:
    return neutralise(find_serial_voting(now=now))
