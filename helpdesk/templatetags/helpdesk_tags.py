from django import template

from helpdesk import selectors

register = template.Library()


@register.simple_tag
def helpdesk_bridge(user):
    """`{% helpdesk_bridge user as bridge %}`: bridge.name, .offered (may open tickets), .visible."""
    return selectors.bridge_for(user)
