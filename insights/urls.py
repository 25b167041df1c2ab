from django.urls import path

from insights import views

app_name = "insights"
urlpatterns = [
    path("", views.index, name="index"),
    path("export.csv", views.export_csv, name="export_csv"),
    path("me-too/<int:question_id>/", views.me_too, name="me_too"),
    path("escalate/<int:question_id>/", views.escalate, name="escalate"),
    path("escalate/<int:question_id>/outcome/", views.outcome, name="outcome"),
]
