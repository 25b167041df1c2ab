from django.urls import path

from privacy import erasure_views

app_name = "privacy"
urlpatterns = [
    # --- export ---
    # --- erasure ---
    # Under allauth's /accounts/ (config/urls.py includes these after it; it has no such address).
    path("accounts/delete/", erasure_views.erase, name="erase"),
    path("accounts/delete/done/", erasure_views.erase_done, name="erase_done"),
    # The console's member pages (config/urls.py includes these before the console's own).
    path("manage/members/<str:username>/erase/", erasure_views.erase_member, name="erase_member"),
]
