import pytest

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_members_cannot_open_the_console(client):
    client.force_login(UserFactory())
    response = client.get("/manage/")
    assert response.status_code == 403
    assert "Only moderators and community managers" in response.content.decode()


def test_staff_flair_opens_nothing(client):
    client.force_login(UserFactory(is_staff=True))
    assert client.get("/manage/").status_code == 403


def test_anonymous_is_sent_to_log_in(client):
    response = client.get("/manage/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_moderators_and_community_managers_open_it(client):
    from tests.factories import CommunityManagerFactory, ModeratorFactory

    for person in (ModeratorFactory(), CommunityManagerFactory()):
        client.force_login(person)
        response = client.get("/manage/")
        assert response.status_code == 200
        assert "<h1>Console</h1>" in response.content.decode()
