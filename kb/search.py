"""Full-text search over knowledge-base articles, the same way forum/search.py searches questions.

One search document per article lives in ``kb_search_document`` (migration 0002): on PostgreSQL a
plain table with a stored, generated ``tsvector`` (title weight A, summary B, body C) under a GIN
index; on SQLite an FTS5 table whose rowid is the article id. As for questions, the table has no
model and no foreign key, is written only by ``search_index_article`` and is always read joined
to ``kb_article``, so a row left behind by a removed article is never shown.

The member's query is parsed once by ``forum.search.parse_query`` and written out for each
engine, and the indexing and highlighting helpers are the forum's, so the two searches accept
the same syntax, ignore the same stop words and mark matches alike.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from django.utils.safestring import SafeString

from forum.search import (
    MARK_LT,
    MARK_START,
    MARK_STOP,
    PG_HEADLINE_FRAGMENT,
    PG_HEADLINE_WHOLE,
    PG_RANK_WEIGHTS,
    SNIPPET_WORDS,
    PagedResults,
    ParsedQuery,
    clean_text,
    count_matches,
    marked_headline,
    parse_query,
    plain_text,
)
from kb.models import Article

TABLE = "kb_search_document"

# The SQL below is assembled only from this module's constants and Django-compiled filters
# (hence the S608 waivers); every value a member typed travels as a query parameter.


@dataclass
class _Row:
    article_id: int
    relevance: float
    title: str
    summary: str
    body: str


class _Postgres:
    _MATCH = f"""
        FROM {TABLE} d
        JOIN kb_article a ON a.id = d.article_id
        CROSS JOIN websearch_to_tsquery('english', %s) tsq
        WHERE d.vector @@ tsq"""

    def write(self, cursor, article_id: int, title: str, summary: str, body: str) -> None:
        title, summary, body = (text.replace("<", MARK_LT) for text in (title, summary, body))
        cursor.execute(
            f"""INSERT INTO {TABLE} (article_id, title, summary, body) VALUES (%s, %s, %s, %s)
            ON CONFLICT (article_id) DO UPDATE
            SET title = EXCLUDED.title, summary = EXCLUDED.summary, body = EXCLUDED.body""",  # noqa: S608
            [article_id, title, summary, body],
        )

    def delete(self, cursor, article_id: int) -> None:
        cursor.execute(f"DELETE FROM {TABLE} WHERE article_id = %s", [article_id])  # noqa: S608

    def count(self, query: ParsedQuery, where: str, params: list) -> int:
        return count_matches(self._MATCH, query.websearch(), where, params)

    def page(self, query: ParsedQuery, where: str, params: list, limit: int, offset: int) -> list[_Row]:
        # Headlines are built only for the page's rows, after the LIMIT.
        with connection.cursor() as cursor:
            cursor.execute(
                f"""SELECT p.article_id, p.relevance,
                       ts_headline('english', d.title, p.tsq, %s),
                       ts_headline('english', d.summary, p.tsq, %s),
                       ts_headline('english', d.body, p.tsq, %s)
                FROM (
                    SELECT d.article_id, ts_rank('{PG_RANK_WEIGHTS}', d.vector, tsq) AS relevance,
                           a.last_verified_at, tsq
                    {self._MATCH}{where}
                    ORDER BY relevance DESC, a.last_verified_at DESC, a.id DESC
                    LIMIT %s OFFSET %s
                ) p JOIN {TABLE} d ON d.article_id = p.article_id
                ORDER BY p.relevance DESC, p.last_verified_at DESC, p.article_id DESC""",  # noqa: S608
                [
                    *(PG_HEADLINE_WHOLE, PG_HEADLINE_WHOLE, PG_HEADLINE_FRAGMENT),
                    *(query.websearch(), *params, limit, offset),
                ],
            )
            return [_Row(*row) for row in cursor.fetchall()]


class _SQLite:
    _MATCH = f"""
        FROM {TABLE}
        JOIN kb_article a ON a.id = {TABLE}.rowid
        WHERE {TABLE} MATCH %s"""
    # Title, summary, body: spread further apart than PostgreSQL's weights because BM25 also
    # normalises by length (see forum/search.py).
    _WEIGHTS = "10.0, 2.0, 0.25"

    def write(self, cursor, article_id: int, title: str, summary: str, body: str) -> None:
        self.delete(cursor, article_id)
        cursor.execute(
            f"INSERT INTO {TABLE} (rowid, title, summary, body) VALUES (%s, %s, %s, %s)",  # noqa: S608
            [article_id, title, summary, body],
        )

    def delete(self, cursor, article_id: int) -> None:
        cursor.execute(f"DELETE FROM {TABLE} WHERE rowid = %s", [article_id])  # noqa: S608

    def count(self, query: ParsedQuery, where: str, params: list) -> int:
        return count_matches(self._MATCH, query.fts5(), where, params)

    def page(self, query: ParsedQuery, where: str, params: list, limit: int, offset: int) -> list[_Row]:
        # bm25() is lower for better matches; negated, relevance grows with the match as on PG.
        marks = [MARK_START, MARK_STOP]
        with connection.cursor() as cursor:
            cursor.execute(
                f"""SELECT {TABLE}.rowid, -bm25({TABLE}, {self._WEIGHTS}) AS relevance,
                       highlight({TABLE}, 0, %s, %s),
                       highlight({TABLE}, 1, %s, %s),
                       snippet({TABLE}, 2, %s, %s, %s, {SNIPPET_WORDS})
                {self._MATCH}{where}
                ORDER BY relevance DESC, a.last_verified_at DESC, a.id DESC
                LIMIT %s OFFSET %s""",
                [*marks, *marks, *marks, "…", query.fts5(), *params, limit, offset],
            )
            return [_Row(*row) for row in cursor.fetchall()]


_BACKENDS = {"postgresql": _Postgres(), "sqlite": _SQLite()}


def _backend():
    return _BACKENDS.get(connection.vendor)


# --- Indexing --------------------------------------------------------------------------------


def _document(title: str, summary: str, body_html: str) -> tuple[str, str, str]:
    return " ".join(clean_text(title).split()), " ".join(clean_text(summary).split()), plain_text(body_html)


def search_index_article(article_id: int) -> None:
    """Rewrite one article's search document (or remove it when the article is gone). Call it
    after any write that changes the article's text."""
    backend = _backend()
    if backend is None:
        return
    row = Article.objects.filter(pk=article_id).values_list("title", "summary", "body_html").first()
    with connection.cursor() as cursor:
        if row is None:
            backend.delete(cursor, article_id)
        else:
            backend.write(cursor, article_id, *_document(*row))


def search_rebuild(apps=None) -> int:
    """Index every article again; returns how many. Migration 0002 passes its historical apps."""
    backend = _backend()
    if backend is None:
        return 0
    model = apps.get_model("kb", "Article") if apps else Article
    count = 0
    with connection.cursor() as cursor:
        for pk, title, summary, body_html in model.objects.values_list("pk", "title", "summary", "body_html"):
            backend.write(cursor, pk, *_document(title, summary, body_html))
            count += 1
    return count


# --- Reading ---------------------------------------------------------------------------------


@dataclass
class ArticleHit:
    article: Article
    relevance: float
    title_html: SafeString
    snippet_html: SafeString


class ArticleSearchResults(PagedResults):
    """Articles: each slice is one ranked query (highlights included) plus the articles with
    their tags."""

    def __init__(self, query: ParsedQuery, *, tag: str | None = None):
        where, params = "", []
        if tag:
            sql, params = (
                Article.objects.filter(tags__slug=tag).order_by().values("pk").query.sql_with_params()
            )
            where = f" AND a.id IN ({sql})"
        super().__init__(query, _backend(), where, params)

    def _page(self, *, limit: int, offset: int) -> list[ArticleHit]:
        rows = self._backend.page(self.query, self._where, self._params, limit, offset)
        articles = Article.objects.filter(pk__in=[row.article_id for row in rows]).prefetch_related("tags")
        by_id = articles.in_bulk()
        hits = []
        for row in rows:
            article = by_id.get(row.article_id)
            if article is None:  # removed between the two queries
                continue
            # The summary is shown whole (highlighted) unless only the body matched.
            snippet = (
                row.summary
                if MARK_START in (row.summary or "") or MARK_START not in (row.body or "")
                else row.body
            )
            hits.append(
                ArticleHit(
                    article=article,
                    relevance=row.relevance,
                    title_html=marked_headline(row.title) if row.title else marked_headline(article.title),
                    snippet_html=marked_headline(snippet),
                )
            )
        return hits


def search_articles(q: str, *, tag: str | None = None) -> ArticleSearchResults:
    """Articles matching ``q`` (web-search syntax, see ``forum.search.parse_query``), best first:
    a match in the title outranks one in the summary, which outranks one only in the body; ties
    go to the more recently verified article. ``tag`` is a tag slug."""
    return ArticleSearchResults(parse_query(q), tag=tag)


def search_section(q: str, tag: str | None) -> dict:
    """Registered on the site's search page (apps.py): curated articles come first, since the
    best answer to most questions is already written up."""
    return {"articles": search_articles(q, tag=tag)[:3]}
