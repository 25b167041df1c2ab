from django.apps import AppConfig


class BrandingConfig(AppConfig):
    """The site's name, logo, colour, footer links, welcome banner and escalation contact: one row
    in the database, read from the cache on every page and in every email. It is the lowest layer
    (it imports no other app of the project), so every app, email code included, may read it; the
    console edits it."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "branding"
    verbose_name = "Branding"
