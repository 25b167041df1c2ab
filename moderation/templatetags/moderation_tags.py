from django import template

from moderation import permissions, selectors

register = template.Library()


@register.filter
def flaggable_by(post, user) -> bool:
    """Show the Flag link: signed in with the flag privilege, and not the post's author."""
    return permissions.can_flag(user, post)


@register.filter
def action_label(action: str) -> str:
    return selectors.action_label(action)
