"""`{% url %}`, remembered: the template engine's built-in `url` tag, replaced (settings
TEMPLATES "builtins") by one that keeps each answer (accounts.links). A thread page reverses
about fifty URLs (each answer's vote, accept, edit, comment and flag links), and reversing is
most of what those links cost. Only URLs whose arguments are plain numbers and strings are
kept (a model instance's text could change); anything else is reversed as before."""

from django import template
from django.template.defaulttags import URLNode
from django.template.defaulttags import url as django_url
from django.urls import NoReverseMatch
from django.utils.html import conditional_escape

from accounts.links import remembered_reverse

register = template.Library()


class RememberedURLNode(URLNode):
    def render(self, context):
        args = tuple(arg.resolve(context) for arg in self.args)
        kwargs = {k: v.resolve(context) for k, v in self.kwargs.items()}
        view_name = self.view_name.resolve(context)
        try:
            current_app = context.request.current_app
        except AttributeError:
            try:
                current_app = context.request.resolver_match.namespace
            except AttributeError:
                current_app = None
        url = ""
        try:
            url = remembered_reverse(view_name, args, kwargs, current_app)
        except NoReverseMatch:
            if self.asvar is None:
                raise
        if self.asvar:
            context[self.asvar] = url
            return ""
        return conditional_escape(url) if context.autoescape else url


@register.tag
def url(parser, token):
    node = django_url(parser, token)
    return RememberedURLNode(node.view_name, node.args, node.kwargs, node.asvar)
