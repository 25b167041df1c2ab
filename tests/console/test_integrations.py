"""Integration accounts in the console: a community manager creates a bot account and its API
keys; the bot acts through the API as itself, with a Bot flair and no privilege."""

import re

import pytest

from accounts.models import ApiKey, User
from forum.models import Answer
from tests.factories import CommunityManagerFactory, ModeratorFactory, make_question

pytestmark = pytest.mark.django_db


@pytest.fixture
def casey(client):
    casey = CommunityManagerFactory(username="casey", display_name="Casey")
    client.force_login(casey)
    return casey


def make_bot(client) -> User:
    client.post("/manage/integrations/", {"username": "helpdesk-bot", "display_name": "Helpdesk"})
    return User.objects.get(username="helpdesk-bot")


def test_a_community_manager_creates_an_integration_account_and_a_key(client, casey):
    bot = make_bot(client)
    assert bot.is_bot and not bot.has_usable_password()
    page = client.post(
        "/manage/integrations/helpdesk-bot/",
        {"name": "Zendesk", "scopes": ["read", "write"], "expires": "365"},
    ).content.decode()
    key = ApiKey.objects.get()
    assert (key.owner, key.created_by) == (bot, casey)
    token = re.search(r'value="(cp_[^"]+)"', page).group(1)

    question = make_question()
    response = client.post(
        f"/api/v1/questions/{question.pk}/answers/",
        {"body": "A ticket is open for this; we will post what we find."},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 201
    assert response.json()["author"]["flairs"] == ["bot"]
    assert Answer.objects.get().author == bot
    thread = client.get(question.get_absolute_url()).content.decode()
    assert 'title="An integration account: a program using the API">Bot</span>' in thread


def test_the_integrations_list_and_nav(client, casey):
    make_bot(client)
    page = client.get("/manage/integrations/").content.decode()
    assert 'aria-current="page">Integrations</a>' in page
    assert "Helpdesk" in page and "@helpdesk-bot" in page


def test_a_taken_username_is_refused_and_the_form_kept(client, casey):
    response = client.post("/manage/integrations/", {"username": "casey", "display_name": "Helpdesk"})
    assert response.status_code == 400
    assert "That username is taken: choose another." in response.content.decode()
    assert not User.objects.filter(is_bot=True).exists()


def test_a_community_manager_revokes_a_bots_key(client, casey):
    make_bot(client)
    client.post(
        "/manage/integrations/helpdesk-bot/", {"name": "Zendesk", "scopes": ["read"], "expires": "30"}
    )
    key = ApiKey.objects.get()
    client.post(f"/manage/integrations/helpdesk-bot/keys/{key.pk}/revoke/")
    assert ApiKey.objects.get().revoked_at is not None


def test_moderators_do_not_manage_integrations(client, casey):
    make_bot(client)
    client.force_login(ModeratorFactory())
    assert client.get("/manage/integrations/").status_code == 403
    assert client.get("/manage/integrations/helpdesk-bot/").status_code == 403
    assert 'href="/manage/integrations/"' not in client.get("/manage/").content.decode()


def test_a_members_own_page_is_not_an_integration_page(client, casey):
    assert client.get("/manage/integrations/casey/").status_code == 404
