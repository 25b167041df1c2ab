"""Limits on comments and edits (forum/limits.py), the same for every role and through every
door: a refusal answers 429, keeps what was typed and says when to try again."""

import re
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import User
from forum import services
from forum.limits import PostLimited, check_edit_allowed, limits_disabled
from forum.models import Answer, Comment, Revision, SuggestedEdit
from tests.factories import ModeratorFactory, StaffFactory, UserFactory, make_answer, make_question

pytestmark = [pytest.mark.django_db, pytest.mark.post_limits]

COMMENT = "Which router model is it, and which firmware version?"
FOUR_LINKS = (
    "Tried [the guide](https://help.example.com/pdf), <https://status.example.com>, "
    "https://forum.example.com/t/1 and www.example.org: still blank."
)
ROLES = pytest.mark.parametrize(
    "factory", [UserFactory, StaffFactory, ModeratorFactory], ids=["member", "staff", "moderator"]
)


def member(*, new: bool, factory=UserFactory) -> User:
    """A member who joined 20 hours ago with 1 reputation (new), or a year ago with 500
    (established: the edit privilege of the default preset)."""
    user = factory()
    joined = timezone.now() - (timedelta(hours=20) if new else timedelta(days=365))
    User.objects.filter(pk=user.pk).update(date_joined=joined, reputation=1 if new else 500)
    user.refresh_from_db()
    return user


def ago(**delta):
    return timezone.now() - timedelta(**delta)


def commented(author, *, count: int = 1, at, post=None) -> None:
    """Comments the author made earlier (made with the limits off, then dated)."""
    post = post or make_answer(make_question())
    with limits_disabled():
        for n in range(count):
            comment, _ = services.comment_create(post=post, author=author, body=f"Earlier comment {n}.")
            Comment.objects.filter(pk=comment.pk).update(created_at=at)


def edited(editor, *, count: int, at) -> None:
    """Edits the editor made earlier: revisions credited to them, after a post's first."""
    answer = make_answer(make_question(), author=UserFactory())
    Revision.objects.bulk_create(
        Revision(answer=answer, number=n + 2, body=f"Edit {n}", editor=editor, created_at=at)
        for n in range(count)
    )


def suggested(editor, *, count: int, at, status=SuggestedEdit.Status.REJECTED) -> None:
    for n in range(count):
        answer = make_answer(make_question(), author=UserFactory())
        SuggestedEdit.objects.create(
            answer=answer,
            editor=editor,
            body=f"Suggestion {n} for this answer",
            base_revision=1,
            status=status,
        )
    SuggestedEdit.objects.filter(editor=editor).update(created_at=at)


def comment(client, user, post, body=COMMENT, **headers):
    client.force_login(user)
    kind = post.kind
    return client.post(
        f"/{kind}s/{post.pk}/comments/", {"body": body, "submission_token": str(uuid.uuid4())}, **headers
    )


def edit_answer(client, user, answer, body):
    client.force_login(user)
    return client.post(f"/answers/{answer.pk}/edit/", {"body": body, "summary": "clearer steps"})


# --- Comments: everyone waits between two -------------------------------------------------------


@ROLES
def test_everyone_waits_15_seconds_between_comments_and_the_page_keeps_the_text(client, factory):
    veteran = member(new=False, factory=factory)
    commented(veteran, at=ago(seconds=5))
    answer = make_answer(make_question())

    response = comment(client, veteran, answer)

    assert response.status_code == 429
    page = response.content.decode()
    assert re.search(
        r"Please wait 15 seconds between comments; you can comment again in (9|10) seconds\.", page
    )
    assert COMMENT in page  # in its box, under the answer, to send again
    assert not answer.comments.exists()


def test_a_refused_comment_in_place_comes_back_with_its_text_and_when_to_retry(client):
    veteran = member(new=False)
    commented(veteran, at=ago(seconds=2))
    answer = make_answer(make_question())

    response = comment(client, veteran, answer, HTTP_HX_REQUEST="true")

    assert response.status_code == 429  # htmx swaps it in all the same (base.html's htmx-config)
    fragment = response.content.decode()
    assert "<html" not in fragment
    assert f'id="answer-{answer.pk}-comments"' in fragment
    assert (
        "you can comment again in 13 seconds." in fragment
        or "you can comment again in 14 seconds." in fragment
    )
    assert f">{COMMENT}</textarea>" in fragment
    assert '<details class="comment-form" open>' in fragment


def test_after_15_seconds_the_next_comment_goes_through(client):
    veteran = member(new=False)
    commented(veteran, at=ago(seconds=16))
    answer = make_answer(make_question())

    assert comment(client, veteran, answer).status_code == 302
    assert answer.comments.get().body == COMMENT


def test_a_comment_right_after_a_post_is_not_held_back_by_the_posts_pause(client):
    """Comments have a throttle of their own (as on Stack Exchange): answering and then adding
    a comment under your answer at once is a conversation, not a flood."""
    veteran = member(new=False)
    question = make_question()
    with limits_disabled():
        answer = make_answer(question, author=veteran)

    assert comment(client, veteran, answer).status_code == 302


# --- Comments: new accounts ---------------------------------------------------------------------


def test_a_new_accounts_21st_comment_in_a_day_is_refused_with_when_to_retry(client):
    newcomer = member(new=True)
    commented(newcomer, count=20, at=ago(hours=5))
    answer = make_answer(make_question())

    response = comment(client, newcomer, answer)

    assert response.status_code == 429
    page = response.content.decode()
    assert "New accounts can post 20 comments a day; you can comment again in about 19 hours." in page
    assert COMMENT in page
    assert not answer.comments.exists()


@pytest.mark.parametrize("factory", [StaffFactory, ModeratorFactory], ids=["staff", "moderator"])
def test_staff_and_moderators_with_new_accounts_get_the_same_comment_cap(client, factory):
    newcomer = member(new=True, factory=factory)
    commented(newcomer, count=20, at=ago(hours=1))

    response = comment(client, newcomer, make_answer(make_question()))

    assert response.status_code == 429
    assert "New accounts can post 20 comments a day" in response.content.decode()


def test_an_established_account_has_no_daily_comment_cap(client):
    veteran = member(new=False)
    commented(veteran, count=25, at=ago(hours=1))

    assert comment(client, veteran, make_answer(make_question())).status_code == 302


def test_a_new_account_may_not_put_more_than_two_links_in_a_comment(client):
    response = comment(client, member(new=True), make_answer(make_question()), body=FOUR_LINKS)

    assert response.status_code == 429
    page = response.content.decode()
    assert "New accounts can include at most 2 links per post; this one has 4." in page
    assert "https://forum.example.com/t/1" in page


def test_a_double_submitted_comment_returns_the_first_instead_of_429(client):
    veteran = member(new=False)
    answer = make_answer(make_question())
    client.force_login(veteran)
    data = {"body": COMMENT, "submission_token": str(uuid.uuid4())}

    first = client.post(f"/answers/{answer.pk}/comments/", data)
    second = client.post(f"/answers/{answer.pk}/comments/", data)

    assert first.status_code == second.status_code == 302
    assert answer.comments.count() == 1


# --- Edits: 30 an hour for everyone, 20 a day for new accounts ------------------------------------


HOURLY = "You can make 30 edits an hour; you can edit again in about 50 minutes."
DAILY = "New accounts can make 20 edits a day; you can edit again in about 21 hours."
EDIT_CAPS = [
    pytest.param(factory, False, 30, timedelta(minutes=10), HOURLY, id=f"{name}: 30 an hour")
    for name, factory in (("member", UserFactory), ("staff", StaffFactory), ("moderator", ModeratorFactory))
] + [pytest.param(UserFactory, True, 20, timedelta(hours=3), DAILY, id="new account: 20 a day")]


@pytest.mark.parametrize(("factory", "new", "count", "at", "message"), EDIT_CAPS)
def test_edits_past_a_limit_are_refused_and_the_form_keeps_the_text(client, factory, new, count, at, message):
    editor = member(new=new, factory=factory)
    edited(editor, count=count, at=timezone.now() - at)
    answer = make_answer(make_question(), author=editor)
    body = "Update the firmware from the admin page, then unplug it for 30 seconds."

    response = edit_answer(client, editor, answer, body)

    assert response.status_code == 429
    page = response.content.decode()
    assert message in page
    assert body in page
    assert Answer.objects.get(pk=answer.pk).body != body


@pytest.mark.parametrize(
    ("count", "at"),
    [(30, timedelta(minutes=61)), (25, timedelta(hours=3))],
    ids=["edits older than an hour leave the count", "an established account has no daily cap"],
)
def test_an_established_accounts_edit_within_the_limits_goes_through(client, count, at):
    editor = member(new=False)
    edited(editor, count=count, at=timezone.now() - at)
    answer = make_answer(make_question(), author=editor)

    response = edit_answer(client, editor, answer, "Reset it from the admin page, then reboot.")

    assert response.status_code == 302
    assert Answer.objects.get(pk=answer.pk).body == "Reset it from the admin page, then reboot."


def test_an_edit_that_changes_nothing_is_not_refused_at_the_limit(client):
    editor = member(new=False)
    edited(editor, count=30, at=ago(minutes=1))
    answer = make_answer(make_question(), author=editor)

    response = edit_answer(client, editor, answer, answer.body)

    assert response.status_code == 302
    assert Revision.objects.filter(answer=answer).count() == 1


def test_editing_someone_elses_question_directly_is_limited_too(client):
    editor = member(new=False)
    edited(editor, count=30, at=ago(minutes=30))
    question = make_question()
    client.force_login(editor)

    response = client.post(
        f"/questions/{question.pk}/edit/",
        {"title": "Router drops the connection every hour", "body": question.body, "tags": "wifi"},
    )

    assert response.status_code == 429
    assert "Router drops the connection every hour" in response.content.decode()
    assert "you can edit again in about 30 minutes." in response.content.decode()


def test_a_rollback_is_an_edit_and_waits_too(client):
    editor = member(new=False)
    answer = make_answer(make_question(), author=editor)
    with limits_disabled():
        services.answer_edit(answer=answer, editor=editor, body="A second version of this answer.")
    edited(editor, count=30, at=ago(minutes=59))
    first = Revision.objects.get(answer=answer, number=1)
    client.force_login(editor)

    response = client.post(f"/revisions/{first.pk}/rollback/")

    assert response.status_code == 429
    assert "You can make 30 edits an hour; you can edit again in about 1 minute." in response.content.decode()
    assert Revision.objects.filter(answer=answer).count() == 2


# --- Edits: suggestions count, once each -----------------------------------------------------------


def test_suggested_edits_count_as_edits_and_the_suggestion_keeps_its_text(client):
    newcomer = member(new=True)
    suggested(newcomer, count=12, at=ago(hours=2))
    edited(newcomer, count=8, at=ago(hours=2))  # e.g. their approved suggestions, and own posts
    answer = make_answer(make_question())
    body = "Update the firmware from the admin page, then reboot it twice."

    response = edit_answer(client, newcomer, answer, body)

    assert response.status_code == 429
    assert "New accounts can make 20 edits a day" in response.content.decode()
    assert body in response.content.decode()
    assert not SuggestedEdit.objects.filter(answer=answer).exists()


def test_an_approved_suggestion_is_counted_once_by_the_revision_it_became():
    newcomer = member(new=True)
    suggested(newcomer, count=19, at=ago(hours=2), status=SuggestedEdit.Status.APPROVED)
    edited(newcomer, count=19, at=ago(hours=2))  # the 19 revisions they became

    check_edit_allowed(editor=newcomer, before="Old text of the post.", after="New text of the post.")
    edited(newcomer, count=1, at=ago(hours=1))
    with pytest.raises(PostLimited, match="New accounts can make 20 edits a day"):
        check_edit_allowed(editor=newcomer, before="Old text of the post.", after="New text of the post.")


# --- Edits count links like posts -----------------------------------------------------------------


def test_a_new_account_cannot_add_links_by_editing_that_it_could_not_post(client):
    newcomer = member(new=True)
    answer = make_answer(make_question(), author=newcomer, body="See https://help.example.com for the steps.")

    response = edit_answer(client, newcomer, answer, FOUR_LINKS)

    assert response.status_code == 429
    page = response.content.decode()
    assert "New accounts can include at most 2 links per post; with this edit it would have 4." in page
    assert "https://forum.example.com/t/1" in page
    assert Answer.objects.get(pk=answer.pk).body == "See https://help.example.com for the steps."


def test_a_new_account_may_fix_a_typo_in_a_post_that_already_has_many_links(client):
    answer = make_answer(make_question(), author=member(new=False), body=FOUR_LINKS)
    newcomer = member(new=True)

    fixed = edit_answer(client, newcomer, answer, FOUR_LINKS.replace("Tried", "I tried"))
    # Another newcomer adds a fifth link: refused.
    more = edit_answer(client, member(new=True), answer, f"{FOUR_LINKS} Also https://e.example.")

    assert fixed.status_code == 302
    assert SuggestedEdit.objects.filter(answer=answer, editor=newcomer).exists()
    assert more.status_code == 429
    assert "with this edit it would have 5." in more.content.decode()


def test_an_established_account_may_add_links_by_editing(client):
    editor = member(new=False)
    answer = make_answer(make_question(), author=editor)

    assert edit_answer(client, editor, answer, FOUR_LINKS).status_code == 302
