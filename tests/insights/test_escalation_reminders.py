"""Reminders of private follow-ups still waiting for their public outcome: the staff member who
opened one hears after COMMONPLACE_ESCALATION_REMIND_HOURS (24), in the inbox and by email as
they chose, then again every as many hours until the outcome is posted, and never twice."""

import datetime as dt

import pytest
from django.conf import settings

from forum.models import Question
from insights import services, tasks
from insights.models import Escalation
from notifications.email import email_preferences_set
from notifications.models import Frequency, Kind, Notification
from tests.factories import StaffFactory, UserFactory, make_question

pytestmark = pytest.mark.django_db

HOUR = dt.timedelta(hours=1)
OUTCOME = "We refunded the second charge; it shows on your statement within 5 days."


@pytest.fixture
def sam():
    return StaffFactory(username="sam", display_name="Sam")


@pytest.fixture
def escalation(sam):
    question = make_question(title="Charged twice for one month of service")
    escalation, _ = services.escalation_open(question=question, staff_user=sam, note="Account check")
    return escalation


@pytest.fixture
def remind(commit):
    """Run the reminder job at `at`, with the email it sends on commit."""
    return lambda at: commit(services.escalation_reminders_send, now=at)


def reminders(user) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user, kind=Kind.ESCALATION))


def test_the_staff_member_who_opened_it_is_reminded_a_day_later_in_the_inbox_and_by_email(
    client, remind, escalation, sam, mailoutbox
):
    assert remind(escalation.opened_at + 25 * HOUR) == 1

    [note] = reminders(sam)
    question = escalation.question
    assert "“Charged twice for one month of service” has been in private follow-up for 1 day" in note.text
    assert "Post it to close the loop" in note.text
    assert note.url == f"{question.get_absolute_url()}#follow-up"
    [message] = mailoutbox
    assert message.to == [sam.email]
    assert "Charged twice for one month of service" in message.subject
    client.force_login(sam)
    assert "has been in private follow-up for 1 day" in client.get("/notifications/").content.decode()


def test_nobody_is_reminded_before_the_day_is_over(remind, escalation, sam, mailoutbox):
    assert remind(escalation.opened_at + 23 * HOUR) == 0

    assert reminders(sam) == [] and mailoutbox == []


def test_a_rerun_in_the_same_window_sends_nothing_twice_and_the_next_day_reminds_again(
    remind, escalation, sam, mailoutbox
):
    first = escalation.opened_at + 25 * HOUR

    assert remind(first) == 1
    assert remind(first) == 0
    assert remind(first + 23 * HOUR) == 0
    assert len(reminders(sam)) == len(mailoutbox) == 1

    assert remind(first + 24 * HOUR) == 1
    assert len(reminders(sam)) == len(mailoutbox) == 2
    escalation.refresh_from_db()
    assert escalation.last_reminded_at == first + 24 * HOUR


def test_the_reminders_stop_once_the_outcome_is_posted(remind, escalation, sam):
    assert remind(escalation.opened_at + 25 * HOUR) == 1
    services.escalation_resolve(question=escalation.question, staff_user=sam, outcome=OUTCOME)

    assert remind(escalation.opened_at + 72 * HOUR) == 0
    assert len(reminders(sam)) == 1


def test_an_outcome_posted_within_the_day_means_no_reminder_at_all(remind, escalation, sam):
    services.escalation_resolve(question=escalation.question, staff_user=sam, outcome=OUTCOME)

    assert remind(escalation.opened_at + 25 * HOUR) == 0
    assert reminders(sam) == []


def test_when_the_opener_is_no_longer_staff_the_whole_care_team_is_reminded(remind, escalation, sam):
    sam.is_staff = False
    sam.save(update_fields=["is_staff"])
    kim = StaffFactory(username="kim")
    gone = StaffFactory(username="gone", is_active=False)
    member = UserFactory()

    assert remind(escalation.opened_at + 25 * HOUR) == 1

    assert [len(reminders(person)) for person in (sam, kim, gone, member)] == [0, 1, 0, 0]


def test_a_deleted_thread_reminds_nobody(remind, escalation, sam):
    Question.objects.filter(pk=escalation.question_id).update(deleted_at=escalation.opened_at + HOUR)

    assert remind(escalation.opened_at + 25 * HOUR) == 0
    assert reminders(sam) == []


def test_email_follows_the_staff_members_choice(remind, escalation, sam, mailoutbox):
    email_preferences_set(user=sam, frequencies={Kind.ESCALATION: Frequency.OFF})

    assert remind(escalation.opened_at + 25 * HOUR) == 1

    assert len(reminders(sam)) == 1  # still in the inbox
    assert mailoutbox == []


def test_reminders_switched_off_send_nothing(settings, remind, escalation, sam):
    settings.COMMONPLACE_ESCALATION_REMIND_HOURS = 0

    assert remind(escalation.opened_at + 250 * HOUR) == 0
    assert reminders(sam) == []


def test_the_interval_is_a_setting(settings, remind, escalation, sam):
    settings.COMMONPLACE_ESCALATION_REMIND_HOURS = 4

    assert remind(escalation.opened_at + 3 * HOUR) == 0
    assert remind(escalation.opened_at + 5 * HOUR) == 1
    assert remind(escalation.opened_at + 8 * HOUR) == 0
    assert remind(escalation.opened_at + 9 * HOUR) == 1


def test_the_scheduled_task_reminds_what_is_due_now(escalation, sam, django_capture_on_commit_callbacks):
    entry = settings.CELERY_BEAT_SCHEDULE["insights-remind-escalations"]
    assert entry["task"] == tasks.remind_escalations.name
    Escalation.objects.filter(pk=escalation.pk).update(opened_at=escalation.opened_at - 25 * HOUR)

    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.remind_escalations.delay().get() == 1
        assert tasks.remind_escalations.delay().get() == 0

    assert len(reminders(sam)) == 1
