import datetime as dt
import smtplib
from unittest import mock

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from notifications import digests, email, tasks
from notifications.models import EmailPreference, Frequency, Kind, Notification
from notifications.unsubscribe import make_token, read_token
from queueing import QUICK_RETRY
from tests.factories import UserFactory, make_question

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.COMMONPLACE_SITE_URL = "https://forum.example.com"


@pytest.fixture
def alice():
    return UserFactory(username="alice")


@pytest.fixture
def bob():
    return UserFactory(username="bob")


@pytest.fixture
def with_broker():
    """As in production: tasks go to a broker (here, nowhere: apply_async is mocked by the test)."""
    conf = tasks.send_pending_immediate.app.conf
    previous, conf.task_always_eager = conf.task_always_eager, False
    yield
    conf.task_always_eager = previous


def notification(recipient, kind=Kind.ANSWER, *, actor=None, question=None, ago=0, text=None):
    return Notification.objects.create(
        recipient=recipient,
        kind=kind,
        actor=actor,
        question=question,
        text=text or f"{kind} notification",
        url=question.get_absolute_url() if question else "/",
        created_at=timezone.now() - dt.timedelta(seconds=ago),
    )


def unsubscribe_path(message) -> str:
    header = message.extra_headers["List-Unsubscribe"]
    assert header.startswith("<https://forum.example.com/notifications/unsubscribe/")
    return header.strip("<>").removeprefix("https://forum.example.com")


# --- Immediate email ------------------------------------------------------------------------


def test_immediate_email_has_text_and_html_parts_absolute_links_and_one_click_headers(alice, bob):
    question = make_question(author=alice, title="Router drops every hour")
    note = notification(alice, actor=bob, question=question, text="bob answered “Router drops every hour”")

    email.deliver_later([note.pk])

    [message] = mail.outbox
    assert message.to == ["alice@example.com"]
    assert "bob answered" in message.subject
    assert "https://forum.example.com" + question.get_absolute_url() in message.body
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    assert "https://forum.example.com" + question.get_absolute_url() in html
    assert "Manage email settings" in message.body and "Manage email settings" in html
    assert "https://forum.example.com/notifications/settings/" in html
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert read_token(unsubscribe_path(message).split("/")[-2]) == (alice.pk, [Kind.ANSWER])
    note.refresh_from_db()
    assert note.emailed_at is not None


def test_burst_of_twenty_comments_in_a_minute_sends_one_email_listing_them_all(alice, bob):
    question = make_question(author=alice)
    burst = [
        notification(alice, Kind.COMMENT, actor=bob, question=question, ago=59 - i * 3, text=f"comment {i}")
        for i in range(20)
    ]

    assert email.send_pending_immediate(alice.pk) == 20

    [message] = mail.outbox
    assert "20 new notifications" in message.subject
    for i in range(20):
        assert f"comment {i}\n" in message.body
    assert Notification.objects.filter(pk__in=[n.pk for n in burst], emailed_at__isnull=True).count() == 0


def test_burst_with_a_broker_schedules_one_send_a_window_ahead(alice, bob, settings, with_broker):
    settings.COMMONPLACE_EMAIL_BURST_SECONDS = 60
    notes = [notification(alice, Kind.COMMENT, actor=bob) for _ in range(20)]
    with mock.patch.object(tasks.send_pending_immediate, "apply_async") as apply_async:
        for note in notes:
            email.deliver_later([note.pk])

    apply_async.assert_called_once_with((alice.pk,), countdown=60, retry=True, retry_policy=QUICK_RETRY)
    assert mail.outbox == []
    # A minute later the scheduled task runs, and sends the whole burst in one email.
    tasks.send_pending_immediate.apply(args=(alice.pk,))
    assert len(mail.outbox) == 1
    assert "20 new notifications" in mail.outbox[0].subject


def test_broker_down_fails_nothing_and_the_sweep_sends_it_later(alice, bob, with_broker):
    note = notification(alice, actor=bob)
    with mock.patch.object(tasks.send_pending_immediate, "apply_async", side_effect=ConnectionError):
        email.deliver_later([note.pk])  # does not raise
    assert mail.outbox == []
    tasks.send_pending_immediate.app.conf.task_always_eager = True  # the broker is back

    assert tasks.sweep_immediate.delay().get() == 0  # too recent: a scheduled send may be coming
    Notification.objects.filter(pk=note.pk).update(created_at=timezone.now() - dt.timedelta(minutes=3))
    assert tasks.sweep_immediate.delay().get() == 1
    assert len(mail.outbox) == 1
    assert tasks.sweep_immediate.delay().get() == 0


def test_a_second_send_sends_nothing(alice, bob):
    notification(alice, actor=bob)
    assert email.send_pending_immediate(alice.pk) == 1
    assert email.send_pending_immediate(alice.pk) == 0
    assert len(mail.outbox) == 1


def test_smtp_failure_leaves_everything_waiting_for_the_retry(alice, bob):
    note = notification(alice, actor=bob)
    with (
        mock.patch(
            "django.core.mail.EmailMultiAlternatives.send", side_effect=smtplib.SMTPServerDisconnected
        ),
        pytest.raises(smtplib.SMTPServerDisconnected),
    ):
        email.send_pending_immediate(alice.pk)
    note.refresh_from_db()
    assert note.emailed_at is None
    assert email.send_pending_immediate(alice.pk) == 1


def test_sending_tasks_retry_smtp_errors_with_backoff_and_ack_late():
    for task in (tasks.send_pending_immediate, tasks.send_digest):
        assert smtplib.SMTPException in task.autoretry_for and OSError in task.autoretry_for
        assert task.retry_backoff and task.max_retries and task.acks_late


def test_off_sends_nothing(alice, bob):
    EmailPreference.objects.create(user=alice, kind=Kind.ANSWER, frequency=Frequency.OFF)
    note = notification(alice, actor=bob)
    email.deliver_later([note.pk])
    assert tasks.send_digests.delay("daily").get() == 0
    assert tasks.send_digests.delay("weekly").get() == 0
    assert mail.outbox == []


def test_digest_kinds_wait_for_their_digest(alice, bob):
    note = notification(alice, Kind.TAG_QUESTION, actor=bob)
    email.deliver_later([note.pk])
    assert mail.outbox == []


def test_self_actions_are_never_emailed(alice):
    own_answer = notification(alice, Kind.ANSWER, actor=alice)
    own_tag = notification(alice, Kind.TAG_QUESTION, actor=alice)
    email.deliver_later([own_answer.pk, own_tag.pk])
    assert email.send_pending_immediate(alice.pk) == 0
    assert tasks.send_digests.delay("daily").get() == 0
    assert mail.outbox == []


def test_notifications_without_an_actor_are_emailed(alice):
    notification(alice, Kind.ACCEPTED, actor=None)
    assert email.send_pending_immediate(alice.pk) == 1


def test_inactive_members_and_unverified_addresses_get_no_email(bob):
    inactive = UserFactory(username="gone", is_active=False)
    unverified = UserFactory(username="newbie", verified_email=False)
    EmailAddress.objects.create(user=unverified, email=unverified.email, verified=False, primary=True)
    notes = [notification(inactive, actor=bob), notification(unverified, actor=bob)]
    email.deliver_later([n.pk for n in notes])
    assert email.send_pending_immediate(inactive.pk) == 0
    assert email.send_pending_immediate(unverified.pk) == 0
    assert mail.outbox == []


def test_defaults_are_answers_immediately_and_watched_tags_daily(alice):
    frequencies = email.frequencies_for(alice)
    assert frequencies[Kind.ANSWER] == Frequency.IMMEDIATELY
    assert frequencies[Kind.TAG_QUESTION] == Frequency.DAILY
    EmailPreference.objects.create(user=alice, kind=Kind.TAG_QUESTION, frequency=Frequency.WEEKLY)
    assert email.frequencies_for(alice)[Kind.TAG_QUESTION] == Frequency.WEEKLY


# --- Digests --------------------------------------------------------------------------------


def test_daily_digest_groups_by_kind_and_question_and_a_second_run_sends_nothing(alice, bob):
    EmailPreference.objects.create(user=alice, kind=Kind.COMMENT, frequency=Frequency.DAILY)
    router = make_question(author=bob, title="Router drops every hour", tags=["wifi"])
    bill = make_question(author=bob, title="Bill shows a double charge", tags=["billing"])
    notification(alice, Kind.TAG_QUESTION, actor=bob, question=router, ago=3600, text="new in wifi")
    notification(alice, Kind.COMMENT, actor=bob, question=router, ago=1800, text="comment on router 1")
    notification(alice, Kind.TAG_QUESTION, actor=bob, question=bill, ago=1200, text="new in billing")
    notification(alice, Kind.COMMENT, actor=bob, question=router, ago=600, text="comment on router 2")
    notification(alice, Kind.ANSWER, actor=bob, question=router, text="immediate, not in the digest")

    assert tasks.send_digests.delay("daily").get() == 1

    [message] = mail.outbox
    assert message.subject == "[Commonplace] Your daily digest: 4 notifications"
    [(html, _)] = message.alternatives
    groups = digests.group(
        email.with_links(list(Notification.objects.filter(emailed_at__isnull=False).order_by("created_at")))
    )
    assert [g.kind for g in groups] == [Kind.COMMENT, Kind.TAG_QUESTION]
    assert [[t.title for t in g.threads] for g in groups] == [
        ["Router drops every hour"],
        ["Router drops every hour", "Bill shows a double charge"],
    ]
    body = message.body
    # Comments come before watched tags (Kind order); both router comments sit under one title.
    comments_at = body.index(Kind.COMMENT.label)
    tags_at = body.index(Kind.TAG_QUESTION.label)
    assert comments_at < body.index("comment on router 1") < body.index("comment on router 2") < tags_at
    assert body.count("Router drops every hour") == 2
    assert "immediate, not in the digest" not in body and "immediate, not in the digest" not in html
    assert "https://forum.example.com" + router.get_absolute_url() in html
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert set(read_token(unsubscribe_path(message).split("/")[-2])[1]) == {Kind.COMMENT, Kind.TAG_QUESTION}

    assert tasks.send_digests.delay("daily").get() == 0
    assert len(mail.outbox) == 1


def test_weekly_digest_sends_weekly_kinds_once(alice, bob):
    notification(alice, Kind.ACHIEVEMENT, ago=3 * 86400, text="You earned Helpful")
    notification(alice, Kind.TAG_QUESTION, actor=bob, text="daily, not weekly")

    assert tasks.send_digests.delay("weekly").get() == 1
    [message] = mail.outbox
    assert message.subject == "[Commonplace] Your weekly digest: 1 notification"
    assert "You earned Helpful" in message.body and "daily, not weekly" not in message.body
    assert tasks.send_digests.delay("weekly").get() == 0
    assert len(mail.outbox) == 1


def test_digest_beat_entries_run_daily_and_on_mondays(settings):
    schedule = settings.CELERY_BEAT_SCHEDULE
    daily, weekly = schedule["notifications-daily-digest"], schedule["notifications-weekly-digest"]
    assert daily["task"] == weekly["task"] == "notifications.send_digests"
    assert daily["args"] == ["daily"] and weekly["args"] == ["weekly"]
    assert weekly["schedule"].day_of_week == {1}
    assert schedule["notifications-sweep-immediate"]["task"] == "notifications.sweep_immediate"


# --- Unsubscribe ----------------------------------------------------------------------------


def test_unsubscribe_link_shows_a_confirmation_page_without_logging_in(alice, bob):
    note = notification(alice, actor=bob)
    email.deliver_later([note.pk])
    path = unsubscribe_path(mail.outbox[0])

    response = Client().get(path)

    assert response.status_code == 200
    assert Kind.ANSWER.label in response.content.decode()
    assert b"<button" in response.content
    assert not EmailPreference.objects.filter(user=alice).exists()  # a GET (link scanners) changes nothing


def test_unsubscribe_button_turns_that_kind_off(alice):
    path = reverse(
        "notifications:unsubscribe", kwargs={"token": make_token(user_id=alice.pk, kinds=["answer"])}
    )

    response = Client(enforce_csrf_checks=True).post(path)

    assert response.status_code == 200
    assert "You're unsubscribed" in response.content.decode().replace("&#x27;", "'")
    assert email.frequencies_for(alice)[Kind.ANSWER] == Frequency.OFF
    assert email.frequencies_for(alice)[Kind.COMMENT] == Frequency.IMMEDIATELY


def test_one_click_post_from_a_mail_client_needs_no_csrf_token(alice, bob):
    note = notification(alice, actor=bob)
    email.deliver_later([note.pk])
    path = unsubscribe_path(mail.outbox[0])

    response = Client(enforce_csrf_checks=True).post(
        path, data="List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 200
    assert email.frequencies_for(alice)[Kind.ANSWER] == Frequency.OFF
    later = notification(alice, actor=bob)
    email.deliver_later([later.pk])
    assert len(mail.outbox) == 1


def test_unsubscribe_from_all_turns_every_kind_off(alice):
    path = reverse("notifications:unsubscribe", kwargs={"token": make_token(user_id=alice.pk)})
    Client().post(path)
    assert set(email.frequencies_for(alice).values()) == {Frequency.OFF}


@pytest.mark.parametrize("method", ["get", "post"])
def test_tampered_unsubscribe_token_answers_400_and_changes_nothing(alice, bob, method):
    token = make_token(user_id=alice.pk, kinds=["answer"])
    forged = make_token(user_id=bob.pk, kinds=["answer"]).split(":")[0] + ":" + token.split(":", 1)[1]
    for bad in (token[:-2] + ("AA" if not token.endswith("AA") else "BB"), forged, "nonsense"):
        response = getattr(Client(), method)(reverse("notifications:unsubscribe", kwargs={"token": bad}))
        assert response.status_code == 400
        assert "not valid" in response.content.decode()
    assert not EmailPreference.objects.exists()


# --- Settings page --------------------------------------------------------------------------


def test_settings_page_needs_login(client):
    response = client.get(reverse("notifications:email_settings"))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_settings_page_shows_defaults_and_saves_choices(client, alice):
    client.force_login(alice)
    url = reverse("notifications:email_settings")

    page = client.get(url).content.decode()
    assert '<label for="id_tag_question">' in page
    assert 'value="daily" selected' in page
    assert "Default: Immediately." in page

    choices = email.frequencies_for(alice) | {"answer": "weekly", "tag_question": "off"}
    response = client.post(url, choices)

    assert response.status_code == 302
    saved = email.frequencies_for(alice)
    assert saved[Kind.ANSWER] == Frequency.WEEKLY
    assert saved[Kind.TAG_QUESTION] == Frequency.OFF
    assert saved[Kind.COMMENT] == Frequency.IMMEDIATELY


def test_settings_page_refuses_an_unknown_frequency(client, alice):
    client.force_login(alice)
    choices = email.frequencies_for(alice) | {"answer": "hourly"}
    response = client.post(reverse("notifications:email_settings"), choices)
    assert response.status_code == 200
    assert not EmailPreference.objects.filter(user=alice).exists()
