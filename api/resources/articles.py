"""/api/v1/articles/: the knowledge base (kb.selectors, kb.search), as /kb/ shows it: the
articles newest first (or one tag's), one article with its co-authors and source thread, the
tags articles use, and the knowledge base's own search (/kb/search/)."""

from django.urls import reverse
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from api.resources.reading import PagedReads, parsed
from api.resources.search import ArticleHitSerializer, RankedCursor, RankedPage, RankedQuery, searched
from api.serializers import AuthorSerializer, WebUrlField, absolute
from forum.permissions import can_see_post
from kb import selectors
from kb.search import search_articles


class ArticleListQuery(serializers.Serializer):
    tag = serializers.SlugField(required=False, help_text="Only articles with this tag (its slug).")


class ArticleSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    summary = serializers.CharField()
    tags = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    last_verified_at = serializers.DateTimeField()
    needs_review = serializers.BooleanField(
        help_text="Last verified more than 180 days ago: some details may have changed."
    )
    url = WebUrlField()

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_tags(self, article) -> list[str]:
        return sorted(tag.name for tag in article.tags.all())


class SourceThreadSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    url = WebUrlField()


class ArticleDetailSerializer(ArticleSerializer):
    body = serializers.CharField(help_text="Markdown source.")
    body_html = serializers.CharField(help_text="Rendered and sanitised HTML.")
    coauthors = AuthorSerializer(many=True, help_text="The authors of the answers it was drawn from.")
    last_verified_by = AuthorSerializer(allow_null=True)
    source_thread = serializers.SerializerMethodField()

    @extend_schema_field(SourceThreadSerializer(allow_null=True))
    def get_source_thread(self, article) -> dict | None:
        """The solved thread it was promoted from, while the caller may see that thread."""
        question = article.question
        request = self.context.get("request")
        if question is None or not can_see_post(getattr(request, "user", None), question):
            return None
        return SourceThreadSerializer(question, context=self.context).data


class ArticleTagSerializer(serializers.Serializer):
    name = serializers.CharField()
    slug = serializers.SlugField()
    article_count = serializers.IntegerField()
    articles = serializers.SerializerMethodField()

    @extend_schema_field({"type": "string", "format": "uri"})
    def get_articles(self, tag) -> str:
        """This tag's articles: /api/v1/articles/?tag=<slug>."""
        return absolute(self.context.get("request"), f"{reverse('api:article-list')}?tag={tag.slug}")


class ArticleSearchPage(RankedPage):
    results = ArticleHitSerializer(many=True, help_text="Articles, best match first.")


class ArticleViewSet(PagedReads, viewsets.GenericViewSet):
    """Knowledge-base articles: public, like the /kb/ pages."""

    serializer_class = ArticleSerializer
    lookup_value_converter = "int"
    query_serializer = None  # set on the search action (api/schema.py documents its 400)

    @extend_schema(parameters=[ArticleListQuery], summary="List articles (newest first)")
    def list(self, request):
        tag = parsed(ArticleListQuery, request).get("tag")
        if tag:
            selectors.tag_get(tag)  # an unknown tag is a 404, as /kb/tags/<slug>/
        return self.paged(selectors.article_list(tag=tag))

    @extend_schema(summary="One article", responses=ArticleDetailSerializer)
    def retrieve(self, request, pk):
        article = selectors.article_get(int(pk))
        return Response(ArticleDetailSerializer(article, context=self.get_serializer_context()).data)

    @extend_schema(
        summary="Tags used by articles (most used first)", responses=ArticleTagSerializer(many=True)
    )
    @action(detail=False, methods=["get"], serializer_class=ArticleTagSerializer)
    def tags(self, request):
        return self.paged(selectors.article_tags())

    @extend_schema(parameters=[RankedQuery], responses=ArticleSearchPage, summary="Search the knowledge base")
    @action(detail=False, methods=["get"], pagination_class=None, query_serializer=RankedQuery)
    def search(self, request):
        query = parsed(RankedQuery, request)
        results = searched(search_articles(query["q"], tag=query.get("tag") or None), query["q"])
        pages = RankedCursor()
        hits = pages.paginate_ranking(results, request)
        return Response(pages.page(ArticleHitSerializer(hits, many=True, context={"request": request}).data))
