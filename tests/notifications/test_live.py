"""Live updates: the open question's "N new answers — show" poll and the nav's unread count."""

import pytest
from django.urls import reverse
from django.utils import timezone

from forum.models import Answer, Question
from notifications.models import Kind, Notification
from tests.factories import ModeratorFactory, UserFactory, make_answer, make_question

pytestmark = pytest.mark.django_db


def live_url(question, since=0, shown=None):
    url = f"{reverse('notifications:live_question', args=[question.pk])}?since={since}"
    return url if shown is None else f"{url}&shown={shown}"


# --- New answers on an open question ------------------------------------------------------------


def test_live_url_is_under_notifications():
    assert reverse("notifications:live_question", args=[7]) == "/notifications/live/question/7/"


def test_no_new_answers_answers_204_so_htmx_swaps_nothing(client):
    question = make_question()
    newest = make_answer(question)

    response = client.get(live_url(question, since=newest.pk))

    assert response.status_code == 204
    assert response.content == b""


def test_someone_elses_answer_shows_one_new_answer_with_a_link_to_show_it(client):
    question = make_question()
    old = make_answer(question)
    make_answer(question)

    response = client.get(live_url(question, since=old.pk))

    assert response.status_code == 200
    html = response.content.decode()
    assert "1 new answer — show" in html
    # Without JavaScript the link reloads the page at the answers; with htmx, only the section.
    assert f'href="{question.get_absolute_url()}#answers"' in html
    assert 'hx-select="#answers"' in html and 'hx-target="#answers"' in html
    # The replacement poller remembers what it shows, so an unchanged count is not re-announced.
    assert "shown=1" in html
    # Polling while the tab is in view, without a trigger filter (the policy forbids eval).
    assert 'hx-trigger="every 10s" data-poll-while-visible' in html


def test_several_new_answers_are_counted_in_the_plural(client):
    question = make_question()
    for _ in range(3):
        make_answer(question)

    assert "3 new answers — show" in client.get(live_url(question, since=0)).content.decode()


def test_an_unchanged_count_answers_204(client):
    question = make_question()
    make_answer(question)

    assert client.get(live_url(question, since=0, shown=1)).status_code == 204


def test_a_count_that_fell_back_to_zero_clears_the_notice(client):
    question = make_question()
    answer = make_answer(question)
    Answer.objects.filter(pk=answer.pk).update(deleted_at=timezone.now())

    response = client.get(live_url(question, since=0, shown=1))

    assert response.status_code == 200
    assert "new answer" not in response.content.decode()


def test_the_viewers_own_new_answer_is_not_counted(client):
    viewer = UserFactory()
    question = make_question()
    make_answer(question, author=viewer)
    client.force_login(viewer)

    assert client.get(live_url(question)).status_code == 204

    make_answer(question)
    assert "1 new answer — show" in client.get(live_url(question)).content.decode()


def test_hidden_deleted_and_held_answers_are_not_counted_even_for_moderators(client):
    question = make_question()
    for state in ("hidden_at", "deleted_at", "held_at"):
        answer = make_answer(question)
        Answer.objects.filter(pk=answer.pk).update(**{state: timezone.now()})

    assert client.get(live_url(question)).status_code == 204
    client.force_login(ModeratorFactory())
    assert client.get(live_url(question)).status_code == 204


@pytest.mark.parametrize("state", ["hidden_at", "deleted_at", "held_at"])
def test_a_question_the_viewer_may_not_see_is_404(client, state):
    question = make_question()
    make_answer(question)
    Question.objects.filter(pk=question.pk).update(**{state: timezone.now()})

    assert client.get(live_url(question)).status_code == 404
    client.force_login(UserFactory())
    assert client.get(live_url(question)).status_code == 404
    # Its author and moderators still see the page, so their poll works too.
    client.force_login(question.author)
    assert client.get(live_url(question)).status_code == 200


def test_unknown_question_is_404_and_bad_parameters_are_ignored(client):
    question = make_question()
    make_answer(question)

    assert client.get(reverse("notifications:live_question", args=[987654])).status_code == 404
    response = client.get(f"{reverse('notifications:live_question', args=[question.pk])}?since=x&shown=-3")
    assert "1 new answer — show" in response.content.decode()


def test_live_endpoint_answers_only_get(client):
    question = make_question()
    assert client.post(live_url(question)).status_code == 405


def test_live_poll_costs_one_query_plus_the_session_for_a_member(client, django_assert_max_num_queries):
    question = make_question()
    for _ in range(5):
        make_answer(question)

    with django_assert_max_num_queries(2):
        assert client.get(live_url(question)).status_code == 200
    client.force_login(UserFactory())
    # Loading the session and the user are the same two queries every signed-in request pays.
    with django_assert_max_num_queries(2 + 2):
        assert client.get(live_url(question)).status_code == 200


# --- The poller on the question page ------------------------------------------------------------


def test_question_page_polls_for_answers_newer_than_its_newest(client):
    question = make_question()
    first, newest = make_answer(question), make_answer(question)
    assert first.pk < newest.pk

    html = client.get(question.get_absolute_url()).content.decode()

    assert 'aria-live="polite"' in html
    assert f"{live_url(question, since=newest.pk)}&amp;shown=0" in html
    assert 'hx-trigger="every 10s" data-poll-while-visible' in html


def test_poll_interval_comes_from_settings(client, settings):
    settings.COMMONPLACE_LIVE_POLL_SECONDS = 1
    question = make_question()

    html = client.get(question.get_absolute_url()).content.decode()

    assert f"{live_url(question, since=0)}&amp;shown=0" in html
    assert 'hx-trigger="every 1s" data-poll-while-visible' in html


def test_closed_or_locked_questions_do_not_poll(client):
    question = make_question()
    Question.objects.filter(pk=question.pk).update(locked_at=timezone.now())

    html = client.get(question.get_absolute_url()).content.decode()

    assert reverse("notifications:live_question", args=[question.pk]) not in html


# --- The unread count in the nav ----------------------------------------------------------------


def notify(recipient, read=False):
    return Notification.objects.create(
        recipient=recipient,
        kind=Kind.ANSWER,
        text="Someone answered your question",
        url="/",
        read_at=timezone.now() if read else None,
    )


def test_unread_count_url():
    assert reverse("notifications:unread_count") == "/notifications/unread-count/"


def test_unread_count_counts_the_viewers_unread_notifications_only(client):
    viewer, other = UserFactory(), UserFactory()
    notify(viewer), notify(viewer), notify(viewer, read=True)
    notify(other)
    client.force_login(viewer)

    response = client.get(reverse("notifications:unread_count"))

    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="unread-count"' in html
    assert "2 unread" in html


def test_unread_count_for_anonymous_answers_204_so_a_stale_bell_is_left_alone(client):
    # htmx would follow a redirect to the login page and swap that page into the nav; a 204
    # swaps nothing. The nav only polls for signed-in members, so this is an expired session.
    assert client.get(reverse("notifications:unread_count")).status_code == 204


def test_unread_count_costs_no_query_beyond_the_session_once_cached(client, django_assert_max_num_queries):
    viewer = UserFactory()
    notify(viewer)
    client.force_login(viewer)
    client.get(reverse("notifications:unread_count"))  # fills the bell's cache

    with django_assert_max_num_queries(2):
        assert "1 unread" in client.get(reverse("notifications:unread_count")).content.decode()


def test_signed_in_pages_poll_the_bell_and_anonymous_pages_do_not(client, settings):
    settings.COMMONPLACE_UNREAD_POLL_SECONDS = 7
    poll = f'hx-get="{reverse("notifications:unread_count")}"'

    assert poll not in client.get("/questions/").content.decode()

    client.force_login(UserFactory())
    html = client.get("/questions/").content.decode()
    assert poll in html
    assert 'hx-target="#unread-count"' in html
    assert 'hx-trigger="every 7s" data-poll-while-visible' in html
