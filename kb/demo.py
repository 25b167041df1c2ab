"""Demo knowledge: the moderator of the demo people promotes a few of the demo's solved threads,
as a curator would, so a fresh `make run` shows the knowledge base with real articles in it.
Each is dated a day after its thread went quiet (the article, its first revision, the audit
line and the co-authors' reputation), like the rest of the demo's timeline."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from forum.models import Question
from kb import selectors, services
from kb.models import Article, ArticleRevision
from moderation.models import ModerationAction
from reputation.demo import date_pending_events

ARTICLES = 3  # the solved demo threads with the most votes become articles
PROMOTED_AFTER = timedelta(days=1)  # after the thread's last activity


def _summary(question: Question, accepted_body: str) -> str:
    first = " ".join(accepted_body.split())
    text = f"The answer that solved “{question.title}”: {first}"
    return text if len(text) <= 300 else text[:297].rstrip() + "…"


@transaction.atomic
def seed_articles(users: dict, question_ids) -> int:
    """Promote the best-voted solved demo threads that have no article yet. Returns how many
    articles the demo now has (a second run creates none)."""
    curator = next(user for user in users.values() if user.is_moderator)
    solved = (
        Question.objects.visible()
        .solved()
        .filter(pk__in=question_ids)
        .order_by("-score", "pk")
        .prefetch_related("tags")[:ARTICLES]
    )
    for question in solved:
        if Article.objects.filter(question=question).exists():
            continue
        answers = selectors.source_answers(question)
        article = services.article_promote(
            question=question,
            curator=curator,
            title=question.title,
            summary=_summary(question, answers[0].body),
            body=selectors.suggested_body(question, answers),
            tags=list(question.tags.names()),
        )
        _date(article, question, answers)
    return Article.objects.filter(question_id__in=question_ids).count()


def _date(article: Article, question: Question, answers) -> None:
    when = min(question.last_activity_at + PROMOTED_AFTER, timezone.now())
    Article.objects.filter(pk=article.pk).update(created_at=when, updated_at=when, last_verified_at=when)
    ArticleRevision.objects.filter(article=article).update(created_at=when)
    ModerationAction.objects.filter(action="promoted to knowledge", question=question).update(created_at=when)
    date_pending_events(knowledge_at={answer.pk: when for answer in answers})
