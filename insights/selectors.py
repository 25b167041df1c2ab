"""Reads for insights: the figures a page shows (from the snapshot the beat task keeps), the
escalations still waiting for an outcome, and the "I have this too" annotations question pages
and lists join into the query they already make."""

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils import timezone

from forum.models import Question
from forum.selectors import QUEUES
from insights import figures
from insights.models import Escalation, InsightSnapshot, MeToo

# The beat task refreshes the default views (every tag) this often; other views computed on
# demand are recomputed when a request finds them older than this.
REFRESH_EVERY = dt.timedelta(minutes=10)
OUTCOME_DUE_AFTER = dt.timedelta(days=7)


def me_too_count() -> Coalesce:
    counted = (
        MeToo.objects.filter(question=OuterRef("pk")).order_by().values("question").annotate(n=Count("pk"))
    )
    return Coalesce(Subquery(counted.values("n"), output_field=IntegerField()), Value(0))


def question_annotations(viewer=None) -> dict:
    """`me_too_count` and `me_too_mine` for a Question queryset: no extra query."""
    if viewer is not None and viewer.is_authenticated:
        mine = Exists(MeToo.objects.filter(question=OuterRef("pk"), user_id=viewer.pk))
    else:
        mine = Value(False, output_field=BooleanField())
    return {"me_too_count": me_too_count(), "me_too_mine": mine}


@dataclass
class Insights:
    data: dict
    computed_at: dt.datetime


def insights_get(*, period: int, tag: str = "", now: dt.datetime | None = None) -> Insights:
    """The stored figures for this view. The default views (every tag) are the beat task's and
    are served as stored; another view is computed now when missing or stale, then stored."""
    from insights import services

    now = now or timezone.now()
    snapshot = InsightSnapshot.objects.filter(key=InsightSnapshot.key_for(period, tag)).first()
    stale = snapshot is not None and tag and now - snapshot.computed_at > REFRESH_EVERY
    if snapshot is None or stale:
        snapshot = services.snapshot_refresh(period=period, tag=tag, now=now)
    return Insights(data=snapshot.data, computed_at=snapshot.computed_at)


def escalations_overdue(*, tag: str = "", now: dt.datetime | None = None) -> list[Escalation]:
    """Threads taken to private follow-up 7 days ago or more with no public outcome yet, the
    longest-waiting first."""
    now = now or timezone.now()
    escalations = Escalation.objects.filter(
        state=Escalation.State.OPEN,
        opened_at__lte=now - OUTCOME_DUE_AFTER,
        question__deleted_at__isnull=True,
    )
    if tag:
        escalations = escalations.filter(question__tags__slug=tag)
    escalations = list(escalations.select_related("question", "opened_by").order_by("opened_at", "pk"))
    for escalation in escalations:
        escalation.days_waiting = (now - escalation.opened_at).days
    return escalations


def escalation_list(viewer, *, state: str | None = None, question_id: int | None = None) -> QuerySet:
    """Private follow-ups on the threads the viewer may see, the longest-waiting first (by when
    each was opened), optionally only those in one `state` or on one question."""
    escalations = Escalation.objects.filter(question__in=Question.objects.visible_to(viewer))
    if state:
        escalations = escalations.filter(state=state)
    if question_id is not None:
        escalations = escalations.filter(question_id=question_id)
    return escalations.select_related("question", "opened_by", "outcome_by").order_by("opened_at", "pk")


def escalation_get(pk: int, viewer) -> Escalation:
    """One private follow-up, on a thread the viewer may see, else 404."""
    return get_object_or_404(escalation_list(viewer), pk=pk)


def care_team() -> QuerySet:
    """Everyone who may post an escalation's outcome (permissions.allow_escalate: active staff)."""
    return get_user_model().objects.filter(is_active=True, is_staff=True)


def valid_period(raw) -> int:
    try:
        period = int(raw)
    except (TypeError, ValueError):
        return figures.DEFAULT_PERIOD
    return period if period in figures.PERIODS else figures.DEFAULT_PERIOD


# --- What insights adds to the forum's pages (registered in apps.py) ---------------------------


def thread_question(questions: QuerySet, viewer) -> QuerySet:
    """The thread page's "I have this too" (count, and whether the viewer said so) and any
    private follow-up, in the question's own query."""
    return questions.select_related("escalation").annotate(**question_annotations(viewer))


def load_people(obj, names, known) -> None:
    """Set `obj`'s user foreign keys `names` from `known` members (a dict by id) when they are
    there, and load the others in one query (none when every one is known or empty)."""
    missing = []
    for name in names:
        user_id = getattr(obj, f"{name}_id")
        if user_id is None:
            continue
        if user_id in known:
            setattr(obj, name, known[user_id])
        else:
            missing.append(name)
    if missing:
        prefetch_related_objects([obj], *missing)
    for name in names:
        person = getattr(obj, name) if getattr(obj, f"{name}_id") else None
        if person is not None:
            known[person.pk] = person


def thread_people(question, viewer) -> dict:
    """The members a thread page already holds, by id (its author, the viewer)."""
    known = {question.author_id: question.author}
    if viewer is not None and viewer.is_authenticated:
        known[viewer.pk] = viewer
    return known


def thread_escalation_people(question, answers, viewer) -> None:
    """Who opened and who closed the thread's private follow-up, loaded only when it has one
    and is not a member the page already holds (joining two member rows into every thread's
    query cost more than the rest of that query)."""
    escalation = getattr(question, "escalation", None)
    if escalation is not None:
        load_people(escalation, ("opened_by", "outcome_by"), thread_people(question, viewer))


def question_list(questions: QuerySet, sort: str, tag, viewer) -> QuerySet:
    """The help queues ("Unanswered", "Needs help") show how many members have each problem
    too (shown, never used to order)."""
    return questions.annotate(me_too_count=me_too_count()) if sort in QUEUES else questions
