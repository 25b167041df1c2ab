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


def can_answer(user, question: Question) -> bool:
    return _signed_in(user)


def can_comment(user, post) -> bool:
    """Always on your own posts and on answers to your own question; elsewhere with the
    "comment anywhere" privilege."""
    if not _signed_in(user):
        return False
    if post.author_id == user.pk:
        return True
    if isinstance(post, Answer) and post.question.author_id == user.pk:
        return True
    return has_privilege(user, "comment")


def can_vote(user, post, value: int = 1) -> bool:
    if not _signed_in(user) or post.author_id == user.pk:
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
    """Edit directly: your own posts, or anyone's with the edit privilege."""
    return _signed_in(user) and (post.author_id == user.pk or has_privilege(user, "edit_others"))


def can_suggest_edit(user, post) -> bool:
    """Below the edit privilege, an edit of someone else's post becomes a suggestion."""
    return _signed_in(user) and not can_edit(user, post)


def can_review_suggested_edit(user, suggested_edit) -> bool:
    post = suggested_edit.post
    return _signed_in(user) and user.pk != suggested_edit.editor_id and can_edit(user, post)


def vote_refusal(user, post, value: int = 1) -> str:
    """The message a person sees when can_vote says no."""
    if not _signed_in(user):
        return "Log in to vote."
    if post.author_id == user.pk:
        return "You can't vote on your own post."
    direction, code = ("up", "vote_up") if value == 1 else ("down", "vote_down")
    return f"Voting {direction} needs {threshold(code)} reputation; you have {user.reputation}."
