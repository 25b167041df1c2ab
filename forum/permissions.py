"""Who may do what. Pure functions shared by views, templates and services.

Staff status appears nowhere here on purpose: it is shown, never privileged. Powers come from
reputation (reputation.privileges) or from the Moderators group, which holds every privilege.
"""

from forum.models import Answer, Question
from reputation.privileges import has_privilege, threshold


def _signed_in(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def can_ask(user) -> bool:
    return _signed_in(user)


def is_frozen(post) -> bool:
    """A locked question freezes its whole thread: no answers, comments, votes or edits."""
    return (post if isinstance(post, Question) else post.question).is_locked


def can_answer(user, question: Question) -> bool:
    """Closed, locked and deleted questions take no new answers."""
    return _signed_in(user) and not (question.is_closed or question.is_locked or question.deleted_at)


def answer_refusal(user, question: Question) -> str:
    """The message a person sees when can_answer says no."""
    if not _signed_in(user):
        return "Log in to answer."
    if question.is_locked:
        return "This question is locked: it takes no new answers, comments or votes."
    if question.is_closed:
        return (
            "This question is closed, so it takes no new answers. You can still comment, "
            "or vote to reopen it if you can improve it."
        )
    return "This question was deleted, so it takes no answers."


def can_comment(user, post) -> bool:
    """Always on your own posts and on answers to your own question; elsewhere with the
    "comment anywhere" privilege."""
    if not _signed_in(user) or is_frozen(post):
        return False
    if post.author_id == user.pk:
        return True
    if isinstance(post, Answer) and post.question.author_id == user.pk:
        return True
    return has_privilege(user, "comment")


def can_vote(user, post, value: int = 1) -> bool:
    if not _signed_in(user) or post.author_id == user.pk:
        return False
    if post.deleted_at is not None or is_frozen(post):
        return False
    if value == 1:
        return has_privilege(user, "vote_up")
    if value == -1:
        return has_privilege(user, "vote_down")
    return True  # anyone may take back a vote they cast


def can_accept(user, answer: Answer) -> bool:
    return _signed_in(user) and answer.question.author_id == user.pk


def can_mark_also_helped(user, answer: Answer) -> bool:
    return can_accept(user, answer) and answer.author_id != user.pk


def can_edit(user, post) -> bool:
    """Edit directly: your own posts, or anyone's with the edit privilege. In a locked thread,
    only moderators."""
    if _signed_in(user) and is_frozen(post):
        return user.is_moderator
    return _signed_in(user) and (post.author_id == user.pk or has_privilege(user, "edit_others"))


def can_suggest_edit(user, post) -> bool:
    """Below the edit privilege, an edit of someone else's post becomes a suggestion."""
    return _signed_in(user) and not is_frozen(post) and not can_edit(user, post)


def can_review_suggested_edit(user, suggested_edit) -> bool:
    post = suggested_edit.post
    return _signed_in(user) and user.pk != suggested_edit.editor_id and can_edit(user, post)


def vote_refusal(user, post, value: int = 1) -> str:
    """The message a person sees when can_vote says no."""
    if not _signed_in(user):
        return "Log in to vote."
    if post.author_id == user.pk:
        return "You can't vote on your own post."
    if post.deleted_at is not None:
        return "This post was deleted, so it can't be voted on."
    if is_frozen(post):
        return "This question is locked: it takes no new answers, comments or votes."
    direction, code = ("up", "vote_up") if value == 1 else ("down", "vote_down")
    return f"Voting {direction} needs {threshold(code)} reputation; you have {user.reputation}."
