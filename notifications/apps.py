from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Notifications"

    def ready(self):
        from forum.extensions import extensions
        from notifications import selectors, signals  # signals: connects the receivers

        signals.connect()
        extensions.thread_question.append(selectors.thread_question)
        extensions.question_list.append(selectors.question_list)
        extensions.tag.append(selectors.tag_with_mode)
