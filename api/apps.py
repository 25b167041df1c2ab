from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "REST API"

    def ready(self) -> None:
        # drf-spectacular finds the API-key security scheme by importing its extension.
        from api import schema  # noqa: F401
