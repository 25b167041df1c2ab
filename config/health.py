"""/healthz: is the database reachable, and is the broker (or eager mode) in place? With read
replicas, each one's state as this process sees it (config/replicas.py)."""

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from config import replicas


def database_status() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any driver error means "unreachable" to a health check
        return "unavailable"
    return "ok"


def broker_status() -> str:
    if not settings.REDIS_URL:
        return "eager"
    import redis

    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
        client.ping()
    except redis.RedisError:
        return "unavailable"
    return "ok"


def replica_statuses() -> dict[str, str]:
    """ "ok", or "unavailable" for a replica that cannot be reached or is remembered as down (its
    reads go to the primary meanwhile)."""
    return {
        alias: "ok" if replicas.is_usable(alias) else "unavailable" for alias in replicas.replica_aliases()
    }


@never_cache
@require_GET
def healthz(request):
    database = database_status()
    broker = broker_status()
    # A broker outage degrades but does not stop the site: writes record pending events in the
    # database and the outbox re-sends them. Only a lost database makes the service unhealthy.
    healthy = database == "ok"
    body = {"status": "ok" if healthy else "unavailable", "database": database, "broker": broker}
    # A replica down costs no request either: its reads go to the primary.
    if statuses := replica_statuses():
        body["replicas"] = statuses
    return JsonResponse(body, status=200 if healthy else 503)
