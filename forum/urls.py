from django.urls import path

from forum import feeds, search_views, views

app_name = "forum"
urlpatterns = [
    path("", views.question_list, name="home"),
    path("questions/", views.question_list, name="question_list"),
    path("questions/ask/", views.ask, name="ask"),
    path("questions/similar/", search_views.similar, name="similar"),
    path("questions/feed/", feeds.NewestQuestionsFeed(), name="feed"),
    path("questions/<int:pk>/", views.question_redirect, name="question_redirect"),
    path("questions/<int:pk>/edit/", views.question_edit, name="question_edit"),
    path("questions/<int:pk>/revisions/", views.revisions, {"kind": "question"}, name="question_revisions"),
    path("questions/<int:pk>/answers/", views.answer_create, name="answer_create"),
    path("questions/<int:pk>/vote/", views.vote, {"kind": "question"}, name="question_vote"),
    path("questions/<int:pk>/comments/", views.comment_create, {"kind": "question"}, name="question_comment"),
    # Last among questions/<pk>/...: the fixed words above must win over a slug.
    path("questions/<int:pk>/<slug:slug>/", views.question_detail, name="question_detail"),
    path("answers/<int:pk>/edit/", views.answer_edit, name="answer_edit"),
    path("answers/<int:pk>/revisions/", views.revisions, {"kind": "answer"}, name="answer_revisions"),
    path("answers/<int:pk>/vote/", views.vote, {"kind": "answer"}, name="answer_vote"),
    path("answers/<int:pk>/accept/", views.answer_accept, name="answer_accept"),
    path("answers/<int:pk>/also-helped/", views.answer_also_helped, name="answer_also_helped"),
    path("answers/<int:pk>/comments/", views.comment_create, {"kind": "answer"}, name="answer_comment"),
    path("revisions/<int:pk>/rollback/", views.revision_rollback, name="revision_rollback"),
    path("suggested-edits/<int:pk>/", views.suggested_edit_detail, name="suggested_edit_detail"),
    path("suggested-edits/<int:pk>/approve/", views.suggested_edit_approve, name="suggested_edit_approve"),
    path("suggested-edits/<int:pk>/reject/", views.suggested_edit_reject, name="suggested_edit_reject"),
    path("tags/", views.tag_list, name="tag_list"),
    path("tags/<slug:slug>/", views.tag_detail, name="tag_detail"),
    path("tags/<slug:slug>/feed/", feeds.TagQuestionsFeed(), name="tag_feed"),
    path("preview/", views.preview, name="preview"),
    path("search/", search_views.search, name="search"),
]
