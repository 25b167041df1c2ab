from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    """A member's data: the copy they may download (export) and the account they may erase.
    Layered just below the console and the API, so it reads every app it reports on."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "privacy"
    verbose_name = "Privacy"
