from django.urls import path

from console import branding_views, views

app_name = "console"
urlpatterns = [
    path("", views.home, name="home"),
    path("branding/", branding_views.branding, name="branding"),
    path("members/", views.member_list, name="members"),
    path("members/<str:username>/", views.member_detail, name="member"),
    path("members/<str:username>/role/", views.member_role, name="member_role"),
    path("members/<str:username>/remove-spammer/", views.member_remove_spammer, name="remove_spammer"),
    path("members/<str:username>/<str:kind>/", views.member_restrict, name="member_restrict"),
    path("members/<str:username>/<str:kind>/lift/", views.member_lift, name="member_lift"),
    path("roles/", views.roles, name="roles"),
    path("integrations/", views.integrations, name="integrations"),
    path("integrations/<str:username>/", views.integration, name="integration"),
    path(
        "integrations/<str:username>/keys/<int:pk>/revoke/",
        views.integration_key_revoke,
        name="integration_key_revoke",
    ),
]
