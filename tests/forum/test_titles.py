"""Titles show what they say: NFKC-normalised, invisible characters out, and refused when nothing
visible is left ("The title must have visible text") or too little, on the web, in the API, in
the services, and for knowledge-base articles."""

import pytest
from django.core.exceptions import ValidationError

from forum import services
from forum.models import Question
from kb.forms import ArticleForm
from tests.factories import UserFactory, make_question

pytestmark = pytest.mark.django_db

ZERO_WIDTH_SPACES = "\u200b" * 20
BODY = "Every invoice I download since Monday opens as a blank page."


def ask(client, title: str):
    return client.post("/questions/ask/", {"title": title, "body": BODY, "tags": "billing"})


def test_a_title_of_zero_width_spaces_is_refused_on_the_web(client):
    client.force_login(UserFactory())

    response = ask(client, ZERO_WIDTH_SPACES)

    page = response.content.decode()
    assert response.status_code == 200
    assert "The title must have visible text." in page
    assert BODY in page
    assert Question.objects.count() == 0


def test_invisible_padding_does_not_count_towards_the_length(client):
    client.force_login(UserFactory())

    response = ask(client, "Help" + ZERO_WIDTH_SPACES)

    assert "The title needs at least 15 visible characters (it has 4)." in response.content.decode()
    assert Question.objects.count() == 0


def test_a_title_is_saved_as_it_shows(client):
    client.force_login(UserFactory())

    ask(client, "Invoice\u200b PDF\u202e is   blank \u2060when I download it")

    assert Question.objects.get().title == "Invoice PDF is blank when I download it"


def test_the_api_refuses_the_same_title_with_the_same_sentence(client):
    client.force_login(UserFactory())

    response = client.post(
        "/api/v1/questions/",
        {"title": ZERO_WIDTH_SPACES, "body": BODY, "tags": ["billing"]},
        content_type="application/json",
    )

    assert response.status_code == 400
    assert response.json()["error"]["fields"]["title"] == ["The title must have visible text."]


def test_editing_a_title_to_nothing_visible_is_refused(client):
    author = UserFactory()
    question = make_question(author=author)
    client.force_login(author)

    response = client.post(
        f"/questions/{question.pk}/edit/", {"title": ZERO_WIDTH_SPACES, "body": question.body, "tags": "wifi"}
    )

    assert "The title must have visible text." in response.content.decode()
    question.refresh_from_db()
    assert question.title == "How do I reset my router safely?"


def test_the_services_refuse_it_whatever_door_calls_them():
    author = UserFactory()

    with pytest.raises(ValidationError, match="visible text"):
        services.question_create(author=author, title=ZERO_WIDTH_SPACES, body=BODY, tags=["billing"])
    question = make_question(author=author)
    with pytest.raises(ValidationError, match="visible text"):
        services.question_edit(
            question=question, editor=author, title="\u2060" * 20, body=question.body, tags=["wifi"]
        )


def test_a_knowledge_base_article_title_is_held_to_the_same_rule():
    form = ArticleForm(
        {"title": ZERO_WIDTH_SPACES, "summary": "A summary long enough.", "body": BODY, "tags": "billing"}
    )

    assert not form.is_valid()
    assert form.errors["title"] == ["The title must have visible text."]
