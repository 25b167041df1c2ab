"""/api/v1/questions/<id>/revisions/ and /api/v1/answers/<id>/revisions/: the web's revisions
page, newest first, for whoever may see the post."""

import pytest

from forum import services
from forum.models import Answer
from tests.api.conftest import error_of, key_for, ok
from tests.factories import ModeratorFactory, UserFactory, make_answer, make_question

pytestmark = pytest.mark.django_db


def test_a_questions_revisions_newest_first_with_their_editor_and_summary(api, django_assert_max_num_queries):
    question = make_question(title="How do I reset my router safely?", tags=("wifi", "routers"))
    editor = ModeratorFactory(display_name="Morgan")
    services.question_edit(
        question=question,
        editor=editor,
        title="How do I reset my router without losing settings?",
        body=question.body,
        tags=["wifi"],
        summary="clearer title",
    )

    with django_assert_max_num_queries(5):
        response = api.get(f"/api/v1/questions/{question.pk}/revisions/")

    first, second = ok(response)["results"][::-1]
    assert [first["number"], second["number"]] == [1, 2]
    assert first["title"] == "How do I reset my router safely?"
    assert first["tags"] == ["routers", "wifi"]
    assert first["editor"]["username"] == question.author.username
    assert second["title"] == "How do I reset my router without losing settings?"
    assert second["tags"] == ["wifi"]
    assert (second["summary"], second["editor"]["name"], second["editor"]["flairs"]) == (
        "clearer title",
        "Morgan",
        ["moderator"],
    )


def test_an_answers_revisions_page_with_a_cursor(api):
    answer = make_answer(make_question(), body="Update the firmware, then reboot it.")
    for n in range(3):
        services.answer_edit(
            answer=answer, editor=answer.author, body=f"Update the firmware, then reboot it {n}."
        )

    page = ok(api.get(f"/api/v1/answers/{answer.pk}/revisions/?page_size=2"))
    rest = ok(api.get(page["next"]))

    assert [r["number"] for r in page["results"] + rest["results"]] == [4, 3, 2, 1]
    assert rest["results"][-1]["body"] == "Update the firmware, then reboot it."
    assert rest["results"][-1]["title"] == "" and rest["results"][-1]["tags"] == []


def test_a_deleted_answers_revisions_are_its_author_and_moderators_only(api):
    answer = make_answer(make_question())
    Answer.objects.filter(pk=answer.pk).update(deleted_at=answer.created_at)
    url = f"/api/v1/answers/{answer.pk}/revisions/"

    assert error_of(api.get(url), 404)["code"] == "not_found"
    assert error_of(api.get(url, token=key_for(UserFactory(), "read")), 404)
    assert ok(api.get(url, token=key_for(answer.author, "read")))["results"][0]["number"] == 1
    assert ok(api.get(url, token=key_for(ModeratorFactory(), "read")))["results"][0]["number"] == 1
