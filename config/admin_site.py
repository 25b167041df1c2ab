"""Django's admin, for superusers only.

Staff status is a flair that grants nothing (README, "Who may do what"), so it no longer opens
/admin/ either: everything an operator does (roles, suspensions, silences, removing spammers)
is in the console at /manage/, through the same rules, services and audit log as the rest of
the site. The admin stays for superusers as raw model browsing (a last resort when something
needs looking at by hand); writing through it skips the rules and the log, so it is not how the
community is run."""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig


class SuperuserAdminSite(admin.AdminSite):
    site_header = "Commonplace: raw data (superusers)"
    site_title = "Commonplace admin"
    index_title = "Raw data. To run the community, use the console at /manage/."

    def has_permission(self, request) -> bool:
        return bool(request.user.is_active and request.user.is_superuser)


class SuperuserAdminConfig(AdminConfig):
    default_site = "config.admin_site.SuperuserAdminSite"
