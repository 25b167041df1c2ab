from django.urls import path

from kb import views

app_name = "kb"
urlpatterns = [
    path("", views.index, name="index"),
    path("search/", views.search, name="search"),
    path("tags/<slug:slug>/", views.tag_detail, name="tag_detail"),
    path("promote/<int:question_id>/", views.promote, name="promote"),
    path("<int:pk>/", views.article_redirect, name="article_redirect"),
    path("<int:pk>/edit/", views.article_edit, name="article_edit"),
    path("<int:pk>/revisions/", views.revisions, name="revisions"),
    path("<int:pk>/verify/", views.verify, name="verify"),
    # Last among <pk>/...: the fixed words above must win over a slug.
    path("<int:pk>/<slug:slug>/", views.article_detail, name="article_detail"),
]
