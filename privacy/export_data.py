"""What a copy of a member's data holds: one function per file of the archive, each returning
plain JSON-ready values, in a fixed number of queries whatever the member's history (the posts'
threads, tags and revisions are selected or prefetched with them, never read one by one).

What the member may not see stays out. Their own posts are theirs in every state (deleted,
hidden, held: the author sees them on the site too). Anyone else's post is named only by a
reference; while it is deleted, hidden or held (or its thread is), the reference is
`{"kind", "id", "visible": false}`, with no title, link or text, and a notification, edit or
suggested edit about such a post keeps its dates but not its words. Other people appear by
username only, never their email addresses; votes carry no voter, flags only the member's own.
Secrets never appear: no API key's secret, hash or prefix, no webhook signing secret, no social
login token.
"""

import datetime as dt

from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.conf import settings
from django.db.models import Prefetch

from accounts.models import ROLE_GROUPS, ApiKey, Restriction
from accounts.selectors import roles_of
from forum.models import Answer, Comment, Question, Revision, SuggestedEdit, Vote
from forum.permissions import why_not_shown
from insights.models import Escalation, MeToo
from integrations.models import WebhookEndpoint
from moderation.models import CloseVote, Flag, FlagReason, ModerationAction, ReversalAppeal
from moderation.selectors import action_label
from notifications.email import frequencies_for
from notifications.models import (
    DEFAULT_FREQUENCY,
    EmailPreference,
    Kind,
    Notification,
    QuestionWatch,
    TagPreference,
)
from reputation.badges import BY_SLUG
from reputation.models import BadgeAward, LedgerEntry

# What to select with a row that points at a post, so its reference costs no query.
POST_LINEAGE = ("question", "answer__question")
ANY_POST_LINEAGE = (*POST_LINEAGE, "comment__question", "comment__answer__question")


def iso(value: dt.datetime | None) -> str | None:
    """ISO 8601 in UTC, to the second: 2026-11-27T19:01:00Z."""
    if value is None:
        return None
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def link(path: str) -> str:
    """Links in the archive are absolute, built on COMMONPLACE_SITE_URL (it is read away from
    the site)."""
    if not path or path.startswith(("http://", "https://")):
        return path
    return settings.COMMONPLACE_SITE_URL.rstrip("/") + "/" + path.lstrip("/")


def username(user) -> str | None:
    return user.username if user is not None else None


def values(row, *names: str) -> dict:
    """The row's attributes by name, times written by `iso`."""
    found = {name: getattr(row, name) for name in names}
    return {name: iso(value) if isinstance(value, dt.datetime) else value for name, value in found.items()}


def label_of(choices, value: str) -> str:
    """A stored choice's label; a value no longer among the choices as it is."""
    return choices(value).label if value in choices.values else value


class Exporter:
    """Reads the member's data, file by file (`files()`), as the member may see it."""

    def __init__(self, member):
        self.member = member

    # --- Posts, as the member may see them ---------------------------------------------------

    def shown(self, post) -> bool:
        """The member may see the post and every post above it: each is visible, or theirs."""
        return all(each.is_visible or each.author_id == self.member.pk for each in post.lineage)

    def reference(self, post) -> dict | None:
        """A post named from another row (a vote, a flag, a ledger line): its link and thread, or
        only its kind and id when the member may not see it."""
        if post is None:
            return None
        if not self.shown(post):
            return {"kind": post.kind, "id": post.pk, "visible": False}
        thread = post.thread
        return {
            "kind": post.kind,
            "id": post.pk,
            "visible": True,
            "url": link(post.anchor_url if post.kind != "question" else post.get_absolute_url()),
            "question_id": thread.pk,
            "question_title": thread.title,
        }

    @staticmethod
    def state(post) -> str:
        return why_not_shown(post) or "visible"

    @staticmethod
    def revisions(post) -> list[dict]:
        return [
            {
                "number": revision.number,
                "title": revision.title,
                "body": revision.body,
                "tags": revision.tags.split() if revision.tags else [],
                "editor": username(revision.editor),
                "summary": revision.summary,
                "created_at": iso(revision.created_at),
            }
            for revision in post.revisions.all()
        ]

    # --- The files -----------------------------------------------------------------------------

    def files(self) -> dict[str, object]:
        """Every JSON file of the archive by its name, in the order the README lists them."""
        self.question_rows = list(self.own_questions())
        self.answer_rows = list(self.own_answers())
        return {
            "profile.json": self.profile(),
            "email_addresses.json": self.email_addresses(),
            "social_accounts.json": self.social_accounts(),
            "questions.json": [self.question(row) for row in self.question_rows],
            "answers.json": [self.answer(row) for row in self.answer_rows],
            "comments.json": self.comments(),
            "edits.json": self.edits(),
            "suggested_edits.json": self.suggested_edits(),
            "votes.json": self.votes(),
            "close_votes.json": self.close_votes(),
            "flags.json": self.flags(),
            "me_too.json": self.me_toos(),
            "reputation.json": self.ledger(),
            "badges.json": self.badges(),
            "appeals.json": self.appeals(),
            "notifications.json": self.notifications(),
            "preferences.json": self.preferences(),
            "watches.json": self.watches(),
            "api_keys.json": self.api_keys(),
            "webhooks.json": self.webhooks(),
            "moderation_actions.json": self.moderation_actions(),
            "suspensions_and_silences.json": self.restrictions(),
            "escalations.json": self.escalations(),
        }

    def profile(self) -> dict:
        member = self.member
        roles = [ROLE_GROUPS[name] for name in roles_of(member)]
        if member.is_superuser:
            roles.append("superuser")
        return {
            "id": member.pk,
            "username": member.username,
            "display_name": member.display_name,
            "bio": member.bio,
            "email": member.email,
            "url": link(member.get_absolute_url()),
            "date_joined": iso(member.date_joined),
            "last_login": iso(member.last_login),
            "reputation": member.reputation,
            "roles": roles,
            "staff_flair": member.is_staff,
            "integration_account": member.is_bot,
            "suspended_until": iso(member.suspended_until),
            "silenced_until": iso(member.silenced_until),
        }

    def email_addresses(self) -> list[dict]:
        return [
            {"email": row.email, "primary": row.primary, "verified": row.verified}
            for row in EmailAddress.objects.filter(user=self.member).order_by("-primary", "email")
        ]

    def social_accounts(self) -> list[dict]:
        """The logins linked to the account: the provider and the member's id there (never a
        token)."""
        return [
            {
                "provider": row.provider,
                "uid": row.uid,
                "linked_at": iso(row.date_joined),
                "last_login": iso(row.last_login),
            }
            for row in SocialAccount.objects.filter(user=self.member).order_by("pk")
        ]

    def mine(self, model, owner: str, *related: str, by: str = "created_at"):
        """The member's rows of `model` (`owner` names the member's field), oldest first, with
        the rows their references read selected in the same query."""
        return model.objects.filter(**{owner: self.member}).select_related(*related).order_by(by, "pk")

    def posts(self, model, *related: str):
        revisions = Prefetch(
            "revisions", queryset=Revision.objects.select_related("editor").order_by("number")
        )
        return self.mine(model, "author", *related).prefetch_related(revisions)

    def own_questions(self):
        return self.posts(Question, "accepted_answer__question").prefetch_related("tags")

    def own_answers(self):
        return self.posts(Answer, "question")

    def question(self, question: Question) -> dict:
        return {
            **values(question, "id", "title"),
            "url": link(question.get_absolute_url()),
            "body": question.body,
            "tags": sorted(tag.name for tag in question.tags.all()),
            "state": self.state(question),
            **values(question, "created_at", "edited_at", "score", "answer_count", "view_count"),
            "accepted_answer": self.reference(question.accepted_answer),
            **values(question, "closed_at", "close_reason", "locked_at"),
            "markdown_file": question_markdown_path(question),
            "revisions": self.revisions(question),
        }

    def answer(self, answer: Answer) -> dict:
        return {
            "id": answer.pk,
            "url": link(answer.anchor_url),
            "question": self.reference(answer.question),
            "body": answer.body,
            "state": self.state(answer),
            **values(answer, "created_at", "edited_at", "score"),
            "accepted": answer.question.accepted_answer_id == answer.pk,
            "markdown_file": answer_markdown_path(answer),
            "revisions": self.revisions(answer),
        }

    def comments(self) -> list[dict]:
        return [
            {
                "id": comment.pk,
                "on": self.reference(comment.parent),
                "url": link(comment.anchor_url) if self.shown(comment) else None,
                "body": comment.body,
                "state": self.state(comment),
                "created_at": iso(comment.created_at),
            }
            for comment in self.mine(Comment, "author", *POST_LINEAGE)
        ]

    def words(self, post, edit) -> dict:
        """An edit's title, body, tags and summary: only while the member may see its post."""
        if not self.shown(post):
            return {}
        return {**values(edit, "title", "body"), "tags": edit.tags.split(), "summary": edit.summary}

    def edits(self) -> list[dict]:
        """Revisions the member wrote of other people's posts (their own posts carry theirs)."""
        rows = (
            self.mine(Revision, "editor", *POST_LINEAGE)
            .exclude(question__author=self.member)
            .exclude(answer__author=self.member)
        )
        return [
            {
                "post": self.reference(revision.question or revision.answer),
                **values(revision, "number", "created_at"),
                **self.words(revision.question or revision.answer, revision),
            }
            for revision in rows
        ]

    def suggested_edits(self) -> list[dict]:
        return [
            {
                "post": self.reference(suggestion.post),
                **values(suggestion, "status", "created_at", "reviewed_at", "review_reason"),
                **self.words(suggestion.post, suggestion),
            }
            for suggestion in self.mine(SuggestedEdit, "editor", *POST_LINEAGE)
        ]

    def votes(self) -> list[dict]:
        return [
            {
                "post": self.reference(vote.question or vote.answer),
                **values(vote, "value", "created_at", "updated_at"),
            }
            for vote in self.mine(Vote, "voter", *POST_LINEAGE)
        ]

    def close_votes(self) -> list[dict]:
        return [
            {
                "question": self.reference(vote.question),
                **values(vote, "kind", "reason"),
                "duplicate_of": self.reference(vote.duplicate_of),
                **values(vote, "created_at", "cleared_at"),
            }
            for vote in self.mine(CloseVote, "voter", "question", "duplicate_of")
        ]

    def flags(self) -> list[dict]:
        """The member's own flags, with their own words (nobody else's flag is in the archive)."""
        return [
            {
                "post": self.reference(flag.post),
                "reason": flag.reason,
                "reason_label": label_of(FlagReason, flag.reason),
                "text": flag.text,
                "duplicate_of": self.reference(flag.duplicate_of),
                **values(flag, "status", "created_at", "handled_at", "outcome"),
            }
            for flag in self.mine(Flag, "flagger", *ANY_POST_LINEAGE, "duplicate_of")
        ]

    def me_toos(self) -> list[dict]:
        return [
            {"question": self.reference(row.question), "created_at": iso(row.created_at)}
            for row in self.mine(MeToo, "user", "question")
        ]

    def ledger(self) -> list[dict]:
        """Every line of the member's reputation ledger, oldest first. Who voted is not said (the
        site never says it either)."""
        return [
            {
                **values(entry, "id", "amount", "rule", "rule_label", "reason"),
                "post": self.reference(entry.post),
                "reverses": entry.reverses_id,
                **values(entry, "occurred_at", "recorded_at"),
            }
            for entry in self.mine(LedgerEntry, "user", *POST_LINEAGE, by="occurred_at")
        ]

    def badges(self) -> list[dict]:
        return [
            {
                "badge": award.badge,
                "name": BY_SLUG[award.badge].name if award.badge in BY_SLUG else award.badge,
                "awarded_at": iso(award.awarded_at),
                "for": self.reference(award.answer),
            }
            for award in self.mine(BadgeAward, "user", "answer__question", by="awarded_at")
        ]

    def appeals(self) -> list[dict]:
        return [
            values(appeal, "text", "status", "created_at", "decided_at", "note")
            for appeal in self.mine(ReversalAppeal, "member")
        ]

    def notifications(self) -> list[dict]:
        """The member's inbox. One about a post the member may no longer see keeps its kind and
        dates, not its words or link."""
        items = []
        for row in self.mine(Notification, "recipient", "actor", *ANY_POST_LINEAGE):
            posts = [post for post in (row.comment, row.answer, row.question) if post is not None]
            withheld = any(not self.shown(post) for post in posts)
            items.append(
                {
                    "kind": row.kind,
                    "kind_label": label_of(Kind, row.kind),
                    "text": None if withheld else row.text,
                    "url": None if withheld else link(row.url),
                    "withheld": "about a post you can no longer see" if withheld else None,
                    "actor": username(row.actor),
                    **values(row, "created_at", "read_at", "emailed_at"),
                }
            )
        return items

    def preferences(self) -> dict:
        chosen = set(EmailPreference.objects.filter(user=self.member).values_list("kind", flat=True))
        frequencies = frequencies_for(self.member)
        return {
            "email": [
                {
                    "kind": kind,
                    "label": Kind(kind).label,
                    "frequency": frequencies[kind],
                    "default": DEFAULT_FREQUENCY[kind],
                    "chosen": kind in chosen,
                }
                for kind in Kind.values
            ],
            "tags": [
                {"tag": row.tag.name, "slug": row.tag.slug, "mode": row.mode, "since": iso(row.created_at)}
                for row in self.mine(TagPreference, "user", "tag", by="tag__name")
            ],
        }

    def watches(self) -> list[dict]:
        return [
            {"question": self.reference(row.question), "source": row.source, "since": iso(row.created_at)}
            for row in self.mine(QuestionWatch, "user", "question")
        ]

    def api_keys(self) -> list[dict]:
        """What a key is called and does, and when it was used: never its secret, hash or prefix."""
        return [
            {
                "name": key.name,
                "scopes": key.scope_labels(),
                "created_at": iso(key.created_at),
                "created_by": username(key.created_by),
                **values(key, "last_used_at", "expires_at", "revoked_at"),
            }
            for key in self.mine(ApiKey, "owner", "created_by")
        ]

    def webhooks(self) -> list[dict]:
        """Webhook endpoints the member registered (community managers), never their secrets."""
        return [
            {
                **values(endpoint, "id", "url", "description"),
                "event_types": list(endpoint.event_types),
                **values(endpoint, "active", "created_at", "disabled_at", "disabled_reason"),
            }
            for endpoint in self.mine(WebhookEndpoint, "owner")
        ]

    def moderation_actions(self) -> list[dict]:
        """The audit log's lines where the member acted (moderators, community managers)."""
        return [
            {
                "action": row.action,
                "label": action_label(row.action),
                **values(row, "target_type", "target_id"),
                "question": self.reference(row.question),
                **values(row, "reason", "public_note", "before", "after", "created_at"),
            }
            for row in self.mine(ModerationAction, "moderator", "question")
        ]

    def restrictions(self) -> list[dict]:
        return [
            {
                **values(row, "kind", "reason", "starts_at", "ends_at"),
                "imposed_by": username(row.imposed_by),
                "lifted_at": iso(row.lifted_at),
                "lifted_by": username(row.lifted_by),
            }
            for row in self.mine(Restriction, "user", "imposed_by", "lifted_by", by="starts_at")
        ]

    def escalations(self) -> list[dict]:
        """Threads the member (staff) took to private follow-up; everything here is public."""
        return [
            {
                "question": self.reference(row.question),
                **values(row, "state", "note", "opened_at", "outcome", "outcome_at"),
            }
            for row in self.mine(Escalation, "opened_by", "question", by="opened_at")
        ]


def question_markdown_path(question: Question) -> str:
    return f"posts/questions/{question.pk}-{question.slug}.md"


def answer_markdown_path(answer: Answer) -> str:
    return f"posts/answers/{answer.pk}.md"
