"""The knowledge base in /sitemap.xml: every article, and the index. "Share, don't hoard": an
article is the page most worth finding, so it gets the highest priority on the site."""

from django.urls import reverse

from forum.sitemaps import RequestHostSitemap
from kb.models import Article


class ArticleSitemap(RequestHostSitemap):
    changefreq = "weekly"
    priority = 0.9

    def items(self):
        return Article.objects.only("pk", "slug", "updated_at", "last_verified_at").order_by(
            "-updated_at", "-pk"
        )

    def lastmod(self, article: Article):
        # Verifying an article changes what a reader can trust, so it counts as a change.
        return max(article.updated_at, article.last_verified_at)


class KnowledgeIndexSitemap(RequestHostSitemap):
    changefreq = "daily"
    priority = 0.6

    def items(self) -> list[str]:
        # Listed once there is an article: an empty index is nothing to find.
        self._latest = Article.objects.order_by("-updated_at").values_list("updated_at", flat=True).first()
        return ["kb:index"] if self._latest else []

    def location(self, name: str) -> str:
        return reverse(name)

    def lastmod(self, name: str):
        return self._latest


SITEMAPS = {"kb": KnowledgeIndexSitemap, "articles": ArticleSitemap}
