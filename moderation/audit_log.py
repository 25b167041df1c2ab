"""The audit log at /moderation/log/, read for people: every moderator action with names,
titles and links instead of raw ids, resolved when the page is shown (so old rows read well
too) in a fixed number of queries. moderation/audit.py writes the log; this reads it."""

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.utils.text import Truncator

from forum.models import Answer, CloseReason, Comment, Question
from moderation.models import ModerationAction
from moderation.selectors import action_label
from moderation.serial_voting import AUDIT_ACTION as SERIAL_VOTING_ACTION

LOG_PER_PAGE = 50
AUTOMATIC = "automatic"  # the log's moderator filter for actions nobody took (auto-hiding)


# --- The audit log --------------------------------------------------------------------------


def audit_log(*, action: str = "", moderator: str = "") -> QuerySet:
    actions = ModerationAction.objects.select_related("moderator", "question").order_by("-created_at", "-pk")
    if action:
        actions = actions.filter(action=action)
    if moderator == AUTOMATIC:
        actions = actions.filter(moderator__isnull=True)
    elif moderator:
        actions = actions.filter(moderator__username=moderator)
    return actions


def audit_log_page(*, action: str = "", moderator: str = "", page_number=None) -> Page:
    """A page of the log, each entry made readable (see `describe_entries`)."""
    page = Paginator(audit_log(action=action, moderator=moderator), LOG_PER_PAGE).get_page(page_number)
    page.object_list = describe_entries(page.object_list)
    return page


def audit_log_choices() -> tuple[list[tuple[str, str]], list]:
    """The actions and the moderators the log can be filtered by: those that appear in it."""
    actions = ModerationAction.objects.order_by("action").values_list("action", flat=True).distinct()
    moderators = get_user_model().objects.filter(
        pk__in=ModerationAction.objects.filter(moderator__isnull=False).values("moderator_id")
    )
    return [(action, action_label(action)) for action in actions], list(moderators.order_by("username"))


def target_url(entry: ModerationAction) -> str:
    """Where the affected post is, when it is a post in a thread."""
    if entry.question is None:
        return ""
    url = entry.question.get_absolute_url()
    if entry.target_type in ("answer", "comment"):
        return f"{url}#{entry.target_type}-{entry.target_id}"
    return url


def changes(entry: ModerationAction) -> list[tuple[str, object, object]]:
    """(field, before, after) for each field the action changed."""
    before, after = entry.before or {}, entry.after or {}
    keys = list(dict.fromkeys([*before, *after]))
    return [(key, before.get(key), after.get(key)) for key in keys if before.get(key) != after.get(key)]


# --- The audit log, readable -------------------------------------------------------------------
#
# Entries keep raw ids in `before`, `after` and some reasons (deleted_by: 4, moved_answers: [5, 6]).
# They are turned into names and links when the page is shown, so old entries read as well as new
# ones and a renamed member shows under their current name. A page is rendered twice: the first
# pass only notes which users, questions, answers, comments and articles it mentions, those are
# loaded with one query per model, and the second pass renders with them. Whatever was deleted
# since reads as "a deleted member", "question #31", never as an error.

TITLE_CHARS = 60  # a title in the log is cut to this many characters
LIST_LIMIT = 10  # a list of answers shows this many, then "and 4 more"
# What the ids in `before` and `after` point at, by key (each value an id or a list of ids).
FIELD_KINDS = {
    "deleted_by": "user",
    "voter_id": "user",
    "author_id": "user",
    "last_verified_by": "user",
    "duplicate_of": "question",
    "merged_into": "question",
    "question_id": "question",
    "moved_answers": "answer",
    "unaccepted_answer": "answer",
    "also_helped_taken_off": "answer",
    "answer_id": "answer",
    "accepted_answer": "answer",
    "comment_id": "comment",
    "article_id": "article",
}
FIELD_LABELS = {
    "hidden_at": "Hidden",
    "deleted_at": "Deleted",
    "deleted_by": "Deleted by",
    "held_at": "Held for review",
    "closed_at": "Closed",
    "close_reason": "Closed as",
    "duplicate_of": "Closed as duplicate of",
    "locked_at": "Locked",
    "merged_into": "Merged into",
    "moved_answers": "Answers moved",
    "unaccepted_answer": "No longer marked accepted",
    "also_helped_taken_off": "“Also helped” marks taken off",
    "voter_id": "Voter",
    "vote_ids": "Votes",
    "entry_ids": "Reputation reversed",
    "reversal_ids": "Reversal lines appealed",
    "appeal": "Appeal",
    "patterns": "Pattern",
    "article_id": "Article",
    "title": "Title",
    "last_verified_at": "Last verified",
    "suspended_until": "Suspended until",
    "silenced_until": "Silenced until",
    "roles": "Roles",
    "questions_deleted": "Questions deleted",
    "answers_deleted": "Answers deleted",
    "comments_deleted": "Comments deleted",
    "suggested_edits_rejected": "Suggested edits rejected",
    "reputation_reversed": "Reputation their posts held, reversed",
    "url": "Address",
    "event_types": "Events",
}
# Keys holding a moment: shown as a date, or "no" when empty (suspended_until: "no").
MOMENT_SUFFIXES = ("_at", "_until")
# Ids of rows nobody needs to see one by one: shown as how many there are.
COUNTED = {
    "vote_ids": ("up-vote", "up-votes"),
    "entry_ids": ("ledger entry", "ledger entries"),
    "reversal_ids": ("ledger entry", "ledger entries"),
}
# Reasons written with raw ids (moderation/closing.py's merge, and serial voting before it named
# people), read back into their parts.
MERGE_REASON = re.compile(r"Merged into question (\d+); moved answers \[([\d, ]*)\]")
SERIAL_VOTING_REASON_WITH_IDS = re.compile(
    r"(\d+) up-votes by user (\d+) on posts by user (\d+) \((.*)\)", re.S
)
TARGET_NOUNS = {
    "question": "Question",
    "answer": "Answer",
    "comment": "Comment",
    "article": "Article",
    "webhookendpoint": "Webhook endpoint",  # named by its number (integrations, in the console)
}


@dataclass(frozen=True)
class Piece:
    """A bit of a log line: text, a link (with `url`), or a moment (`when`, shown as a date)."""

    text: str = ""
    url: str = ""
    when: dt.datetime | None = None


Phrase = list[Piece]  # pieces shown one after the other; an empty phrase shows as "—"


@dataclass(frozen=True)
class Change:
    label: str
    before: Phrase
    after: Phrase


def _named_in_thread(model, *threads: str):
    """A post with only what the log shows of it: its author's name and its thread's title."""
    fields = ["pk", "author", "author__username", "author__display_name"]
    for thread in threads:
        fields += [*thread.split("__")[:1], thread, f"{thread}__title", f"{thread}__slug"]
    return model.objects.select_related("author", *threads).only(*dict.fromkeys(fields))


class _Lookup:
    """The objects a page of the log mentions, by kind and id. Made with nothing loaded, it only
    notes what is asked for (`wanted`), for `load` to fetch."""

    def __init__(self):
        self.wanted: dict[str, set[int]] = defaultdict(set)
        self.found: dict[str, dict] | None = None

    def get(self, kind: str, pk):
        if not isinstance(pk, int) or isinstance(pk, bool):
            return None
        if self.found is None:
            self.wanted[kind].add(pk)
            return None
        return self.found.get(kind, {}).get(pk)

    def load(self) -> None:
        """One query per kind of object mentioned, whatever the number of entries."""
        querysets = {
            "user": get_user_model().objects.only("pk", "username", "display_name"),
            "question": Question.objects.only("pk", "title", "slug"),
            "answer": _named_in_thread(Answer, "question"),
            "comment": _named_in_thread(Comment, "question", "answer__question"),
            # By name, as a foreign key would: the knowledge base sits above moderation.
            "article": apps.get_model("kb", "Article").objects.only("pk", "title", "slug"),
        }
        self.found = {
            kind: querysets[kind].order_by().in_bulk(sorted(ids))
            for kind, ids in self.wanted.items()
            if kind in querysets
        }

    # --- Names and links ---

    def user(self, pk) -> Piece:
        user = self.get("user", pk)
        if user is None:
            return Piece("a deleted member")
        return Piece(user.name, user.get_absolute_url())

    def question(self, pk) -> Piece:
        question = self.get("question", pk)
        if question is None:
            return Piece(f"question #{pk}")
        return Piece(_quoted(question.title), question.get_absolute_url())

    def answer(self, pk, *, short: bool = False) -> Piece:
        answer = self.get("answer", pk)
        if answer is None:
            return Piece(f"answer #{pk}")
        question = answer.question
        where = "" if short else f" in {_quoted(question.title)}"
        return Piece(f"answer by {answer.author.name}{where}", f"{question.get_absolute_url()}#answer-{pk}")

    def comment(self, pk, *, short: bool = False) -> Piece:
        comment = self.get("comment", pk)
        if comment is None:
            return Piece(f"comment #{pk}")
        question = comment.question or comment.answer.question
        where = "" if short else f" in {_quoted(question.title)}"
        return Piece(
            f"comment by {comment.author.name}{where}", f"{question.get_absolute_url()}#comment-{pk}"
        )

    def article(self, pk) -> Piece:
        article = self.get("article", pk)
        if article is None:
            return Piece(f"article #{pk}")
        return Piece(_quoted(article.title), article.get_absolute_url())

    def ref(self, kind: str, pk, *, short: bool = False) -> Piece:
        if kind in ("answer", "comment"):
            return getattr(self, kind)(pk, short=short)
        return getattr(self, kind)(pk)


def _quoted(title: str) -> str:
    return f"“{Truncator(title).chars(TITLE_CHARS)}”"


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _ids(value) -> list:
    return list(value) if isinstance(value, list | tuple) else [value]


def _joined(pieces: Phrase, limit: int = LIST_LIMIT) -> Phrase:
    joined: Phrase = []
    for i, piece in enumerate(pieces[:limit]):
        if i:
            joined.append(Piece(", "))
        joined.append(piece)
    if len(pieces) > limit:
        joined.append(Piece(f" and {len(pieces) - limit} more"))
    return joined


def field_label(key: str) -> str:
    """'deleted_by' reads "Deleted by"; a key this list does not know is made into words."""
    return (
        FIELD_LABELS.get(key) or key.removesuffix("_id").removesuffix("_ids").replace("_", " ").capitalize()
    )


def _target(entry: ModerationAction, lookup: _Lookup) -> Phrase:
    """What the action was done to, in words and linked: Answer by Alice in “How do I reset…”."""
    kind, pk = entry.target_type, entry.target_id
    if kind == "branding":  # the one row of the site's branding (console, branding.update)
        return [Piece("The site's branding")]
    if kind == "user":
        user = lookup.get("user", pk)
        if user is None:
            return [Piece("A deleted member")]
        return [Piece(f"Member {user.name}", user.get_absolute_url())]
    noun = TARGET_NOUNS.get(kind, kind.replace("_", " ").capitalize())
    if kind in TARGET_NOUNS and lookup.get(kind, pk) is not None:
        piece = lookup.ref(kind, pk)
        text = (
            piece.text[0].upper() + piece.text[1:]
            if kind in ("answer", "comment")
            else f"{noun} {piece.text}"
        )
        return [Piece(text, piece.url)]
    # Gone (or of a kind this page does not know): its number, and the thread it was in if any.
    where = f" in {_quoted(entry.question.title)}" if entry.question and kind != "question" else ""
    return [Piece(f"{noun} #{pk}{where}", target_url(entry))]


def _value(key: str, value, entry: ModerationAction, lookup: _Lookup) -> Phrase:
    if value is None or value == "":
        return [Piece("no")] if key.endswith(MOMENT_SUFFIXES) else []
    if isinstance(value, bool):
        return [Piece("yes" if value else "no")]
    if isinstance(value, list | tuple) and not value:
        return [Piece("none")]
    if kind := FIELD_KINDS.get(key):
        many = isinstance(value, list | tuple)
        return _joined([lookup.ref(kind, pk, short=many) for pk in _ids(value)])
    if key in COUNTED and isinstance(value, list | tuple):
        text = _plural(len(value), *COUNTED[key])
        author = lookup.get("user", entry.target_id) if entry.target_type == "user" else None
        if key in ("entry_ids", "reversal_ids") and author is not None:
            return [Piece(text, reverse("reputation:user_ledger", kwargs={"username": author.username}))]
        return [Piece(text)]
    if key == "close_reason" and value in CloseReason.values:
        return [Piece(CloseReason(value).label)]
    if key == "patterns" and isinstance(value, list | tuple):
        return [Piece(" and ".join(map(str, value)))]
    if key.endswith(MOMENT_SUFFIXES) and isinstance(value, str) and (when := _parsed(value)):
        return [Piece(when=when)]
    if isinstance(value, list | tuple):
        return [Piece(", ".join(map(str, value)))]
    return [Piece(str(value))]


def _parsed(value: str) -> dt.datetime | None:
    try:
        return parse_datetime(value)
    except ValueError:
        return None


def _reason(entry: ModerationAction, lookup: _Lookup) -> Phrase:
    """The reason as written, except the ones written with raw ids, which are rebuilt in words."""
    reason = entry.reason or ""
    after = entry.after or {}
    match = MERGE_REASON.fullmatch(reason) if entry.action == "merged" else None
    if entry.action == "merged" and (match or after.get("merged_into")):
        # Rebuilt from the ids kept in `after` (older entries wrote them into the reason too).
        into = after.get("merged_into") or int(match[1])
        moved = after.get("moved_answers")
        if not isinstance(moved, list):
            moved = [part for part in match[2].split(",") if part.strip()] if match else []
        tail = f"; moved {_plural(len(moved), 'answer', 'answers')}" if moved else "; no answers to move"
        return [Piece("Merged into "), lookup.question(into), Piece(tail)]
    if entry.action == SERIAL_VOTING_ACTION and (match := SERIAL_VOTING_REASON_WITH_IDS.fullmatch(reason)):
        votes, voter, author, why = match.groups()
        return [
            Piece(f"{votes} up-votes by "),
            lookup.user(int(voter)),
            Piece(" on posts by "),
            lookup.user(int(author)),
            Piece(f" ({why})"),
        ]
    return [Piece(reason)] if reason else []


def _describe(entry: ModerationAction, lookup: _Lookup) -> None:
    entry.target_phrase = _target(entry, lookup)
    entry.reason_phrase = _reason(entry, lookup)
    entry.change_rows = [
        Change(field_label(key), _value(key, before, entry, lookup), _value(key, after, entry, lookup))
        for key, before, after in changes(entry)
    ]


def describe_entries(entries) -> list[ModerationAction]:
    """Give each entry `target_phrase`, `reason_phrase` and `change_rows` (label, before, after),
    with every id it holds shown as a name and a link. One query per kind of object mentioned
    (members, questions, answers, comments, articles), however many entries there are."""
    entries = list(entries)
    lookup = _Lookup()
    for entry in entries:  # first pass: note what is mentioned
        _describe(entry, lookup)
    lookup.load()
    for entry in entries:
        _describe(entry, lookup)
    return entries
