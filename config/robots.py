"""/robots.txt: where the sitemap is, and what crawlers should leave alone.

Crawlers are kept out of what is private or personal (accounts, the console, moderation,
notifications, the API, the helpdesk bridge, Django's admin), out of what only makes sense as a
form or a button (asking, editing, voting, commenting, flagging, accepting, previewing, "I have
this too"), and out of pages without end or worth as a result (search, whose every query is a
page, as Discourse and Stack Exchange keep theirs out; revision histories, which repeat the
posts). Robots rules are advice, not protection: every one of these is guarded by its own rule
anyway. Questions, answers, tags, profiles, ledgers, the knowledge base, insights and the feeds
stay open, and the sitemap lists what is worth indexing.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpResponse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

DISALLOW = [
    # Private or personal.
    "/accounts/",
    "/users/*/edit/",
    "/notifications/",
    "/moderation/",
    "/manage/",
    "/admin/",
    "/api/",
    "/integrations/",
    "/healthz",
    "/csp-report/",
    # Forms and buttons.
    "/questions/ask/",
    "/questions/*/edit/",
    "/answers/*/edit/",
    "/questions/*/answers/",
    "/questions/*/comments/",
    "/answers/*/comments/",
    "/questions/*/vote/",
    "/answers/*/vote/",
    "/answers/*/accept/",
    "/answers/*/also-helped/",
    "/revisions/",
    "/suggested-edits/",
    "/preview/",
    "/insights/me-too/",
    "/insights/escalate/",
    "/kb/promote/",
    "/kb/*/edit/",
    "/kb/*/verify/",
    "/branding/banner/",
    # Endless or repeated.
    "/search/",
    "/questions/similar/",
    "/kb/search/",
    "/questions/*/revisions/",
    "/answers/*/revisions/",
    "/kb/*/revisions/",
]


def sitemap_origin(request) -> str:
    """COMMONPLACE_SITE_URL when the request came to its host (its scheme is the public one,
    even behind a proxy that speaks plain HTTP to the app); otherwise the request's own origin,
    whose host the sitemap's URLs use (forum.sitemaps), so a site whose COMMONPLACE_SITE_URL was
    left at its default still points crawlers at itself."""
    configured = urlsplit(settings.COMMONPLACE_SITE_URL)
    host = request.get_host()
    if configured.scheme and configured.netloc == host:
        return f"{configured.scheme}://{configured.netloc}"
    return f"{request.scheme}://{host}"


@require_GET
@cache_control(public=True, max_age=24 * 60 * 60)
def robots_txt(request):
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in DISALLOW), ""]
    lines.append(f"Sitemap: {sitemap_origin(request)}/sitemap.xml")
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
