from django.urls import path

from console import branding_views, export_views, views, webhook_views

app_name = "console"
urlpatterns = [
    path("", views.home, name="home"),
    path("branding/", branding_views.branding, name="branding"),
    path("members/", views.member_list, name="members"),
    path("members/<str:username>/", views.member_detail, name="member"),
    path("members/<str:username>/role/", views.member_role, name="member_role"),
    path("members/<str:username>/remove-spammer/", views.member_remove_spammer, name="remove_spammer"),
    # Before the suspend/silence pattern below, which would take "export" for a kind.
    path("members/<str:username>/export/", export_views.member_export, name="member_export"),
    path("members/<str:username>/<str:kind>/", views.member_restrict, name="member_restrict"),
    path("members/<str:username>/<str:kind>/lift/", views.member_lift, name="member_lift"),
    path("roles/", views.roles, name="roles"),
    path("webhooks/", webhook_views.endpoint_list, name="webhooks"),
    path("webhooks/new/", webhook_views.endpoint_create, name="webhook_create"),
    path("webhooks/<int:pk>/", webhook_views.endpoint_detail, name="webhook"),
    path("webhooks/<int:pk>/edit/", webhook_views.endpoint_edit, name="webhook_edit"),
    path("webhooks/<int:pk>/secret/", webhook_views.endpoint_secret, name="webhook_secret"),
    path("webhooks/<int:pk>/rotate/", webhook_views.endpoint_rotate, name="webhook_rotate"),
    path(
        "webhooks/<int:pk>/disable/", webhook_views.endpoint_switch, {"active": False}, name="webhook_disable"
    ),
    path("webhooks/<int:pk>/enable/", webhook_views.endpoint_switch, {"active": True}, name="webhook_enable"),
    path("webhooks/<int:pk>/ping/", webhook_views.endpoint_ping, name="webhook_ping"),
    path("webhooks/<int:pk>/delete/", webhook_views.endpoint_delete, name="webhook_delete"),
    path(
        "webhooks/<int:pk>/deliveries/<int:delivery_pk>/",
        webhook_views.delivery_detail,
        name="webhook_delivery",
    ),
    path(
        "webhooks/<int:pk>/deliveries/<int:delivery_pk>/redeliver/",
        webhook_views.delivery_redeliver,
        name="webhook_redeliver",
    ),
    path("integrations/", views.integrations, name="integrations"),
    path("integrations/<str:username>/", views.integration, name="integration"),
    path(
        "integrations/<str:username>/keys/<int:pk>/revoke/",
        views.integration_key_revoke,
        name="integration_key_revoke",
    ),
]
