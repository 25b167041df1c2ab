from django.urls import path

from helpdesk import views

app_name = "helpdesk"
urlpatterns = [
    path("callback/", views.callback, name="callback"),
    path("escalate/<int:question_id>/", views.escalate, name="escalate"),
    path("tickets/<int:question_id>/", views.ticket_panel, name="ticket_panel"),
    path("tickets/<int:question_id>/open/", views.ticket_open, name="ticket_open"),
]
