"""Reads for the knowledge base, each in a fixed number of queries."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Case, Count, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.safestring import SafeString
from taggit.models import Tag

from accounts.selectors import mark_moderators
from forum.diffs import diff_html
from forum.models import Answer, Question
from kb.models import REVIEW_AFTER_DAYS, Article, ArticleRevision, ArticleSource

NEEDS_REVIEW_SHOWN = 20
ALREADY_PROMOTED = "This thread is already a knowledge-base article."
NOT_SOLVED = "Only solved threads can become knowledge-base articles: an answer must be accepted first."


def article_list(*, tag: str | None = None) -> QuerySet:
    """Newest first, with tags, for list pages (one query for the page, one for the tags)."""
    articles = Article.objects.prefetch_related("tags").order_by("-created_at", "-pk")
    if tag:
        articles = articles.filter(tags__slug=tag)
    return articles


def article_tags() -> QuerySet:
    """Tags used by at least one article, most used first, with ``article_count``."""
    return (
        Tag.objects.annotate(article_count=Count("kb_taggedarticle_items"))
        .filter(article_count__gt=0)
        .order_by("-article_count", "name")
    )


def tag_get(slug: str) -> Tag:
    return get_object_or_404(Tag, slug=slug)


def review_cutoff(now: dt.datetime | None = None) -> dt.datetime:
    return (now or timezone.now()) - dt.timedelta(days=REVIEW_AFTER_DAYS)


def needs_review(*, now: dt.datetime | None = None) -> QuerySet:
    """Articles last verified more than REVIEW_AFTER_DAYS ago, the longest unverified first."""
    return Article.objects.filter(last_verified_at__lt=review_cutoff(now)).order_by("last_verified_at", "pk")


def article_get(pk: int) -> Article:
    """An article with everything its page shows: tags, source thread, verifier and co-authors
    (``article.coauthors``, each person once, in the order their answers appear)."""
    sources = ArticleSource.objects.select_related("author").order_by("position", "pk")
    article = get_object_or_404(
        Article.objects.select_related("question", "last_verified_by").prefetch_related(
            "tags", Prefetch("sources", queryset=sources, to_attr="source_list")
        ),
        pk=pk,
    )
    coauthors = {}
    for source in article.source_list:
        coauthors.setdefault(source.author_id, source.author)
    article.coauthors = list(coauthors.values())
    mark_moderators([*article.coauthors, article.last_verified_by])
    return article


def article_for_question(question_id: int) -> Article | None:
    """The article a thread became, if any: one small query."""
    return Article.objects.filter(question_id=question_id).only("pk", "slug", "title").first()


def source_answers(question: Question) -> list[Answer]:
    """What an article is drawn from: the accepted answer, then the visible answers marked as
    also helped (highest score first), with their authors, in one query."""
    accepted = question.accepted_answer_id or 0
    return list(
        Answer.objects.visible()
        .filter(Q(pk=accepted) | Q(also_helped_mark__isnull=False), question=question)
        .select_related("author")
        .annotate(
            accepted_first=Case(
                When(pk=accepted, then=Value(0)), default=Value(1), output_field=IntegerField()
            )
        )
        .order_by("accepted_first", "-score", "created_at", "pk")
    )


def promotion_refusal(question: Question) -> str:
    """Why this thread cannot become an article now, or "" when it can."""
    if not question.is_visible or not question.is_solved:
        return NOT_SOLVED
    if Article.objects.filter(question=question).exists():
        return ALREADY_PROMOTED
    return ""


def suggested_body(question: Question, answers: list[Answer]) -> str:
    """The accepted answer's Markdown, then each "also helped" answer's under a heading that
    credits its author: where a curator starts editing."""
    parts = []
    for answer in answers:
        if answer.pk == question.accepted_answer_id:
            parts.append(answer.body.strip())
        else:
            name = " ".join(answer.author.name.split())
            parts.append(f"# Also helped: the answer by {name}\n\n{answer.body.strip()}")
    return "\n\n".join(parts)


@dataclass
class RevisionDiff:
    revision: ArticleRevision
    title: SafeString
    summary: SafeString
    tags: SafeString
    body: SafeString


def revision_diffs(article: Article) -> list[RevisionDiff]:
    """Newest first; each revision compared with the one before it (the first with nothing)."""
    history = list(
        ArticleRevision.objects.filter(article=article).select_related("editor").order_by("number")
    )
    mark_moderators(revision.editor for revision in history)
    diffs, previous = [], None
    for revision in history:
        diffs.append(
            RevisionDiff(
                revision=revision,
                title=diff_html(previous.title if previous else "", revision.title),
                summary=diff_html(previous.summary if previous else "", revision.summary),
                tags=diff_html(previous.tags if previous else "", revision.tags),
                body=diff_html(previous.body if previous else "", revision.body),
            )
        )
        previous = revision
    return list(reversed(diffs))


def thread_article(questions, viewer):
    """Registered on the forum's thread page (apps.py): the article the thread became, if any,
    in the question's own query (title and slug only)."""
    return questions.select_related("kb_article").defer(
        "kb_article__summary", "kb_article__body", "kb_article__body_html"
    )
