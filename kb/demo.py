"""Demo knowledge: the moderator of the demo people promotes a few of the demo's solved threads,
as a curator would, so a fresh `make run` shows the knowledge base with real articles in it."""

from django.db import transaction

from forum.models import Question
from kb import selectors, services
from kb.models import Article

ARTICLES = 3  # the solved demo threads with the most votes become articles


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
        services.article_promote(
            question=question,
            curator=curator,
            title=question.title,
            summary=_summary(question, answers[0].body),
            body=selectors.suggested_body(question, answers),
            tags=list(question.tags.names()),
        )
    return Article.objects.filter(question_id__in=question_ids).count()
