from django.apps import AppConfig


class ModerationConfig(AppConfig):
    name = "moderation"
    verbose_name = "Moderation"

    def ready(self):
        from forum.extensions import extensions
        from moderation import selectors, signals  # noqa: F401  (signals: connects the login receiver)

        extensions.thread_attach.append(selectors.thread_public_notes)
