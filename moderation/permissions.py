"""Who may moderate: the one place each moderation rule is decided (accounts.permissions explains
the `allow_*` / `can_*` shape). Moderators are the Moderators group; members earn flagging,
close votes and reviewing by reputation. Staff status grants nothing here."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from accounts.permissions import allow_moderator, allow_participate, allow_signed_in, boolean, is_moderator
from accounts.privileges import has_privilege, threshold
from forum.permissions import allow_touch_post
from moderation.models import AppealStatus

__all__ = ["is_moderator"]  # re-exported: moderation code asks "is this a moderator?" here


def moderator_required(view):
    """Moderators only: anonymous visitors are sent to log in, members get 403."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        allow_moderate(request.user)
        return view(request, *args, **kwargs)

    return wrapper


def allow_moderate(user) -> None:
    """Close, reopen, lock, unlock, merge and restore posts, see the audit log. A suspended
    moderator (a community manager may suspend one) moderates nothing until it ends."""
    allow_moderator(user)
    allow_participate(user)


def allow_handle_flags(user) -> None:
    allow_moderator(user, "Only moderators can handle flags.")
    allow_participate(user)


def allow_release(user) -> None:
    """Release (or see) first posts held by pre-moderation."""
    allow_moderator(user, "Only moderators can release held posts.")
    allow_participate(user)


# --- Flags --------------------------------------------------------------------------------------


def allow_flag(user, post) -> None:
    """Signed in, holding the flag privilege, not the post's author, on a post still shown."""
    allow_signed_in(user, "Log in to flag a post.")
    allow_participate(user)
    if post.author_id == user.pk:
        raise PermissionDenied("You can't flag your own post.")
    if post.deleted_at is not None:
        raise PermissionDenied("This post has already been deleted.")
    allow_touch_post(post, "flagged")
    if not has_privilege(user, "flag"):
        raise PermissionDenied(f"Flagging needs {threshold('flag')} reputation; you have {user.reputation}.")


# --- Close votes --------------------------------------------------------------------------------


def allow_vote_to_close(user) -> None:
    allow_signed_in(user, "Log in to vote to close or reopen questions.")
    allow_participate(user)
    if not has_privilege(user, "close_reopen"):
        raise PermissionDenied(
            f"Voting to close or reopen questions needs {threshold('close_reopen')} reputation; "
            f"you have {user.reputation}."
        )


# --- Deleting -----------------------------------------------------------------------------------


def allow_delete(user, post, answers=None) -> None:
    """Moderators may delete any question or answer. An author may delete their own answer unless
    it is accepted, and their own question unless it has an accepted or an up-voted answer (Stack
    Exchange's rule: it would take others' help away). `answers` is the thread's list when a
    page has it, so showing the button costs no query; otherwise the database is asked."""
    allow_signed_in(user, "Log in to delete your posts.")
    allow_participate(user)
    if post.kind not in ("question", "answer"):
        raise PermissionDenied("Only questions and answers are deleted here.")
    if post.deleted_at is not None:
        raise PermissionDenied(f"This {post.kind} is already deleted.")
    if is_moderator(user):
        return
    if post.author_id != user.pk:
        raise PermissionDenied("Only moderators can delete other people's posts.")
    question = post.thread
    if question.is_locked:
        raise PermissionDenied("This question is locked, so its posts can't be deleted by their authors.")
    if post.kind == "answer":
        if question.accepted_answer_id == post.pk:
            raise PermissionDenied(
                "An accepted answer can't be deleted by its author: the asker relies on it."
            )
        return
    if answers is None:
        helped = post.answers.visible().filter(score__gt=0).exists()
    else:
        helped = any(answer.score > 0 and answer.is_visible for answer in answers)
    if post.accepted_answer_id is not None or helped:
        raise PermissionDenied(
            "A question with an accepted or up-voted answer can't be deleted by its author: "
            "it would take away the help others gave."
        )


can_moderate = boolean(allow_moderate)
can_handle_flags = boolean(allow_handle_flags)
can_release = boolean(allow_release)
can_flag = boolean(allow_flag)
can_vote_to_close = boolean(allow_vote_to_close)
can_delete = boolean(allow_delete)


# --- Appeals of serial-voting reversals ---------------------------------------------------------


def allow_appeal(user, entry, appeal=None) -> None:
    """Ask a moderator to review a serial-voting reversal: only its owner may, once per
    reversal. `appeal` is the one already made about it, if any (moderation.appeals.appeal_of)."""
    allow_signed_in(user, "Log in to ask for a review.")
    if entry.user_id != user.pk:
        raise PermissionDenied("Only the member whose reputation was reversed can ask for a review.")
    if appeal is None:
        return
    if appeal.status == AppealStatus.PENDING:
        raise PermissionDenied(
            "You have already asked for a review of this reversal. A moderator will look at it, "
            "and you will hear the outcome."
        )
    if appeal.status == AppealStatus.RESTORED:
        raise PermissionDenied(
            "A moderator has already restored this reversal: there is nothing left to review."
        )
    raise PermissionDenied(
        "A moderator reviewed this reversal and kept it. "
        "A reversal is reviewed once, so it can't be appealed again."
    )


def allow_decide_appeal(user, appeal=None) -> None:
    """Restore or keep a reversal a member appealed: moderators, never about their own reputation."""
    allow_moderator(user, "Only moderators can decide appeals of serial-voting reversals.")
    allow_participate(user)
    if appeal is not None and appeal.member_id == user.pk:
        raise PermissionDenied(
            "You can't decide an appeal about your own reputation: another moderator will."
        )


can_appeal = boolean(allow_appeal)
can_decide_appeal = boolean(allow_decide_appeal)
