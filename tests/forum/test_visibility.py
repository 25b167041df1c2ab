"""One owner of visibility (forum.visibility) and one rule for seeing and touching a post
(forum.permissions): the defects that three separate code paths used to cause."""

import re

import pytest
from django.core.exceptions import PermissionDenied

from forum import services, visibility
from forum.models import Answer, Comment, Question
from forum.search import search_questions
from moderation import closing, flags, review
from moderation.models import Flag, FlagReason
from reputation import reconcile
from reputation.ledger import apply_event
from reputation.models import LedgerEntry, ReputationEvent
from tests.factories import ModeratorFactory, UserFactory, make_answer, make_question

pytestmark = pytest.mark.django_db


def answer_count(question) -> int:
    return Question.objects.values_list("answer_count", flat=True).get(pk=question.pk)


def held_answer(question, settings):
    settings.COMMONPLACE_PREMODERATE_FIRST_POSTS = True
    answer = make_answer(
        question, author=UserFactory(), body="Buy my router cleaner at cheap-cleaner dot com."
    )
    settings.COMMONPLACE_PREMODERATE_FIRST_POSTS = False
    assert answer.held_at is not None
    return answer


# --- Defect: deleting a held answer through a flag ---------------------------------------------


def test_accepting_a_delete_flag_on_a_held_first_answer_keeps_the_count_at_zero(settings):
    question = make_question()
    spam = held_answer(question, settings)
    flag = Flag.objects.create(flagger=UserFactory(reputation=20), answer=spam, reason=FlagReason.SPAM)

    flags.flag_accept(flag=flag, moderator=ModeratorFactory(), outcome="delete")

    assert Answer.objects.get(pk=spam.pk).deleted_at is not None
    assert answer_count(question) == 0


def test_accepting_a_delete_flag_on_a_held_answer_leaves_the_other_answers_counted(settings):
    question = make_question()
    make_answer(question)
    make_answer(question)
    spam = held_answer(question, settings)
    assert answer_count(question) == 2
    flag = Flag.objects.create(flagger=UserFactory(reputation=20), answer=spam, reason=FlagReason.SPAM)

    flags.flag_accept(flag=flag, moderator=ModeratorFactory(), outcome="delete")

    assert answer_count(question) == 2


def test_every_visibility_change_recounts_from_the_rows():
    question = make_question()
    first, second = make_answer(question), make_answer(question)
    moderator = ModeratorFactory()

    closing.post_delete(post=first, actor=moderator)
    closing.post_delete(post=first, actor=moderator)  # again: nothing changes
    assert answer_count(question) == 1
    visibility.post_visibility_change(post=second, change=visibility.Change.HIDE)
    assert answer_count(question) == 1  # hidden by flags still counts: it may come back
    visibility.post_visibility_change(post=second, change=visibility.Change.HOLD)
    assert answer_count(question) == 0
    review.post_release(post=second, moderator=moderator)
    closing.post_restore(post=first, moderator=moderator)
    assert answer_count(question) == 2


def test_a_comment_deleted_through_a_flag_is_recounted_on_its_post():
    answer = make_answer(make_question())
    comment, _ = services.comment_create(post=answer, author=UserFactory(), body="Try the other port.")
    services.comment_create(post=answer, author=UserFactory(), body="Worked for me too.")
    flag = Flag.objects.create(flagger=UserFactory(reputation=20), comment=comment, reason=FlagReason.ABUSE)

    flags.flag_accept(flag=flag, moderator=ModeratorFactory(), outcome="delete")
    flags_again = visibility.post_visibility_change(post=comment, change=visibility.Change.DELETE)

    assert not flags_again
    assert Answer.objects.get(pk=answer.pk).comment_count == 1


# --- Defect: votes on a deleted answer kept their credit ---------------------------------------


def test_a_vote_applied_after_its_answer_was_deleted_holds_no_credit(commit):
    author = UserFactory()
    answer = make_answer(make_question(), author=author)
    voters = [UserFactory() for _ in range(2)]  # 1 reputation: enough to vote up, and no drift
    # Two up-votes whose events wait (a broker outage): their tasks never ran.
    for voter in voters:
        services.vote_cast(voter=voter, post=answer, value=1)
    waiting = list(ReputationEvent.objects.pending().values_list("pk", flat=True))
    commit(closing.post_delete, post=answer, actor=ModeratorFactory())

    for event_id in waiting:  # re-sent by the outbox after the deletion
        apply_event(event_id)

    author.refresh_from_db()
    assert author.reputation == 1
    assert not LedgerEntry.objects.active().filter(answer=answer).exists()
    assert reconcile.check().drift == 0


def test_restoring_the_answer_gives_back_the_votes_applied_while_it_was_deleted(commit):
    author = UserFactory()
    answer = make_answer(make_question(), author=author)
    services.vote_cast(voter=UserFactory(), post=answer, value=1)
    waiting = list(ReputationEvent.objects.pending().values_list("pk", flat=True))
    moderator = ModeratorFactory()
    commit(closing.post_delete, post=answer, actor=moderator)
    apply_event(waiting[0])

    commit(closing.post_restore, post=answer, moderator=moderator)

    author.refresh_from_db()
    assert author.reputation == 11
    assert reconcile.check().drift == 0


# --- Defect: deleted and held posts were readable and took comments and votes -------------------


@pytest.fixture
def deleted_answer():
    answer = make_answer(make_question(), author=UserFactory())
    closing.post_delete(post=answer, actor=ModeratorFactory())
    return Answer.objects.get(pk=answer.pk)


def test_revisions_of_a_deleted_answer_are_closed_to_everyone_but_its_author_and_moderators(
    client, deleted_answer
):
    url = f"/answers/{deleted_answer.pk}/revisions/"
    assert client.get(url).status_code == 404
    client.force_login(UserFactory())
    assert client.get(url).status_code == 404
    client.force_login(deleted_answer.author)
    assert client.get(url).status_code == 200
    client.force_login(ModeratorFactory())
    assert client.get(url).status_code == 200


def test_revisions_of_a_held_question_are_closed_to_others(client, settings):
    settings.COMMONPLACE_PREMODERATE_FIRST_POSTS = True
    question = make_question(author=UserFactory())
    assert question.held_at is not None

    assert client.get(f"/questions/{question.pk}/revisions/").status_code == 404
    client.force_login(question.author)
    assert client.get(f"/questions/{question.pk}/revisions/").status_code == 200


def test_revisions_of_an_answer_in_a_deleted_question_are_closed(client):
    question = make_question()
    answer = make_answer(question)
    closing.post_delete(post=question, actor=ModeratorFactory())

    assert client.get(f"/answers/{answer.pk}/revisions/").status_code == 404


def test_no_one_votes_or_comments_on_a_deleted_answer(client, deleted_answer):
    moderator = ModeratorFactory()
    client.force_login(moderator)  # moderators see it, and still may not add to it

    voted = client.post(f"/answers/{deleted_answer.pk}/vote/", {"value": "1"})
    commented = client.post(f"/answers/{deleted_answer.pk}/comments/", {"body": "Still broken for me."})

    assert voted.status_code == 403
    assert "This post was deleted, so it can&#x27;t be voted on." in voted.content.decode()
    assert commented.status_code == 403
    assert not Comment.objects.exists()
    assert not deleted_answer.votes.exists()


def test_members_cannot_vote_or_comment_on_a_held_or_hidden_post():
    question = make_question()
    member = UserFactory(reputation=20)
    hidden = make_answer(question)
    visibility.post_visibility_change(post=hidden, change=visibility.Change.HIDE)
    held = make_answer(question)
    visibility.post_visibility_change(post=held, change=visibility.Change.HOLD)

    for post in (Answer.objects.get(pk=hidden.pk), Answer.objects.get(pk=held.pk)):
        with pytest.raises(PermissionDenied, match="so it can't be voted on"):
            services.vote_cast(voter=member, post=post, value=1)
        with pytest.raises(PermissionDenied, match=re.escape("so it can't be commented on")):
            services.comment_create(post=post, author=post.author, body="Let me add details.")


def test_a_vote_checked_before_a_deletion_committed_is_refused_under_the_lock():
    """The service asks again once it holds the post's lock; here the deletion landed between
    the page and the vote (the race itself runs on PostgreSQL in tests/integration)."""
    answer = make_answer(make_question())
    stale = Answer.objects.get(pk=answer.pk)  # read before the deletion
    closing.post_delete(post=answer, actor=ModeratorFactory())

    with pytest.raises(PermissionDenied, match="deleted"):
        services.vote_cast(voter=UserFactory(), post=stale, value=1)
    assert not stale.votes.exists()


def test_a_deleted_answers_words_find_nothing_in_search():
    question = make_question(title="Router drops the connection at night")
    answer = make_answer(question, body="Replace the flux capacitor in the attic.")
    assert search_questions("capacitor").count() == 1

    closing.post_delete(post=answer, actor=ModeratorFactory())

    assert search_questions("capacitor").count() == 0
