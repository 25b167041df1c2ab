"""The kept SQL of the thread page (prepared/): queries compiled once per shape and run with new
values give what the ORM gives, for every kind of viewer, and are not reused where the SQL would
differ."""

import datetime as dt
from unittest import mock

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from accounts.selectors import mark_moderators, viewer_shape
from forum import selectors, services
from forum.models import Answer, Question
from prepared import PreparedQuery
from tests.factories import ModeratorFactory, StaffFactory, UserFactory, make_answer, make_question

pytestmark = pytest.mark.django_db


def _thread_as_the_orm_sees_it(question, viewer):
    """What the thread page shows, read without the kept SQL."""
    with mock.patch("django.conf.settings.COMMONPLACE_PREPARED_QUERIES", False):
        return selectors.thread_get(pk=question.pk, viewer=viewer)


def _summary(thread):
    posts = [thread.question, *thread.answers]
    return [
        (
            type(post).__name__,
            post.pk,
            post.author.username,
            post.score,
            post.body_html,
            [(comment.pk, comment.author.username, comment.body) for comment in post.comment_list],
        )
        for post in posts
    ] + [
        thread.question.viewer_watching if hasattr(thread.question, "viewer_watching") else None,
        thread.question.me_too_count,
        thread.question.me_too_mine,
    ]


def _a_thread_with_everything():
    question = make_question()
    shown = make_answer(question)
    deleted = make_answer(question, body="A deleted answer, for moderators' eyes only.")
    held_author = UserFactory()
    held = make_answer(question, author=held_author, body="A held answer its author still sees.")
    services.comment_create(post=question, author=UserFactory(), body="Which router model is it?")
    services.comment_create(post=shown, author=UserFactory(), body="That worked for me as well.")
    services.comment_create(post=deleted, author=UserFactory(), body="A comment under the deleted one.")
    Answer.objects.filter(pk=deleted.pk).update(deleted_at=timezone.now())
    Answer.objects.filter(pk=held.pk).update(held_at=timezone.now())
    return question, shown, deleted, held, held_author


def test_every_kind_of_viewer_sees_what_the_orm_would_show_them():
    question, shown, deleted, held, held_author = _a_thread_with_everything()
    viewers = {
        "anonymous": AnonymousUser(),
        "member": UserFactory(),
        "held answer's author": held_author,
        "moderator": ModeratorFactory(),
        "staff": StaffFactory(),
    }
    seen = {}
    for name, viewer in viewers.items():
        # Twice each: the first compiles and keeps, the second runs what was kept.
        for _ in range(2):
            thread = selectors.thread_get(pk=question.pk, viewer=viewer)
            assert _summary(thread) == _summary(_thread_as_the_orm_sees_it(question, viewer)), name
        seen[name] = [answer.pk for answer in thread.answers]

    assert seen["anonymous"] == seen["member"] == seen["staff"] == [shown.pk]
    assert sorted(seen["held answer's author"]) == sorted([shown.pk, held.pk])
    assert sorted(seen["moderator"]) == sorted([shown.pk, deleted.pk, held.pk])
    moderator_thread = selectors.thread_get(pk=question.pk, viewer=viewers["moderator"])
    by_pk = {answer.pk: answer for answer in moderator_thread.answers}
    assert [c.body for c in by_pk[deleted.pk].comment_list] == ["A comment under the deleted one."]


def test_a_thread_the_viewer_may_not_see_is_a_404_for_them_only():
    from django.http import Http404

    question = make_question()
    Question.objects.filter(pk=question.pk).update(deleted_at=timezone.now())
    with pytest.raises(Http404):
        selectors.thread_get(pk=question.pk, viewer=UserFactory())
    assert selectors.thread_get(pk=question.pk, viewer=ModeratorFactory()).question.pk == question.pk


def test_the_second_run_of_a_shape_compiles_nothing():
    question, *_ = _a_thread_with_everything()
    viewer = UserFactory()
    selectors.thread_get(pk=question.pk, viewer=viewer)
    other = make_question(title="Another question about the router firmware")
    make_answer(other)  # as many answers shown as the first: the comments' SQL has one id per answer
    with (
        mock.patch("django.conf.settings.COMMONPLACE_PREPARED_QUERIES_VERIFY", False),
        mock.patch.object(PreparedQuery, "_compile", side_effect=RuntimeError("compiled again")),
    ):
        thread = selectors.thread_get(pk=other.pk, viewer=UserFactory())
    assert thread.question.pk == other.pk
    assert thread.question.title == "Another question about the router firmware"


def _by_title(shape, context, *, pk):
    # Reads the context (a flag) beyond what the shape says: the mistake VERIFY is there to catch.
    questions = Question.objects.filter(pk=pk)
    return questions.filter(title__icontains="router") if context["narrow"] else questions


def test_a_shape_that_leaves_out_what_its_builder_reads_fails_loudly(settings):
    question = make_question(title="How do I reset my router safely?")
    prepared = PreparedQuery("by title", Question, _by_title)
    assert [q.pk for q in prepared.run(("same",), {"narrow": False}, pk=question.pk)] == [question.pk]
    with pytest.raises(AssertionError, match="leaves out something its builder reads"):
        prepared.run(("same",), {"narrow": True}, pk=question.pk)


def test_a_thread_with_more_answers_than_kept_lists_is_still_whole():
    question = make_question()
    answers = [make_answer(question) for _ in range(selectors.THREAD_COMMENTS.longest_list + 2)]
    services.comment_create(post=answers[-1], author=UserFactory(), body="A comment on the last one.")
    thread = selectors.thread_get(pk=question.pk, viewer=UserFactory())
    assert len(thread.answers) == len(answers)
    assert [c.body for a in thread.answers for c in a.comment_list] == ["A comment on the last one."]


def _first_n(shape, context, *, n):
    return Question.objects.order_by("pk")[:n]  # a slice is written into the SQL, not a parameter


def _pk_or_none(shape, context, *, pk):
    return Question.objects.filter(pk=pk)


def test_values_the_sql_does_not_keep_as_parameters_are_built_every_time():
    questions = [make_question(title=f"Router question number {i} about firmware") for i in range(3)]
    prepared = PreparedQuery("first n", Question, _first_n)
    assert [q.pk for q in prepared.run((), None, n=1)] == [questions[0].pk]
    assert [q.pk for q in prepared.run((), None, n=2)] == [q.pk for q in questions[:2]]
    assert list(prepared._compiled.values()) == [None]


def test_only_ints_are_stand_ins():
    question = make_question()
    prepared = PreparedQuery("pk", Question, _pk_or_none)
    assert [q.pk for q in prepared.run((), None, pk=str(question.pk))] == [question.pk]
    assert list(prepared._compiled.values()) == [None]


def test_the_viewer_shape_tells_roles_and_restrictions_apart():
    member, moderator, staff = UserFactory(), ModeratorFactory(), StaffFactory()
    mark_moderators([member, moderator, staff])
    shapes = {
        viewer_shape(AnonymousUser()),
        viewer_shape(member),
        viewer_shape(moderator),
        viewer_shape(staff),
    }
    assert len(shapes) == 4
    suspended = UserFactory(suspended_until=timezone.now() + dt.timedelta(days=1))
    assert viewer_shape(suspended) != viewer_shape(UserFactory())


@pytest.mark.parametrize("pk", ["2147483648", "9223372036854775807", "9223372036854775808", "9" * 30])
def test_an_id_beyond_any_row_is_a_404_not_an_error(client, pk):
    question = make_question()
    client.force_login(UserFactory())
    assert client.get(question.get_absolute_url()).status_code == 200  # the shape is kept
    assert client.get(f"/questions/{pk}/any-slug/").status_code == 404
    assert client.get(question.get_absolute_url()).status_code == 200
