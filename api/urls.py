"""/api/v1/: the router, the schema and its docs. Every address under /api/ that matches
nothing answers a JSON 404 (api.errors.not_found), never the site's HTML page."""

from csp.decorators import csp_update
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from api import read_urls
from api.errors import not_found
from api.resources.answers import AnswerViewSet
from api.resources.comments import CommentViewSet
from api.resources.data_exports import DataExportViewSet
from api.resources.questions import QuestionViewSet
from api.resources.webhooks import WebhookViewSet

router = SimpleRouter(use_regex_path=False)  # path converters: ids are <int:pk>
router.register("questions", QuestionViewSet, basename="question")
router.register("answers", AnswerViewSet, basename="answer")
router.register("comments", CommentViewSet, basename="comment")
read_urls.register(router)  # tags, search, profiles, the knowledge base, notifications, ...
router.register("webhooks", WebhookViewSet, basename="webhook")  # community managers' endpoints
router.register("data-exports", DataExportViewSet, basename="data-export")  # copies of members' data

# Swagger UI's stylesheet draws its icons as data: SVG images: the docs page alone allows them, in
# whichever header the site sends (enforced, or report-only with COMMONPLACE_CSP_REPORT_ONLY=1).
DOCS_POLICY = {"img-src": ["data:"]}
docs = csp_update(DOCS_POLICY)(
    csp_update(DOCS_POLICY, REPORT_ONLY=True)(SpectacularSwaggerSplitView.as_view(url_name="api:schema"))
)

app_name = "api"
urlpatterns = [
    path("v1/", include(router.urls)),
    *read_urls.urlpatterns,
    path("v1/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's starting script as a file of its own: no inline script,
    # so the page works under a strict Content-Security-Policy. Its assets are the vendored
    # drf-spectacular-sidecar ones, served from our static files (no CDN).
    path("v1/docs/", docs, name="docs"),
    re_path(r"^.*$", not_found),
]
