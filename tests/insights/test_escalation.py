"""Escalation to private follow-up: the thread stays public and says so, staff post a public
outcome that closes the loop, and the community's answers keep their credit."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.models import User
from forum import services as forum_services
from forum.models import Answer
from insights import selectors, services
from insights.models import Escalation
from moderation.models import ModerationAction
from reputation.models import LedgerEntry
from tests.factories import ModeratorFactory, StaffFactory, UserFactory, make_answer, make_question

pytestmark = pytest.mark.django_db

OUTCOME = "We refunded the **second charge**; it shows on your statement within 5 days."


@pytest.fixture
def thread(django_capture_on_commit_callbacks):
    """A question with an up-voted, accepted answer, its reputation applied to the ledger."""
    question = make_question(title="Charged twice for one month of service")
    answer = make_answer(question, body="Check the invoices page: a pending charge drops off in 3 days.")
    with django_capture_on_commit_callbacks(execute=True):
        forum_services.vote_cast(voter=UserFactory(), post=answer, value=1)
        forum_services.answer_accept_toggle(answer=answer, user=question.author)
    return question, answer


@pytest.fixture
def sam():
    return StaffFactory(username="sam", display_name="Sam")


def test_staff_take_a_thread_to_private_follow_up_and_it_stays_public_with_a_note(client, thread, sam):
    question, answer = thread

    escalation, created = services.escalation_open(
        question=question, staff_user=sam, note="Account check needed"
    )

    assert created and escalation.is_open
    body = client.get(question.get_absolute_url()).content.decode()  # a visitor, signed out
    assert "Taken to private follow-up by Sam (staff)" in body
    assert "Account check needed" in body
    assert answer.body in body
    assert "Post the outcome" not in body
    action = ModerationAction.objects.get(action="escalated")
    assert (action.moderator, action.question_id) == (sam, question.pk)


def test_taking_a_thread_again_changes_nothing(thread, sam):
    question, _ = thread
    first, _ = services.escalation_open(question=question, staff_user=sam)

    again, created = services.escalation_open(question=question, staff_user=StaffFactory(), note="Another")

    assert not created and again.pk == first.pk and again.opened_by == sam
    assert ModerationAction.objects.filter(action="escalated").count() == 1


def test_the_public_outcome_closes_the_loop(client, thread, sam):
    question, _ = thread
    services.escalation_open(question=question, staff_user=sam)

    escalation, resolved = services.escalation_resolve(question=question, staff_user=sam, outcome=OUTCOME)

    assert resolved and escalation.state == Escalation.State.RESOLVED
    body = client.get(question.get_absolute_url()).content.decode()
    assert "Outcome of the private follow-up" in body
    assert "<strong>second charge</strong>" in body
    assert ModerationAction.objects.filter(action="escalation_resolved", question=question).exists()


def test_a_second_outcome_does_not_replace_the_first(thread, sam):
    question, _ = thread
    services.escalation_open(question=question, staff_user=sam)
    services.escalation_resolve(question=question, staff_user=sam, outcome=OUTCOME)

    escalation, resolved = services.escalation_resolve(
        question=question, staff_user=sam, outcome="Something else"
    )

    assert not resolved and escalation.outcome == OUTCOME


def test_an_outcome_needs_a_thread_taken_to_follow_up(thread, sam):
    question, _ = thread
    with pytest.raises(ValidationError):
        services.escalation_resolve(question=question, staff_user=sam, outcome=OUTCOME)


def test_community_answers_keep_their_credit(thread, sam, django_capture_on_commit_callbacks):
    question, answer = thread
    answerer = User.objects.get(pk=answer.author_id)
    reputation, entries = answerer.reputation, LedgerEntry.objects.count()

    with django_capture_on_commit_callbacks(execute=True):
        services.escalation_open(question=question, staff_user=sam)
        services.escalation_resolve(question=question, staff_user=sam, outcome=OUTCOME)

    answerer.refresh_from_db()
    answer.refresh_from_db()
    question.refresh_from_db()
    assert answerer.reputation == reputation > 1
    assert LedgerEntry.objects.count() == entries
    assert (answer.score, answer.deleted_at, question.accepted_answer_id) == (1, None, answer.pk)
    assert Answer.objects.visible().filter(question=question).count() == 1


@pytest.mark.parametrize("who", [UserFactory, ModeratorFactory])
def test_only_staff_may_escalate_moderators_and_members_get_403(client, thread, who):
    question, _ = thread
    with pytest.raises(PermissionDenied):
        services.escalation_open(question=question, staff_user=who())

    client.force_login(who())
    assert client.post(f"/insights/escalate/{question.pk}/", {"note": ""}).status_code == 403
    assert client.post(f"/insights/escalate/{question.pk}/outcome/", {"outcome": OUTCOME}).status_code == 403
    assert not Escalation.objects.exists()
    assert "Take to private follow-up" not in client.get(question.get_absolute_url()).content.decode()


def test_visitors_are_asked_to_log_in(client, thread):
    question, _ = thread
    response = client.post(f"/insights/escalate/{question.pk}/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_staff_use_the_forms_on_the_question_page(client, thread, sam):
    question, _ = thread
    client.force_login(sam)
    assert "Take to private follow-up" in client.get(question.get_absolute_url()).content.decode()

    response = client.post(f"/insights/escalate/{question.pk}/", {"note": "Checking the account"})
    assert response.status_code == 302 and response["Location"].endswith("#follow-up")
    assert "Post the outcome" in client.get(question.get_absolute_url()).content.decode()

    too_short = client.post(f"/insights/escalate/{question.pk}/outcome/", {"outcome": "Done."})
    assert too_short.status_code == 400
    assert "Done." in too_short.content.decode()  # what was typed comes back with the error

    response = client.post(f"/insights/escalate/{question.pk}/outcome/", {"outcome": OUTCOME})
    assert response.status_code == 302
    assert Escalation.objects.get(question=question).state == Escalation.State.RESOLVED


def test_threads_without_an_outcome_after_7_days_are_listed_on_the_insights_page(client, sam):
    def escalated(title, days_ago, resolved=False):
        question = make_question(title=title)
        services.escalation_open(question=question, staff_user=sam)
        if resolved:
            services.escalation_resolve(question=question, staff_user=sam, outcome=OUTCOME)
        Escalation.objects.filter(question=question).update(
            opened_at=timezone.now() - dt.timedelta(days=days_ago)
        )
        return question

    overdue = escalated("Overdue follow-up on a broken router", 9)
    escalated("Recent follow-up on a billing question", 3)
    escalated("Resolved follow-up that took long", 20, resolved=True)

    assert [e.question_id for e in selectors.escalations_overdue()] == [overdue.pk]
    body = client.get("/insights/").content.decode()
    assert "Overdue follow-up on a broken router" in body
    assert "Recent follow-up on a billing question" not in body
    assert "Resolved follow-up that took long" not in body


def test_thread_page_shows_follow_up_and_me_too_within_12_queries(
    client, thread, sam, django_assert_max_num_queries
):
    from insights.services import me_too_toggle

    question, _ = thread
    services.escalation_open(question=question, staff_user=sam, note="Checking")
    member = UserFactory()
    me_too_toggle(user=member, question=question)
    client.force_login(member)
    client.get(question.get_absolute_url())  # count the view once, outside the measurement

    with django_assert_max_num_queries(12):
        body = client.get(question.get_absolute_url()).content.decode()
    assert "Taken to private follow-up" in body
    assert "1 person has this too, including you" in body
