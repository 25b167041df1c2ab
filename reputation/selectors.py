"""Reads for the reputation pages, each in a fixed number of queries."""

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.paginator import Page, Paginator
from django.db.models import Count, Q, Sum
from django.utils import timezone

from accounts import privileges
from accounts.selectors import mark_moderators
from reputation import rules
from reputation.badges import BADGES, BY_SLUG, Badge
from reputation.models import BadgeAward, LedgerEntry

User = get_user_model()

LEDGER_PER_PAGE = 50
LEADERBOARD_SIZE = 50

# period -> (tab label, description, how far back it reaches; None is all time)
PERIODS: dict[str, tuple[str, str, dt.timedelta | None]] = {
    "week": ("Week", "in the last 7 days", dt.timedelta(days=7)),
    "month": ("Month", "in the last 30 days", dt.timedelta(days=30)),
    "year": ("Year", "in the last 365 days", dt.timedelta(days=365)),
    "all": ("All time", "since the beginning", None),
}
DEFAULT_PERIOD = "week"


# --- Rules and privileges -------------------------------------------------------------------


def rule_table() -> list[rules.Rule]:
    return list(rules.RULES.values())


@dataclass
class PrivilegeRow:
    privilege: privileges.Privilege
    threshold: int
    others: dict[str, int]  # the same privilege's threshold in each other preset
    held: bool = False
    to_go: int = 0  # reputation still needed, for a signed-in member who does not hold it


@dataclass
class PrivilegesOverview:
    preset: str
    other_presets: list[str]
    rows: list[PrivilegeRow]
    viewer: object | None = None
    next_row: PrivilegeRow | None = None


def privileges_overview(viewer=None) -> PrivilegesOverview:
    """The active preset's thresholds, lowest first, with the other presets' numbers beside
    them; for a signed-in viewer, what they hold and what comes next."""
    current = privileges.thresholds()  # refuses an unknown preset
    preset = settings.REPUTATION_PRIVILEGE_PRESET
    other_presets = [name for name in privileges.PRESETS if name != preset]
    signed_in = viewer is not None and viewer.is_authenticated
    rows = []
    for privilege in privileges.PRIVILEGES:
        row = PrivilegeRow(
            privilege=privilege,
            threshold=current[privilege.code],
            others={name: privileges.PRESETS[name][privilege.code] for name in other_presets},
        )
        if signed_in:
            row.held = privileges.has_privilege(viewer, privilege.code)
            row.to_go = 0 if row.held else max(0, row.threshold - viewer.reputation)
        rows.append(row)
    rows.sort(key=lambda row: row.threshold)  # stable: ties keep the code's order
    next_row = next((row for row in rows if not row.held), None) if signed_in else None
    return PrivilegesOverview(
        preset=preset,
        other_presets=other_presets,
        rows=rows,
        viewer=viewer if signed_in else None,
        next_row=next_row,
    )


# --- Badges ---------------------------------------------------------------------------------


@dataclass
class BadgeRow:
    badge: Badge
    holders: int


def badge_table() -> list[BadgeRow]:
    """Every badge with how many members hold it, counted in one grouped query."""
    counts = dict(
        BadgeAward.objects.filter(user__is_active=True)
        .values_list("badge")
        .annotate(holders=Count("user", distinct=True))
        .order_by()
    )
    return [BadgeRow(badge=badge, holders=counts.get(badge.slug, 0)) for badge in BADGES]


# --- A member's ledger and summary ----------------------------------------------------------


def ledger_of(user):
    """A member's ledger, newest first (by when each fact happened), with what each line
    shows: its post and the line it reverses or that reversed it."""
    return (
        LedgerEntry.objects.filter(user=user)
        .select_related("question", "answer__question", "reverses", "reversed_by")
        .order_by("-occurred_at", "-pk")
    )


def ledger_page(user, page_number=None, *, entry_id: int | None = None) -> Page:
    """One page of a member's ledger, newest first. With `entry_id` and no page number, the
    page that holds that entry (a reversal links to the entry it reverses this way)."""
    if page_number is None and entry_id is not None:
        page_number = _page_of_entry(user, entry_id)
    return Paginator(ledger_of(user), LEDGER_PER_PAGE).get_page(page_number)


def _page_of_entry(user, entry_id: int) -> int:
    entry = LedgerEntry.objects.filter(user=user, pk=entry_id).values("occurred_at", "pk").first()
    if entry is None:
        return 1
    newer = LedgerEntry.objects.filter(user=user).filter(
        Q(occurred_at__gt=entry["occurred_at"]) | Q(occurred_at=entry["occurred_at"], pk__gt=entry["pk"])
    )
    return newer.count() // LEDGER_PER_PAGE + 1


@dataclass
class MemberSummary:
    reputation: int
    accepted_answers: int
    people_helped: int
    badges: list[tuple[Badge, BadgeAward]] = field(default_factory=list)


def badge_awards_of(user):
    """The member's badges, first earned first (a badge no longer in the catalogue is left out)."""
    return BadgeAward.objects.filter(user=user, badge__in=list(BY_SLUG)).order_by("awarded_at", "pk")


def member_summary(user) -> MemberSummary:
    """Total, badges, accepted answers and people helped, in two queries.

    An answer counts as help when it was accepted, scored 1 or more, or was marked as having
    also helped; people helped are the distinct askers of those answers' questions. Answers to
    one's own questions count for neither number."""
    from forum.models import Answer

    helpful = Q(accepted_for__isnull=False) | Q(score__gte=1) | Q(also_helped_mark__isnull=False)
    numbers = (
        Answer.objects.filter(author=user)
        .exclude(question__author=user)
        .aggregate(
            accepted=Count("pk", filter=Q(accepted_for__isnull=False)),
            helped=Count("question__author", filter=helpful, distinct=True),
        )
    )
    badges = [(BY_SLUG[award.badge], award) for award in badge_awards_of(user)]
    return MemberSummary(
        reputation=user.reputation,
        accepted_answers=numbers["accepted"],
        people_helped=numbers["helped"],
        badges=badges,
    )


# --- Leaderboard ----------------------------------------------------------------------------


@dataclass
class LeaderboardRow:
    rank: int
    member: object
    earned: int
    accepted: int


def period_start(period: str, *, now: dt.datetime | None = None) -> dt.datetime | None:
    reach = PERIODS[period][2]
    return None if reach is None else (now or timezone.now()) - reach


def leaderboard(period: str = DEFAULT_PERIOD, *, limit: int = LEADERBOARD_SIZE) -> list[LeaderboardRow]:
    """Top helpers by reputation earned in the period, summed from the ledger by when each
    fact happened. Everyone is ranked by the same numbers, staff included; ties go by
    username. Three queries: the ranking, the members, their moderator flair."""
    if period not in PERIODS:
        period = DEFAULT_PERIOD
    entries = LedgerEntry.objects.filter(user__is_active=True)
    since = period_start(period)
    if since is not None:
        entries = entries.filter(occurred_at__gte=since)
    ranking = list(
        entries.values("user_id")
        .annotate(
            earned=Sum("amount"),
            # answers accepted in the period and still accepted
            accepted=Count(
                "pk",
                filter=Q(rule="answer_accepted", reverses__isnull=True, reversed_by__isnull=True),
            ),
        )
        .filter(earned__gt=0)
        .order_by("-earned", "user__username")[:limit]
    )
    members = User.objects.in_bulk([row["user_id"] for row in ranking])
    mark_moderators(members.values())
    return [
        LeaderboardRow(
            rank=rank, member=members[row["user_id"]], earned=row["earned"], accepted=row["accepted"]
        )
        for rank, row in enumerate(ranking, start=1)
    ]


# --- What a member's own posts hold ---------------------------------------------------------


def own_posts_entries(user):
    """The member's ledger lines about their own questions and answers: votes on them, their
    acceptance, "also helped", good neighbour, knowledge. Exactly what deleting those posts
    reverses for them (reputation.ledger._post_entries, per post). Reversals included, so the
    sum is what the posts hold now: a deleted post holds nothing."""
    own_answer = Q(answer__author=user)
    own_question = Q(answer__isnull=True, question__author=user)
    return LedgerEntry.objects.filter(own_answer | own_question, user=user)


def earned_by_own_posts(user) -> int:
    return own_posts_entries(user).aggregate(total=Sum("amount"))["total"] or 0
