"""A profile lists the member's questions and answers, paged and sorted, as the viewer may see
them; its bio is Markdown, rendered and sanitised like a post."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from forum import services
from forum.models import Answer, Question, Vote
from forum.selectors import MEMBER_POSTS_PER_PAGE
from tests.factories import ModeratorFactory, UserFactory, make_answer, make_question

pytestmark = pytest.mark.django_db


def titles(page: str) -> list[str]:
    return re.findall(r'<h3 class="question-title"><a href="[^"]*">([^<]*)</a>', page)


def asked(author, title: str, days_ago: float = 0, score: int = 0) -> Question:
    question = make_question(author=author, title=title)
    Question.objects.filter(pk=question.pk).update(
        created_at=timezone.now() - timedelta(days=days_ago), score=score
    )
    return question


@pytest.fixture
def alice():
    return UserFactory(username="alice", display_name="Alice Martin")


# --- Questions and answers ---------------------------------------------------------------------


def test_questions_are_listed_newest_first_and_by_votes(client, alice):
    asked(alice, "An old question with many votes", days_ago=30, score=7)
    asked(alice, "A new question with no votes yet", days_ago=1)
    asked(alice, "A middling question from last week", days_ago=7, score=2)

    newest = client.get("/users/alice/").content.decode()
    by_votes = client.get("/users/alice/?tab=questions&sort=votes").content.decode()

    assert titles(newest) == [
        "A new question with no votes yet",
        "A middling question from last week",
        "An old question with many votes",
    ]
    assert titles(by_votes) == [
        "An old question with many votes",
        "A middling question from last week",
        "A new question with no votes yet",
    ]
    assert 'Questions <span class="count">(3)</span>' in newest


def test_answers_tab_lists_answers_with_their_question_and_acceptance(client, alice):
    question = make_question(title="Where do I find the invoice settings?")
    answer = make_answer(question, author=alice)
    services.answer_accept_toggle(answer=answer, user=question.author)
    make_answer(make_question(title="Why does the export look garbled?"), author=alice)

    page = client.get("/users/alice/?tab=answers").content.decode()

    assert titles(page) == [
        "Answer to: Why does the export look garbled?",
        "Answer to: Where do I find the invoice settings?",
    ]
    assert f'href="{question.get_absolute_url()}#answer-{answer.pk}"' in page
    assert page.count("✓ accepted") == 1
    assert 'Answers <span class="count">(2)</span>' in page
    assert 'aria-current="page">Answers' in page


def test_answers_sorted_by_votes(client, alice):
    low = make_answer(make_question(title="A question answered with a low score"), author=alice)
    high = make_answer(make_question(title="A question answered with a high score"), author=alice)
    services.vote_cast(voter=UserFactory(), post=high, value=Vote.UP)
    Answer.objects.filter(pk=low.pk).update(created_at=timezone.now() + timedelta(minutes=1))

    page = client.get("/users/alice/?tab=answers&sort=votes").content.decode()

    assert titles(page) == [
        "Answer to: A question answered with a high score",
        "Answer to: A question answered with a low score",
    ]


def test_posts_are_paged_and_the_tab_survives_paging(client, alice):
    for number in range(MEMBER_POSTS_PER_PAGE + 3):
        asked(alice, f"Question number {number:02d} about routers", days_ago=number)

    first = client.get("/users/alice/").content.decode()
    second = client.get("/users/alice/?tab=questions&sort=newest&page=2").content.decode()

    assert len(titles(first)) == MEMBER_POSTS_PER_PAGE
    assert titles(second) == [f"Question number {n:02d} about routers" for n in range(20, 23)]
    assert "Page 2 of 2" in second
    assert 'href="?tab=questions&amp;sort=newest&amp;page=1" rel="prev"' in second


def test_a_member_without_posts_says_so(client, alice):
    page = client.get("/users/alice/").content.decode()
    answers = client.get("/users/alice/?tab=answers").content.decode()

    assert "Alice Martin has not asked any questions yet." in page
    assert "Alice Martin has not answered any questions yet." in answers


def test_deleted_and_held_posts_show_only_to_their_author_and_moderators(client, alice):
    asked(alice, "A public question about invoices")
    deleted = asked(alice, "A deleted question about invoices")
    Question.objects.filter(pk=deleted.pk).update(deleted_at=timezone.now())
    held = asked(alice, "A held question about invoices")
    Question.objects.filter(pk=held.pk).update(held_at=timezone.now())
    gone_thread = make_question(title="A thread that was deleted later")
    make_answer(gone_thread, author=alice)
    Question.objects.filter(pk=gone_thread.pk).update(deleted_at=timezone.now())

    def seen_by(person):
        client.logout()
        if person:
            client.force_login(person)
        page = client.get("/users/alice/").content.decode()
        answers = client.get("/users/alice/?tab=answers").content.decode()
        return page, titles(page), titles(answers)

    visitor, visitor_questions, visitor_answers = seen_by(None)
    _, member_questions, _ = seen_by(UserFactory())
    own, own_questions, own_answers = seen_by(alice)
    moderator, moderator_questions, moderator_answers = seen_by(ModeratorFactory())

    assert visitor_questions == member_questions == ["A public question about invoices"]
    assert visitor_answers == [] and 'Answers <span class="count">(0)</span>' in visitor
    assert len(own_questions) == len(moderator_questions) == 3
    assert own_answers == []  # her own answer, but in a thread deleted by someone else
    assert moderator_answers == ["Answer to: A thread that was deleted later"]
    for page in (own, moderator):
        assert "<strong>deleted</strong>" in page and "<strong>waiting for a moderator</strong>" in page


def test_the_profile_costs_the_same_queries_however_many_posts(client, alice, django_assert_max_num_queries):
    asked(alice, "The first question of Alice here")
    make_answer(make_question(), author=alice)
    client.force_login(UserFactory())
    for tab in ("questions", "answers"):
        # session, viewer, the member, both members' groups (flair and who may suspend whom),
        # the reputation summary, badges, two tab counts, the page of posts and their tags.
        with django_assert_max_num_queries(11) as few:
            assert client.get(f"/users/alice/?tab={tab}").status_code == 200
        for number in range(8):
            asked(alice, f"Another question numbered {number}", days_ago=number)
            make_answer(make_question(), author=alice)
        with django_assert_max_num_queries(len(few.captured_queries)):
            assert client.get(f"/users/alice/?tab={tab}").status_code == 200


# --- The bio ---------------------------------------------------------------------------------------


def test_the_bio_is_markdown_rendered_and_sanitised(client):
    UserFactory(
        username="bob",
        bio=(
            "# Home-network tinkerer\n\n"
            "I **love** routers. See [my notes](https://notes.example/r) or https://bob.example.\n\n"
            "![me](https://tracker.example/pixel.png)\n\n"
            '<script>alert("x")</script> <a href="javascript:alert(1)">click</a>\n\n'
            "[bad](javascript:alert(1))"
        ),
    )

    body = client.get("/users/bob/").content.decode()
    bio = body[body.index('<div class="prose bio">') : body.index('aria-labelledby="posts-heading"')]

    assert "<h3>Home-network tinkerer</h3>" in bio  # demoted below the page's headings
    assert "<strong>love</strong>" in bio
    assert '<a href="https://notes.example/r" rel="nofollow ugc noopener">my notes</a>' in bio
    assert '<a href="https://bob.example" rel="nofollow ugc noopener">https://bob.example</a>' in bio
    assert "<img" not in bio
    assert '<a href="https://tracker.example/pixel.png" rel="nofollow ugc noopener">me</a>' in bio
    assert "<script" not in bio and "&lt;script&gt;" in bio
    assert '<a href="javascript' not in bio  # raw HTML and unsafe links stay text


def test_the_bio_help_text_says_markdown(client, alice):
    client.force_login(alice)

    page = client.get("/users/alice/edit/").content.decode()

    assert "in Markdown" in page
    assert "plain text" not in page
