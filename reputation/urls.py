from django.urls import path

from reputation import views

app_name = "reputation"
urlpatterns = [
    path("reputation/rules/", views.rules_page, name="rules"),
    path("privileges/", views.privileges_page, name="privileges"),
    path("badges/", views.badges_page, name="badges"),
    path("leaderboard/", views.leaderboard, name="leaderboard"),
    path("users/<str:username>/reputation/", views.user_ledger, name="user_ledger"),
]
