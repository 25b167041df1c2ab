"""Erasing an account (GDPR article 17) while every other member's reputation stays exact.

The account's row is not deleted. Posts, revisions, votes, acceptances and ledger lines point at
it, and other members' totals are sums of lines that name it as the voter or the asker: deleting
the row would either cascade through their reputation or leave the ledger unable to explain it.
So the row stays, as "former member <number>" (its id: the API and webhooks already show it), and
everything that said who the person was goes:

- **Their account**: email addresses, names, bio, password (unusable), last login, roles, social
  accounts and their tokens, sessions, API keys, notifications, watches, tag and email
  preferences; the account is closed (it cannot log in again) and marked erased.
- **What other rows say about them**, which stay: their name or username where the site wrote it
  into text (notifications they caused, audit lines and public notes by or about them, reasons of
  their suspensions, helpdesk requests, stored webhook events and insights figures), rewritten to
  the anonymous name; emails to "(address erased)"; what they wrote to moderators alone (flag
  notes, appeal texts) is removed. Their posts, comments, revisions and edit summaries stay
  under the anonymous name, as on Stack Exchange: others' answers and votes build on them.
- **Optionally, their posts**: the questions and answers the author rules let them delete
  (moderation.permissions.allow_delete, as from the thread: not an accepted answer, not a
  question others helped with) are deleted as their author would, so the ledger reverses what
  they earned, as for any deletion.

Votes they cast, acceptances, "also helped" marks, "I have this too" and their ledger lines stay
as they are: `reputation_reconcile` finds nothing to repair.

Every foreign key to the user is decided in RELATIONS (tests/privacy/test_erasure.py fails when a
model gains one that is not), and the test of the whole walks every text field of every row.
"""

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib import import_module

from allauth.account.models import EmailAddress
from django.apps import apps
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.auth import SESSION_KEY
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

from accounts import permissions as account_rules
from accounts.models import ERASED_DISPLAY_NAME_PREFIX, ERASED_USERNAME_PREFIX, Restriction, User
from helpdesk.models import HelpdeskTicket
from insights.models import InsightSnapshot
from integrations.models import Attempt, Event, WebhookEndpoint
from moderation import audit
from moderation.closing import post_delete
from moderation.members import REASON_MAX
from moderation.models import Flag, ModerationAction, ReversalAppeal
from notifications.models import Notification
from privacy.erasure_selectors import as_author, own_posts

ERASED = "account_erased"  # the audit log's action
ERASED_BY_OWNER = "Erased by its owner"
ERASED_EMAIL = "(address erased)"
# An appeal's text is required; what the member wrote goes, and this says why it is gone.
APPEAL_ERASED = "(The member erased their account; what they wrote went with it.)"

DELETE, KEEP, SCRUB = "delete", "keep", "scrub"
# Every foreign key to the user, "<app>.<Model>.<field>": DELETE, the rows go with the person;
# KEEP, they stay pointing at the anonymous account (posts, votes, the ledger, other people's
# records of what they did); SCRUB, they stay and `_scrub_rows` rewrites what they say.
RELATIONS = {
    "account.EmailAddress.user": DELETE,
    "socialaccount.SocialAccount.user": DELETE,  # its tokens go with it (cascade)
    "accounts.ApiKey.owner": DELETE,
    "notifications.Notification.recipient": DELETE,
    "notifications.QuestionWatch.user": DELETE,
    "notifications.TagPreference.user": DELETE,
    "notifications.EmailPreference.user": DELETE,
    # Copies of their data: only whoever asked may open one, and nobody is left to.
    "privacy.DataExport.member": DELETE,
    "privacy.DataExport.requested_by": DELETE,
    "accounts.Restriction.user": SCRUB,  # the reason may name them
    "moderation.Flag.flagger": SCRUB,  # the note to moderators goes; the flag counts on
    "moderation.ReversalAppeal.member": SCRUB,  # the text goes; the decision stays
    "moderation.ModerationAction.moderator": SCRUB,  # public notes name the moderator
    "notifications.Notification.actor": SCRUB,  # "<name> answered …"
    "integrations.WebhookEndpoint.owner": SCRUB,
    "helpdesk.HelpdeskTicket.opened_by": SCRUB,  # the request names the staff member
    "admin.LogEntry.user": KEEP,  # a superuser's admin actions, about other rows
    "branding.Branding.updated_by": KEEP,
    "accounts.Restriction.imposed_by": KEEP,
    "accounts.Restriction.lifted_by": KEEP,
    "accounts.ApiKey.created_by": KEEP,
    "forum.Question.author": KEEP,
    "forum.Question.deleted_by": KEEP,
    "forum.Answer.author": KEEP,
    "forum.Answer.deleted_by": KEEP,
    "forum.Comment.author": KEEP,
    "forum.Comment.deleted_by": KEEP,
    "forum.Vote.voter": KEEP,  # votes keep counting
    "forum.Revision.editor": KEEP,
    "forum.SuggestedEdit.editor": KEEP,
    "forum.SuggestedEdit.reviewer": KEEP,
    "reputation.ReputationEvent.actor": KEEP,
    "reputation.LedgerEntry.user": KEEP,  # append-only; the sums stay exact
    "reputation.LedgerEntry.counterparty": KEEP,
    "reputation.BadgeAward.user": KEEP,
    "moderation.Flag.handled_by": KEEP,
    "moderation.CloseVote.voter": KEEP,
    "moderation.ReversalAppeal.decided_by": KEEP,
    "kb.Article.created_by": KEEP,
    "kb.Article.last_verified_by": KEEP,
    "kb.ArticleSource.author": KEEP,
    "kb.ArticleRevision.editor": KEEP,
    "insights.MeToo.user": KEEP,
    "insights.Escalation.opened_by": KEEP,
    "insights.Escalation.outcome_by": KEEP,
    "integrations.Delivery.requested_by": KEEP,
}


def relations_to_users() -> set[str]:
    """Every foreign key (and one-to-one) to the user model, as RELATIONS names them."""
    found = set()
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if field.is_relation and field.related_model is User:
                found.add(f"{model._meta.label}.{field.name}")
    return found


# --- Finding the person in text -----------------------------------------------------------------


@dataclass(frozen=True)
class Identity:
    """What the account was called, read before it is anonymised."""

    username: str
    name: str
    emails: tuple[str, ...]

    @classmethod
    def of(cls, member: User) -> "Identity":
        emails = {member.email, *EmailAddress.objects.filter(user=member).values_list("email", flat=True)}
        return cls(member.username, member.display_name, tuple(sorted(e for e in emails if e)))

    def mentioned_in(self, field: str) -> Q:
        """Rows whose `field` holds the username or an address (a prefilter; `Scrubber` decides)."""
        condition = Q(**{f"{field}__icontains": self.username})
        for email in self.emails:
            condition |= Q(**{f"{field}__icontains": email})
        return condition


class Scrubber:
    """Rewrites text, and JSON, that speaks of the person: their profile's address
    (/users/<username>/) to the anonymous one, their email addresses to "(address erased)", their
    username and display name (whole words, any case) to the anonymous ones. In one pass, so a
    replacement is never rewritten again. In JSON, a person (a dict whose `username` is theirs, as
    webhooks, the helpdesk and insights write people) becomes the anonymous account."""

    def __init__(self, was: Identity, now: User):
        self.was, self.now = was, now
        self.old_path, self.new_path = f"/users/{was.username}/", f"/users/{now.username}/"
        alternatives = [(re.escape(self.old_path), self.new_path)]
        alternatives += [(re.escape(email), ERASED_EMAIL) for email in was.emails]
        # Usernames hold letters, digits and @ . + - _; a full stop may end a sentence.
        names = [(was.username, rf"(?<![\w.@+-]){re.escape(was.username)}(?![\w@+-]|\.\w)", now.username)]
        if len(was.name) >= 2 and was.name.lower() != was.username.lower():
            names.append((was.name, rf"(?<!\w){re.escape(was.name)}(?!\w)", now.name))
        # The longer first: "Dana Scully" is the name, not the username "dana" and a word after it.
        alternatives += [(pattern, new) for _, pattern, new in sorted(names, key=lambda name: -len(name[0]))]
        self.replacements = [replacement for _, replacement in alternatives]
        self.pattern = re.compile(
            "|".join(f"(?P<g{i}>{pattern})" for i, (pattern, _) in enumerate(alternatives)), re.IGNORECASE
        )

    def text(self, value: str) -> str:
        if not value:
            return value
        return self.pattern.sub(lambda match: self.replacements[int(match.lastgroup[1:])], value)

    def data(self, value, *, free_text: bool = True):
        """JSON-shaped data, or a plain string. With free_text=False only people and profile
        addresses change (the webhook copy of a post's body stays as the post does)."""
        if isinstance(value, dict):
            if str(value.get("username", "")).lower() == self.was.username.lower():
                return self.person(value, free_text=free_text)
            return {key: self.data(item, free_text=free_text) for key, item in value.items()}
        if isinstance(value, list):
            return [self.data(item, free_text=free_text) for item in value]
        if isinstance(value, str):
            return self.text(value) if free_text else value.replace(self.old_path, self.new_path)
        return value

    def person(self, value: dict, *, free_text: bool) -> dict:
        anonymous = {"username": self.now.username, "name": self.now.name, "staff": False, "is_staff": False}
        return {
            key: anonymous[key] if key in anonymous else self.data(item, free_text=free_text)
            for key, item in value.items()
            if key != "email"
        }

    def json_text(self, body: str) -> str:
        """A JSON document stored as text (a webhook event's body, sent byte for byte)."""
        try:
            document = json.loads(body)
        except ValueError:
            return self.text(body)
        return json.dumps(self.data(document, free_text=False), ensure_ascii=False, separators=(",", ":"))


def _rewrite(rows: Iterable[models.Model], scrub: Callable, *fields: str) -> int:
    """Apply `scrub` to each field of each row; save the rows it changed. Returns how many."""
    count = 0
    for row in rows:
        changed = []
        for name in fields:
            value = getattr(row, name)
            new = scrub(value)
            if new != value:
                setattr(row, name, new)
                changed.append(name)
        if changed:
            row.save(update_fields=changed)
            count += 1
    return count


def _scrub_rows(member: User, was: Identity, scrubber: Scrubber) -> None:
    """What other rows say about the person, rewritten (the SCRUB relations, and text anywhere
    that names their username or address). Runs after the account is anonymised."""
    text, data = scrubber.text, scrubber.data
    # The audit log names its targets by model name, as ContentType does.
    types = ContentType.objects.get_for_models(User, WebhookEndpoint)
    member_type, endpoint_type = types[User], types[WebhookEndpoint]
    _rewrite(Restriction.objects.filter(Q(user=member) | was.mentioned_in("reason")), text, "reason")
    Flag.objects.filter(flagger=member).exclude(text="").update(text="")
    _rewrite(Flag.objects.filter(was.mentioned_in("text")), text, "text")
    ReversalAppeal.objects.filter(member=member).update(text=APPEAL_ERASED)
    _rewrite(ReversalAppeal.objects.filter(was.mentioned_in("note")), text, "note")
    _rewrite(
        Notification.objects.filter(
            Q(actor=member)
            | Q(url__contains=scrubber.old_path)
            | Q(question__escalation__opened_by=member)  # the care team told of a follow-up of theirs
            | was.mentioned_in("text")
        ),
        text,
        "text",
        "url",
    )
    _rewrite(
        ModerationAction.objects.filter(
            Q(moderator=member)
            | Q(target_type=member_type.model, target_id=member.pk)
            | was.mentioned_in("reason")
            | was.mentioned_in("public_note")
        ),
        data,
        "reason",
        "public_note",
        "before",
        "after",
    )
    disabled_by_them = ModerationAction.objects.filter(
        moderator=member, target_type=endpoint_type.model
    ).values("target_id")
    _rewrite(
        WebhookEndpoint.objects.filter(
            Q(owner=member) | Q(pk__in=disabled_by_them) | was.mentioned_in("description")
        ),
        text,
        "description",
        "disabled_reason",
    )
    _rewrite(
        HelpdeskTicket.objects.filter(
            Q(opened_by=member) | Q(escalation__opened_by=member) | Q(escalation__question__author=member)
        ),
        data,
        "request",
        "last_error",
        "pending_outcome",
    )
    # Webhook events are built when their fact happens: a stored one still to be (re)delivered
    # must not carry the old name. What receivers already got is theirs (README).
    person = f'"username":{json.dumps(was.username, ensure_ascii=False)}'
    events = list(Event.objects.filter(body__contains=person))
    _rewrite(events, scrubber.json_text, "body")
    _rewrite(Attempt.objects.filter(delivery__event__in=events), text, "response_excerpt")
    # Top helpers, per period and tag: a handful of rows, rewritten until the next computation.
    _rewrite(InsightSnapshot.objects.all(), lambda value: data(value, free_text=False), "data")
    LogEntry.objects.filter(content_type=member_type, object_id=str(member.pk)).update(
        object_repr=str(member)[:200]
    )


# --- The account itself ---------------------------------------------------------------------------


def _anonymous_username(member: User) -> str:
    """former-member-<id>; sign-up refuses the prefix, but an account older than that rule
    could hold it, so a taken one gets a suffix."""
    username, n = f"{ERASED_USERNAME_PREFIX}{member.pk}", 1
    while User.objects.filter(username=username).exclude(pk=member.pk).exists():
        n += 1
        username = f"{ERASED_USERNAME_PREFIX}{member.pk}-{n}"
    return username


def _anonymise(member: User, now) -> None:
    member.username = _anonymous_username(member)
    member.display_name = f"{ERASED_DISPLAY_NAME_PREFIX}{member.pk}"
    member.first_name = member.last_name = member.email = member.bio = ""
    member.set_unusable_password()
    member.last_login = None
    member.is_active = member.is_staff = member.is_superuser = False
    member.erased_at = now
    member.save()
    member.groups.clear()
    member.user_permissions.clear()
    for cached in ("is_moderator", "is_community_manager", "current_suspension", "current_silence"):
        member.__dict__.pop(cached, None)


def _delete_related(member: User) -> None:
    """The DELETE relations' rows."""
    for relation, decision in RELATIONS.items():
        if decision == DELETE:
            label, field = relation.rsplit(".", 1)
            apps.get_model(label).objects.filter(**{field: member}).delete()


def _delete_sessions(member: User) -> int:
    """Every stored session of the member (the one erasing included). Sessions do not index
    their user, so each is read; erasures are rare. With a cache or cookie session engine there
    is nothing to find, and a closed account's sessions no longer authenticate anyway."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    if not hasattr(store, "get_model_class"):
        return 0
    rows = store.get_model_class().objects.values_list("session_key", "session_data")
    theirs = [
        key
        for key, data in rows.iterator(chunk_size=2000)
        if store().decode(data).get(SESSION_KEY) == str(member.pk)
    ]
    for key in theirs:
        store(session_key=key).delete()
    return len(theirs)


# --- The service ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Erased:
    member: User  # the anonymous account now
    posts_deleted: int
    posts_kept: int

    @property
    def name(self) -> str:
        return self.member.name


def _reason(member: User, actor: User, reason: str) -> str:
    if actor.pk == member.pk:
        return ERASED_BY_OWNER
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError("Say why: the reason stays in the audit log (without their name).")
    if len(reason) > REASON_MAX:
        raise ValidationError(f"Keep the reason under {REASON_MAX} characters; it is {len(reason)}.")
    return reason


@transaction.atomic
def account_erase(*, member: User, actor: User, delete_posts: bool = False, reason: str = "") -> Erased:
    """Erase `member`'s account, by themselves (the door has checked their password or a fresh
    login first) or by a community manager (`reason` required). With `delete_posts`, the
    questions and answers the author rules let them delete are deleted first, as they would
    from the thread. One transaction; one audit line naming only the anonymous account."""
    account_rules.allow_erase_account(actor, member)
    reason = _reason(member, actor, reason)
    deleted = 0
    posts = own_posts(member)
    if delete_posts:
        author = as_author(member)
        order = {"question": 0, "answer": 1}  # as removing a spammer takes the thread locks
        for post in sorted(posts.deletable, key=lambda post: (post.thread_id, order[post.kind], post.pk)):
            try:
                deleted += post_delete(post=post, actor=author)
            except PermissionDenied:  # it gained an accepted or up-voted answer meanwhile: it stays
                continue
    locked = User.objects.select_for_update(no_key=True).get(pk=member.pk)
    account_rules.allow_erase_account(actor, locked)  # again, locked: erased or appointed meanwhile
    was = Identity.of(locked)
    now = timezone.now()
    _delete_related(locked)
    _delete_sessions(locked)
    _anonymise(locked, now)
    scrubber = Scrubber(was, locked)
    _scrub_rows(locked, was, scrubber)
    audit.record(
        moderator=locked if actor.pk == member.pk else actor,
        action=ERASED,
        target=locked,
        reason=scrubber.text(reason),
        after={"username": locked.username, "posts_deleted": deleted},
        notify_author=False,
    )
    return Erased(
        member=locked, posts_deleted=deleted, posts_kept=len(posts.kept) + len(posts.deletable) - deleted
    )
