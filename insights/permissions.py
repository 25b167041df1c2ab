"""Who may do what in insights: the one place these rules are decided (the `allow_*` / `can_*`
shape is explained in accounts.permissions).

Escalation is the one place staff status grants something: taking a thread to private
follow-up and posting its outcome are the company's own customer-care work, not a forum power
(no one's post, vote or reputation is touched). Everything else here is open to every member.
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied

from accounts.permissions import allow_participate, allow_signed_in, boolean, is_signed_in
from forum.permissions import allow_touch_post


def allow_view_insights(user) -> None:
    """Public unless COMMONPLACE_INSIGHTS_PUBLIC is off; then staff only."""
    if settings.COMMONPLACE_INSIGHTS_PUBLIC or (is_signed_in(user) and user.is_staff):
        return
    raise PermissionDenied("Insights are open to staff only on this site.")


def allow_me_too(user, question) -> None:
    """Any signed-in member but the asker (who already has the problem, and watches the
    question), on a question that is not locked, nor deleted, hidden or held (nothing new
    lands on those, from anyone)."""
    allow_signed_in(user, "Log in to say you have this too.")
    allow_participate(user)
    if question.author_id == user.pk:
        raise PermissionDenied("You asked this question: you are already following it.")
    if question.is_locked:
        raise PermissionDenied("This question is locked.")
    allow_touch_post(question, "marked as a problem you have too")


def allow_escalate(user) -> None:
    """Take a thread to private follow-up, and post its public outcome."""
    allow_signed_in(user, "Log in to take a thread to private follow-up.")
    allow_participate(user)
    if not user.is_staff:
        raise PermissionDenied("Only staff can take a thread to private follow-up.")


can_view_insights = boolean(allow_view_insights)
can_me_too = boolean(allow_me_too)
can_escalate = boolean(allow_escalate)
