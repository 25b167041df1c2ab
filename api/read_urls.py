"""The API's read resources, registered apart from the posting ones (api/urls.py includes them):
tags, search, profiles and ledgers, badges and the other catalogues, the knowledge base, the
caller's notifications, insights and escalations. Each module's docstring names the web page
it mirrors."""

from django.urls import path

from api.resources.articles import ArticleViewSet
from api.resources.catalogue import BadgesView, PrivilegesView, ReputationRulesView
from api.resources.escalations import EscalationViewSet
from api.resources.insights import InsightsView
from api.resources.members import MemberViewSet
from api.resources.notifications import NotificationViewSet
from api.resources.search import SearchView
from api.resources.tags import TagViewSet


def register(router) -> None:
    router.register("tags", TagViewSet, basename="tag")
    router.register("users", MemberViewSet, basename="member")
    router.register("articles", ArticleViewSet, basename="article")
    router.register("notifications", NotificationViewSet, basename="notification")
    router.register("escalations", EscalationViewSet, basename="escalation")


urlpatterns = [
    path("v1/search/", SearchView.as_view(), name="search"),
    path("v1/badges/", BadgesView.as_view(), name="badges"),
    path("v1/privileges/", PrivilegesView.as_view(), name="privileges"),
    path("v1/reputation-rules/", ReputationRulesView.as_view(), name="reputation-rules"),
    path("v1/insights/", InsightsView.as_view(), name="insights"),
]
