"""Full-text search over questions: titles, tags, bodies and answers.

One search document per question lives in the ``forum_search_document`` table, created by
migration 0002 for the database in use and given its keywords and variants by migration 0008.
Besides the title, body and answers as plain text, a document holds the question's tags and
every hyphenated word written as one ("Wi-Fi" also as "wifi"): *keywords* for the tags and the
title's, *variants* for the body's and the answers'. A hyphenated word in a query is also tried
as one word, and two adjacent query words one of which is very short are also tried as one ("wi fi"
finds "wifi"), so "Wi-Fi", "WiFi", "wi fi" and "wifi" all find each other.

* **PostgreSQL**: a plain table with those texts and a stored, generated ``tsvector`` (title and
  keywords weight A, body and variants B, answers C, ``english`` configuration) under a GIN
  index, and a second one of the title and keywords alone. Queries use
  ``websearch_to_tsquery``, ``ts_rank`` and ``ts_headline``.
* **SQLite**: an FTS5 virtual table (``porter unicode61`` tokenizer) whose rowid is the
  question id and whose columns are those texts. Queries use ``MATCH``, ``bm25()`` with column
  weights, ``highlight()`` and ``snippet()``.

The table has no Django model (and so no foreign key): it is written only by
``search_index_question`` and read only here, always joined to ``forum_question``, so a row left
behind by a deleted question is never shown. Without a foreign key, Django's test flush
(TRUNCATE on PostgreSQL) keeps working.

**Bounded candidates.** Ranking every match made a common word slow (every one of 100,000
questions scored and sorted). A search therefore ranks only its candidates: the newest
CANDIDATES matches, and the newest CANDIDATES questions whose title and tags alone match the
whole query (their own
small index: the ``title_vector`` column on PostgreSQL, the ``forum_search_title`` FTS5 table
on SQLite, migration 0009). Both walks go newest first and stop there, computing each row's
relevance as they go, so a search costs about the same whatever it matches. A title match is
thus never lost behind thousands of newer answer-only matches; what is given up is that among
more than CANDIDATES equally good title matches only the newest are weighed. A search matching
fewer than CANDIDATES questions is ranked whole, exactly as before. Results are counted (and
shown) up to MAX_RESULTS; ``SearchResults.more`` says when more match.

The same behaviour on both databases comes from parsing the member's query once, in Python,
into a small structure (see ``parse_query``) and writing it out for each engine: PostgreSQL gets
a normalised ``websearch`` string, SQLite a fully quoted FTS5 expression. Whatever is typed, the
engine never sees a syntax error, and a query with nothing searchable in it runs no SQL at all.
English stop words are dropped on both (PostgreSQL's list), so "how to" finds nothing on either.
"""

from __future__ import annotations

import html
import json
import re
from abc import ABC, abstractmethod
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import nh3
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import Exists, OuterRef, Subquery, prefetch_related_objects
from django.utils.safestring import SafeString, mark_safe
from taggit.models import Tag, TaggedItem

from forum.models import Answer, Question, tags_prefetch

TABLE = "forum_search_document"
#: SQLite only: the titles and keywords again, in a table of their own (migration 0009).
TITLE_TABLE = "forum_search_title"
#: The indexed texts, in the order ``_document`` returns them (see migration 0008).
COLUMNS = "title, body, answers, keywords, variants"

#: How a result list can be narrowed, with the label the search form shows.
STATUSES = {"solved": "Solved", "unanswered": "Unanswered"}

MAX_QUERY_CHARS = 200
MAX_TERMS = 12
#: The answers of one question beyond this are not indexed (a thread that long is rare).
MAX_ANSWERS_CHARS = 100_000
SNIPPET_WORDS = 24
#: A search shows (and counts) at most this many results; the API's paging stops there too.
MAX_RESULTS = 500
#: Results are ranked within the newest CANDIDATES matches of the title and tags together with
#: the newest CANDIDATES matches of all (see "Bounded candidates" above); one more than
#: MAX_RESULTS, so the latter also tells whether more than MAX_RESULTS match.
CANDIDATES = MAX_RESULTS + 1
SIMILAR_MIN_CHARS = 8

# Relative weight of a match in the title, the question body, the answers, the keywords (tags,
# weighted like the title) and the variants (hyphenated words of body and answers written as one,
# weighted like the body). PostgreSQL's ts_rank weights are {D, C, B, A}; SQLite's bm25() takes
# one weight per column, spread further apart because BM25 also normalises by length (a match in
# a long title must still outrank a match repeated in a short body).
PG_RANK_WEIGHTS = "{0.1, 0.2, 0.4, 1.0}"
SQLITE_BM25_WEIGHTS = (10.0, 2.0, 0.25, 10.0, 2.0)

# Private-use characters mark matches inside headlines; the text is escaped before they become
# <mark> tags, and they are stripped from everything indexed and every query.
MARK_START, MARK_STOP = "\ue000", "\ue001"
# PostgreSQL's parser reads "<word ...>" as an HTML tag and leaves it out of the vector and the
# headline; what members type is text, so "<" is stored as this stand-in and shown as "&lt;".
MARK_LT = "\ue002"
_UNSAFE_CHARS_RE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ue000-\uf8ff\U000f0000-\U0010ffff]"
)
_WORD_RE = re.compile(r"[^\W_]+")
# A quoted phrase (the closing quote may be missing) or a bare run of non-space characters,
# either one optionally negated by a leading "-".
_TOKEN_RE = re.compile(r'(-?)"([^"]*)"?|(-?)([^\s"]+)')
_BLOCK_END_RE = re.compile(r"(</(?:p|li|h[1-6]|pre|blockquote|div|tr|td|th)>|<br\s*/?>|<hr\s*/?>)", re.I)

# PostgreSQL's english.stop, so SQLite ignores the same words PostgreSQL does.
STOP_WORDS = frozenset(
    """
    i me my myself we our ours ourselves you your yours yourself yourselves he him his himself
    she her hers herself it its itself they them their theirs themselves what which who whom this
    that these those am is are was were be been being have has had having do does did doing a an
    the and but if or because as until while of at by for with about against between into through
    during before after above below to from up down in out on off over under again further then
    once here there when where why how all any both each few more most other some such no nor not
    only own same so than too very s t can will just don should now
    """.split()  # noqa: SIM905 (the list as PostgreSQL ships it, easier to compare)
)


# --- Queries ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    """A word or phrase as typed (without quotes): each engine tokenizes it as it does documents."""

    text: str


@dataclass(frozen=True)
class Chain:
    """Terms that must all match, and terms that must not."""

    include: tuple[Term, ...]
    exclude: tuple[Term, ...] = ()


@dataclass(frozen=True)
class ParsedQuery:
    """Chains joined by OR. Empty when nothing in the input can be searched for."""

    chains: tuple[Chain, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.chains)

    def websearch(self) -> str:
        """For PostgreSQL's websearch_to_tsquery: AND binds tighter than OR there, as here."""
        return " or ".join(
            " ".join(
                [f'"{_pg(t.text)}"' for t in chain.include] + [f'-"{_pg(t.text)}"' for t in chain.exclude]
            )
            for chain in self.chains
        )

    def fts5(self) -> str:
        """For SQLite's MATCH: every term a quoted string, every group in parentheses."""

        def quoted(term: Term) -> str:
            return '"' + term.text.replace('"', '""') + '"'

        parts = []
        for chain in self.chains:
            expression = " AND ".join(quoted(t) for t in chain.include)
            if chain.exclude:
                expression = f"({expression}) NOT ({' OR '.join(quoted(t) for t in chain.exclude)})"
            parts.append(f"({expression})")
        return " OR ".join(parts)


def _pg(text: str) -> str:
    return text.replace("<", " ")


def clean_text(text: str, limit: int | None = None) -> str:
    """Text with control and private-use characters replaced by spaces, cut to `limit`."""
    text = _UNSAFE_CHARS_RE.sub(" ", text or "")
    return text[:limit] if limit else text


# A word joined by hyphens ("Wi-Fi", "e-mail", "plug-in"): indexed and searched also as one word.
_COMPOUND_RE = re.compile(r"[^\W_]+(?:-[^\W_]+)+")
#: Two adjacent query words are also tried as one ("wi fi" finds "wifi") when one is this short.
JOIN_MAX_CHARS = 2


def compounds(text: str) -> str:
    """The hyphenated words of a text written as one word each ("Wi-Fi" gives "wifi"), so a
    document with "Wi-Fi" matches "wifi", "WiFi" and "Wi-Fi" (searched as "wifi")."""
    # Only the space-separated pieces with a hyphen are searched (a compound never holds a space):
    # scanning all of a long text with the pattern took most of a rebuild's time.
    joined = dict.fromkeys(
        match.group().replace("-", "").lower()
        for piece in text.split()
        if "-" in piece
        for match in _COMPOUND_RE.finditer(piece)
    )
    return " ".join(joined)


def _with_joined_words(chain: Chain) -> list[Chain]:
    """The chain, then one alternative per hyphenated word written as one ("wi-fi" as "wifi",
    which the index holds for every hyphenated word) and per pair of adjacent words, one of them
    very short, written as one ("wi fi" as "wifi")."""
    alternatives = [chain]
    words = chain.include
    for i, word in enumerate(words):
        if _COMPOUND_RE.fullmatch(word.text):
            alternatives.append(
                Chain((*words[:i], Term(word.text.replace("-", "")), *words[i + 1 :]), chain.exclude)
            )
    for i in range(len(words) - 1):
        first, second = words[i].text, words[i + 1].text
        if (
            _WORD_RE.fullmatch(first)
            and _WORD_RE.fullmatch(second)
            and min(len(first), len(second)) <= JOIN_MAX_CHARS
        ):
            joined = (*words[:i], Term(first + second), *words[i + 2 :])
            alternatives.append(Chain(joined, chain.exclude))
    return alternatives


def _searchable(fragment: str) -> bool:
    words = _WORD_RE.findall(fragment)
    return bool(words) and not all(word.lower() in STOP_WORDS for word in words)


def parse_query(q: str) -> ParsedQuery:
    """Read web-search syntax: words must all match, "a phrase" matches in order, -word or
    -"a phrase" must not match, and OR between two terms accepts either (AND binds tighter:
    ``a b OR c`` is ``(a AND b) OR c``, as in PostgreSQL). Stop words and punctuation-only
    terms are dropped, a group with nothing to include is dropped, and at most MAX_TERMS terms
    are kept. Each group is followed by its spelling alternatives (see ``_with_joined_words``)."""
    chains: list[tuple[list[Term], list[Term]]] = [([], [])]
    or_pending = False
    kept = 0
    for match in _TOKEN_RE.finditer(clean_text(q, MAX_QUERY_CHARS)):
        quoted = match.group(2) is not None
        negated = bool(match.group(1) if quoted else match.group(3))
        fragment = " ".join((match.group(2) if quoted else match.group(4)).split())
        if not quoted and not negated and fragment.lower() == "or":
            or_pending = True
            continue
        if not _searchable(fragment):
            continue
        if or_pending and chains[-1][0]:
            chains.append(([], []))
        or_pending = False
        chains[-1][1 if negated else 0].append(Term(fragment))
        kept += 1
        if kept >= MAX_TERMS:
            break
    return ParsedQuery(
        tuple(
            alternative
            for inc, exc in chains
            if inc
            for alternative in _with_joined_words(Chain(tuple(inc), tuple(exc)))
        )
    )


def any_words_query(text: str) -> ParsedQuery:
    """Each word of the text as an alternative: for "questions like this title"."""
    words: dict[str, Term] = {}
    for word in _WORD_RE.findall(clean_text(text, MAX_QUERY_CHARS)):
        if word.lower() not in STOP_WORDS and len(words) < MAX_TERMS:
            words.setdefault(word.lower(), Term(word))
    return ParsedQuery(tuple(Chain((term,)) for term in words.values()))


# --- Backends --------------------------------------------------------------------------------
# The SQL below is assembled only from this module's constants and Django-compiled filters
# (hence the S608 waivers); every value a member typed travels as a query parameter.


@dataclass
class _Row:
    question_id: int
    relevance: float
    title: str = ""
    body: str = ""
    answers: str = ""


# ts_headline options: a text highlighted whole, or the one fragment around the best match.
PG_HEADLINE_WHOLE = f"HighlightAll=true, StartSel={MARK_START}, StopSel={MARK_STOP}"
PG_HEADLINE_FRAGMENT = (
    f"StartSel={MARK_START}, StopSel={MARK_STOP}, MaxWords={SNIPPET_WORDS}, MinWords={SNIPPET_WORDS // 2}, "
    "MaxFragments=1"
)


def count_matches(match_sql: str, query_text: str, where: str, params: list) -> int:
    """How many documents a search matches; `match_sql` is a backend's FROM ... WHERE clause,
    whose one parameter is the query written out for that engine."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) {match_sql}{where}", [query_text, *params])
        return cursor.fetchone()[0]


class _Postgres:
    _MATCH = f"""
        FROM {TABLE} d
        JOIN forum_question qn ON qn.id = d.question_id
        CROSS JOIN websearch_to_tsquery('english', %s) tsq
        WHERE d.vector @@ tsq"""
    _WHOLE = PG_HEADLINE_WHOLE
    # Texts short enough to show whole are highlighted whole (as SQLite's snippet() does);
    # longer ones give the one fragment around the best match.
    _snippet_options = (SNIPPET_WORDS * 6, PG_HEADLINE_WHOLE, PG_HEADLINE_FRAGMENT)

    def write(self, cursor, question_id: int, *texts: str) -> None:
        cursor.execute(
            f"""INSERT INTO {TABLE} (question_id, {COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s)
            ON CONFLICT (question_id) DO UPDATE
            SET title = EXCLUDED.title, body = EXCLUDED.body, answers = EXCLUDED.answers,
                keywords = EXCLUDED.keywords, variants = EXCLUDED.variants""",  # noqa: S608
            [question_id, *(text.replace("<", MARK_LT) for text in texts)],
        )

    def delete(self, cursor, question_id: int) -> None:
        cursor.execute(f"DELETE FROM {TABLE} WHERE question_id = %s", [question_id])  # noqa: S608

    def rebuild_start(self, cursor) -> bool:
        return True  # the title vector is generated

    def write_many(self, cursor, documents: list[tuple], titles: bool = True) -> None:
        """Upsert a batch in one statement. A document that did not change is left out before the
        insert: PostgreSQL computes the generated vectors of every row it tries to insert, even
        one that then conflicts."""
        columns = list(zip(*documents, strict=True)) if documents else [[]] * 6
        cursor.execute(
            f"""INSERT INTO {TABLE} AS d (question_id, {COLUMNS})
            SELECT n.* FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::text[], %s::text[], %s::text[])
                AS n (question_id, title, body, answers, keywords, variants)
            LEFT JOIN {TABLE} o ON o.question_id = n.question_id
            WHERE o.question_id IS NULL
               OR (o.title, o.body, o.answers, o.keywords, o.variants)
                  IS DISTINCT FROM (n.title, n.body, n.answers, n.keywords, n.variants)
            ON CONFLICT (question_id) DO UPDATE
            SET title = EXCLUDED.title, body = EXCLUDED.body, answers = EXCLUDED.answers,
                keywords = EXCLUDED.keywords, variants = EXCLUDED.variants""",  # noqa: S608
            [list(columns[0]), *([text.replace("<", MARK_LT) for text in texts] for texts in columns[1:])],
        )

    def rebuild_finish(self, cursor) -> None:
        cursor.execute(
            f"""DELETE FROM {TABLE} d
            WHERE NOT EXISTS (SELECT 1 FROM forum_question qn WHERE qn.id = d.question_id)"""  # noqa: S608
        )

    def candidates(self, query: ParsedQuery, where: str, params: list, bound: int) -> tuple[list[tuple], int]:
        """The newest `bound` matches, and the newest `bound` whose title or tags match, each
        as (question id, relevance, score, when asked); and how many of the first kind there were
        (see "Bounded candidates" above). The tsquery is written inline, not joined, so the
        planner sees its words: for a common word it walks the questions newest first and
        stops after `bound`, for a rare one it reads the index."""

        def newest(extra: str) -> str:
            return f"""
                SELECT d.question_id,
                       ts_rank('{PG_RANK_WEIGHTS}', d.vector, websearch_to_tsquery('english', %s)),
                       qn.score, extract(epoch FROM qn.created_at)::float8,
                       d.title_vector @@ websearch_to_tsquery('english', %s)
                FROM {TABLE} d JOIN forum_question qn ON qn.id = d.question_id
                WHERE d.vector @@ websearch_to_tsquery('english', %s){extra}{where}
                ORDER BY d.question_id DESC LIMIT %s"""  # noqa: S608

        text = query.websearch()
        with connection.cursor() as cursor:
            cursor.execute(newest(""), [text, text, text, *params, bound])
            rows = cursor.fetchall()
            titles = sum(1 for row in rows if row[4])
            ranked = {row[0]: row[:4] for row in rows}
            if len(rows) == bound and titles < bound:  # older title matches may be left
                cursor.execute(
                    newest(
                        " AND d.title_vector @@ websearch_to_tsquery('english', %s) AND d.question_id < %s"
                    ),
                    [text, text, text, text, rows[-1][0], *params, bound - titles],
                )
                ranked.update((row[0], row[:4]) for row in cursor.fetchall())
        return list(ranked.values()), len(rows)

    def headlines(self, query: ParsedQuery, ids: list[int]) -> dict[int, tuple[str, str, str]]:
        """Title, body and answers with their matches marked, for the page's questions only."""
        with connection.cursor() as cursor:
            cursor.execute(
                f"""SELECT d.question_id,
                       ts_headline('english', d.title, tsq, %s),
                       ts_headline('english', d.body, tsq,
                                   CASE WHEN length(d.body) <= %s THEN %s ELSE %s END),
                       ts_headline('english', d.answers, tsq,
                                   CASE WHEN length(d.answers) <= %s THEN %s ELSE %s END)
                FROM {TABLE} d CROSS JOIN websearch_to_tsquery('english', %s) tsq
                WHERE d.question_id = ANY(%s)""",  # noqa: S608
                [self._WHOLE, *self._snippet_options, *self._snippet_options, query.websearch(), ids],
            )
            return {row[0]: row[1:] for row in cursor.fetchall()}


class _SQLite:
    _MATCH = f"""
        FROM {TABLE}
        JOIN forum_question qn ON qn.id = {TABLE}.rowid
        WHERE {TABLE} MATCH %s"""

    def write(self, cursor, question_id: int, *texts: str) -> None:
        self.delete(cursor, question_id)
        self.write_many(cursor, [(question_id, *texts)])

    def delete(self, cursor, question_id: int) -> None:
        cursor.execute(f"DELETE FROM {TABLE} WHERE rowid = %s", [question_id])  # noqa: S608
        cursor.execute(f"DELETE FROM {TITLE_TABLE} WHERE rowid = %s", [question_id])  # noqa: S608

    def rebuild_start(self, cursor) -> bool:
        """Empty the tables; False when the titles' table is not there yet (migration 0008)."""
        cursor.execute(f"DELETE FROM {TABLE}")  # noqa: S608
        cursor.execute("SELECT 1 FROM sqlite_master WHERE name = %s", [TITLE_TABLE])
        if cursor.fetchone() is None:
            return False
        cursor.execute(f"DELETE FROM {TITLE_TABLE}")  # noqa: S608
        return True

    def write_many(self, cursor, documents: list[tuple], titles: bool = True) -> None:
        cursor.executemany(
            f"INSERT INTO {TABLE} (rowid, {COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s)",  # noqa: S608
            documents,
        )
        if titles:
            cursor.executemany(
                f"INSERT INTO {TITLE_TABLE} (rowid, title, keywords) VALUES (%s, %s, %s)",  # noqa: S608
                [(question_id, title, keywords) for question_id, title, _, _, keywords, _ in documents],
            )

    def rebuild_finish(self, cursor) -> None:
        """Merge the segments the batches left into one b-tree per table: a search over a freshly
        rebuilt index of 100,000 questions took up to 5 times longer before."""
        for table in (TABLE, TITLE_TABLE):
            cursor.execute("SELECT 1 FROM sqlite_master WHERE name = %s", [table])
            if cursor.fetchone():
                cursor.execute(f"INSERT INTO {table} ({table}) VALUES ('optimize')")  # noqa: S608

    def candidates(self, query: ParsedQuery, where: str, params: list, bound: int) -> tuple[list[tuple], int]:
        """As on PostgreSQL; the titles' FTS5 table stands for the title vector. FTS5 reads its index
        in rowid order, so newest first stops after `bound` matches. bm25() is lower for better
        matches; negated, relevance grows with the match as on PostgreSQL."""
        weights = ", ".join(str(w) for w in SQLITE_BM25_WEIGHTS)
        # When asked, as its ISO text: it sorts as the time does, and is not parsed 500 times.
        ranked_sql = f"""SELECT {TABLE}.rowid, -bm25({TABLE}, {weights}), qn.score, qn.created_at || ''
            {self._MATCH}{where}"""
        newest = f"{ranked_sql} ORDER BY {TABLE}.rowid DESC LIMIT %s"
        expression = query.fts5()
        with connection.cursor() as cursor:
            cursor.execute(newest, [expression, *params, bound])
            ranked = {row[0]: tuple(row) for row in cursor.fetchall()}
            found = len(ranked)
            if found < bound:  # every match is a candidate already
                return list(ranked.values()), found
            # The title tier from the titles' own table, then ranked (bm25 needs the whole query
            # and document) where not ranked already.
            cursor.execute(
                f"""SELECT {TITLE_TABLE}.rowid FROM {TITLE_TABLE}
                JOIN forum_question qn ON qn.id = {TITLE_TABLE}.rowid
                WHERE {TITLE_TABLE} MATCH %s{where} ORDER BY {TITLE_TABLE}.rowid DESC LIMIT %s""",  # noqa: S608
                [expression, *params, bound],
            )
            more = [row[0] for row in cursor.fetchall() if row[0] not in ranked]
            if more:
                cursor.execute(
                    f"{ranked_sql} AND {TABLE}.rowid IN (SELECT value FROM json_each(%s))",  # noqa: S608
                    [expression, *params, json.dumps(more)],
                )
                ranked.update((row[0], tuple(row)) for row in cursor.fetchall())
        return list(ranked.values()), found

    def headlines(self, query: ParsedQuery, ids: list[int]) -> dict[int, tuple[str, str, str]]:
        marks = [MARK_START, MARK_STOP]
        with connection.cursor() as cursor:
            cursor.execute(
                f"""SELECT rowid, highlight({TABLE}, 0, %s, %s),
                       snippet({TABLE}, 1, %s, %s, %s, {SNIPPET_WORDS}),
                       snippet({TABLE}, 2, %s, %s, %s, {SNIPPET_WORDS})
                FROM {TABLE} WHERE {TABLE} MATCH %s AND rowid IN (SELECT value FROM json_each(%s))""",  # noqa: S608
                [*marks, *marks, "…", *marks, "…", query.fts5(), json.dumps(ids)],
            )
            return {row[0]: row[1:] for row in cursor.fetchall()}


_BACKENDS = {"postgresql": _Postgres(), "sqlite": _SQLite()}


def _backend():
    return _BACKENDS.get(connection.vendor)


# --- Indexing --------------------------------------------------------------------------------


#: nh3.clean(text, tags=set()), built once (building it for every call tripled its cost).
_TEXT_ONLY = nh3.Cleaner(tags=set())
#: nh3.clean(text, tags={"mark"}, attributes={}), built once: headlines keep their <mark>s only.
_MARKS_ONLY = nh3.Cleaner(tags={"mark"}, attributes={})


def plain_text(body_html: str) -> str:
    """Rendered Markdown as plain text: what a reader sees, without markup or Markdown syntax."""
    spaced = _BLOCK_END_RE.sub(r"\1 ", body_html or "")
    return " ".join(clean_text(html.unescape(_TEXT_ONLY.clean(spaced))).split())


def _document(title: str, body_html: str, answer_htmls, tag_names=()) -> tuple[str, str, str, str, str]:
    """The five indexed texts: title, body, answers, keywords (the tags, and the title's
    hyphenated words as one word) and variants (the same for the body and the answers)."""
    answers, size = [], 0
    for answer_html in answer_htmls:
        text = plain_text(answer_html)
        answers.append(text)
        size += len(text)
        if size >= MAX_ANSWERS_CHARS:
            break
    title = " ".join(clean_text(title).split())
    body = plain_text(body_html)
    answers_text = "\n".join(answers)[:MAX_ANSWERS_CHARS]
    tags = " ".join(clean_text(name) for name in sorted(tag_names))
    keywords = " ".join(part for part in (tags, compounds(tags), compounds(title)) if part)
    variants = compounds(f"{body} {answers_text}")
    return title, body, answers_text, keywords, variants


def _tag_names(apps=None, question_id: int | None = None, id_range=None) -> dict[int, list[str]]:
    """Tag names by question id (of one question, of the questions in `id_range`, or of all)."""
    tagged_item = apps.get_model("taggit", "TaggedItem") if apps else TaggedItem
    rows = tagged_item.objects.filter(content_type__app_label="forum", content_type__model="question")
    if question_id is not None:
        rows = rows.filter(object_id=question_id)
    if id_range is not None:
        rows = rows.filter(object_id__range=id_range)
    names: dict[int, list[str]] = {}
    for object_id, name in rows.values_list("object_id", "tag__name"):
        names.setdefault(object_id, []).append(name)
    return names


def search_index_question(question_id: int) -> None:
    """Rewrite one question's search document from the question, its tags and all its answers
    (or remove it when the question is gone). Call it after any write that changes them."""
    backend = _backend()
    if backend is None:
        return
    row = Question.objects.filter(pk=question_id).values_list("title", "body_html").first()
    with connection.cursor() as cursor:
        if row is None:
            backend.delete(cursor, question_id)
            return
        # Only answers everyone may see: a deleted, hidden or held answer's words find nothing.
        answers = (
            Answer.objects.visible()
            .filter(question_id=question_id)
            .order_by("-score", "created_at", "pk")
            .values_list("body_html", flat=True)
        )
        tags = _tag_names(question_id=question_id).get(question_id, [])
        backend.write(cursor, question_id, *_document(row[0], row[1], answers, tags))


#: Questions indexed per statement by ``search_rebuild``.
REBUILD_BATCH = 2_000


def search_rebuild(apps=None, *, progress=None) -> int:
    """Index every question again, REBUILD_BATCH questions (with their answers and tags) per
    set-based statement, and drop the documents of questions that are gone; returns how many
    were indexed. ``progress(done, total)`` is called after each batch. Migrations pass their
    historical apps. Gives the same documents as ``search_index_question`` one by one."""
    backend = _backend()
    if backend is None:
        return 0
    question_model = apps.get_model("forum", "Question") if apps else Question
    answer_model = apps.get_model("forum", "Answer") if apps else Answer
    answer_rows = answer_model.objects.order_by("question_id", "-score", "created_at", "pk")
    if any(field.name == "held_at" for field in answer_model._meta.get_fields()):
        # Only answers everyone may see (migration 0002 runs before posts could be hidden).
        answer_rows = answer_rows.filter(
            deleted_at__isnull=True, hidden_at__isnull=True, held_at__isnull=True
        )
    ids = list(question_model.objects.order_by("pk").values_list("pk", flat=True))

    def batch(first: int) -> tuple[list, dict, dict]:
        """The rows of one batch of questions, with their answers and tags (read here, on this
        thread's connection and in its transaction)."""
        id_range = (ids[first], ids[min(first + REBUILD_BATCH, len(ids)) - 1])
        answers: dict[int, list[str]] = {}
        for question_id, body_html in answer_rows.filter(
            question_id__gte=id_range[0], question_id__lte=id_range[1]
        ).values_list("question_id", "body_html"):
            answers.setdefault(question_id, []).append(body_html)
        questions = list(
            question_model.objects.filter(pk__range=id_range)
            .order_by("pk")
            .values_list("pk", "title", "body_html")
        )
        return questions, answers, _tag_names(apps, id_range=id_range)

    def documents(questions: list, answers: dict, tags: dict) -> list[tuple]:
        return [
            (
                question_id,
                *_document(title, html_body, answers.get(question_id, []), tags.get(question_id, [])),
            )
            for question_id, title, html_body in questions
        ]

    done = 0
    # The texts of the next batch are made on a second thread while the database indexes this
    # one (Python and PostgreSQL then use a core each); only this thread touches the database.
    with connection.cursor() as cursor, ThreadPoolExecutor(max_workers=1) as maker:
        titles = backend.rebuild_start(cursor)
        made = None
        for first in [*range(0, len(ids), REBUILD_BATCH), None]:
            following = maker.submit(documents, *batch(first)) if first is not None else None
            if made is not None:
                written = made.result()
                backend.write_many(cursor, written, titles)
                done += len(written)
                if progress:
                    progress(done, len(ids))
            made = following
        backend.rebuild_finish(cursor)
    return done


# --- Reading ---------------------------------------------------------------------------------


def marked_headline(headline: str | None) -> SafeString:
    """Escape everything the member wrote; only the engine's match markers become <mark>."""
    escaped = html.escape(headline or "").replace(MARK_START, "<mark>").replace(MARK_STOP, "</mark>")
    escaped = escaped.replace(MARK_LT, "&lt;")
    # The markers come in pairs; cleaning again guarantees well-formed output even if not.
    return mark_safe(_MARKS_ONLY.clean(escaped))  # noqa: S308


@dataclass
class SearchHit:
    question: Question
    relevance: float
    title_html: SafeString
    snippet_html: SafeString
    snippet_from_answer: bool = False


class PagedResults(ABC):
    """Lazy, sliceable search results for Django's Paginator: ``count()`` is one query, and each
    slice asks ``_page`` for that many hits. A query with nothing searchable runs no SQL."""

    def __init__(self, query: ParsedQuery, backend, where: str = "", params: list | None = None):
        self.query = query
        self._backend = backend if query else None
        self._where, self._params = where, list(params or [])
        self._count: int | None = None

    def count(self) -> int:
        if self._count is None:
            self._count = self._backend.count(self.query, self._where, self._params) if self._backend else 0
        return self._count

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, key):
        if not isinstance(key, slice):
            hits = self[key : key + 1]
            if not hits:
                raise IndexError(key)
            return hits[0]
        start, stop = key.start or 0, key.stop
        if stop is None:
            stop = self.count()
        if self._backend is None or stop <= start:
            return []
        return self._page(limit=stop - start, offset=start)

    @abstractmethod
    def _page(self, *, limit: int, offset: int) -> list:
        """The hits from `offset` on, at most `limit` of them, best first."""


def _conditions_on_qn(questions) -> tuple[str, list]:
    """A filtered Question queryset as conditions on the search SQL's ``qn`` (forum_question):
    its WHERE clause when it needs no join (the planner can then stop after the first matches),
    else ``qn.id IN (its query)``. Subqueries in it name their own tables U0, U1, ..."""
    sql, params = questions.values("pk").query.sql_with_params()
    head = f'SELECT "{Question._meta.db_table}"."id" AS "pk" FROM "{Question._meta.db_table}" WHERE '  # noqa: S608
    if sql.startswith(head) and " JOIN " not in sql.split(" WHERE ", 1)[0]:
        return " AND " + sql[len(head) :].replace(f'"{Question._meta.db_table}".', "qn."), list(params)
    return f" AND qn.id IN ({sql})", list(params)


class SearchResults(PagedResults):
    """Questions: each slice is one ranked query (snippets included) plus the questions with
    their authors and tags."""

    def __init__(
        self, query: ParsedQuery, *, tag: str | None = None, status: str | None = None, snippets: bool = True
    ):
        self.snippets = snippets
        self.more = False
        self._ranked: list[tuple] | None = None
        self._found = 0
        candidates = Question.objects.visible().order_by()
        if status == "solved":
            candidates = candidates.solved()
        elif status == "unanswered":
            candidates = candidates.unanswered()
        if tag:
            # EXISTS, not a join: the engine probes each match's tags rather than list the tag's
            # questions first.
            candidates = candidates.filter(
                Exists(
                    TaggedItem.objects.filter(
                        content_type=ContentType.objects.get_for_model(Question),
                        object_id=OuterRef("pk"),
                        # The tag's id as a value, so the (tag, object) index of migration
                        # 0010 serves it in question order.
                        tag_id=Subquery(Tag.objects.filter(slug=tag).values("pk")[:1]),
                    )
                )
            )
        # Always restrict: deleted, hidden and held questions never appear in results.
        super().__init__(query, _backend(), *_conditions_on_qn(candidates))

    def _ranking(self) -> list[tuple]:
        """The candidates, best first: relevance, then score, then newest."""
        if self._ranked is None:
            rows, self._found = self._backend.candidates(self.query, self._where, self._params, CANDIDATES)
            self._ranked = sorted(rows, key=lambda row: (row[1], row[2], row[3], row[0]), reverse=True)
        return self._ranked

    def count(self) -> int:
        """How many questions match, counted up to MAX_RESULTS (``more`` tells whether more do):
        the page says "more than 500" rather than count 100,000 matches it will not show."""
        if self._count is None:
            if self._backend:
                self._ranking()
            found = self._found if self._backend else 0
            self.more = found > MAX_RESULTS
            self._count = min(found, MAX_RESULTS)
        return self._count

    def _page(self, *, limit: int, offset: int) -> list[SearchHit]:
        ranked = self._ranking()[offset : min(offset + limit, MAX_RESULTS)]
        if not ranked:
            return []
        ids = [row[0] for row in ranked]
        headlines = self._backend.headlines(self.query, ids) if self.snippets else {}
        return self._hits([_Row(row[0], row[1], *headlines.get(row[0], ("", "", ""))) for row in ranked])

    def _hits(self, rows: list[_Row]) -> list[SearchHit]:
        questions = Question.objects.filter(pk__in=[row.question_id for row in rows])
        if self.snippets:
            questions = questions.select_related("author").prefetch_related("author__groups")
        by_id = questions.in_bulk()
        if self.snippets:
            prefetch_related_objects(list(by_id.values()), tags_prefetch())
        hits = []
        for row in rows:
            question = by_id.get(row.question_id)
            if question is None:  # deleted between the two queries
                continue
            from_answer = MARK_START not in (row.body or "") and MARK_START in (row.answers or "")
            hits.append(
                SearchHit(
                    question=question,
                    relevance=row.relevance,
                    title_html=marked_headline(row.title) if row.title else marked_headline(question.title),
                    snippet_html=marked_headline(row.answers if from_answer else row.body),
                    snippet_from_answer=from_answer,
                )
            )
        return hits


def search_questions(q: str, *, tag: str | None = None, status: str | None = None) -> SearchResults:
    """Questions matching ``q`` (see ``parse_query``), best first: a match in the title outranks
    one in the body, which outranks one only in an answer; ties go to the higher-scored, then
    newer question. ``tag`` is a tag slug; ``status`` is "solved", "unanswered" or None."""
    return SearchResults(parse_query(q), tag=tag, status=status)


def similar_questions(title: str, *, limit: int = 5) -> list[Question]:
    """Up to ``limit`` questions sharing words with a title being typed, best first; none for a
    title shorter than SIMILAR_MIN_CHARS."""
    if len(" ".join(clean_text(title).split())) < SIMILAR_MIN_CHARS:
        return []
    results = SearchResults(any_words_query(title), snippets=False)
    return [hit.question for hit in results[:limit]]
