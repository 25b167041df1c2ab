"""/api/v1/search/: the site's search (forum/search.py), with the same syntax, ranking and
filters as /search/, and the knowledge base's best matching articles listed first, as the web
page lists them above the questions.

Search results are a ranking, not a queryset in a fixed order, so their pages are cut by
`RankedCursor`: the same opaque `cursor` and `page_size` parameters as every other list, holding
a position in the ranking (as the web's page numbers do). Only visible questions are ever
found: deleted, hidden and held ones are left out of the index's results for everyone, as on
the web."""

from django.core.exceptions import ValidationError
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.pagination import Cursor as CursorPosition
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param

from api.pagination import Cursor
from api.resources.questions import QuestionSerializer
from api.resources.reading import parsed
from api.serializers import absolute
from forum.search import MAX_QUERY_CHARS, STATUSES, clean_text, search_questions
from kb.search import search_section

TYPE_A_WORD = "Type a word or two to search for."


def search_text(value: str, limit: int = MAX_QUERY_CHARS) -> str:
    """What the web's search pages make of a parameter: control characters (which PostgreSQL
    refuses) become spaces, runs of spaces one, cut to `limit`."""
    return " ".join(clean_text(value or "", limit).split())


class RankedQuery(serializers.Serializer):
    """A search's parameters. `q` uses web-search syntax: every word must match, "a phrase"
    matches in order, -word leaves a word out, OR between two terms accepts either."""

    q = serializers.CharField(
        trim_whitespace=True,
        help_text='Words to find. "quotes" for a phrase, -word to leave one out, OR between alternatives.',
        error_messages={"required": TYPE_A_WORD, "blank": TYPE_A_WORD},
    )
    tag = serializers.CharField(
        required=False, allow_blank=True, help_text="Only results with this tag (its slug)."
    )
    cursor = serializers.CharField(required=False, help_text="The `next` or `previous` link's cursor.")
    page_size = serializers.IntegerField(
        required=False, min_value=1, max_value=Cursor.max_page_size, help_text="Results per page (30)."
    )

    def validate_q(self, value: str) -> str:
        return search_text(value)

    def validate_tag(self, value: str) -> str:
        return search_text(value, 100).lower()


def searched(results, q: str):
    """The results, or 400 when the query holds nothing to look up ("how to" alone), with the
    sentence the web's search page shows."""
    if not results.query:
        raise ValidationError({"q": [f"{TYPE_A_WORD[:-1]}: “{q}” has nothing to look up on its own."]})
    return results


class RankedCursor(Cursor):
    """Pages of a ranking (forum.search.PagedResults): the cursor is a position in it, encoded
    as DRF's cursors are. A page asks the engine for one hit more than it shows, to know whether
    there is a next page; `count` is the results' own (site search counts up to 500, and has no
    page beyond). Paging stops after `offset_cutoff` (1,000) results: a question that far down
    is found by a better query."""

    def paginate_ranking(self, results, request) -> list:
        self.request = request
        self.page_size = self.get_page_size(request)
        self.base_url = request.build_absolute_uri()
        position = self.decode_cursor(request)
        self.offset = position.offset if position else 0
        hits = results[self.offset : self.offset + self.page_size + 1]
        self.has_next = len(hits) > self.page_size and self.offset + self.page_size < self.offset_cutoff
        self.count = results.count()
        return hits[: self.page_size]

    def get_next_link(self) -> str | None:
        if not self.has_next:
            return None
        return self.encode_cursor(
            CursorPosition(offset=self.offset + self.page_size, reverse=False, position=None)
        )

    def get_previous_link(self) -> str | None:
        if self.offset <= 0:
            return None
        previous = max(0, self.offset - self.page_size)
        if previous == 0:
            return remove_query_param(self.base_url, self.cursor_query_param)
        return self.encode_cursor(CursorPosition(offset=previous, reverse=False, position=None))

    def page(self, data: list, **extra) -> dict:
        return {
            "count": self.count,
            "next": self.get_next_link(),
            "previous": self.get_previous_link(),
            "results": data,
            **extra,
        }


class RankedPage(serializers.Serializer):
    count = serializers.IntegerField(
        help_text="How many results match, in all; site search counts up to 500 (a query matching more "
        "lists the best of its most recent 500 matches)."
    )
    next = serializers.URLField(allow_null=True, help_text="The next page, or null.")
    previous = serializers.URLField(allow_null=True, help_text="The previous page, or null.")


# --- Site search --------------------------------------------------------------------------------


class SearchQuery(RankedQuery):
    status = serializers.ChoiceField(
        choices=list(STATUSES.items()),
        required=False,
        allow_blank=True,
        help_text="solved: has an accepted answer; unanswered: the help queue's definition.",
    )


class QuestionHitSerializer(serializers.Serializer):
    question = QuestionSerializer(help_text="The question, as /api/v1/questions/<id>/ shows it.")
    title_html = serializers.CharField(help_text="The title, with the matched words in <mark>.")
    snippet_html = serializers.CharField(
        help_text="The passage that matched (from the question, else from an answer), <mark>ed; "
        "everything else is escaped."
    )
    snippet_from_answer = serializers.BooleanField(help_text="The passage is from an answer.")


class ArticleHitSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="article.pk")
    title = serializers.CharField(source="article.title")
    title_html = serializers.CharField(help_text="The title, with the matched words in <mark>.")
    snippet_html = serializers.CharField(help_text="The summary, or the passage of the text that matched.")
    url = serializers.SerializerMethodField()

    @extend_schema_field({"type": "string", "format": "uri"})
    def get_url(self, hit) -> str:
        """The article's page."""
        return absolute(self.context.get("request"), hit.article.get_absolute_url())


class SearchPage(RankedPage):
    results = QuestionHitSerializer(many=True, help_text="Questions, best match first.")
    articles = ArticleHitSerializer(
        many=True,
        help_text="On the first page: the knowledge-base articles that match best (up to 3), "
        "shown above the questions as on /search/. Empty on later pages.",
    )


class SearchView(GenericAPIView):
    """The site's search, as /search/ ranks it: a match in the title outranks one in the body,
    which outranks one only in an answer; ties go to the higher-scored, then newer question."""

    query_serializer = SearchQuery
    pagination_class = None  # pages of a ranking: RankedCursor

    @extend_schema(parameters=[SearchQuery], responses=SearchPage, summary="Search questions and articles")
    def get(self, request):
        query = parsed(SearchQuery, request)
        q, tag = query["q"], query.get("tag") or None
        results = searched(search_questions(q, tag=tag, status=query.get("status") or None), q)
        pages = RankedCursor()
        hits = pages.paginate_ranking(results, request)
        articles = search_section(q, tag)["articles"] if pages.offset == 0 else []
        context = {"request": request}
        return Response(
            pages.page(
                QuestionHitSerializer(hits, many=True, context=context).data,
                articles=ArticleHitSerializer(articles, many=True, context=context).data,
            )
        )
