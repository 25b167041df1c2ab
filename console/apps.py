from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    """The operator console at /manage/: where community managers run the site (roles,
    branding, members) and moderators suspend and silence. It is the third door onto the same
    services and permission functions as the web and the API."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "console"
