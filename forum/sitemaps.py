"""/sitemap.xml: questions (but not merged duplicates or threads settled by a follow-up's
outcome), tags and the list pages (and, from config/urls.py, the knowledge base).

Django's sitemap view takes the domain from the sites framework (``Site`` 1 is "example.com"
unless someone edits it), which would point search engines elsewhere. ``sitemap`` below hands
the view sitemap instances that use the host of the request instead, as every other absolute URL
on the site does (canonical links, OpenGraph, feeds).
"""

import datetime as dt

from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps.views import sitemap as django_sitemap
from django.db.models import OuterRef, Subquery
from django.urls import reverse
from taggit.models import Tag

from forum.models import Question


class RequestHostSitemap(Sitemap):
    """A sitemap whose URLs use ``domain`` (the request's host) when it is given."""

    def __init__(self, domain: str | None = None):
        super().__init__()
        self.domain = domain

    def get_domain(self, site=None) -> str:
        return self.domain or super().get_domain(site)

    def get_urls(self, *args, **kwargs):
        urls = super().get_urls(*args, **kwargs)
        if not urls:
            # An empty section (no articles yet) has no date, and Django then drops the
            # response's Last-Modified for every section; the oldest date changes nothing there.
            self.latest_lastmod = dt.datetime.min.replace(tzinfo=dt.UTC)
        return urls


class QuestionSitemap(RequestHostSitemap):
    """Visible questions, but not merged duplicates (their canonical page is the question they
    were merged into, which is listed) nor threads the company settled with the public outcome
    of a private follow-up (about one customer's case, so not a page to send searchers to; it
    stays public and keeps its own canonical URL)."""

    changefreq = "daily"

    def items(self):
        return (
            Question.objects.visible()
            .filter(merged_into__isnull=True, outcome_at__isnull=True)
            .only("pk", "slug", "last_activity_at", "accepted_answer_id")
            .order_by("-last_activity_at", "-pk")
        )

    def lastmod(self, question: Question):
        return question.last_activity_at

    def priority(self, question: Question) -> float:
        # A solved question is the page most likely to help the next person who asks.
        return 0.8 if question.is_solved else 0.6


class TagSitemap(RequestHostSitemap):
    changefreq = "daily"
    priority = 0.4

    def items(self):
        latest = Question.objects.visible().filter(tags__id=OuterRef("pk")).order_by("-last_activity_at")
        return (
            Tag.objects.annotate(lastmod=Subquery(latest.values("last_activity_at")[:1]))
            .filter(lastmod__isnull=False)
            .order_by("name")
        )

    def location(self, tag: Tag) -> str:
        return reverse("forum:tag_detail", kwargs={"slug": tag.slug})

    def lastmod(self, tag: Tag):
        return tag.lastmod


class StaticSitemap(RequestHostSitemap):
    changefreq = "hourly"
    priority = 0.5

    def items(self) -> list[str]:
        return ["forum:question_list", "forum:tag_list"]

    def location(self, name: str) -> str:
        return reverse(name)

    def lastmod(self, name: str):
        # The lists change whenever any question does.
        if not hasattr(self, "_latest_activity"):
            latest = (
                Question.objects.visible()
                .order_by("-last_activity_at")
                .values_list("last_activity_at", flat=True)
            )
            self._latest_activity = latest.first()
        return self._latest_activity


SITEMAPS = {"static": StaticSitemap, "questions": QuestionSitemap, "tags": TagSitemap}


def sitemap(request, sections=None):
    """Django's sitemap view, with every URL on the host the request came to. `sections` (name
    -> RequestHostSitemap class) defaults to the forum's; config/urls.py adds other apps'."""
    host = request.get_host()
    sections = SITEMAPS if sections is None else sections
    return django_sitemap(request, sitemaps={name: cls(domain=host) for name, cls in sections.items()})
