"""Who may do what. Pure functions shared by views, templates and services.

Staff status appears nowhere here on purpose: it is shown, never privileged. Editing other
people's posts and the other reputation-based powers arrive with the reputation ledger.
"""

from forum.models import Answer, Question


def _signed_in(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def can_ask(user) -> bool:
    return _signed_in(user)


def can_answer(user, question: Question) -> bool:
    return _signed_in(user)


def can_comment(user, post) -> bool:
    return _signed_in(user)


def can_vote(user, post) -> bool:
    return _signed_in(user) and post.author_id != user.pk


def can_accept(user, answer: Answer) -> bool:
    return _signed_in(user) and answer.question.author_id == user.pk


def can_edit(user, post) -> bool:
    return _signed_in(user) and post.author_id == user.pk


def vote_refusal(user, post) -> str:
    """The message a person sees when can_vote says no."""
    if not _signed_in(user):
        return "Log in to vote."
    return "You can't vote on your own post."
