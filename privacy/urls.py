from django.urls import path

from privacy import erasure_views, export_views

app_name = "privacy"
urlpatterns = [
    # --- export ---
    # Under allauth's /accounts/ (config/urls.py includes these after it; it has no such address).
    path("accounts/data/", export_views.data, name="export"),
    path("accounts/data/<int:pk>/", export_views.export_detail, name="export_detail"),
    path("accounts/data/<int:pk>/download/", export_views.download, name="export_download"),
    # --- erasure ---
    # Under allauth's /accounts/ (config/urls.py includes these after it; it has no such address).
    path("accounts/delete/", erasure_views.erase, name="erase"),
    path("accounts/delete/done/", erasure_views.erase_done, name="erase_done"),
    # The console's member pages (config/urls.py includes these before the console's own).
    path("manage/members/<str:username>/erase/", erasure_views.erase_member, name="erase_member"),
]
