"""`{% memo value ... %}...{% endmemo %}`: a fragment rendered once per process for each set of
values it shows, then served from memory (a bounded LRU). The key is every value the fragment
depends on, listed by the template, so a change to any of them (a new vote, an edit, a renamed
tag, a member's reputation) renders it afresh at once: nothing is ever stale and nothing needs
invalidating. Whatever is not in the list must not change the fragment's output: keep
per-viewer parts (votes, permissions, relative times) outside the block. Used where Django's
template rendering is most of a page's cost (the question list's summaries)."""

from collections import OrderedDict
from threading import Lock

from django import template
from django.urls import get_script_prefix

register = template.Library()

LIMIT = 20_000
_fragments: OrderedDict = OrderedDict()
_lock = Lock()


def forget() -> None:
    with _lock:
        _fragments.clear()


class MemoNode(template.Node):
    def __init__(self, nodelist, values, site: str):
        self.nodelist = nodelist
        self.values = values
        self.site = site  # which {% memo %} this is: template and position

    def render(self, context):
        try:
            key = (
                self.site,
                get_script_prefix(),
                context.autoescape,
                *(v.resolve(context) for v in self.values),
            )
            hash(key)
        except TypeError:  # an unhashable value: no memo
            return self.nodelist.render(context)
        with _lock:
            found = _fragments.get(key)
            if found is not None:
                _fragments.move_to_end(key)
                return found
        rendered = self.nodelist.render(context)
        with _lock:
            _fragments[key] = rendered
            if len(_fragments) > LIMIT:
                _fragments.popitem(last=False)
        return rendered


@register.tag
def memo(parser, token):
    bits = token.split_contents()[1:]
    if not bits:
        raise template.TemplateSyntaxError("{% memo %} needs the values its fragment shows")
    nodelist = parser.parse(("endmemo",))
    parser.delete_first_token()
    origin = getattr(parser, "origin", None)
    site = f"{getattr(origin, 'name', '')}:{token.position}"
    return MemoNode(nodelist, [parser.compile_filter(bit) for bit in bits], site)


@register.filter
def summary_key(question) -> tuple:
    """What a question's summary in a list shows above its times (forum/includes/
    question_summary.html): its link, title and figures, its tags, its author's card. One
    filter call, so the key costs less than the template it saves."""
    author = question.author
    return (
        question.pk,
        question.slug,
        question.title,
        question.score,
        question.answer_count,
        question.view_count,
        question.accepted_answer_id,
        tuple((tag.name, tag.slug) for tag in question.shown_tags),
        author.pk,
        author.username,
        author.name,
        author.reputation,
        author.is_staff,
        author.is_bot,
        author.is_moderator,
    )
