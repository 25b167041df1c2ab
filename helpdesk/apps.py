from django.apps import AppConfig


class HelpdeskConfig(AppConfig):
    """The helpdesk bridge: a ticket in the company's helpdesk for a thread taken to private
    follow-up, its status shown to staff on the thread, and its public outcome brought back
    (README, "Helpdesk bridge"). Above integrations (signing, outbound HTTP) and insights (the
    escalation it belongs to)."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "helpdesk"
    verbose_name = "Helpdesk bridge"

    def ready(self):
        from forum.extensions import extensions
        from helpdesk import checks, selectors  # noqa: F401 (checks registers itself)

        extensions.thread_question.append(selectors.thread_question)
        extensions.thread_attach.append(selectors.thread_ticket_opener)
