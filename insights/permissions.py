"""Who may do what in insights. Pure functions shared by views, templates and services.

Escalation is the one place staff status grants something: taking a thread to private
follow-up and posting its outcome are the company's own customer-care work, not a forum power
(no one's post, vote or reputation is touched). Everything else here is open to every member.
"""

from django.conf import settings


def _signed_in(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def is_staff(user) -> bool:
    return _signed_in(user) and bool(user.is_staff)


def can_view_insights(user) -> bool:
    """Public unless COMMONPLACE_INSIGHTS_PUBLIC is off; then staff only."""
    return settings.COMMONPLACE_INSIGHTS_PUBLIC or is_staff(user)


def can_me_too(user, question) -> bool:
    """Any signed-in member but the asker (who already has the problem, and watches the
    question), on a question that is not locked."""
    return _signed_in(user) and question.author_id != user.pk and not question.is_locked


def me_too_refusal(user, question) -> str:
    if not _signed_in(user):
        return "Log in to say you have this too."
    if question.author_id == user.pk:
        return "You asked this question: you are already following it."
    return "This question is locked."


def can_escalate(user) -> bool:
    return is_staff(user)
