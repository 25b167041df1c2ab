import uuid
from functools import lru_cache

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from accounts.links import cached_reverse
from forum import permissions, selectors, seo
from forum.markdown import render_markdown

register = template.Library()


@register.simple_tag
def submission_token_input(form):
    """The hidden one-time token of a new-post form (forum.forms.SubmissionTokenMixin): the one
    the member sent when the form comes back with an error, so sending it again still makes one
    post; otherwise a new one for each form drawn. A thread page shows one comment form per post
    from one unbound form, and each needs a token of its own: with htmx, commenting on one post
    leaves the other forms on the page as they were, and a shared token would have made the
    second comment come back as the first. Written directly, not through the widget's three
    templates (about 0.2 ms a form) and without an id, which would repeat once per form."""
    name, value = "submission_token", ""
    if form is not None:
        name = form.add_prefix(name)
        if form.is_bound:
            value = form.data.get(name, "")
    return format_html('<input type="hidden" name="{}" value="{}">', name, value or uuid.uuid4())


@register.filter
def seen_by(post, user) -> bool:
    """May see the post (and so its title, text and link): for pages that mention posts beside
    their own content, such as a member's reputation ledger."""
    return post is not None and permissions.can_see_post(user, post)


@register.filter
def editable_by(post, user) -> bool:
    return permissions.can_edit(user, post)


@register.filter
def suggestable_by(post, user) -> bool:
    """May propose an edit for review (signed in, below the edit privilege, not the author)."""
    return permissions.can_suggest_edit(user, post)


@register.filter
def commentable_by(post, user) -> bool:
    return permissions.can_comment(user, post)


@register.filter
def votable_by(post, user) -> bool:
    """May vote on it at all (retracting included): signed in and not the author."""
    return permissions.can_vote(user, post, 0)


@register.filter
def upvotable_by(post, user) -> bool:
    return permissions.can_vote(user, post, 1)


@register.filter
def downvotable_by(post, user) -> bool:
    return permissions.can_vote(user, post, -1)


@register.filter
def acceptable_by(answer, user) -> bool:
    return permissions.can_accept(user, answer)


@register.filter
def also_helped_markable_by(answer, user) -> bool:
    """The asker's "also helped" toggle: not on their own answer, nor on the accepted one."""
    return not answer.is_accepted and permissions.can_mark_also_helped(user, answer)


@register.simple_tag
def my_vote(my_votes: dict, kind: str, pk: int) -> int:
    return my_votes.get((kind, pk), 0)


@register.simple_tag(takes_context=True)
def query_with(context, **changes) -> str:
    """The current query string with some parameters replaced (None removes one)."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = value
    return params.urlencode()


# --- Findability (canonical URL, OpenGraph, QAPage JSON-LD) ---------------------------------


@register.simple_tag(takes_context=True)
def absolute_url(context, path: str) -> str:
    """``path`` as an absolute URL on the host of the current request."""
    return context["request"].build_absolute_uri(path)


@register.filter
def question_excerpt(question, length: int = seo.DESCRIPTION_LENGTH) -> str:
    return seo.question_excerpt(question, int(length))


@register.simple_tag(takes_context=True)
def question_jsonld(context, question, answers):
    """The page's schema.org QAPage data as a safely escaped ld+json script element."""
    data = seo.qapage_jsonld(question, answers, context["request"].build_absolute_uri)
    return seo.jsonld_script(data)


# --- Profiles (accounts sits below forum: its profile page asks here) -----------------------


@register.simple_tag(takes_context=True)
def member_posts(context, member):
    """`{% member_posts member as posts %}`: the page of the member's questions or answers the
    request asks for (?tab=questions|answers&sort=newest|votes&page=), as the viewer sees them."""
    request = context["request"]
    return selectors.member_posts(
        member,
        request.user,
        tab=request.GET.get("tab", ""),
        sort=request.GET.get("sort", ""),
        page_number=request.GET.get("page"),
    )


@register.filter
def bio_html(bio: str) -> str:
    """A profile's bio as Markdown, rendered and sanitised like a post (links marked nofollow
    ugc, images shown as links), a newline kept as a line break."""
    return mark_safe(_rendered_bio(bio or ""))  # noqa: S308 - sanitised by nh3 in forum.markdown


@lru_cache(maxsize=512)
def _rendered_bio(bio: str) -> str:
    # Bios are shown far more often than edited; rendering the same text twice is wasted work.
    return render_markdown(bio, line_breaks=True)


@register.filter
def tag_url(tag) -> str:
    """A tag's page, `{% url 'forum:tag_detail' tag.slug %}` remembered (accounts.links)."""
    return cached_reverse("forum:tag_detail", slug=tag.slug)
