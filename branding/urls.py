from django.urls import path, re_path

from branding import views

app_name = "branding"
urlpatterns = [
    re_path(r"^logo/(?P<sha256>[0-9a-f]{64})\.(?P<extension>png|jpg|webp|gif|img)$", views.logo, name="logo"),
    path("theme.css", views.theme, name="theme"),
    path("preview.css", views.preview, name="preview"),
    path("banner/dismiss/", views.dismiss_banner, name="dismiss_banner"),
]
