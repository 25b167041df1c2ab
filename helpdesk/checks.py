"""`manage.py check` (and every server start) says which settings the chosen adapter lacks."""

from django.core.checks import Error, register

from helpdesk import adapters


@register()
def helpdesk_settings(app_configs, **kwargs) -> list[Error]:
    adapter = adapters.chosen()
    if adapter is None:
        return []
    return [
        Error(
            f"COMMONPLACE_HELPDESK={adapter.key} needs {name}.",
            hint="Set it in the environment (README, 'Helpdesk bridge'), or empty COMMONPLACE_HELPDESK.",
            id="helpdesk.E001",
        )
        for name in adapter.missing_settings()
    ]
