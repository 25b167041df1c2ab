from django.apps import AppConfig


class ForumConfig(AppConfig):
    name = "forum"
    verbose_name = "Forum"

    def ready(self):
        from forum import pagecache

        pagecache.connect()  # every write bumps the anonymous pages it changes
