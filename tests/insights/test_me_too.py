"""'I have this too': one per member per question, no reputation, a count, and a watch."""

import pytest
from django.core.exceptions import PermissionDenied

from accounts.models import User
from insights import services
from insights.models import MeToo
from notifications.models import Kind, Notification, QuestionWatch
from reputation.models import LedgerEntry, ReputationEvent
from tests.factories import UserFactory, make_answer, make_question

pytestmark = pytest.mark.django_db


def test_pressing_twice_takes_it_back_so_there_is_never_more_than_one_per_member():
    question = make_question()
    member = UserFactory()

    assert services.me_too_toggle(user=member, question=question) is True
    assert MeToo.objects.filter(question=question).count() == 1
    assert services.me_too_toggle(user=member, question=question) is False
    assert MeToo.objects.filter(question=question).count() == 0


def test_me_too_earns_no_reputation_for_anyone():
    question = make_question()
    entries, events = LedgerEntry.objects.count(), ReputationEvent.objects.count()
    asker_reputation = User.objects.get(pk=question.author_id).reputation

    for _ in range(5):
        services.me_too_toggle(user=UserFactory(), question=question)

    assert LedgerEntry.objects.count() == entries
    assert ReputationEvent.objects.count() == events
    assert User.objects.get(pk=question.author_id).reputation == asker_reputation


def test_me_too_makes_the_member_a_watcher_so_they_are_told_of_new_answers():
    question = make_question()
    member = UserFactory()

    services.me_too_toggle(user=member, question=question)

    watch = QuestionWatch.objects.get(user=member, question=question)
    assert watch.source == QuestionWatch.Source.ME_TOO


def test_an_existing_watch_is_kept_as_it_was_through_a_me_too_and_its_undoing():
    question = make_question()
    member = UserFactory()
    QuestionWatch.objects.create(user=member, question=question, source=QuestionWatch.Source.MANUAL)

    services.me_too_toggle(user=member, question=question)
    services.me_too_toggle(user=member, question=question)

    assert QuestionWatch.objects.get(user=member, question=question).source == QuestionWatch.Source.MANUAL


def test_taking_me_too_back_stops_the_watch_it_started():
    question = make_question()
    member = UserFactory()
    services.me_too_toggle(user=member, question=question)
    services.me_too_toggle(user=member, question=question)

    assert not QuestionWatch.objects.filter(user=member, question=question).exists()


def test_the_asker_cannot_say_me_too_on_their_own_question():
    question = make_question()
    with pytest.raises(PermissionDenied):
        services.me_too_toggle(user=question.author, question=question)


def test_the_question_page_shows_the_count_and_the_pressed_button(client):
    question = make_question()
    services.me_too_toggle(user=UserFactory(), question=question)
    member = UserFactory()
    services.me_too_toggle(user=member, question=question)
    client.force_login(member)

    body = client.get(question.get_absolute_url()).content.decode()

    assert "2 people have this too, including you" in body
    assert 'aria-pressed="true"' in body


def test_without_javascript_the_button_posts_and_comes_back_to_the_question(client):
    question = make_question()
    client.force_login(UserFactory())

    response = client.post(f"/insights/me-too/{question.pk}/")

    assert response.status_code == 302
    assert response["Location"] == f"{question.get_absolute_url()}#me-too"
    assert "1 person has this too, including you" in client.get(question.get_absolute_url()).content.decode()


def test_with_htmx_the_button_answers_with_the_new_count(client):
    question = make_question()
    services.me_too_toggle(user=UserFactory(), question=question)
    client.force_login(UserFactory())

    response = client.post(f"/insights/me-too/{question.pk}/", headers={"HX-Request": "true"})

    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<div class="me-too"') or 'id="me-too"' in body
    assert "<html" not in body
    assert "2 people have this too, including you" in body


def test_visitors_are_asked_to_log_in_and_askers_refused(client):
    question = make_question()

    response = client.post(f"/insights/me-too/{question.pk}/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]

    client.force_login(question.author)
    assert client.post(f"/insights/me-too/{question.pk}/").status_code == 403
    assert "I have this too</button>" not in client.get(question.get_absolute_url()).content.decode()
    assert MeToo.objects.count() == 0


def test_members_who_have_it_too_are_told_of_a_new_answer(django_capture_on_commit_callbacks):
    question = make_question()
    member = UserFactory()
    services.me_too_toggle(user=member, question=question)

    with django_capture_on_commit_callbacks(execute=True):
        make_answer(question)

    assert Notification.objects.filter(recipient=member, kind=Kind.ANSWER, question=question).exists()
