from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    """What carries the community outward: signed webhooks and the helpdesk bridge. Both speak
    through `outbound` (HTTP that refuses private addresses) and `signing` (HMAC-SHA256)."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "integrations"

    def ready(self):
        from integrations import receivers

        receivers.connect()  # webhooks hear the facts of the apps below, in their transactions
