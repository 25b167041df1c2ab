"""The anonymous page cache (forum/pagecache.py): anonymous readers are served stored pages,
every write that changes a page shows at once, and nothing of one reader reaches another."""

import re

import pytest
from django.contrib.messages import constants
from django.contrib.messages.storage.cookie import CookieStorage
from django.contrib.sessions.models import Session
from django.http import HttpRequest
from django.test import Client

from branding.services import branding_update
from forum import services
from forum.tasks import flush_view_counts
from moderation import closing, flags
from reputation.ledger import apply_event
from reputation.models import ReputationEvent
from tests.factories import CommunityManagerFactory, ModeratorFactory, UserFactory, make_answer, make_question

pytestmark = pytest.mark.django_db


def anonymous(**headers) -> Client:
    return Client(**headers)


def page(url: str, client: Client | None = None) -> str:
    response = (client or anonymous()).get(url)
    assert response.status_code == 200, url
    return response.content.decode()


@pytest.fixture
def thread():
    question = make_question(title="Why does my router reboot every night?", tags=("wifi",))
    answer = make_answer(question, body="Turn off the automatic firmware update at night.")
    return question, answer


def test_repeated_anonymous_question_page_is_served_without_a_query(thread, django_assert_num_queries):
    question, _ = thread
    first = page(question.get_absolute_url())

    with django_assert_num_queries(0):
        again = page(question.get_absolute_url())

    assert without_tokens(again) == without_tokens(first)


def without_tokens(body: str) -> str:
    return re.sub(r'(csrfmiddlewaretoken" value="|"X-CSRFToken": ")[A-Za-z0-9]+', "", body)


def test_lists_and_tag_pages_are_served_from_the_cache_too(thread, django_assert_num_queries):
    for url in ("/", "/questions/?sort=newest", "/tags/", "/tags/wifi/"):
        page(url)
        with django_assert_num_queries(0):
            page(url)


def test_a_view_served_from_the_cache_still_counts(thread):
    question, _ = thread
    page(question.get_absolute_url(), anonymous(HTTP_USER_AGENT="first browser"))
    page(question.get_absolute_url(), anonymous(HTTP_USER_AGENT="second browser"))
    page(question.get_absolute_url(), anonymous(HTTP_USER_AGENT="second browser"))  # once per hour

    assert flush_view_counts() == 2
    question.refresh_from_db()
    assert question.view_count == 2
    assert "viewed 2 times" in page(question.get_absolute_url())


# --- Each kind of write shows at once --------------------------------------------------------


def test_new_answer_shows_on_the_thread_and_its_count_on_the_lists(thread):
    question, _ = thread
    url = question.get_absolute_url()
    page(url), page("/")

    make_answer(question, body="Check whether the power supply is the original one.")

    assert "the power supply is the original one" in page(url)
    assert "<strong>2</strong> answers" in page("/")


def test_vote_changes_the_score_shown(thread):
    question, answer = thread
    url = question.get_absolute_url()
    assert 'data-score="0"' in page(url) or ">0<" in page(url)
    before = page(url)

    services.vote_cast(voter=UserFactory(), post=answer, value=1)
    services.vote_cast(voter=UserFactory(), post=answer, value=1)

    after = page(url)
    assert after != before
    assert ">2<" in after


def test_edit_shows_at_once(thread):
    question, answer = thread
    url = question.get_absolute_url()
    page(url), page("/")

    services.question_edit(
        question=question,
        editor=question.author,
        title="Router reboots at 3 am",
        body=question.body,
        tags=["wifi"],
    )
    services.answer_edit(answer=answer, editor=answer.author, body="Disable the nightly auto-update instead.")

    assert "Router reboots at 3 am" in page(url.replace(question.slug, "router-reboots-at-3-am"))
    assert "Router reboots at 3 am" in page("/")


def test_accept_and_comment_show_at_once(thread):
    question, answer = thread
    url = question.get_absolute_url()
    assert "✓ solved" not in page(url)

    services.answer_accept_toggle(answer=answer, user=question.author)
    services.comment_create(post=answer, author=UserFactory(), body="This fixed mine too, thanks!")

    body = page(url)
    assert "✓ solved" in body
    assert "This fixed mine too, thanks!" in body


def test_moderators_actions_show_at_once(thread):
    question, answer = thread
    url = question.get_absolute_url()
    moderator = ModeratorFactory()
    other = make_question(title="My printer prints blank pages", tags=("printers",))
    page(url), page("/"), page(other.get_absolute_url())

    closing.question_lock(question=question, moderator=moderator, reason="Heated")
    assert "locked" in page(url).lower()

    closing.post_delete(post=answer, actor=moderator, reason="Spam")
    assert "automatic firmware update" not in page(url)

    closing.question_merge(source=other, into=question, moderator=moderator)
    assert "merged" in page(other.get_absolute_url()).lower()

    closing.post_delete(post=question, actor=moderator, reason="Spam")
    assert anonymous().get(url).status_code == 404
    assert "Why does my router reboot every night?" not in page("/")


def test_a_post_hidden_by_flags_disappears_at_once(thread):
    question, answer = thread
    url = question.get_absolute_url()
    page(url)

    for _ in range(3):
        flags.flag_create(flagger=UserFactory(reputation=5000), post=answer, reason="spam")

    assert "automatic firmware update" not in page(url)


def test_reputation_and_branding_changes_show_on_every_page(thread, commit):
    question, answer = thread
    url = question.get_absolute_url()
    page(url), page("/")

    commit(services.vote_cast, voter=UserFactory(), post=answer, value=1)
    for event in ReputationEvent.objects.filter(applied_at__isnull=True):
        apply_event(event.pk)
    answer.author.refresh_from_db()
    assert answer.author.reputation > 1
    assert f'<span class="visually-hidden">reputation </span>{answer.author.reputation}' in page(url)

    commit(branding_update, by=CommunityManagerFactory(), site_name="Acme Help", brand_color="#123456")
    assert "Acme Help" in page(url)
    assert "Acme Help" in page("/")


# --- Nothing of one reader reaches another ---------------------------------------------------


def test_a_signed_in_member_never_gets_the_anonymous_page(thread, client):
    question, _ = thread
    page(question.get_absolute_url())
    member = UserFactory(username="pat_the_member")
    client.force_login(member)

    body = page(question.get_absolute_url(), client)

    assert "Post your answer" in body
    assert "pat_the_member" in body or member.name in body
    assert "Post your answer" not in page(question.get_absolute_url())


def test_each_anonymous_reader_gets_their_own_csrf_token_and_no_session(thread):
    question, _ = thread
    first, second = anonymous(), anonymous()
    page(question.get_absolute_url(), first)

    body = page(question.get_absolute_url(), second)

    token = second.cookies["csrftoken"].value
    assert token and token != first.cookies["csrftoken"].value
    assert "\x00" not in body
    # Every token on the page is the reader's own: a vote with it gets to the login, not a 403.
    strict = Client(enforce_csrf_checks=True)
    strict.cookies = second.cookies
    form_token = body.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    response = strict.post(f"/questions/{question.pk}/vote/", {"value": 1, "csrfmiddlewaretoken": form_token})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not Session.objects.exists()


def test_a_reader_with_a_message_waiting_gets_a_page_of_their_own(thread):
    question, _ = thread
    url = question.get_absolute_url()
    page(url)
    reader = anonymous()
    storage = CookieStorage(HttpRequest())
    encoded = storage._encode([storage_message("You have signed out.")])
    reader.cookies["messages"] = encoded

    assert "You have signed out." in page(url, reader)
    assert "You have signed out." not in page(url)


def storage_message(text):
    from django.contrib.messages.storage.base import Message

    return Message(constants.INFO, text)


def test_cache_off_renders_every_time(thread, settings, django_assert_max_num_queries):
    settings.COMMONPLACE_PAGE_CACHE_SECONDS = 0
    question, _ = thread
    page(question.get_absolute_url())
    with django_assert_max_num_queries(20) as queries:
        page(question.get_absolute_url())
    assert len(queries) > 0


def test_the_redis_cache_keeps_one_client_per_pool():
    from config.cache import RedisCache

    cache = RedisCache("redis://127.0.0.1:6379/0", {})

    assert cache._cache.get_client(write=True) is cache._cache.get_client(write=False)


def test_no_public_page_writes_anything_for_an_anonymous_reader(thread, settings):
    """Every public page, cached or not, read twice by a reader without a session: no session
    row, no INSERT, UPDATE or DELETE (views are counted in the cache)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    question, answer = thread
    author = answer.author.username
    pages = [
        "/",
        "/questions/",
        "/questions/?sort=waiting",
        question.get_absolute_url(),
        "/tags/",
        "/tags/wifi/",
        "/search/?q=router",
        "/questions/feed/",
        "/tags/wifi/feed/",
        f"/users/{author}/",
        f"/users/{author}/reputation/",
        "/leaderboard/",
        "/badges/",
        "/privileges/",
        "/reputation/rules/",
        "/kb/",
        "/kb/search/?q=router",
        "/sitemap.xml",
        "/robots.txt",
    ]
    reader = anonymous()
    for url in pages * 2:
        with CaptureQueriesContext(connection) as queries:
            assert reader.get(url).status_code == 200, url
        writes = [
            q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
        ]
        assert writes == [], url
    # The insights page computes a figure not yet stored (then kept), by design: no session.
    assert reader.get("/insights/").status_code == 200
    assert not Session.objects.exists()
    assert not reader.cookies.get("sessionid")


def test_a_view_through_a_wrong_slug_counts_once_at_the_right_address(thread):
    question, _ = thread
    reader = anonymous()

    assert reader.get(f"/questions/{question.pk}/an-old-title/").status_code == 301
    page(question.get_absolute_url(), reader)
    page(question.get_absolute_url(), reader)

    assert flush_view_counts() == 1


# --- A hit served before the rest of the middleware (EarlyHitMiddleware) ---------------------

EARLY = "forum.pagecache.EarlyHitMiddleware"


@pytest.fixture
def early_hits(monkeypatch):
    """The responses EarlyHitMiddleware served itself (None: it let the request through)."""
    from forum.pagecache import EarlyHitMiddleware

    served = []
    original = EarlyHitMiddleware.hit

    def hit(self, request):
        response = original(self, request)
        served.append(response)
        return response

    monkeypatch.setattr(EarlyHitMiddleware, "hit", hit)
    return served


def comparable(response) -> tuple[dict, dict, str]:
    headers = {name.lower(): value for name, value in response.items() if name.lower() != "set-cookie"}
    cookies = {
        name: {key: value for key, value in morsel.items() if value}
        for name, morsel in response.cookies.items()
    }
    return headers, cookies, without_tokens(response.content.decode())


@pytest.mark.parametrize("url", ["question", "/", "/tags/", "/tags/wifi/"])
def test_an_early_hit_has_the_same_headers_and_page_as_the_view_serves(thread, url, settings, early_hits):
    question, _ = thread
    url = question.get_absolute_url() if url == "question" else url
    page(url)  # stored

    early = anonymous(HTTP_USER_AGENT="early").get(url)
    assert early_hits[-1] is not None  # served by the middleware
    settings.MIDDLEWARE = [name for name in settings.MIDDLEWARE if name != EARLY]
    late = anonymous(HTTP_USER_AGENT="late").get(url)

    assert early.status_code == late.status_code == 200
    assert comparable(early) == comparable(late)
    headers = comparable(early)[0]
    for name in (
        "content-security-policy",
        "permissions-policy",
        "cross-origin-opener-policy",
        "cross-origin-resource-policy",
        "x-frame-options",
        "x-content-type-options",
        "referrer-policy",
        "content-length",
    ):
        assert name in headers, name
    assert headers["vary"] == "Cookie"
    assert headers["x-frame-options"] == "DENY"


def test_an_early_hit_gives_a_returning_reader_a_fresh_token_from_their_own_cookie(thread, early_hits):
    question, _ = thread
    url = question.get_absolute_url()
    reader = anonymous()
    page(url, reader)
    secret = reader.cookies["csrftoken"].value

    body = page(url, reader)

    assert early_hits[-1] is not None
    assert reader.cookies["csrftoken"].value == secret  # the same secret, sent again as Django does
    strict = Client(enforce_csrf_checks=True)
    strict.cookies = reader.cookies
    form_token = body.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    response = strict.post(f"/questions/{question.pk}/vote/", {"value": 1, "csrfmiddlewaretoken": form_token})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_an_early_hit_counts_the_view_once_per_visitor(thread, early_hits):
    question, _ = thread
    url = question.get_absolute_url()
    page(url, anonymous(HTTP_USER_AGENT="first browser"))
    page(url, anonymous(HTTP_USER_AGENT="second browser"))
    page(url, anonymous(HTTP_USER_AGENT="second browser"))
    page(url, anonymous(HTTP_USER_AGENT="third browser"))

    assert [response is not None for response in early_hits] == [False, True, True, True]
    assert flush_view_counts() == 3


def test_a_session_cookie_or_htmx_bypasses_the_early_hit(thread, client, early_hits):
    question, _ = thread
    url = question.get_absolute_url()
    page(url)
    client.force_login(UserFactory(username="pat_the_member"))

    assert "Post your answer" in page(url, client)
    assert client.get(url, HTTP_HX_REQUEST="true").status_code == 200
    assert early_hits == [None]  # only the first, anonymous, request asked it, and it was a miss


def test_a_changed_page_is_not_served_early_and_its_views_still_count_once(thread, early_hits):
    question, _ = thread
    url = question.get_absolute_url()
    page(url, anonymous(HTTP_USER_AGENT="first browser"))

    make_answer(question, body="Check whether the power supply is the original one.")

    assert "the power supply is the original one" in page(url, anonymous(HTTP_USER_AGENT="second browser"))
    assert early_hits[-1] is None
    page(url, anonymous(HTTP_USER_AGENT="second browser"))
    assert early_hits[-1] is not None
    assert flush_view_counts() == 2


def test_with_the_cache_failing_the_page_is_rendered(thread, monkeypatch, early_hits):
    from django.core.cache import cache

    question, _ = thread
    url = question.get_absolute_url()
    page(url)

    def down(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(cache, "get", down)
    monkeypatch.setattr(cache, "get_many", down)
    monkeypatch.setattr(cache, "get_many_and_add", down, raising=False)

    assert "Why does my router reboot every night?" in page(url)
    assert early_hits[-1] is None


def test_before_a_process_has_imported_the_view_its_page_goes_to_the_view_and_counts(
    thread, monkeypatch, early_hits
):
    from forum import pagecache

    question, _ = thread
    url = question.get_absolute_url()
    page(url, anonymous(HTTP_USER_AGENT="first browser"))
    monkeypatch.setattr(pagecache, "_HIT_HOOKS", {})

    page(url, anonymous(HTTP_USER_AGENT="second browser"))

    assert early_hits[-1] is None
    assert flush_view_counts() == 2
