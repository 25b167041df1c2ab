"""Moderating members: suspending and silencing them (and lifting it early), giving and taking
away the moderator and community manager roles, and removing a spammer.

Each verb asks accounts.permissions, lets accounts.services write the member's state, adds its
audit line (the member is the target) and tells the member, in one transaction; the console and
any other door call these. Like moderation's other verbs they are idempotent where that means
something: lifting what is not in force, or giving a role already held, changes nothing and
returns False.
"""

from dataclasses import dataclass

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts import permissions as account_rules
from accounts import services as accounts
from accounts.models import COMMUNITY_MANAGERS_GROUP, MODERATORS_GROUP, ROLE_GROUPS, Restriction, User
from forum import services as forum_services
from forum import visibility
from forum.models import Answer, Comment, Question, SuggestedEdit
from moderation import audit
from moderation.models import Flag, FlagStatus
from notifications import triggers
from reputation.selectors import earned_by_own_posts

REASON_MAX = 500
IMPOSED = {Restriction.Kind.SUSPEND: "suspended", Restriction.Kind.SILENCE: "silenced"}
LIFTED = {Restriction.Kind.SUSPEND: "suspension_lifted", Restriction.Kind.SILENCE: "silence_lifted"}
SPAMMER_REMOVED = "spammer_removed"
# group -> (action when given, action when taken away)
ROLE_ACTIONS = {
    MODERATORS_GROUP: ("moderator_appointed", "moderator_removed"),
    COMMUNITY_MANAGERS_GROUP: ("community_manager_appointed", "community_manager_removed"),
}
# Where a new role's pages start (the member's notification links there).
ROLE_HOMES = {MODERATORS_GROUP: "moderation:queue", COMMUNITY_MANAGERS_GROUP: "console:home"}


def _reason(reason: str, message: str) -> str:
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError(message)
    if len(reason) > REASON_MAX:
        raise ValidationError(f"Keep the reason under {REASON_MAX} characters; it is {len(reason)}.")
    return reason


# --- Suspending and silencing --------------------------------------------------------------------


@transaction.atomic
def member_restrict(*, member: User, kind: str, ends_at, reason: str, actor) -> Restriction:
    """Suspend or silence `member` until `ends_at` (None: until lifted), saying why. A new one
    replaces one in force. The member is told at once; their reputation is untouched."""
    account_rules.allow_restrict(actor, member)
    reason = _reason(reason, "Say why: the member is told, and the reason stays in the log.")
    if ends_at is not None and ends_at <= timezone.now():
        raise ValidationError("Choose an end in the future.")
    changed = accounts.restriction_impose(
        member=member, kind=kind, ends_at=ends_at, reason=reason, actor=actor
    )
    audit.record(
        moderator=actor,
        action=IMPOSED[kind],
        target=member,
        reason=reason,
        before=changed.before,
        after=changed.after,
    )
    triggers.account_restricted(restriction=changed.restriction, actor=actor)
    return changed.restriction


@transaction.atomic
def member_lift(*, member: User, kind: str, actor) -> bool:
    """End a suspension or silence early. False when none is in force."""
    account_rules.allow_restrict(actor, member)
    changed = accounts.restriction_lift(member=member, kind=kind, actor=actor)
    if not changed:
        return False
    audit.record(
        moderator=actor,
        action=LIFTED[kind],
        target=member,
        reason="Lifted early",
        before=changed.before,
        after=changed.after,
    )
    triggers.account_restriction_lifted(member=member, kind=kind, actor=actor)
    return True


# --- Roles ---------------------------------------------------------------------------------------


@transaction.atomic
def member_role_set(*, member: User, group: str, grant: bool, actor) -> bool:
    """Give `member` the role (a group in ROLE_GROUPS), or take it away. False when nothing
    changed. The community managers' group row is locked first, so two managers stepping down
    at once cannot leave the site with none."""
    Group.objects.select_for_update().filter(name=COMMUNITY_MANAGERS_GROUP).exists()
    account_rules.allow_change_role(actor, member, group, grant=grant)
    changed, before, after = accounts.role_set(member=member, group=group, grant=grant)
    if not changed:
        return False
    audit.record(
        moderator=actor,
        action=ROLE_ACTIONS[group][0 if grant else 1],
        target=member,
        before=before,
        after=after,
    )
    triggers.role_changed(
        member=member, role=ROLE_GROUPS[group], grant=grant, actor=actor, url=reverse(ROLE_HOMES[group])
    )
    return True


# --- Removing a spammer --------------------------------------------------------------------------


@dataclass(frozen=True)
class SpammerPosts:
    """What removing a spammer takes away: their posts not yet deleted, their suggested edits
    waiting for review, and what their posts hold on the ledger for them."""

    questions: list[Question]
    answers: list[Answer]
    comments: list[Comment]
    suggestions: list[SuggestedEdit]
    reputation: int

    @property
    def posts(self) -> list:
        """Every post, in the order the thread locks are taken: by thread, then question before
        answers before comments, so two removals touching the same threads cannot deadlock."""
        order = {"question": 0, "answer": 1, "comment": 2}
        everything = [*self.questions, *self.answers, *self.comments]
        return sorted(everything, key=lambda post: (post.thread_id, order[post.kind], post.pk))

    def counts(self) -> dict:
        return {
            "questions_deleted": len(self.questions),
            "answers_deleted": len(self.answers),
            "comments_deleted": len(self.comments),
            "suggested_edits_rejected": len(self.suggestions),
            "reputation_reversed": self.reputation,
        }


def spammer_posts(member: User) -> SpammerPosts:
    """Five queries, whatever the member posted."""
    not_deleted = {"author": member, "deleted_at__isnull": True}
    return SpammerPosts(
        questions=list(Question.objects.filter(**not_deleted).order_by("pk")),
        answers=list(Answer.objects.filter(**not_deleted).select_related("question").order_by("pk")),
        comments=list(
            Comment.objects.filter(**not_deleted)
            .select_related("question", "answer__question")
            .order_by("pk")
        ),
        suggestions=list(
            SuggestedEdit.objects.filter(editor=member, status=SuggestedEdit.Status.PENDING).order_by("pk")
        ),
        reputation=earned_by_own_posts(member),
    )


def _settle_flags(post, actor) -> None:
    """Pending flags on a post removed with its spammer are accepted: the flaggers were right,
    and hear so, as when a moderator deletes a flagged post from the queue."""
    pending = list(Flag.objects.filter(status=FlagStatus.PENDING, **post.as_filter()))
    if not pending:
        return
    Flag.objects.filter(pk__in=[flag.pk for flag in pending]).update(
        status=FlagStatus.ACCEPTED, handled_by=actor, handled_at=timezone.now(), outcome="deleted"
    )
    triggers.flags_handled(flags=pending, post=post, moderator=actor, accepted=True)


def _reject_suggestion(suggestion: SuggestedEdit, actor) -> bool:
    try:
        forum_services.suggested_edit_reject(
            suggested_edit=suggestion, reviewer=actor, reason="Removed with its author as a spammer"
        )
    except (ValidationError, PermissionDenied):  # reviewed meanwhile, or its post is gone
        return False
    return True


@transaction.atomic
def member_remove_spammer(*, member: User, actor, reason: str) -> SpammerPosts:
    """Delete every post of `member` (forum.visibility: deleting a question or an answer records
    the ledger event that reverses, by new lines, all it earned), reject their waiting suggested
    edits, accept pending flags on their posts, and suspend them indefinitely. One audit line per
    post (with the usual public note, seen by moderators) and one for the member, who is told
    once. Returns what was removed. Restoring is per post, by moderators, as for any deletion;
    lifting the suspension is one click."""
    account_rules.allow_remove_spammer(actor, member)
    reason = _reason(reason, "Say why: it is kept in the log and the member is told.")
    found = spammer_posts(member)
    # Suggestions first: once a thread is deleted, nothing in it can be reviewed any more.
    rejected = [suggestion for suggestion in found.suggestions if _reject_suggestion(suggestion, actor)]
    note = f"removed as spam by {actor.name}"
    for post in found.posts:
        result = visibility.post_visibility_change(post=post, change=visibility.Change.DELETE, actor=actor)
        if not result:
            continue
        _settle_flags(result.post, actor)
        audit.record(
            moderator=actor,
            action="deleted",
            target=result.post,
            reason=f"Removed with its author as a spammer: {reason}",
            before=result.before,
            after=result.after,
            public_note=note,
            notify_author=False,
        )
    found = SpammerPosts(found.questions, found.answers, found.comments, rejected, found.reputation)
    changed = accounts.restriction_impose(
        member=member, kind=Restriction.Kind.SUSPEND, ends_at=None, reason=reason, actor=actor
    )
    audit.record(
        moderator=actor,
        action=SPAMMER_REMOVED,
        target=member,
        reason=reason,
        before=changed.before,
        after={**changed.after, **found.counts()},
    )
    triggers.account_restricted(restriction=changed.restriction, actor=actor)
    return found
