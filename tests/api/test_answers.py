"""Answers, comments, votes, accepting and "also helped" through the API, with the web's rules
and sentences, and the reputation ledger behind them."""

import pytest
from django.utils import timezone

from forum.models import AlsoHelped, Answer, Comment, Question, Vote
from reputation.models import LedgerEntry
from tests.api.conftest import key_for
from tests.factories import ModeratorFactory, UserFactory, make_answer, make_question

pytestmark = pytest.mark.django_db

BODY = "Unplug it for thirty seconds, then hold the reset button."


def test_answering_with_a_key_posts_as_its_owner(api):
    question = make_question()
    owner = UserFactory()
    response = api.post(f"/api/v1/questions/{question.pk}/answers/", {"body": BODY}, token=key_for(owner))
    assert response.status_code == 201, response.content
    answer = Answer.objects.get()
    assert (answer.author, answer.body) == (owner, BODY)
    assert response.json()["question_id"] == question.pk
    assert response["Location"] == f"/api/v1/answers/{answer.pk}/"
    question.refresh_from_db()
    assert question.answer_count == 1


def test_a_closed_question_takes_no_answer_with_the_webs_sentence(api):
    question = make_question()
    Question.objects.filter(pk=question.pk).update(closed_at=timezone.now(), close_reason="off_topic")
    response = api.post(
        f"/api/v1/questions/{question.pk}/answers/", {"body": BODY}, token=key_for(UserFactory())
    )
    assert response.status_code == 403
    assert response.json()["error"]["message"] == (
        "This question is closed, so it takes no new answers. You can still comment, "
        "or vote to reopen it if you can improve it."
    )


def test_a_short_answer_has_the_web_forms_message(api):
    question = make_question()
    response = api.post(
        f"/api/v1/questions/{question.pk}/answers/", {"body": "Reboot"}, token=key_for(UserFactory())
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "body": ["Ensure this value has at least 20 characters (it has 6)."]
    }


def test_answers_are_listed_accepted_first_then_by_score(api, django_assert_max_num_queries):
    question = make_question()
    low, high, accepted = (
        make_answer(question, body=f"Answer number {n} with enough text.") for n in range(3)
    )
    Answer.objects.filter(pk=high.pk).update(score=3)
    api.post(f"/api/v1/answers/{accepted.pk}/accept/", token=key_for(question.author))
    with django_assert_max_num_queries(6):
        response = api.get(f"/api/v1/questions/{question.pk}/answers/")
    results = response.json()["results"]
    assert [a["id"] for a in results] == [accepted.pk, high.pk, low.pk]
    assert [a["is_accepted"] for a in results] == [True, False, False]


def test_a_deleted_answer_is_404_to_others_and_listed_for_its_author(api):
    question = make_question()
    answer = make_answer(question)
    Answer.objects.filter(pk=answer.pk).update(deleted_at=timezone.now())
    assert api.get(f"/api/v1/answers/{answer.pk}/").status_code == 404
    mine = api.get(f"/api/v1/questions/{question.pk}/answers/", token=key_for(answer.author, "read")).json()
    assert [(a["id"], a["state"]) for a in mine["results"]] == [(answer.pk, "deleted")]


def test_the_author_edits_an_answer(api):
    answer = make_answer(make_question())
    response = api.patch(f"/api/v1/answers/{answer.pk}/", {"body": BODY}, token=key_for(answer.author))
    assert response.status_code == 200
    assert response.json()["body"] == BODY
    assert response.json()["edited_at"] is not None


def test_comments_on_questions_and_answers(api, django_assert_max_num_queries):
    question = make_question()
    answer = make_answer(question)
    token = key_for(question.author)
    on_question = api.post(
        f"/api/v1/questions/{question.pk}/comments/", {"body": "Which model is it?"}, token=token
    )
    on_answer = api.post(
        f"/api/v1/answers/{answer.pk}/comments/", {"body": "That worked, thanks!"}, token=token
    )
    assert (on_question.status_code, on_answer.status_code) == (201, 201)
    assert on_answer.json()["answer_id"] == answer.pk
    for n in range(5):
        api.post(f"/api/v1/answers/{answer.pk}/comments/", {"body": f"Comment number {n}"}, token=token)
    with django_assert_max_num_queries(5):
        listed = api.get(f"/api/v1/answers/{answer.pk}/comments/").json()["results"]
    assert [c["body"] for c in listed][:2] == ["That worked, thanks!", "Comment number 0"]
    one = api.get(f"/api/v1/comments/{on_question.json()['id']}/").json()
    assert one["url"].endswith(f"#comment-{one['id']}")


def test_commenting_on_others_posts_needs_the_privilege_as_on_the_web(api, settings):
    settings.REPUTATION_PRIVILEGE_PRESET = "mature"
    answer = make_answer(make_question())
    response = api.post(
        f"/api/v1/answers/{answer.pk}/comments/", {"body": "Nice one"}, token=key_for(UserFactory())
    )
    assert response.status_code == 403
    assert response.json()["error"]["message"].startswith(
        "Commenting on other people's posts needs 50 reputation"
    )
    assert not Comment.objects.exists()


def test_voting_moves_the_score_and_writes_the_ledger(api, django_capture_on_commit_callbacks):
    answer = make_answer(make_question())
    token = key_for(UserFactory(reputation=1))
    with django_capture_on_commit_callbacks(execute=True):
        up = api.post(f"/api/v1/answers/{answer.pk}/vote/", {"value": 1}, token=token)
    assert up.json() == {"value": 1, "score": 1}
    assert LedgerEntry.objects.filter(user=answer.author, amount=10).exists()
    back = api.delete(f"/api/v1/answers/{answer.pk}/vote/", token=token)
    assert back.json() == {"value": 0, "score": 0}
    assert Vote.objects.get().value == 0


def test_voting_down_without_the_privilege_is_the_webs_sentence(api):
    answer = make_answer(make_question())
    response = api.post(
        f"/api/v1/answers/{answer.pk}/vote/", {"value": -1}, token=key_for(UserFactory(reputation=1))
    )
    assert response.status_code == 403
    assert response.json()["error"]["message"] == "Voting down needs 50 reputation; you have 1."


def test_a_vote_of_another_value_is_a_400(api):
    question = make_question()
    response = api.post(f"/api/v1/questions/{question.pk}/vote/", {"value": 5}, token=key_for(UserFactory()))
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["value"]


def test_voting_on_your_own_post_is_refused(api):
    question = make_question()
    response = api.post(
        f"/api/v1/questions/{question.pk}/vote/", {"value": 1}, token=key_for(question.author)
    )
    assert response.status_code == 403
    assert response.json()["error"]["message"] == "You can't vote on your own post."


def test_accept_and_unaccept_are_explicit_and_repeatable(api, django_capture_on_commit_callbacks):
    question = make_question()
    answer = make_answer(question)
    token = key_for(question.author)
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            accepted = api.post(f"/api/v1/answers/{answer.pk}/accept/", token=token)
        assert accepted.json() == {"accepted": True, "accepted_answer_id": answer.pk}
    assert LedgerEntry.objects.filter(user=answer.author, amount=15).count() == 1
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            taken_back = api.delete(f"/api/v1/answers/{answer.pk}/accept/", token=token)
        assert taken_back.json() == {"accepted": False, "accepted_answer_id": None}
    assert LedgerEntry.objects.filter(user=answer.author, amount=-15).count() == 1


def test_only_the_asker_accepts(api):
    answer = make_answer(make_question())
    response = api.post(f"/api/v1/answers/{answer.pk}/accept/", token=key_for(ModeratorFactory()))
    assert response.status_code == 403
    assert response.json()["error"]["message"] == "Only the person who asked can accept an answer."


def test_also_helped_marks_and_unmarks(api):
    question = make_question()
    answer = make_answer(question)
    token = key_for(question.author)
    assert api.post(f"/api/v1/answers/{answer.pk}/also-helped/", token=token).json() == {"also_helped": True}
    assert api.post(f"/api/v1/answers/{answer.pk}/also-helped/", token=token).json() == {"also_helped": True}
    assert AlsoHelped.objects.count() == 1
    assert api.get(f"/api/v1/answers/{answer.pk}/").json()["is_also_helped"] is True
    assert api.delete(f"/api/v1/answers/{answer.pk}/also-helped/", token=token).json() == {
        "also_helped": False
    }
    assert not AlsoHelped.objects.exists()


def test_the_accepted_answer_cannot_also_help_as_on_the_web(api):
    question = make_question()
    answer = make_answer(question)
    token = key_for(question.author)
    api.post(f"/api/v1/answers/{answer.pk}/accept/", token=token)
    response = api.post(f"/api/v1/answers/{answer.pk}/also-helped/", token=token)
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "This is the accepted answer already."
