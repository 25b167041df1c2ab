"""The question list renders each summary once per process for the values it shows
(forum/templatetags/memo_tags.py): whatever changes one of them shows on the next request."""

import pytest
from taggit.models import Tag

from accounts.models import User
from forum import services
from forum.models import Question
from tests.factories import UserFactory, make_answer, make_question

pytestmark = pytest.mark.django_db


def list_page(client) -> str:
    response = client.get("/questions/")
    assert response.status_code == 200
    return response.content.decode()


def test_a_vote_an_edit_and_an_accepted_answer_show_on_the_next_list(client):
    asker = UserFactory(display_name="Robin Asker")
    question = make_question(author=asker, title="Printer prints blank pages")
    client.force_login(UserFactory())
    page = list_page(client)
    assert "Printer prints blank pages" in page and "<strong>0</strong> votes" in page

    services.vote_cast(voter=UserFactory(), post=question, value=1)
    answer = make_answer(question)
    Question.objects.filter(pk=question.pk).update(title="Printer prints only blank pages")
    page = list_page(client)
    assert "Printer prints only blank pages" in page
    assert "<strong>1</strong> vote" in page
    assert "<strong>1</strong> answer" in page

    services.answer_accept_toggle(answer=answer, user=asker)
    assert "✓ solved" in list_page(client)


def test_a_renamed_tag_and_a_renamed_author_show_on_the_next_list(client):
    author = UserFactory(display_name="Robin Asker")
    make_question(author=author, tags=("wifi",))
    client.force_login(UserFactory())
    page = list_page(client)
    assert ">wifi</a>" in page and "Robin Asker" in page

    Tag.objects.filter(name="wifi").update(name="wireless")
    User.objects.filter(pk=author.pk).update(display_name="Robin Renamed", reputation=1234)
    page = list_page(client)
    assert ">wireless</a>" in page and ">wifi</a>" not in page
    assert "Robin Renamed" in page and "Robin Asker" not in page
    assert "1,234" in page


def test_two_questions_never_share_a_summary(client):
    make_question(title="First question about routers")
    make_question(title="Second question about routers")
    client.force_login(UserFactory())
    page = list_page(client)
    assert "First question about routers" in page and "Second question about routers" in page
