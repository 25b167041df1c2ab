"""The demo's reputation, dated when its facts happened.

The demo seed (kb's seed_demo command) lays its votes and acceptances out over two months, but
the services it calls record their reputation events at the moment of seeding, and a ledger
line is dated by its event. Dating the still-pending events at their facts' moments (a vote's
`updated_at`, the acceptance's time) before they are applied puts every line on the day it
belongs to, so the leaderboard's week, month and all time show different things, as in a real
community. Only pending events are touched: an applied event and its lines are history.
"""

from collections.abc import Iterable, Mapping
from datetime import datetime

from django.db.models import OuterRef, Q, Subquery

from reputation.models import EventKind, ReputationEvent


def date_pending_events(
    *,
    question_ids: Iterable[int] = (),
    accepted_at: Mapping[int, datetime] | None = None,
    knowledge_at: Mapping[int, datetime] | None = None,
) -> int:
    """Date the pending events of the votes on these questions and their answers (at each
    vote's `updated_at`, when it took its value), and of these acceptances and knowledge credits
    (answer id -> when). Returns how many events were dated."""
    from forum.models import Vote

    question_ids = list(question_ids)
    votes = Vote.objects.filter(Q(question_id__in=question_ids) | Q(answer__question_id__in=question_ids))
    cast_at = Vote.objects.filter(pk=OuterRef("vote_id")).values("updated_at")[:1]
    pending = ReputationEvent.objects.pending()
    dated = pending.filter(kind=EventKind.VOTE, vote__in=votes).update(created_at=Subquery(cast_at))
    for kind, moments in ((EventKind.ACCEPT, accepted_at), (EventKind.KNOWLEDGE, knowledge_at)):
        for answer_id, when in (moments or {}).items():
            dated += pending.filter(kind=kind, answer_id=answer_id).update(created_at=when)
    return dated
