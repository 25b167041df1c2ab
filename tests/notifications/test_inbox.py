"""The inbox, the bell, and the Watch / Ignore buttons, as a member meets them."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from notifications import services
from notifications.models import Kind, Notification, QuestionWatch, TagPreference
from tests.factories import UserFactory, make_answer, make_question

pytestmark = pytest.mark.django_db


def note(recipient, text="Alice answered “Router drops”", url="/questions/1/", read=False):
    made = Notification.objects.create(
        recipient=recipient,
        kind=Kind.ANSWER,
        text=text,
        url=url,
        read_at=timezone.now() if read else None,
    )
    services.selectors.forget_unread_counts([recipient.pk])
    return made


def unread(user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


# --- The inbox ------------------------------------------------------------------------------


def test_the_inbox_needs_a_login(client):
    response = client.get("/notifications/")

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_the_inbox_lists_only_my_notifications_newest_first_with_unread_marked(member_client, member):
    note(member, text="Old news, already read", read=True)
    note(member, text="Fresh news for me")
    note(UserFactory(), text="Someone else's news")

    html = member_client.get("/notifications/").content.decode()

    assert html.index("Fresh news for me") < html.index("Old news, already read")
    assert "Someone else&#x27;s news" not in html and "Someone else's news" not in html
    assert html.count('class="notification is-unread"') == 1
    assert html.count(">New<") == 1
    assert html.count(">Mark read<") == 1
    assert ">Mark all as read</button>" in html


def test_the_inbox_pages_its_notifications(member_client, member):
    for n in range(35):
        note(member, text=f"Notification number {n}")

    first = member_client.get("/notifications/").content.decode()
    second = member_client.get("/notifications/?page=2").content.decode()

    assert "Notification number 34" in first and "Notification number 4<" not in first
    assert "Page 1 of 2" in first
    assert "Notification number 0" in second


def test_following_a_notification_marks_it_read_and_goes_to_its_page(member_client, member):
    question = make_question()
    item = note(member, url=f"{question.get_absolute_url()}#answer-3")

    response = member_client.get(f"/notifications/{item.pk}/go/")

    assert response.status_code == 302
    assert response.url == f"{question.get_absolute_url()}#answer-3"
    item.refresh_from_db()
    assert item.read_at is not None


def test_mark_one_read_without_javascript_redirects_back_to_the_inbox(member_client, member):
    first, second = note(member), note(member)

    response = member_client.post(f"/notifications/{first.pk}/read/", {"next": "/notifications/?page=1"})

    assert response.status_code == 302 and response.url == "/notifications/?page=1"
    first.refresh_from_db(), second.refresh_from_db()
    assert first.read_at is not None and second.read_at is None


def test_mark_one_read_with_htmx_swaps_the_item_and_the_bell(member_client, member):
    first, _ = note(member), note(member)

    response = member_client.post(f"/notifications/{first.pk}/read/", headers={"HX-Request": "true"})

    html = response.content.decode()
    assert response.status_code == 200
    assert f'id="notification-{first.pk}"' in html and "Mark read" not in html
    assert 'id="unread-count" hx-swap-oob="true"' in html and "1 unread" in html


def test_mark_all_read(member_client, member):
    for _ in range(3):
        note(member)
    other = note(UserFactory())

    response = member_client.post("/notifications/read-all/", follow=True)

    assert "Marked 3 notifications as read." in response.content.decode()
    assert unread(member) == 0
    other.refresh_from_db()
    assert other.read_at is None


def test_mark_all_read_with_htmx_returns_the_list_all_read(member_client, member):
    note(member), note(member)

    response = member_client.post("/notifications/read-all/", headers={"HX-Request": "true"})

    html = response.content.decode()
    assert 'id="inbox-list"' in html and "is-unread" not in html
    assert 'class="count count-none" id="unread-count" hx-swap-oob="true"' in html


@pytest.mark.parametrize("action", ["go", "read"])
def test_someone_elses_notification_is_not_found(member_client, action):
    theirs = note(UserFactory())

    if action == "go":
        response = member_client.get(f"/notifications/{theirs.pk}/go/")
    else:
        response = member_client.post(f"/notifications/{theirs.pk}/read/")

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_marking_read_is_a_post(member_client, member):
    assert member_client.get(f"/notifications/{note(member).pk}/read/").status_code == 405
    assert member_client.get("/notifications/read-all/").status_code == 405


# --- The bell -------------------------------------------------------------------------------


def test_the_bell_shows_my_unread_count_with_an_accessible_name(member_client, member):
    note(member), note(member), note(member, read=True)

    html = member_client.get("/tags/").content.decode()

    assert 'class="bell" href="/notifications/"' in html
    assert 'id="unread-count"' in html
    assert '<span class="visually-hidden">2 unread</span>' in html


def test_the_bell_has_no_count_when_all_is_read_and_none_for_visitors(client, member):
    client.force_login(member)
    assert "unread</span>" not in client.get("/tags/").content.decode()

    client.logout()
    assert 'class="bell"' not in client.get("/tags/").content.decode()


def test_the_bell_count_follows_new_and_read_notifications(member_client, member):
    question = make_question(author=member)
    member_client.get("/tags/")  # the count is cached now

    make_answer(question)
    assert "1 unread" in member_client.get("/tags/").content.decode()

    member_client.post("/notifications/read-all/")
    assert "unread</span>" not in member_client.get("/tags/").content.decode()


def test_the_bell_costs_no_query_once_counted(member_client, member):
    note(member)
    member_client.get("/tags/")

    with CaptureQueriesContext(connection) as queries:
        member_client.get("/tags/")

    assert not [q for q in queries.captured_queries if "notifications_notification" in q["sql"]]


# --- Watching a question --------------------------------------------------------------------


def test_the_question_page_offers_watch_and_the_button_toggles_it(member_client, member):
    question = make_question()
    page = question.get_absolute_url()

    assert ">Watch</button>" in member_client.get(page).content.decode()

    response = member_client.post(f"/notifications/watch/question/{question.pk}/", follow=True)
    assert "You&#x27;re watching this question" in response.content.decode()
    assert ">Unwatch</button>" in response.content.decode()
    assert QuestionWatch.objects.filter(user=member, question=question, source="manual").exists()

    member_client.post(f"/notifications/watch/question/{question.pk}/")
    assert not QuestionWatch.objects.filter(user=member, question=question).exists()


def test_the_asker_sees_unwatch_on_their_own_question(member_client, member):
    question = make_question(author=member)

    assert ">Unwatch</button>" in member_client.get(question.get_absolute_url()).content.decode()


def test_watch_with_htmx_swaps_the_button(member_client):
    question = make_question()

    response = member_client.post(
        f"/notifications/watch/question/{question.pk}/", headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    assert ">Unwatch</button>" in response.content.decode()


def test_visitors_see_no_watch_button_and_are_sent_to_log_in(client):
    question = make_question()

    assert 'class="watch-form"' not in client.get(question.get_absolute_url()).content.decode()
    response = client.post(f"/notifications/watch/question/{question.pk}/")
    assert response.status_code == 302 and response.url.startswith(reverse("account_login"))
    assert not QuestionWatch.objects.exclude(user=question.author).exists()


# --- Watching and ignoring tags -------------------------------------------------------------


def test_tag_page_buttons_watch_ignore_and_clear(member_client, member):
    make_question(tags=["billing"])

    html = member_client.get("/tags/billing/").content.decode()
    assert ">Watch billing</button>" in html and ">Ignore billing</button>" in html

    html = member_client.post("/notifications/tags/billing/watch/", follow=True).content.decode()
    assert "You watch billing" in html and ">Stop watching billing</button>" in html
    assert TagPreference.objects.get(user=member).mode == "watch"

    member_client.post("/notifications/tags/billing/ignore/")
    assert TagPreference.objects.get(user=member).mode == "ignore"

    member_client.post("/notifications/tags/billing/clear/")
    assert not TagPreference.objects.filter(user=member).exists()


def test_tag_buttons_with_htmx_swap_in_place(member_client):
    make_question(tags=["billing"])

    response = member_client.post("/notifications/tags/billing/ignore/", headers={"HX-Request": "true"})

    html = response.content.decode()
    assert "You ignore billing" in html and ">Stop ignoring billing</button>" in html
    assert "<html" not in html


def test_an_unknown_tag_is_not_found(member_client):
    assert member_client.post("/notifications/tags/no-such-tag/watch/").status_code == 404


def test_watching_a_tag_brings_news_of_its_new_questions(member_client, member):
    make_question(tags=["billing"])
    member_client.post("/notifications/tags/billing/watch/")

    make_question(title="Charged twice for one month", tags=["billing"])

    assert (
        "New question in billing: “Charged twice for one month”"
        in member_client.get("/notifications/").content.decode()
    )


def test_an_ignored_tag_leaves_my_default_list_but_not_its_tag_page(member_client, member):
    make_question(title="Roaming charges abroad again", tags=["roaming", "billing"])
    make_question(title="Router keeps dropping at night", tags=["wifi"])
    member_client.post("/notifications/tags/roaming/ignore/")

    listed = member_client.get("/questions/").content.decode()
    assert "Router keeps dropping at night" in listed
    assert "Roaming charges abroad again" not in listed
    assert "Roaming charges abroad again" in member_client.get("/tags/roaming/").content.decode()
    assert "Roaming charges abroad again" in member_client.get("/questions/?tag=billing").content.decode()

    make_question(title="Another roaming question here", tags=["roaming"])
    assert not Notification.objects.filter(recipient=member).exists()


def test_the_default_list_with_ignored_tags_stays_within_8_queries(
    member_client, member, django_assert_max_num_queries
):
    for n in range(25):
        make_question(title=f"Question number {n} about something", tags=["billing", f"t{n}"])
    member_client.post("/notifications/tags/t3/ignore/")
    member_client.post("/notifications/tags/billing/watch/")

    with django_assert_max_num_queries(8):
        listed = member_client.get("/questions/").content.decode()
    with django_assert_max_num_queries(8):
        tag_page = member_client.get("/tags/billing/").content.decode()

    assert "Question number 3 about" not in listed and "Question number 4 about" in listed
    assert "You watch billing" in tag_page
