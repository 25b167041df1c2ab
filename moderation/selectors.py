"""Reads for moderation: the flag queue grouped by post, flaggers' accuracy, and the public
notes a thread shows (the audit log is read in audit_log.py). Each page costs a fixed number of
queries."""

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db.models import Count, Min, Q
from django.utils.text import Truncator

from accounts.selectors import mark_moderators
from forum.models import Question
from moderation.models import Flag, FlagReason, FlagStatus, ModerationAction
from prepared import PreparedQuery

QUEUE_PER_PAGE = 20
ACTION_LABELS = {
    "auto_hidden": "Hidden automatically by flags",
    "hidden": "Hidden (flags accepted)",
    "deleted": "Deleted",
    "flags_declined": "Flags declined",
    "branding.update": "Branding changed",  # by a community manager, in the console
    "appeal_restored": "Serial-voting reversal restored on appeal",
    "appeal_kept": "Serial-voting reversal kept on appeal",
    # What moderators and community managers do to members (moderation/members.py).
    "suspended": "Suspended",
    "suspension_lifted": "Suspension lifted",
    "silenced": "Silenced",
    "silence_lifted": "Silence lifted",
    "moderator_appointed": "Made a moderator",
    "moderator_removed": "Moderator role taken away",
    "community_manager_appointed": "Made a community manager",
    "community_manager_removed": "Community manager role taken away",
    "spammer_removed": "Removed as a spammer",
    # Webhook endpoints, by community managers in the console (integrations/services.py).
    "webhook.created": "Webhook endpoint added",
    "webhook.updated": "Webhook endpoint changed",
    "webhook.secret_rotated": "Webhook secret rotated",
    "webhook.disabled": "Webhook endpoint disabled",
    "webhook.enabled": "Webhook endpoint enabled",
    "webhook.deleted": "Webhook endpoint deleted",
    # A community manager asking for a copy of a member's data (privacy/export_services.py).
    "data_export.requested": "Copy of their data exported",
}


def action_label(action: str) -> str:
    return ACTION_LABELS.get(action) or action.replace("_", " ").capitalize()


# --- Accuracy -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Accuracy:
    """How often a member's handled flags were accepted."""

    accepted: int = 0
    declined: int = 0

    @property
    def handled(self) -> int:
        return self.accepted + self.declined

    @property
    def ratio(self) -> float | None:
        return self.accepted / self.handled if self.handled else None

    @property
    def percent(self) -> int | None:
        return None if self.ratio is None else round(self.ratio * 100)

    def __str__(self) -> str:
        if not self.handled:
            return "no flags handled yet"
        return f"{self.percent}% accurate ({self.accepted} of {self.handled} accepted)"


def flagger_accuracy(flagger_ids) -> dict[int, Accuracy]:
    """accepted / (accepted + declined) for each flagger, in one aggregate query."""
    ids = set(flagger_ids)
    if not ids:
        return {}
    rows = (
        Flag.objects.filter(flagger_id__in=ids)
        .values("flagger_id")
        .annotate(
            accepted=Count("pk", filter=Q(status=FlagStatus.ACCEPTED)),
            declined=Count("pk", filter=Q(status=FlagStatus.DECLINED)),
        )
        .order_by()
    )
    found = {row["flagger_id"]: Accuracy(row["accepted"], row["declined"]) for row in rows}
    return {flagger_id: found.get(flagger_id, Accuracy()) for flagger_id in ids}


# --- The queue ------------------------------------------------------------------------------


@dataclass
class FlaggedPost:
    """One post with its pending flags, as the queue shows it."""

    kind: str
    post: object
    question: Question
    flags: list[Flag] = field(default_factory=list)

    @property
    def url(self) -> str:
        return self.post.anchor_url

    @property
    def excerpt(self) -> str:
        return Truncator(self.post.body).chars(300)

    @property
    def reasons(self) -> list[tuple[str, int]]:
        counts = Counter(flag.reason for flag in self.flags)
        return [(FlagReason(reason).label, n) for reason, n in counts.most_common()]

    @property
    def first_flagged_at(self):
        return self.flags[0].created_at if self.flags else None


def flag_queue(*, page_number=None, per_page: int = QUEUE_PER_PAGE) -> Page:
    """Posts with pending flags, the longest-waiting first, each with its flags and each
    flagger's accuracy."""
    groups = (
        Flag.objects.filter(status=FlagStatus.PENDING)
        .values("question_id", "answer_id", "comment_id")
        .annotate(flag_count=Count("pk"), first_flagged_at=Min("created_at"))
        .order_by("first_flagged_at", "question_id", "answer_id", "comment_id")
    )
    page = Paginator(groups, per_page).get_page(page_number)
    rows = list(page.object_list)
    if not rows:
        page.object_list = []
        return page
    ids = {
        kind: [row[f"{kind}_id"] for row in rows if row[f"{kind}_id"]]
        for kind in ("question", "answer", "comment")
    }
    flags = list(
        Flag.objects.filter(status=FlagStatus.PENDING)
        .filter(
            Q(question_id__in=ids["question"])
            | Q(answer_id__in=ids["answer"])
            | Q(comment_id__in=ids["comment"])
        )
        .select_related(
            "flagger",
            "duplicate_of",
            "question__author",
            "answer__author",
            "answer__question",
            "comment__author",
            "comment__question",
            "comment__answer__question",
        )
        .order_by("created_at", "pk")
    )
    by_post: dict[tuple[str, int], FlaggedPost] = {}
    for flag in flags:
        post = flag.post
        key = (post.kind, post.pk)
        if key not in by_post:
            by_post[key] = FlaggedPost(kind=post.kind, post=post, question=post.thread)
        by_post[key].flags.append(flag)
    accuracy = flagger_accuracy(flag.flagger_id for flag in flags)
    for flag in flags:
        flag.accuracy = accuracy[flag.flagger_id]
    mark_moderators([flag.flagger for flag in flags] + [item.post.author for item in by_post.values()])
    # A post whose flags were handled between the two queries drops out of this page.
    page.object_list = [by_post[key] for key in map(_row_key, rows) if key in by_post]
    return page


def _row_key(row: dict) -> tuple[str, int]:
    for kind in ("question", "answer", "comment"):
        if row[f"{kind}_id"]:
            return kind, row[f"{kind}_id"]
    raise ValueError("A flag is on exactly one post.")


# --- Public notes on a thread ---------------------------------------------------------------


def _public_notes_query(shape, context, *, question_pk: int):
    return (
        ModerationAction.objects.filter(question_id=question_pk)
        .exclude(public_note="")
        .order_by("created_at", "pk")
    )


# Compiled once and kept (prepared/__init__.py): every thread page asks.
PUBLIC_NOTES = PreparedQuery("public notes", ModerationAction, _public_notes_query)


def public_notes_attach(*, question: Question, answers) -> None:
    """Give the question, its answers and their comments `public_notes` (oldest first), such as
    "closed as a duplicate by Morgan", in one query for the whole thread."""
    notes = defaultdict(list)
    for entry in PUBLIC_NOTES.run("notes", None, question_pk=question.pk):
        notes[(entry.target_type, entry.target_id)].append(entry)
    for kind, post in [("question", question), *(("answer", answer) for answer in answers)]:
        post.public_notes = notes.get((kind, post.pk), [])
        for comment in getattr(post, "comment_list", []):
            comment.public_notes = notes.get(("comment", comment.pk), [])


def thread_public_notes(question: Question, answers, viewer) -> None:
    """Registered on the forum's thread page (apps.py): its public notes, in one query."""
    public_notes_attach(question=question, answers=answers)
