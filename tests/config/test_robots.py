"""/robots.txt: the sitemap, and crawlers kept out of the private, the forms and the endless."""

import re

import pytest

from tests.factories import make_question

pytestmark = pytest.mark.django_db


def rules(text: str) -> list[re.Pattern]:
    """The Disallow lines as crawlers read them: a prefix, `*` for any run of characters, `$`
    for the end (Google's and Bing's extensions, which the file uses only as `*`)."""
    patterns = []
    for line in text.splitlines():
        if line.startswith("Disallow: "):
            path = line.removeprefix("Disallow: ")
            patterns.append(re.compile(re.escape(path).replace(r"\*", ".*").replace(r"\$", "$")))
    return patterns


def disallowed(text: str, path: str) -> bool:
    return any(pattern.match(path) for pattern in rules(text))


def test_robots_txt_is_plain_text_cacheable_and_for_every_crawler(client):
    response = client.get("/robots.txt")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert "public" in response["Cache-Control"] and "max-age=86400" in response["Cache-Control"]
    assert response.content.decode().startswith("User-agent: *\n")


def test_it_points_at_the_sitemap_on_the_host_asked(client, settings):
    settings.COMMONPLACE_SITE_URL = "https://community.example.com"
    settings.ALLOWED_HOSTS = ["community.example.com", "help.example.org", "testserver"]

    on_the_site = client.get("/robots.txt", HTTP_HOST="community.example.com").content.decode()
    elsewhere = client.get("/robots.txt", HTTP_HOST="help.example.org").content.decode()

    # The configured origin's scheme wins on its host (behind a proxy speaking plain HTTP).
    assert "\nSitemap: https://community.example.com/sitemap.xml\n" in on_the_site
    assert "\nSitemap: http://help.example.org/sitemap.xml\n" in elsewhere


PRIVATE_OR_ACTIONS = [
    "/accounts/login/",
    "/accounts/signup/",
    "/accounts/api-keys/",
    "/accounts/email/",
    "/users/alice/edit/",
    "/moderation/",
    "/moderation/flag/answer/7/",
    "/moderation/review/",
    "/manage/",
    "/manage/members/alice/",
    "/admin/",
    "/api/v1/questions/",
    "/notifications/",
    "/notifications/settings/",
    "/integrations/helpdesk/callback/",
    "/healthz",
    "/questions/ask/",
    "/questions/12/edit/",
    "/answers/34/edit/",
    "/questions/12/answers/",
    "/questions/12/comments/",
    "/answers/34/comments/",
    "/questions/12/vote/",
    "/answers/34/vote/",
    "/answers/34/accept/",
    "/answers/34/also-helped/",
    "/revisions/5/rollback/",
    "/suggested-edits/9/",
    "/preview/",
    "/insights/me-too/12/",
    "/insights/escalate/12/",
    "/kb/promote/12/",
    "/kb/3/edit/",
    "/kb/3/verify/",
    "/branding/banner/dismiss/",
    "/search/?q=router",
    "/questions/similar/?title=router",
    "/kb/search/?q=router",
    "/questions/12/revisions/",
    "/answers/34/revisions/",
    "/kb/3/revisions/",
]
PUBLIC = [
    "/",
    "/questions/",
    "/questions/?sort=unanswered",
    "/questions/12/",
    "/questions/12/how-do-i-reset-my-router/",
    "/questions/feed/",
    "/tags/",
    "/tags/wifi/",
    "/tags/wifi/feed/",
    "/users/alice/",
    "/users/alice/reputation/",
    "/kb/",
    "/kb/3/card-declined-when-renewing/",
    "/kb/tags/billing/",
    "/insights/",
    "/leaderboard/",
    "/badges/",
    "/privileges/",
    "/reputation/rules/",
    "/sitemap.xml",
]


@pytest.mark.parametrize("path", PRIVATE_OR_ACTIONS)
def test_crawlers_are_kept_out_of_private_areas_forms_and_endless_pages(client, path):
    assert disallowed(client.get("/robots.txt").content.decode(), path)


@pytest.mark.parametrize("path", PUBLIC)
def test_what_is_worth_finding_stays_open(client, path):
    assert not disallowed(client.get("/robots.txt").content.decode(), path)


def test_every_page_the_sitemap_lists_is_open_to_crawlers(client):
    make_question(title="Card declined when renewing my plan", tags=("billing",))
    robots = client.get("/robots.txt").content.decode()
    sitemap = client.get("/sitemap.xml").content.decode()

    paths = [re.sub(r"^https?://[^/]+", "", url) for url in re.findall(r"<loc>([^<]+)</loc>", sitemap)]

    assert len(paths) >= 4
    assert [path for path in paths if disallowed(robots, path)] == []
