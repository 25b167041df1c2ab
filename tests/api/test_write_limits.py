"""The web's limits on comments and edits through the API (forum/limits.py, called by the
services both doors share): 429 post_limited, the web's sentence and Retry-After."""

import re

import pytest

from forum.models import SuggestedEdit
from tests.api.conftest import error_of, key_for, ok
from tests.factories import make_answer, make_question
from tests.forum.test_write_limits import COMMENT, FOUR_LINKS, ago, commented, edited, member

pytestmark = [pytest.mark.django_db, pytest.mark.post_limits]


def test_a_comment_through_the_api_waits_as_on_the_web(api):
    veteran = member(new=False)
    commented(veteran, at=ago(seconds=5))
    answer = make_answer(make_question())

    response = api.post(f"/api/v1/answers/{answer.pk}/comments/", {"body": COMMENT}, token=key_for(veteran))

    error = error_of(response, 429)
    assert error["code"] == "post_limited"
    assert re.fullmatch(
        r"Please wait 15 seconds between comments; you can comment again in (9|10) seconds\.",
        error["message"],
    )
    assert response["Retry-After"] in ("9", "10")
    assert not answer.comments.exists()


def test_a_new_accounts_comment_cap_through_the_api(api):
    newcomer = member(new=True)
    commented(newcomer, count=20, at=ago(hours=23))
    question = make_question()

    response = api.post(
        f"/api/v1/questions/{question.pk}/comments/", {"body": COMMENT}, token=key_for(newcomer)
    )

    error = error_of(response, 429)
    assert (
        error["message"] == "New accounts can post 20 comments a day; you can comment again in about 1 hour."
    )
    assert 0 < int(response["Retry-After"]) <= 3600


def test_an_edit_through_the_api_is_limited_with_retry_after(api):
    editor = member(new=False)
    edited(editor, count=30, at=ago(minutes=45))
    question = make_question(author=editor)

    response = api.patch(
        f"/api/v1/questions/{question.pk}/",
        {"body": "The router drops the connection every hour."},
        token=key_for(editor),
    )

    error = error_of(response, 429)
    assert error["message"] == "You can make 30 edits an hour; you can edit again in about 15 minutes."
    assert 14 * 60 <= int(response["Retry-After"]) <= 15 * 60


def test_a_suggested_edit_through_the_api_counts_links_like_a_post(api):
    answer = make_answer(make_question())

    response = api.patch(
        f"/api/v1/answers/{answer.pk}/", {"body": FOUR_LINKS}, token=key_for(member(new=True))
    )

    error = error_of(response, 429)
    assert (
        error["message"]
        == "New accounts can include at most 2 links per post; with this edit it would have 4."
    )
    assert "Retry-After" not in response
    assert not SuggestedEdit.objects.exists()


def test_within_the_limits_the_api_edits_and_comments(api):
    editor = member(new=False)
    answer = make_answer(make_question(), author=editor)
    token = key_for(editor)

    ok(
        api.patch(
            f"/api/v1/answers/{answer.pk}/",
            {"body": "Reset it from the admin page, then reboot."},
            token=token,
        )
    )
    ok(api.post(f"/api/v1/answers/{answer.pk}/comments/", {"body": COMMENT}, token=token), 201)
