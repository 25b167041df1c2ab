from django.urls import path

from notifications import live_views, settings_views, views

app_name = "notifications"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("read-all/", views.mark_all_read, name="mark_all_read"),
    path("<int:pk>/read/", views.mark_read, name="mark_read"),
    path("<int:pk>/go/", views.go, name="go"),
    path("watch/question/<int:pk>/", views.question_watch_toggle, name="question_watch"),
    path("tags/<slug:slug>/watch/", views.tag_preference, {"action": "watch"}, name="tag_watch"),
    path("tags/<slug:slug>/ignore/", views.tag_preference, {"action": "ignore"}, name="tag_ignore"),
    path("tags/<slug:slug>/clear/", views.tag_preference, {"action": "clear"}, name="tag_clear"),
    path("settings/", settings_views.email_settings, name="email_settings"),
    path("unsubscribe/<str:token>/", settings_views.unsubscribe, name="unsubscribe"),
    path("live/question/<int:pk>/", live_views.question_live, name="live_question"),
    path("unread-count/", live_views.unread_count, name="unread_count"),
]
