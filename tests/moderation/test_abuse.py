"""Posting limits: the same for every role, answered with 429 and the text as it was typed."""

import re
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import User
from forum.limits import PostLimited, check_post_allowed, count_links, limits_disabled
from forum.models import Answer, Question
from tests.factories import (
    ModeratorFactory,
    StaffFactory,
    UserFactory,
    make_answer,
    make_question,
    seed_demo,
)

pytestmark = [pytest.mark.django_db, pytest.mark.post_limits]

ASK = {
    "title": "Invoice PDF is blank when I download it",
    "body": "Every invoice I download since Monday opens as a blank page.",
    "tags": "billing, invoices",
}
ANSWER_BODY = "Clear the browser cache, then download the invoice again from the list."
FOUR_LINKS = (
    "Tried the steps from [the guide](https://help.example.com/pdf), <https://status.example.com>, "
    "https://forum.example.com/t/1 and www.example.org but the PDF is still blank."
)


def member(*, new: bool, reputation: int | None = None, factory=UserFactory) -> User:
    """A member who joined today (new) or a year ago with 500 reputation (established)."""
    user = factory()
    joined = timezone.now() - (timedelta(hours=1) if new else timedelta(days=365))
    User.objects.filter(pk=user.pk).update(
        date_joined=joined, reputation=reputation if reputation is not None else (1 if new else 500)
    )
    user.refresh_from_db()
    return user


def posted(author, kind: str, *, hours_ago: float, count: int = 1, question=None):
    """Posts made earlier (the limits are off while they are made; their times are then set)."""
    with limits_disabled():
        for _ in range(count):
            if kind == "question":
                post = make_question(author=author)
            else:
                post = make_answer(question or make_question(), author=author)
            type(post).objects.filter(pk=post.pk).update(
                created_at=timezone.now() - timedelta(hours=hours_ago)
            )
    return post


def ask(client, user, **data):
    client.force_login(user)
    return client.post("/questions/ask/", {**ASK, "submission_token": str(uuid.uuid4()), **data})


def answer(client, user, question, body=ANSWER_BODY, **extra):
    client.force_login(user)
    return client.post(
        f"/questions/{question.pk}/answers/",
        {"body": body, "submission_token": str(uuid.uuid4())},
        **extra,
    )


# --- New accounts: questions and answers a day ------------------------------------------------


def test_fourth_question_in_a_day_from_a_new_account_is_refused_with_the_text_kept(client):
    asker = member(new=True)
    posted(asker, "question", hours_ago=19)
    posted(asker, "question", hours_ago=10, count=2)

    response = ask(client, asker, title="Fourth question about my blank invoices")

    assert response.status_code == 429
    assert (
        "New accounts can post 3 questions a day; you can post again in about 5 hours."
        in response.content.decode()
    )
    assert "Fourth question about my blank invoices" in response.content.decode()
    assert ASK["body"] in response.content.decode()
    assert Question.objects.filter(author=asker).count() == 3


def test_a_question_leaves_the_daily_count_after_24_hours(client):
    asker = member(new=True)
    posted(asker, "question", hours_ago=25)
    posted(asker, "question", hours_ago=3, count=2)

    assert ask(client, asker).status_code == 302


def test_eleventh_answer_in_a_day_from_a_new_account_is_refused_with_the_text_kept(client):
    helper = member(new=True)
    question = make_question()
    posted(helper, "answer", hours_ago=2, count=10, question=question)

    response = answer(client, helper, question, body="My eleventh answer: restart the sync service.")

    assert response.status_code == 429
    page = response.content.decode()
    assert "New accounts can post 10 answers a day; you can post again in about 22 hours." in page
    assert "My eleventh answer: restart the sync service." in page
    assert Answer.objects.filter(author=helper).count() == 10


def test_low_reputation_counts_as_new_however_old_the_account(client):
    asker = member(new=False, reputation=9)
    posted(asker, "question", hours_ago=2, count=3)

    assert ask(client, asker).status_code == 429


def test_an_established_account_has_no_daily_cap(client):
    asker = member(new=False)
    posted(asker, "question", hours_ago=1, count=5)
    helper = member(new=False)
    question = make_question()
    posted(helper, "answer", hours_ago=1, count=12, question=question)

    assert ask(client, asker).status_code == 302
    assert answer(client, helper, question).status_code == 302


@pytest.mark.parametrize("factory", [StaffFactory, ModeratorFactory], ids=["staff", "moderator"])
def test_staff_and_moderators_with_new_accounts_get_the_same_daily_cap(client, factory):
    newcomer = member(new=True, factory=factory)
    posted(newcomer, "question", hours_ago=2, count=3)

    response = ask(client, newcomer)

    assert response.status_code == 429
    assert "New accounts can post 3 questions a day" in response.content.decode()


# --- New accounts: links ------------------------------------------------------------------------


def test_links_are_counted_in_every_markdown_form():
    assert count_links(FOUR_LINKS) == 4
    assert count_links("No links here, only `https://in.code.example` in code.") == 0


def test_a_new_account_may_not_post_more_than_two_links(client):
    asker = member(new=True)

    response = ask(client, asker, body=FOUR_LINKS)

    assert response.status_code == 429
    page = response.content.decode()
    assert "New accounts can include at most 2 links per post; this one has 4." in page
    assert "https://forum.example.com/t/1" in page  # the typed text is still in the form
    assert not Question.objects.filter(author=asker).exists()


def test_a_new_account_may_post_two_links(client):
    body = "See [the guide](https://help.example.com/pdf) and https://status.example.com first."

    assert ask(client, member(new=True), body=body).status_code == 302


def test_links_in_an_answer_from_a_new_account_are_limited_too(client):
    response = answer(client, member(new=True), make_question(), body=FOUR_LINKS)

    assert response.status_code == 429
    assert "this one has 4" in response.content.decode()


def test_an_established_account_may_post_many_links(client):
    assert ask(client, member(new=False), body=FOUR_LINKS).status_code == 302


# --- Everyone: one post per 15 seconds ---------------------------------------------------------


@pytest.mark.parametrize("factory", [UserFactory, StaffFactory, ModeratorFactory])
def test_everyone_waits_15_seconds_between_posts(client, factory):
    veteran = member(new=False, factory=factory)
    posted(veteran, "answer", hours_ago=6 / 3600)  # six seconds ago

    response = ask(client, veteran)

    assert response.status_code == 429
    assert re.search(
        r"Please wait 15 seconds between posts; you can post again in [89] seconds\.",
        response.content.decode(),
    )
    assert ASK["title"] in response.content.decode()
    assert not Question.objects.filter(author=veteran).exists()


def test_an_answer_right_after_a_question_waits_too(client):
    veteran = member(new=False)
    posted(veteran, "question", hours_ago=1 / 3600)

    response = answer(client, veteran, make_question())

    assert response.status_code == 429
    assert "Please wait 15 seconds between posts" in response.content.decode()
    assert ANSWER_BODY in response.content.decode()
    assert not Answer.objects.filter(author=veteran).exists()


def test_after_15_seconds_the_next_post_goes_through(client):
    veteran = member(new=False)
    posted(veteran, "question", hours_ago=16 / 3600)

    assert ask(client, veteran).status_code == 302


def test_htmx_requests_are_limited_the_same_way(client):
    veteran = member(new=False)
    posted(veteran, "question", hours_ago=1 / 3600)

    response = answer(client, veteran, make_question(), HTTP_HX_REQUEST="true")

    assert response.status_code == 429
    assert "Please wait 15 seconds between posts" in response.content.decode()


# --- Double submits, the switch, the demo ---------------------------------------------------------


def test_a_double_submitted_form_returns_the_first_post_instead_of_429(client):
    newcomer = member(new=True)
    client.force_login(newcomer)
    data = {**ASK, "submission_token": str(uuid.uuid4())}

    first = client.post("/questions/ask/", data)
    second = client.post("/questions/ask/", data)

    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Question.objects.filter(author=newcomer).count() == 1


def test_a_double_submitted_answer_returns_the_first_answer_instead_of_429(client):
    newcomer = member(new=True)
    question = make_question()
    client.force_login(newcomer)
    data = {"body": ANSWER_BODY, "submission_token": str(uuid.uuid4())}

    first = client.post(f"/questions/{question.pk}/answers/", data)
    second = client.post(f"/questions/{question.pk}/answers/", data)

    assert first.status_code == second.status_code == 302
    assert Answer.objects.filter(author=newcomer).count() == 1


def test_the_service_raises_post_limited_and_comments_skip_the_pause():
    veteran = member(new=False)
    posted(veteran, "question", hours_ago=1 / 3600)

    with pytest.raises(PostLimited):
        check_post_allowed(author=veteran, kind="answer", body=ANSWER_BODY)
    check_post_allowed(author=veteran, kind="comment", body="Thanks, that worked.")


def test_limits_switched_off_in_settings_allow_anything(settings):
    settings.COMMONPLACE_POST_LIMITS_ENABLED = False
    newcomer = member(new=True)
    posted(newcomer, "question", hours_ago=0, count=3)

    check_post_allowed(author=newcomer, kind="question", body=FOUR_LINKS)


def test_seeding_the_demo_is_not_limited():
    seed_demo()

    assert Question.objects.count() >= 20
