from functools import cache

from notifications import selectors


def unread_notifications(request):
    """`unread_notification_count` for the nav's bell. It is computed only when a template uses
    it (fragments and anonymous pages never do), and then mostly read from the cache."""
    user = getattr(request, "user", None)

    @cache
    def count() -> int:
        return selectors.unread_count(user)

    return {"unread_notification_count": count}
