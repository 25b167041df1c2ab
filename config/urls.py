from django.contrib import admin
from django.urls import include, path

from config.health import healthz
from config.robots import robots_txt
from forum.sitemaps import SITEMAPS, sitemap
from kb.sitemaps import SITEMAPS as KB_SITEMAPS

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("robots.txt", robots_txt, name="robots_txt"),
    path("sitemap.xml", sitemap, {"sections": {**SITEMAPS, **KB_SITEMAPS}}, name="sitemap"),
    path("branding/", include("branding.urls")),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("", include("accounts.urls")),
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
