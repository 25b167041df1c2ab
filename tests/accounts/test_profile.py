import pytest
from django.urls import reverse

from tests.factories import StaffFactory, UserFactory


@pytest.mark.django_db
def test_profile_shows_name_bio_and_no_flair_for_a_customer(client):
    UserFactory(username="alice", display_name="Alice Martin", bio="Bakes bread.\nFixes routers.")

    body = client.get("/users/alice/").content.decode()

    assert "Alice Martin" in body
    assert "<p>Bakes bread.<br>\nFixes routers.</p>" in body  # a plain-text bio keeps its lines
    assert ">Staff<" not in body


@pytest.mark.django_db
def test_staff_profile_shows_staff_flair(client):
    StaffFactory(username="sam", display_name="Sam Okafor")

    body = client.get("/users/sam/").content.decode()

    assert ">Staff<" in body


@pytest.mark.django_db
def test_unknown_profile_is_404_in_site_layout(client):
    response = client.get("/users/nobody-here/")

    assert response.status_code == 404
    assert "couldn" in response.content.decode()


@pytest.mark.django_db
def test_member_edits_own_profile(client):
    user = UserFactory(username="alice")
    client.force_login(user)

    response = client.post(
        reverse("accounts:profile_edit", args=["alice"]),
        {"display_name": "  Alice   M.  ", "bio": "Hello there"},
    )

    assert response.status_code == 302
    assert response["Location"] == "/users/alice/"
    user.refresh_from_db()
    assert user.display_name == "Alice M."
    assert user.bio == "Hello there"


@pytest.mark.django_db
def test_profile_edit_errors_keep_what_was_typed(client):
    user = UserFactory(username="alice")
    client.force_login(user)

    response = client.post(
        reverse("accounts:profile_edit", args=["alice"]), {"display_name": "x" * 61, "bio": "kept bio text"}
    )

    assert response.status_code == 200
    body = response.content.decode()
    assert "at most 60 characters" in body
    assert "kept bio text" in body


@pytest.mark.django_db
def test_editing_someone_elses_profile_is_forbidden(client):
    UserFactory(username="alice")
    client.force_login(UserFactory(username="mallory"))

    response = client.post(
        reverse("accounts:profile_edit", args=["alice"]), {"display_name": "pwned", "bio": ""}
    )

    assert response.status_code == 403


@pytest.mark.django_db
def test_profile_edit_requires_login(client):
    UserFactory(username="alice")

    response = client.get(reverse("accounts:profile_edit", args=["alice"]))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.django_db
def test_staff_flag_grants_no_moderator_flair(client):
    staff = StaffFactory(username="sam")

    assert not staff.is_moderator
    assert ">Moderator<" not in client.get("/users/sam/").content.decode()
