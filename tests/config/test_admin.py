"""Django's admin is for superusers only: staff status is a flair that opens nothing, there
either. Operators work in the console at /manage/."""

import pytest

from tests.factories import CommunityManagerFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_staff_and_community_managers_are_not_let_into_the_admin(client):
    for person in (StaffFactory(), CommunityManagerFactory(is_staff=True)):
        client.force_login(person)
        response = client.get("/admin/")
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")


def test_superusers_browse_the_raw_data_and_suspensions_are_read_only(client):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))

    index = client.get("/admin/")
    restrictions = client.get("/admin/accounts/restriction/")

    assert index.status_code == 200
    assert "use the console at /manage/" in index.content.decode()
    assert restrictions.status_code == 200
    assert client.get("/admin/accounts/restriction/add/").status_code == 403
