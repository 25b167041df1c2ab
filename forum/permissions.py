"""Who may do what with questions, answers and comments: the one place each rule is decided.

Each action has an `allow_*` function that raises PermissionDenied with the sentence the person
sees, and a `can_*` boolean derived from it for templates (accounts.permissions explains the
shape). Views, services, selectors and templates all ask here, so no door can skip a rule.

Whether a post may be *seen* and whether it may be *touched* (answered, commented on, voted on,
flagged, edited, accepted) is decided here too, for every page, feed and action:
- seen: a post and every post above it (its `lineage`) must be visible, or the viewer must be a
  moderator or the author of the hidden one (they see it with a notice). `visibility_filter`
  is the same rule as a database filter, for lists.
- touched: a post and every post above it must be visible, for everyone, moderators included:
  a deleted, flag-hidden or held post takes nothing new until it is restored or released.

Staff status appears nowhere here on purpose: it is shown, never privileged.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, Q

from accounts.models import MODERATING_GROUPS
from accounts.permissions import (
    allow_participate,
    allow_post_unreviewed,
    allow_signed_in,
    boolean,
    is_moderator,
)
from accounts.privileges import has_privilege, threshold

LOCKED = "This question is locked: it takes no new answers, comments or votes."


# --- Seeing and touching ----------------------------------------------------------------------


def visibility_filter(user) -> Q:
    """The rule of `allow_see_post` for one level of posts, as a filter: visible posts, the
    viewer's own, and everything for a moderator. When the viewer's roles are already settled
    on it (accounts.selectors.mark_moderators, as the thread page does first), the filter uses
    them; otherwise whether the viewer is a moderator is asked inside the query, so a page costs
    no separate groups query for its viewer."""
    shown = Q(deleted_at__isnull=True, hidden_at__isnull=True, held_at__isnull=True)
    if user is not None and user.is_authenticated:
        shown |= Q(author=user)
        if user.is_active and user.is_superuser:
            return Q()
        settled = getattr(user, "__dict__", {}).get("is_moderator")  # mark_moderators() or asked
        if settled is not None:
            # Known already (a page that settles its viewer's roles first): no subquery to
            # build, compile and run in each of the page's post queries.
            return Q() if settled else shown
        if user.is_active:
            membership = get_user_model().groups.through.objects.filter(
                user_id=user.pk, group__name__in=MODERATING_GROUPS
            )
            shown |= Q(Exists(membership))
    return shown


def why_not_shown(post) -> str:
    """ "deleted", "hidden" (by flags, pending review) or "held" (for a moderator's release);
    "" for a post shown to everyone."""
    if post.deleted_at is not None:
        return "deleted"
    if post.hidden_at is not None:
        return "hidden"
    if post.held_at is not None:
        return "held"
    return ""


def allow_see_post(user, post) -> None:
    """A post, and everything about it (revisions, diffs, feeds, search), is shown to those who
    may see it and every post above it."""
    for each in post.lineage:
        if each.is_visible or is_moderator(user) or (user and user.pk and each.author_id == user.pk):
            continue
        raise PermissionDenied(f"This {each.kind} is not available.")


can_see_post = boolean(allow_see_post)


def allow_touch_post(post, doing: str) -> None:
    """Nothing new lands on a post (or under it) while it is deleted, hidden or held.
    `doing` completes "so it can't be …" ("voted on", "commented on", "edited")."""
    for each in post.lineage:
        why = why_not_shown(each)
        if not why:
            continue
        what = "This post" if each is post else f"This {each.kind}"
        it = "it" if each is post else "its posts"
        if why == "deleted":
            raise PermissionDenied(f"{what} was deleted, so {it} can't be {doing}.")
        if why == "hidden":
            raise PermissionDenied(
                f"{what} is hidden while moderators review flags on it, so {it} can't be {doing}."
            )
        raise PermissionDenied(f"{what} is waiting for a moderator's review, so {it} can't be {doing}.")


def first_posts_held_for(author) -> bool:
    """With pre-moderation on (COMMONPLACE_PREMODERATE_FIRST_POSTS), a new account's first post
    waits for a moderator; moderators' posts never do."""
    return bool(getattr(settings, "COMMONPLACE_PREMODERATE_FIRST_POSTS", False)) and not is_moderator(author)


def posts_held_for(author) -> bool:
    """A silenced member's every new question and answer waits for a moderator, in the same
    queue as held first posts (read from the member's row: no query)."""
    return bool(author is not None and author.is_authenticated and author.is_silenced)


def held_message(author) -> str:
    """What the author of a post just held for review is told."""
    if posts_held_for(author):
        return (
            "You are silenced for now, so your post is waiting for a moderator; "
            "only you can see it until then."
        )
    return "Your first post is waiting for a moderator; only you can see it for now."


def is_frozen(post) -> bool:
    """A locked question freezes its whole thread: no answers, comments, votes or edits."""
    return post.thread.is_locked


def _allow_unfrozen(post) -> None:
    if is_frozen(post):
        raise PermissionDenied(LOCKED)


# --- Asking and answering ---------------------------------------------------------------------


def allow_ask(user) -> None:
    allow_signed_in(user, "Log in to ask a question.")
    allow_participate(user)


def allow_preview(user) -> None:
    """The live Markdown preview of the ask, answer, edit and article forms renders what it is
    sent, which costs CPU: like a write, it is for members who may take part (and counted per
    account, forum/views.py)."""
    allow_signed_in(user, "Log in to preview Markdown: the preview is part of writing a post.")
    allow_participate(user)


def allow_answer(user, question) -> None:
    """Closed, locked, deleted, hidden and held questions take no new answers."""
    allow_signed_in(user, "Log in to answer.")
    allow_participate(user)
    _allow_unfrozen(question)
    if question.is_closed:
        raise PermissionDenied(
            "This question is closed, so it takes no new answers. You can still comment, "
            "or vote to reopen it if you can improve it."
        )
    if question.deleted_at is not None:
        raise PermissionDenied("This question was deleted, so it takes no answers.")
    allow_touch_post(question, "answered")


def allow_comment(user, post) -> None:
    """Always on your own posts and on answers to your own question; elsewhere with the
    "comment anywhere" privilege."""
    allow_signed_in(user, "Log in to comment.")
    allow_participate(user)
    allow_post_unreviewed(user)
    _allow_unfrozen(post)
    allow_touch_post(post, "commented on")
    if post.author_id == user.pk or post.thread.author_id == user.pk:
        return
    if not has_privilege(user, "comment"):
        raise PermissionDenied(
            f"Commenting on other people's posts needs {threshold('comment')} reputation; "
            f"you have {user.reputation}. "
            "You can always comment on your own posts and on answers to your questions."
        )


def allow_vote(user, post, value: int = 1) -> None:
    """Up (1), down (-1) or take back (0) a vote on someone else's question or answer."""
    allow_signed_in(user, "Log in to vote.")
    allow_participate(user)
    if post.author_id == user.pk:
        raise PermissionDenied("You can't vote on your own post.")
    allow_touch_post(post, "voted on")
    _allow_unfrozen(post)
    if value in (1, -1):
        direction, code = ("up", "vote_up") if value == 1 else ("down", "vote_down")
        if not has_privilege(user, code):
            raise PermissionDenied(
                f"Voting {direction} needs {threshold(code)} reputation; you have {user.reputation}."
            )
    # Anyone may take back a vote they cast.


def allow_accept(user, answer) -> None:
    allow_signed_in(user, "Log in to accept an answer.")
    allow_participate(user)
    if answer.question.author_id != user.pk:
        raise PermissionDenied("Only the person who asked can accept an answer.")
    allow_touch_post(answer, "accepted")


def allow_mark_also_helped(user, answer) -> None:
    allow_signed_in(user, "Log in to mark answers that also helped.")
    allow_participate(user)
    if answer.question.author_id != user.pk or answer.author_id == user.pk:
        raise PermissionDenied("Only the person who asked can mark answers that also helped.")
    allow_touch_post(answer, "marked")


# --- Editing --------------------------------------------------------------------------------


def allow_edit(user, post) -> None:
    """Edit directly: your own posts, or anyone's with the edit privilege. In a locked thread,
    only moderators."""
    allow_signed_in(user, "Log in to edit.")
    allow_participate(user)
    allow_post_unreviewed(user)
    allow_touch_post(post, "edited")
    if is_frozen(post):
        if not is_moderator(user):
            raise PermissionDenied("This question is locked: its posts can't be edited.")
        return
    if post.author_id != user.pk and not has_privilege(user, "edit_others"):
        raise PermissionDenied("You can only edit your own posts.")


def allow_suggest_edit(user, post) -> None:
    """Below the edit privilege, an edit of someone else's post becomes a suggestion."""
    allow_signed_in(user, "Log in to suggest an edit.")
    allow_participate(user)
    allow_post_unreviewed(user)
    allow_touch_post(post, "edited")
    if is_frozen(post):
        raise PermissionDenied("This question is locked: its posts can't be edited.")
    if can_edit(user, post):
        raise PermissionDenied("You can edit this post directly.")


def allow_rollback(user, post) -> None:
    allow_signed_in(user, "Log in to roll back a post.")
    if not can_edit(user, post):
        raise PermissionDenied("Only the author can roll back a post.")


def allow_review_suggested_edit(user, suggested_edit) -> None:
    allow_signed_in(user, "Log in to review suggested edits.")
    if user.pk == suggested_edit.editor_id or not can_edit(user, suggested_edit.post):
        raise PermissionDenied(
            "Only someone who can edit this post, other than the person who suggested it, can review it."
        )


def allow_see_suggested_edit(user, suggested_edit) -> None:
    """Its suggester and its reviewers, while they may see the post: its diff shows the post's
    text, so a post deleted, hidden or held since closes its suggestions too."""
    allow_signed_in(user, "Log in to see suggested edits.")
    allow_see_post(user, suggested_edit.post)
    if user.pk != suggested_edit.editor_id and not can_review_suggested_edit(user, suggested_edit):
        raise PermissionDenied("Only the person who suggested this edit and its reviewers can see it.")


def allow_review_edits(user) -> None:
    """The suggested-edits queue: anyone who may edit others' posts (moderators hold every
    privilege)."""
    allow_signed_in(user, "Log in to review suggested edits.")
    if not has_privilege(user, "edit_others"):
        raise PermissionDenied(
            f"Reviewing suggested edits needs the edit privilege, {threshold('edit_others')} reputation; "
            f"you have {user.reputation}."
        )


can_ask = boolean(allow_ask)
can_answer = boolean(allow_answer)
can_preview = boolean(allow_preview)
can_comment = boolean(allow_comment)
can_vote = boolean(allow_vote)
can_accept = boolean(allow_accept)
can_mark_also_helped = boolean(allow_mark_also_helped)
can_edit = boolean(allow_edit)
can_suggest_edit = boolean(allow_suggest_edit)
can_rollback = boolean(allow_rollback)
can_review_suggested_edit = boolean(allow_review_suggested_edit)
can_review_edits = boolean(allow_review_edits)
