from django.urls import path

from console import branding_views, views

app_name = "console"
urlpatterns = [
    path("", views.home, name="home"),
    path("branding/", branding_views.branding, name="branding"),
]
