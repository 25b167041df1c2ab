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


def test_the_user_menu_links_to_the_console_for_moderators_and_community_managers_only(client):
    from tests.factories import CommunityManagerFactory, ModeratorFactory

    client.force_login(UserFactory())
    assert 'href="/manage/">Console</a>' not in client.get("/").content.decode()
    for person in (ModeratorFactory(), CommunityManagerFactory()):
        client.force_login(person)  # the menu remembers roles at login, as the Moderation link does
        assert 'href="/manage/">Console</a>' in client.get("/").content.decode()


def test_the_roles_page_is_offered_to_community_managers_only(client):
    from tests.factories import CommunityManagerFactory, ModeratorFactory

    client.force_login(ModeratorFactory())
    page = client.get("/manage/").content.decode()
    assert 'href="/manage/members/"' in page and 'href="/manage/roles/"' not in page
    client.force_login(CommunityManagerFactory())
    assert 'href="/manage/roles/"' in client.get("/manage/").content.decode()


def test_the_console_home_costs_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    from tests.factories import CommunityManagerFactory

    client.force_login(CommunityManagerFactory())
    with django_assert_max_num_queries(4):
        assert client.get("/manage/").status_code == 200
