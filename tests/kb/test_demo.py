"""The demo seed fills the knowledge base too, through the curator's own service."""

import pytest

from kb.models import Article, ArticleSource
from reputation.models import LedgerEntry
from tests.factories import seed_demo

pytestmark = pytest.mark.django_db


def test_seed_demo_promotes_solved_threads_once(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # the ledger's tasks, run eagerly
        output = seed_demo()

    assert "Demo knowledge base: 3 articles." in output
    articles = list(Article.objects.select_related("question"))
    assert len(articles) == 3
    assert all(article.question.accepted_answer_id for article in articles)
    assert all(article.created_by.is_moderator for article in articles)
    # Co-authors credited as any promotion credits them.
    credited = LedgerEntry.objects.filter(rule="answer_became_knowledge").count()
    assert credited == ArticleSource.objects.exclude(answer__author=None).values("answer").distinct().count()
    assert client.get("/kb/").status_code == 200
    assert articles[0].title in client.get(articles[0].get_absolute_url()).content.decode()

    assert "Demo knowledge base: 3 articles." in seed_demo()
    assert Article.objects.count() == 3
