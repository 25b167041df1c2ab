"""Template helpers for closing, locking, merging and deleting. None of them queries the database
for a reader without the close privilege, so a thread costs what it did."""

from django import template

from moderation import closing, permissions
from moderation.closing_forms import CloseForm, MergeForm

register = template.Library()


@register.filter
def deletable_by(post, user) -> bool:
    """Delete button on an answer: moderators always, its author unless it is accepted."""
    return permissions.can_delete(user, post)


@register.inclusion_tag("moderation/includes/closing_controls.html", takes_context=True)
def closing_controls(context, question, answers):
    """Close/reopen (with the close privilege), lock, merge, delete and restore (moderators),
    and delete for the asker while no one's help would be lost."""
    user = context["user"]
    is_moderator = bool(user.is_authenticated and user.is_moderator)
    state = closing.close_state(user, question)
    can_delete = permissions.can_delete(user, question, answers)
    return {
        "request": context.get("request"),
        "csrf_token": context.get("csrf_token"),
        "user": user,
        "question": question,
        "is_moderator": is_moderator,
        "close": state,
        "close_form": context.get("close_form") or CloseForm(),
        "merge_form": context.get("merge_form") or MergeForm(),
        "can_delete": can_delete,
        "show": is_moderator or state["can_vote"] or can_delete,
    }
