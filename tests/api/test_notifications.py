"""The caller's own notifications through the API: the inbox, the bell's count, marking read;
only their own, and only with the scopes each needs."""

import pytest

from notifications.models import Notification
from tests.api.conftest import key_for
from tests.factories import ModeratorFactory, UserFactory, make_answer, make_question

pytestmark = pytest.mark.django_db


def ok(response) -> dict:
    assert response.status_code == 200, response.content
    return response.json()


def answered(asker, *, times: int = 1) -> None:
    """Others answer the asker's question: one notification each (notifications.triggers)."""
    question = make_question(author=asker, title="Why does my router reboot every night?")
    for n in range(times):
        author = ModeratorFactory() if n % 2 else UserFactory()
        make_answer(question, author=author, body=f"Answer {n}: update the firmware and reboot it.")


def test_my_notifications_are_mine_only_newest_first_with_the_unread_count(api):
    asker = UserFactory()
    answered(asker, times=2)
    answered(UserFactory())  # someone else's
    token = key_for(asker, "read")

    inbox = ok(api.get("/api/v1/notifications/", token=token))["results"]

    assert len(inbox) == 2
    assert inbox[0]["id"] > inbox[1]["id"]
    assert inbox[0]["kind"] == "answer"
    assert inbox[0]["read_at"] is None
    assert inbox[0]["url"].startswith("http://testserver/questions/")
    assert inbox[0]["actor"]["flairs"] == ["moderator"]
    assert ok(api.get("/api/v1/notifications/unread-count/", token=token)) == {"unread_count": 2}


def test_marking_one_and_then_all_read(api):
    asker = UserFactory()
    answered(asker, times=3)
    token = key_for(asker, "read", "write")
    first = Notification.objects.filter(recipient=asker).order_by("pk").first()

    marked = ok(api.post(f"/api/v1/notifications/{first.pk}/read/", token=token))
    assert marked["read_at"] is not None
    assert ok(api.get("/api/v1/notifications/unread-count/", token=token))["unread_count"] == 2

    assert ok(api.post("/api/v1/notifications/read-all/", token=token)) == {"marked": 2, "unread_count": 0}
    assert not Notification.objects.filter(recipient=asker, read_at__isnull=True).exists()


def test_someone_elses_notification_is_a_404(api):
    answered(UserFactory())
    theirs = Notification.objects.get()
    token = key_for(UserFactory(), "read", "write")
    assert api.get(f"/api/v1/notifications/{theirs.pk}/", token=token).status_code == 404
    assert api.post(f"/api/v1/notifications/{theirs.pk}/read/", token=token).status_code == 404
    assert Notification.objects.get().read_at is None


def test_marking_read_needs_the_write_scope(api):
    asker = UserFactory()
    answered(asker)
    refused = api.post("/api/v1/notifications/read-all/", token=key_for(asker, "read"))
    assert refused.status_code == 403
    assert "does not have the write scope" in refused.json()["error"]["message"]
    assert Notification.objects.get().read_at is None


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/api/v1/notifications/"),
        ("get", "/api/v1/notifications/unread-count/"),
        ("post", "/api/v1/notifications/read-all/"),
    ],
)
def test_a_visitor_is_asked_to_log_in_with_the_webs_sentence(api, method, url):
    response = getattr(api, method)(url)
    assert response.status_code == 401
    assert response.json()["error"]["message"] == "Log in to see your notifications."


def test_the_inbox_costs_a_fixed_number_of_queries(api, django_assert_max_num_queries):
    asker = UserFactory()
    answered(asker, times=8)
    token = key_for(asker, "read")
    # the key and its owner, the key's last use, the page with its actors, their moderator flair
    with django_assert_max_num_queries(4):
        assert len(ok(api.get("/api/v1/notifications/", token=token))["results"]) == 8
