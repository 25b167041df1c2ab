"""The erasure pages: /accounts/delete/ (the member, with their password) and the console's
/manage/members/<username>/erase/ (a community manager, with a reason)."""

import pytest
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth import get_user
from django.contrib.sessions.models import Session

from accounts.models import User
from forum import services as forum
from moderation.models import ModerationAction
from tests.factories import (
    TEST_PASSWORD,
    CommunityManagerFactory,
    ModeratorFactory,
    UserFactory,
    make_answer,
    make_question,
    restrict,
)

pytestmark = pytest.mark.django_db

PAGE = "/accounts/delete/"


def console_page(member) -> str:
    return f"/manage/members/{member.username}/erase/"


@pytest.fixture
def poster(commit):
    """A member with a question and an answer they may delete, an accepted answer, and a comment."""
    member = UserFactory(username="dana", display_name="Dana Scully")
    make_question(author=member, title="Modem light stays red after the storm")
    make_answer(make_question(), author=member, body="Restart the box and wait a minute.")
    question = make_question(title="Card declined at checkout, twice")
    accepted = make_answer(question, author=member, body="Your bank blocks it: call them.")
    commit(forum.answer_accept_toggle, answer=accepted, user=question.author)
    forum.comment_create(post=question, author=member, body="Which card do you use there?")
    return User.objects.get(pk=member.pk)


# --- The member's page ---------------------------------------------------------------------------


def test_visitors_are_sent_to_log_in(client):
    answer = client.get(PAGE)

    assert answer.status_code == 302
    assert answer["Location"].startswith("/accounts/login/")


def test_the_page_says_what_goes_what_stays_and_which_posts_can_go(
    client, poster, django_assert_max_num_queries
):
    client.force_login(poster)

    with django_assert_max_num_queries(9):
        page = client.get(PAGE)

    text = page.content.decode()
    assert page.status_code == 200
    assert "<h1>Delete your account</h1>" in text
    assert "the username <strong>@dana</strong>" in text
    assert f"What stays, as “former member {poster.pk}”" in text
    assert "1 question and 1 answer are deleted" in text
    assert "1 post: An accepted answer can&#x27;t be deleted by its author: the asker relies on it." in text
    assert "The 1 comment stay" in text
    assert 'name="password"' in text and 'autocomplete="current-password"' in text


def test_the_page_costs_the_same_however_much_was_posted(client, poster, django_assert_max_num_queries):
    for n in range(4):
        question = make_question(author=poster, title=f"Another question about the router, number {n}")
        make_answer(question)
        make_answer(make_question(), author=poster)
    client.force_login(poster)

    with django_assert_max_num_queries(9):
        client.get(PAGE)


def test_the_profile_edit_page_leads_here(client, poster):
    client.force_login(poster)

    page = client.get(f"/users/{poster.username}/edit/").content.decode()

    assert f'href="{PAGE}"' in page


def test_a_wrong_password_is_refused_and_the_choices_stay_ticked(client, poster):
    client.force_login(poster)

    answer = client.post(PAGE, {"password": "not-it", "delete_posts": "on", "confirm": "on"})

    text = answer.content.decode()
    assert answer.status_code == 400
    assert "That is not your password." in text
    assert 'id="id_delete_posts" checked' in text
    assert User.objects.get(pk=poster.pk).is_active


def test_the_confirmation_box_is_required(client, poster):
    client.force_login(poster)

    answer = client.post(PAGE, {"password": TEST_PASSWORD})

    assert answer.status_code == 400
    assert "Tick the box to confirm: erasing can&#x27;t be undone." in answer.content.decode()
    assert User.objects.get(pk=poster.pk).is_active


def test_guessing_the_password_is_limited(client, poster):
    client.force_login(poster)

    answers = [client.post(PAGE, {"password": f"guess-{n}", "confirm": "on"}).status_code for n in range(11)]

    assert answers == [400] * 10 + [429]
    refused = client.post(PAGE, {"password": TEST_PASSWORD, "confirm": "on"})
    assert refused.status_code == 429
    assert "Too many tries: wait a minute" in refused.content.decode()
    assert User.objects.get(pk=poster.pk).is_active


def test_with_the_password_the_account_is_erased_and_the_member_logged_out(client, poster, commit):
    client.force_login(poster)
    other_device = type(client)()
    other_device.force_login(poster)

    answer = commit(client.post, PAGE, {"password": TEST_PASSWORD, "delete_posts": "on", "confirm": "on"})

    assert answer.status_code == 302 and answer["Location"] == "/accounts/delete/done/"
    assert not get_user(client).is_authenticated
    assert not get_user(other_device).is_authenticated
    assert not [s for s in Session.objects.all() if s.get_decoded().get("_auth_user_id") == str(poster.pk)]
    done = client.get("/accounts/delete/done/")
    assert "Your account is deleted" in done.content.decode()
    erased = User.objects.get(pk=poster.pk)
    assert erased.username == f"former-member-{poster.pk}"
    assert erased.answers.filter(deleted_at__isnull=True).count() == 1  # the accepted one
    assert not erased.questions.filter(deleted_at__isnull=True).exists()
    assert not client.login(username="dana", password=TEST_PASSWORD)
    assert not client.login(username=erased.username, password=TEST_PASSWORD)


def test_the_erased_profile_shows_the_anonymous_name_and_the_posts_that_stay(client, poster, commit):
    client.force_login(poster)
    commit(client.post, PAGE, {"password": TEST_PASSWORD, "confirm": "on"})

    assert client.get("/users/dana/").status_code == 404
    page = client.get(f"/users/former-member-{poster.pk}/?tab=answers").content.decode()
    assert f"<h1>former member {poster.pk}</h1>" in page
    assert "This account was erased" in page
    assert "Card declined at checkout, twice" in page
    assert "Dana" not in page


def test_a_suspended_member_can_still_delete_their_account(client, poster, commit):
    restrict(poster)
    client.force_login(poster)

    page = client.get(PAGE).content.decode()
    assert "Your account is suspended" in page  # why none of the posts can be deleted
    answer = commit(client.post, PAGE, {"password": TEST_PASSWORD, "delete_posts": "on", "confirm": "on"})

    assert answer.status_code == 302
    assert User.objects.get(pk=poster.pk).erased_at is not None


def test_without_a_password_or_a_provider_still_offered_the_member_is_told_to_set_a_password(client, poster):
    poster.set_unusable_password()
    poster.save()
    SocialAccount.objects.create(user=poster, provider="github", uid="1")  # GitHub no longer configured
    client.force_login(poster)

    page = client.get(PAGE).content.decode()
    refused = client.post(PAGE, {"confirm": "on"})

    assert 'href="/accounts/password/set/">Set a password</a>' in page
    assert refused.status_code == 400 and User.objects.get(pk=poster.pk).is_active


def test_the_last_community_manager_is_told_why_not(client):
    manager = CommunityManagerFactory()
    client.force_login(manager)

    refused = client.get(PAGE)
    posted = client.post(PAGE, {"password": TEST_PASSWORD, "confirm": "on"})

    assert refused.status_code == posted.status_code == 403
    assert "You are the last community manager" in refused.content.decode()
    assert User.objects.get(pk=manager.pk).is_active


# --- The console ---------------------------------------------------------------------------------


def test_the_member_page_offers_erasure_to_community_managers_only(client, poster):
    client.force_login(CommunityManagerFactory())
    assert console_page(poster) in client.get(f"/manage/members/{poster.username}/").content.decode()

    client.force_login(ModeratorFactory())
    assert console_page(poster) not in client.get(f"/manage/members/{poster.username}/").content.decode()
    assert client.get(console_page(poster)).status_code == 403


def test_the_console_page_lists_what_goes_and_asks_why(client, poster, django_assert_max_num_queries):
    client.force_login(CommunityManagerFactory())

    with django_assert_max_num_queries(11):
        page = client.get(console_page(poster))

    text = page.content.decode()
    assert page.status_code == 200
    assert "Erase Dana Scully\u2019s account" in text
    assert f"What stays, as “former member {poster.pk}”" in text
    assert 'name="reason"' in text and 'name="password"' not in text


def test_a_reason_is_required_and_what_was_typed_stays(client, poster):
    client.force_login(CommunityManagerFactory())

    answer = client.post(console_page(poster), {"reason": "", "delete_posts": "on"})

    assert answer.status_code == 400
    assert "Say why: the reason stays in the audit log." in answer.content.decode()
    assert 'id="id_delete_posts" checked' in answer.content.decode()
    assert User.objects.get(pk=poster.pk).is_active


def test_a_community_manager_erases_a_member_at_their_request(client, poster, commit):
    manager = CommunityManagerFactory()
    client.force_login(manager)

    answer = commit(
        client.post,
        console_page(poster),
        {"reason": "Dana Scully asked by email on 3 March", "delete_posts": "on"},
        follow=True,
    )

    assert answer.redirect_chain[-1][0] == "/manage/members/"
    assert (
        f"The account is erased: it shows as “former member {poster.pk}” now. 2 of its posts were deleted "
        "and 1 stay under that name." in answer.content.decode()
    )
    line = ModerationAction.objects.get(action="account_erased")
    assert (line.moderator, line.reason) == (manager, f"former member {poster.pk} asked by email on 3 March")
    log = client.get("/moderation/log/?action=account_erased").content.decode()
    assert "Account erased" in log and "Dana" not in log


def test_a_community_manager_erases_their_own_account_on_their_own_page(client):
    manager = CommunityManagerFactory()
    CommunityManagerFactory()
    client.force_login(manager)

    answer = client.get(console_page(manager))

    assert answer.status_code == 302 and answer["Location"] == PAGE


def test_a_community_managers_account_is_not_erased_from_the_console(client):
    client.force_login(CommunityManagerFactory())
    other = CommunityManagerFactory(display_name="Casey")

    answer = client.post(console_page(other), {"reason": "Asked"})

    assert answer.status_code == 403
    assert "Casey is a community manager: remove that role" in answer.content.decode()


# --- The anonymous names are kept for erased accounts ---------------------------------------------


def test_sign_up_refuses_a_former_member_username(client):
    answer = client.post(
        "/accounts/signup/",
        {
            "email": "someone@example.com",
            "username": "Former-Member-12",
            "password1": TEST_PASSWORD,
            "password2": TEST_PASSWORD,
        },
    )

    assert "Usernames starting with “former-member-” are kept for erased accounts." in answer.content.decode()
    assert not User.objects.filter(email="someone@example.com").exists()


def test_a_profile_cannot_take_a_former_member_name(client, poster):
    client.force_login(poster)

    answer = client.post(f"/users/{poster.username}/edit/", {"display_name": "Former member 12", "bio": ""})

    assert "Names starting with “former member” are kept for erased accounts." in answer.content.decode()
    assert User.objects.get(pk=poster.pk).display_name == "Dana Scully"


def test_an_integration_account_cannot_take_a_former_member_username(client):
    client.force_login(CommunityManagerFactory())

    answer = client.post("/manage/integrations/", {"username": "former-member-3", "display_name": "Bot"})

    assert answer.status_code == 400
    assert "Usernames starting with “former-member-” are kept for erased accounts." in answer.content.decode()
