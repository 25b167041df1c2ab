from django.apps import AppConfig


class KbConfig(AppConfig):
    name = "kb"
    verbose_name = "Knowledge base"

    def ready(self):
        from forum.extensions import extensions
        from kb import search, selectors

        extensions.thread_question.append(selectors.thread_article)
        extensions.search_sections.append(search.search_section)
