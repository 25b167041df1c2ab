"""Atom feeds of the newest questions: all of them, and per tag.

Django's feeds make relative links absolute with the sites framework's domain ("example.com"
for Site 1 unless edited); these feeds give absolute URLs on the request's host instead, like
the canonical links and the sitemap.
"""

import copy

from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape
from taggit.models import Tag

from branding.selectors import current as current_brand
from forum import selectors, seo
from forum.models import Question

FEED_ITEMS = 30
SUMMARY_LENGTH = 300


class NewestQuestionsFeed(Feed):
    feed_type = Atom1Feed
    request = None

    def __call__(self, request, *args, **kwargs):
        # One instance serves every request (it is in the URLconf), so the request goes on a copy.
        feed = copy.copy(self)
        feed.request = request
        return Feed.__call__(feed, request, *args, **kwargs)

    def absolute(self, path: str) -> str:
        return self.request.build_absolute_uri(path)

    def title(self) -> str:
        return f"Newest questions · {current_brand().site_name}"

    def subtitle(self) -> str:
        return f"The {FEED_ITEMS} most recently asked questions on {current_brand().site_name}."

    def link(self) -> str:
        return self.absolute(reverse("forum:question_list"))

    def feed_url(self) -> str:
        return self.absolute(self.request.path)

    def newest(self, questions):
        return (
            questions.select_related("author")
            .prefetch_related("tags")
            .order_by("-created_at", "-pk")[:FEED_ITEMS]
        )

    def items(self):
        return self.newest(Question.objects.visible())

    def item_link(self, question: Question) -> str:
        return self.absolute(question.get_absolute_url())

    def item_guid(self, question: Question) -> str:
        # The entry's Atom id must never change; the slug in the link changes with the title.
        return self.absolute(reverse("forum:question_redirect", kwargs={"pk": question.pk}))

    def item_title(self, question: Question) -> str:
        return question.title

    def item_description(self, question: Question) -> str:
        # Plain text from the sanitised HTML (no Markdown is rendered again for a feed), escaped
        # because Atom's summary is type="html": a "<b>" someone typed must stay text.
        return escape(seo.truncate(seo.plain_text(question.body_html), SUMMARY_LENGTH))

    def item_author_name(self, question: Question) -> str:
        return question.author.name

    def item_author_link(self, question: Question) -> str:
        return self.absolute(question.author.get_absolute_url())

    def item_pubdate(self, question: Question):
        return question.created_at

    def item_updateddate(self, question: Question):
        return question.last_activity_at

    def item_categories(self, question: Question) -> list[str]:
        return [tag.name for tag in question.tags.all()]


class TagQuestionsFeed(NewestQuestionsFeed):
    def get_object(self, request, slug: str) -> Tag:
        return selectors.tag_get(slug)  # 404 for an unknown tag

    def title(self, tag: Tag) -> str:
        return f"Newest questions tagged {tag.name} · {current_brand().site_name}"

    def subtitle(self, tag: Tag) -> str:
        site_name = current_brand().site_name
        return f"The {FEED_ITEMS} most recently asked questions tagged {tag.name} on {site_name}."

    def link(self, tag: Tag) -> str:
        return self.absolute(reverse("forum:tag_detail", kwargs={"slug": tag.slug}))

    def items(self, tag: Tag):
        return self.newest(Question.objects.visible().filter(tags__slug=tag.slug))
