"""Every write in the knowledge base. Keyword-only, atomic."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from forum.markdown import render_markdown
from forum.models import Question
from kb import permissions, selectors
from kb.models import Article, ArticleRevision, ArticleSource
from kb.search import search_index_article
from moderation import audit
from reputation import events as reputation_events


def _tags_text(names) -> str:
    return " ".join(sorted(names))


def _record_revision(article: Article, *, editor, note: str = "") -> ArticleRevision:
    current = ArticleRevision.objects.filter(article=article).aggregate(n=Max("number"))["n"] or 0
    return ArticleRevision.objects.create(
        article=article,
        number=current + 1,
        title=article.title,
        summary=article.summary,
        body=article.body,
        tags=_tags_text(article.tags.names()),
        editor=editor,
        note=note,
    )


def _require_curator(user) -> None:
    permissions.allow_curate(user)


@transaction.atomic
def article_promote(
    *, question: Question, curator, title: str, summary: str, body: str, tags: list[str]
) -> Article:
    """Turn a solved thread into an article. Its co-authors are the authors of the accepted and
    "also helped" answers, each of whose answers earns "answer became knowledge" once."""
    _require_curator(curator)
    # Locking the question makes two curators promoting the same thread take turns.
    question = Question.objects.select_for_update().get(pk=question.pk)
    refusal = selectors.promotion_refusal(question)
    if refusal:
        raise ValidationError(refusal)
    now = timezone.now()
    try:
        with transaction.atomic():
            article = Article.objects.create(
                title=title,
                summary=summary,
                body=body,
                body_html=render_markdown(body),
                question=question,
                created_by=curator,
                created_at=now,
                updated_at=now,
                last_verified_at=now,
                last_verified_by=curator,
            )
    except IntegrityError as exc:  # the one-article-per-question constraint, should a race slip by
        raise ValidationError(selectors.ALREADY_PROMOTED) from exc
    article.tags.set(tags)
    answers = selectors.source_answers(question)
    ArticleSource.objects.bulk_create(
        ArticleSource(article=article, answer=answer, author_id=answer.author_id, position=position)
        for position, answer in enumerate(answers)
    )
    _record_revision(article, editor=curator, note="Promoted from the thread")
    for answer in answers:
        reputation_events.record_answer_became_knowledge(answer=answer, article_id=article.pk, actor=curator)
    # The audit line is about the thread, so its public note shows there.
    audit.record(
        moderator=curator,
        action="promoted to knowledge",
        target=question,
        after={"article_id": article.pk, "title": article.title},
        public_note=f"This thread became a knowledge-base article: {article.title}"[:300],
    )
    search_index_article(article.pk)
    return article


@transaction.atomic
def article_edit(
    *, article: Article, editor, title: str, summary: str, body: str, tags: list[str], note: str = ""
) -> ArticleRevision | None:
    """Returns the new revision, or None when nothing changed."""
    _require_curator(editor)
    article = Article.objects.select_for_update().get(pk=article.pk)
    unchanged = (
        article.title == title
        and article.summary == summary
        and article.body == body
        and sorted(article.tags.names()) == sorted(tags)
    )
    if unchanged:
        return None
    article.title = title
    article.summary = summary
    article.body = body
    article.body_html = render_markdown(body)
    article.updated_at = timezone.now()
    article.save(update_fields=["title", "slug", "summary", "body", "body_html", "updated_at"])
    article.tags.set(tags)
    search_index_article(article.pk)
    return _record_revision(article, editor=editor, note=note)


@transaction.atomic
def article_verify(*, article: Article, curator) -> Article:
    """A curator checked the article still holds: it leaves the needs-review list for a while."""
    _require_curator(curator)
    article = Article.objects.select_for_update().get(pk=article.pk)
    before = {"last_verified_at": article.last_verified_at.isoformat()}
    article.last_verified_at = timezone.now()
    article.last_verified_by = curator
    article.save(update_fields=["last_verified_at", "last_verified_by"])
    audit.record(
        moderator=curator,
        action="verified knowledge",
        target=article,
        before=before,
        after={"last_verified_at": article.last_verified_at.isoformat()},
    )
    return article
