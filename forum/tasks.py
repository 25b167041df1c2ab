"""The forum's periodic work."""

from celery import shared_task

from forum import services


@shared_task(name="forum.flush_view_counts")
def flush_view_counts() -> int:
    """Add the question views counted in the cache to the database (forum-flush-view-counts).
    Idempotent: what it adds it subtracts from the cache, so a rerun adds only newer views."""
    return services.view_counts_flush()
