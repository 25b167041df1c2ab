from django import template

from insights import permissions
from insights.formatting import format_duration, format_percent

register = template.Library()


@register.filter
def duration(seconds):
    return format_duration(seconds)


@register.filter
def percent(ratio):
    return format_percent(ratio)


@register.filter
def insights_visible_to(user) -> bool:
    return permissions.can_view_insights(user)


@register.filter
def can_me_too(user, question) -> bool:
    return permissions.can_me_too(user, question)


@register.filter
def can_escalate(user) -> bool:
    return permissions.can_escalate(user)
