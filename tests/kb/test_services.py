"""Promoting threads into articles, editing, verifying, review and the ledger credit."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from forum import services as forum_services
from kb import selectors, services
from kb.models import Article, ArticleRevision
from moderation.models import ModerationAction
from reputation import events, ledger
from reputation.models import EventKind, LedgerEntry, ReputationEvent
from tests.factories import ModeratorFactory, StaffFactory, UserFactory, make_answer, make_question
from tests.kb.helpers import ACCEPTED_BODY, ALSO_BODY, OTHER_BODY, make_article, promote, solved_thread

pytestmark = pytest.mark.django_db


def knowledge_entries():
    return sorted(
        LedgerEntry.objects.filter(rule="answer_became_knowledge").values_list("user__username", "amount")
    )


# --- Who may promote, and what ---------------------------------------------------------------


def test_staff_below_the_curation_threshold_cannot_promote():
    question, *_ = solved_thread()

    with pytest.raises(PermissionDenied, match="1000 reputation"):
        promote(question, curator=StaffFactory(reputation=50))

    assert not Article.objects.exists()


@pytest.mark.parametrize("curator_factory", [ModeratorFactory, lambda: UserFactory(reputation=1000)])
def test_moderators_and_members_with_1000_reputation_can_promote(curator_factory):
    question, *_ = solved_thread()

    article = promote(question, curator=curator_factory())

    assert article.question == question


def test_only_solved_threads_can_be_promoted():
    question = make_question()
    make_answer(question)

    with pytest.raises(ValidationError, match="Only solved threads"):
        promote(question)


def test_a_hidden_thread_cannot_be_promoted():
    question, *_ = solved_thread()
    question.deleted_at = timezone.now()
    question.save(update_fields=["deleted_at"])

    with pytest.raises(ValidationError, match="Only solved threads"):
        promote(question)


def test_a_thread_becomes_at_most_one_article():
    question, *_ = solved_thread()
    promote(question)

    with pytest.raises(ValidationError, match="already a knowledge-base article"):
        promote(question, title="Another article from the same thread")

    assert Article.objects.count() == 1


# --- What an article is made of --------------------------------------------------------------


def test_suggested_body_is_the_accepted_answer_then_also_helped_answers_credited():
    question, accepted, also, _other = solved_thread()

    answers = selectors.source_answers(question)
    body = selectors.suggested_body(question, answers)

    assert answers == [accepted, also]
    assert body.startswith(ACCEPTED_BODY)
    assert "# Also helped: the answer by Bob Bright" in body
    assert body.index(ACCEPTED_BODY) < body.index(ALSO_BODY)
    assert OTHER_BODY not in body


def test_coauthors_are_the_authors_of_the_accepted_and_also_helped_answers():
    question, accepted, also, other = solved_thread()

    article = selectors.article_get(promote(question).pk)

    assert article.coauthors == [accepted.author, also.author]
    assert other.author not in article.coauthors


def test_promotion_keeps_revision_one_and_an_audit_line_with_a_public_note():
    question, *_ = solved_thread()
    curator = ModeratorFactory()

    article = promote(question, curator=curator, tags=["billing", "cards"])

    revision = ArticleRevision.objects.get(article=article)
    assert (revision.number, revision.editor, revision.tags) == (1, curator, "billing cards")
    action = ModerationAction.objects.get(action="promoted to knowledge")
    assert action.moderator == curator
    assert action.question == question
    assert action.public_note == f"This thread became a knowledge-base article: {article.title}"
    assert article.last_verified_by == curator


# --- Reputation ------------------------------------------------------------------------------


def test_each_coauthor_earns_10_once_for_an_answer_that_became_knowledge(commit):
    question, accepted, also, _other = commit(solved_thread)

    article = commit(promote, question)

    assert knowledge_entries() == sorted([(accepted.author.username, 10), (also.author.username, 10)])
    accepted.author.refresh_from_db()
    assert accepted.author.reputation == 1 + 15 + 10  # accepted, then became knowledge
    entry = LedgerEntry.objects.get(rule="answer_became_knowledge", user=accepted.author)
    assert entry.idempotency_key == f"knowledge:{article.pk}:{accepted.pk}"
    assert entry.rule_label == "Answer became knowledge"

    # A second delivery of the same events, or a new event about the same answer, writes nothing.
    for event in ReputationEvent.objects.filter(kind=EventKind.KNOWLEDGE):
        ledger.apply_event(event.pk)
    commit(events.record_answer_became_knowledge, answer=accepted, article_id=article.pk, actor=None)
    assert len(knowledge_entries()) == 2


def test_a_curator_whose_own_answer_is_drawn_in_is_credited_too(commit):
    asker, curator = UserFactory(), UserFactory(reputation=1000)
    question = make_question(author=asker)
    answer = make_answer(question, author=curator)
    forum_services.answer_accept_toggle(answer=answer, user=asker)

    commit(promote, question, curator=curator)

    assert knowledge_entries() == [(curator.username, 10)]


# --- Editing, verifying, review --------------------------------------------------------------


def test_an_edit_is_a_new_revision_and_an_unchanged_edit_is_none():
    article = make_article()
    curator = UserFactory(reputation=1000)
    fields = {"title": article.title, "summary": article.summary, "body": article.body, "tags": ["billing"]}

    assert services.article_edit(article=article, editor=curator, **fields) is None

    revision = services.article_edit(
        article=article, editor=curator, note="Clearer steps", **{**fields, "body": "Step one. Step two."}
    )

    article.refresh_from_db()
    assert revision.number == 2
    assert revision.note == "Clearer steps"
    assert article.body == "Step one. Step two."
    assert "<p>Step one. Step two.</p>" in article.body_html


def test_only_curators_can_edit_or_verify():
    article = make_article()
    member = UserFactory(reputation=999)

    with pytest.raises(PermissionDenied):
        services.article_edit(
            article=article,
            editor=member,
            title="A new title here",
            summary="s" * 30,
            body="b" * 30,
            tags=["x"],
        )
    with pytest.raises(PermissionDenied):
        services.article_verify(article=article, curator=member)


def test_verifying_moves_the_date_and_takes_the_article_off_the_review_list():
    article = make_article()
    long_ago = timezone.now() - dt.timedelta(days=400)
    Article.objects.filter(pk=article.pk).update(last_verified_at=long_ago)
    assert list(selectors.needs_review()) == [article]
    curator = UserFactory(reputation=1000)

    services.article_verify(article=article, curator=curator)

    article.refresh_from_db()
    assert article.last_verified_at > timezone.now() - dt.timedelta(minutes=1)
    assert article.last_verified_by == curator
    assert list(selectors.needs_review()) == []
    assert ModerationAction.objects.filter(action="verified knowledge", target_type="article").exists()


def test_needs_review_lists_articles_unverified_for_over_180_days_oldest_first():
    fresh = make_article(title="Fresh article about router resets")
    older = make_article(title="Older article about card payments")
    oldest = make_article(title="Oldest article about invoices")
    borderline = make_article(title="Borderline article about refunds")
    now = timezone.now()
    for article, days in [(fresh, 10), (older, 200), (oldest, 500), (borderline, 179)]:
        Article.objects.filter(pk=article.pk).update(last_verified_at=now - dt.timedelta(days=days))

    assert list(selectors.needs_review()) == [oldest, older]
