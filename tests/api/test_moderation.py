"""Moderation through the API: members' flags, close votes and deleting their own posts (the
write scope), moderators' actions (the moderate scope, and a moderator's account), each logged
as from the thread page."""

import pytest
from django.contrib.auth.models import Group

from accounts.models import MODERATORS_GROUP
from forum.models import Answer, Question
from moderation.models import Flag, ModerationAction
from tests.api.conftest import key_for
from tests.factories import ModeratorFactory, UserFactory, make_answer, make_question

pytestmark = pytest.mark.django_db


def test_a_moderator_closes_and_reopens_with_a_moderate_key(api):
    question = make_question()
    moderator = ModeratorFactory(display_name="Morgan")
    token = key_for(moderator, "read", "moderate")
    closed = api.post(f"/api/v1/questions/{question.pk}/close/", {"reason": "off_topic"}, token=token)
    assert closed.status_code == 200, closed.content
    assert (closed.json()["is_closed"], closed.json()["close_reason"]) == (True, "off_topic")
    entry = ModerationAction.objects.get()
    assert (entry.moderator, entry.action, entry.public_note) == (
        moderator,
        "closed",
        "closed as off-topic by Morgan",
    )
    reopened = api.post(f"/api/v1/questions/{question.pk}/reopen/", token=token)
    assert reopened.json()["is_closed"] is False


def test_closing_as_a_duplicate_needs_the_original_as_on_the_web(api):
    question = make_question()
    response = api.post(
        f"/api/v1/questions/{question.pk}/close/",
        {"reason": "duplicate"},
        token=key_for(ModeratorFactory(), "moderate"),
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "duplicate_of": ["Give the link (or number) of the question this one duplicates."]
    }


def test_a_moderators_write_key_does_not_moderate(api):
    question = make_question()
    response = api.post(
        f"/api/v1/questions/{question.pk}/lock/", token=key_for(ModeratorFactory(), "read", "write")
    )
    assert response.status_code == 403
    assert "does not have the moderate scope" in response.json()["error"]["message"]
    assert Question.objects.get().locked_at is None


def test_a_moderate_key_of_someone_no_longer_a_moderator_moderates_nothing(api):
    former = ModeratorFactory()
    token = key_for(former, "moderate")
    former.groups.remove(Group.objects.get(name=MODERATORS_GROUP))
    question = make_question()
    response = api.post(f"/api/v1/questions/{question.pk}/lock/", token=token)
    assert response.status_code == 403
    assert response.json()["error"]["message"] == "Only moderators can do this."


def test_a_moderator_locks_and_the_thread_takes_no_answers(api):
    question = make_question()
    api.post(
        f"/api/v1/questions/{question.pk}/lock/",
        {"reason": "heated"},
        token=key_for(ModeratorFactory(), "moderate"),
    )
    answer = api.post(
        f"/api/v1/questions/{question.pk}/answers/", {"body": "x" * 30}, token=key_for(UserFactory())
    )
    assert answer.status_code == 403
    assert (
        answer.json()["error"]["message"]
        == "This question is locked: it takes no new answers, comments or votes."
    )


def test_an_author_deletes_their_own_answer_with_the_write_scope(api):
    answer = make_answer(make_question())
    assert api.delete(f"/api/v1/answers/{answer.pk}/", token=key_for(answer.author)).status_code == 204
    assert Answer.objects.get().deleted_at is not None


def test_deleting_someone_elses_answer_takes_the_moderate_scope_and_a_moderator(api):
    answer = make_answer(make_question())
    member = api.delete(f"/api/v1/answers/{answer.pk}/", token=key_for(UserFactory()))
    assert member.status_code == 403
    moderator = ModeratorFactory()
    assert api.delete(f"/api/v1/answers/{answer.pk}/", token=key_for(moderator, "write")).status_code == 403
    token = key_for(moderator, "read", "write", "moderate")
    assert api.delete(f"/api/v1/answers/{answer.pk}/", token=token).status_code == 204
    restored = api.post(f"/api/v1/answers/{answer.pk}/restore/", token=token)
    assert restored.json()["state"] == "visible"


def test_an_accepted_answer_is_not_deleted_by_its_author(api):
    question = make_question()
    answer = make_answer(question)
    api.post(f"/api/v1/answers/{answer.pk}/accept/", token=key_for(question.author))
    response = api.delete(f"/api/v1/answers/{answer.pk}/", token=key_for(answer.author))
    assert response.status_code == 403
    assert response.json()["error"]["message"] == (
        "An accepted answer can't be deleted by its author: the asker relies on it."
    )


def test_members_flag_with_the_privilege(api):
    answer = make_answer(make_question())
    response = api.post(
        f"/api/v1/answers/{answer.pk}/flag/", {"reason": "spam"}, token=key_for(UserFactory(reputation=20))
    )
    assert response.status_code == 201
    assert Flag.objects.get().reason == "spam"
    own = api.post(f"/api/v1/answers/{answer.pk}/flag/", {"reason": "spam"}, token=key_for(answer.author))
    assert own.json()["error"]["message"] == "You can't flag your own post."


def test_close_votes_count_toward_three(api):
    question = make_question()
    response = api.post(
        f"/api/v1/questions/{question.pk}/close-vote/",
        {"reason": "needs_details"},
        token=key_for(UserFactory(reputation=1000)),
    )
    assert response.json() == {"recorded": True, "acted": False, "votes": 1, "needed": 3}
    below = api.post(
        f"/api/v1/questions/{question.pk}/close-vote/",
        {"reason": "needs_details"},
        token=key_for(UserFactory()),
    )
    assert below.json()["error"]["message"].startswith("Voting to close or reopen questions needs ")
