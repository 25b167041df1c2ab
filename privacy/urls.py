from django.urls import path

from privacy import export_views

app_name = "privacy"
urlpatterns = [
    # --- export ---
    # Under allauth's /accounts/ (config/urls.py includes these after it; it has no such address).
    path("accounts/data/", export_views.data, name="export"),
    path("accounts/data/<int:pk>/", export_views.export_detail, name="export_detail"),
    path("accounts/data/<int:pk>/download/", export_views.download, name="export_download"),
    # --- erasure ---
]
