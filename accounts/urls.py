from django.urls import path

from accounts import views

app_name = "accounts"
urlpatterns = [
    path("users/<str:username>/", views.profile, name="profile"),
    path("users/<str:username>/edit/", views.profile_edit, name="profile_edit"),
    # Under allauth's /accounts/ (config/urls.py includes these after it; it has no such address).
    path("accounts/api-keys/", views.api_keys, name="api_keys"),
    path("accounts/api-keys/<int:pk>/revoke/", views.api_key_revoke, name="api_key_revoke"),
]
