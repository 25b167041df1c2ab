from django import template

from kb import permissions

register = template.Library()


@register.filter
def can_curate(user) -> bool:
    return permissions.can_curate(user)
