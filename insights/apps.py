from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "insights"
    verbose_name = "Insights"

    def ready(self):
        from forum.extensions import extensions
        from insights import selectors

        extensions.thread_question.append(selectors.thread_question)
        extensions.thread_attach.append(selectors.thread_escalation_people)
        extensions.question_list.append(selectors.question_list)
