from django.contrib import admin
from django.urls import include, path

from accounts.views import login
from config.health import healthz
from config.robots import robots_txt
from config.security import csp_report
from forum.sitemaps import SITEMAPS, sitemap
from kb.sitemaps import SITEMAPS as KB_SITEMAPS

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("csp-report/", csp_report, name="csp_report"),
    path("robots.txt", robots_txt, name="robots_txt"),
    path("sitemap.xml", sitemap, {"sections": {**SITEMAPS, **KB_SITEMAPS}}, name="sitemap"),
    path("branding/", include("branding.urls")),
    path("admin/", admin.site.urls),
    # allauth's sign-in page with the sign-in throttle's 429 (accounts/views.py), before allauth's.
    path("accounts/login/", login),
    path("accounts/", include("allauth.urls")),
    path("", include("accounts.urls")),
    path("", include("privacy.urls")),
    path("", include("forum.urls")),
    path("", include("reputation.urls")),
    path("moderation/", include("moderation.urls")),
    path("kb/", include("kb.urls")),
    path("insights/", include("insights.urls")),
    path("integrations/helpdesk/", include("helpdesk.urls")),
    path("notifications/", include("notifications.urls")),
    path("manage/", include("console.urls")),
    path("api/", include("api.urls")),
]
