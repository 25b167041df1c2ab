"""What the reputation app shows on other apps' pages. A profile (accounts) lists the member's
reputation, accepted answers and badges through this tag: accounts sits below reputation and
never imports it, so the template asks here instead."""

from django import template

from reputation.selectors import member_summary as summary_of

register = template.Library()


@register.simple_tag
def member_summary(member):
    """`{% member_summary member as summary %}`: totals and badges, in a fixed number of queries."""
    return summary_of(member)
