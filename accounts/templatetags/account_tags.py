from django import template
from django.core.exceptions import PermissionDenied

from accounts import permissions

register = template.Library()


@register.filter
def until_words(ends_at) -> str:
    """ "until Dec 3, 2026, 14:00 UTC", or "indefinitely"."""
    return permissions.until_phrase(ends_at)


@register.filter
def restrictable_by(member, user) -> bool:
    """Whether `user` may suspend or silence `member` (the profile's link to the console)."""
    return permissions.can_restrict(user, member)


@register.filter
def restriction_details_for(member, user) -> bool:
    """Whether `user` sees why `member` is suspended, and whether they are silenced."""
    return permissions.can_see_restriction_details(user, member)


@register.simple_tag
def restriction_notices(user) -> list[str]:
    """What a suspended or silenced member reads at the top of every page: the same sentences
    the rules refuse with. Nothing, and no query, for everyone else."""
    notices = []
    for allow in (permissions.allow_participate, permissions.allow_post_unreviewed):
        try:
            allow(user)
        except PermissionDenied as refusal:
            notices.append(str(refusal))
    return notices
