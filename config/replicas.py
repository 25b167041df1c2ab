"""Reads spread over PostgreSQL streaming replicas (README, "Read replicas").

With `DATABASE_REPLICA_URLS` set, settings add one `DATABASES` alias per URL (`replica_1`, ...)
and install `ReplicaRouter` and `ReplicaMiddleware`. Without it neither is installed and every
query goes to `default`, as before.

Only a web request may read from a replica, and only when all of these hold:

- it is a GET, HEAD or OPTIONS request, and the client has no sticky cookie: a request with any
  other method (POST, PUT, PATCH, DELETE) is answered with the cookie, so for
  `COMMONPLACE_REPLICA_STICKY_SECONDS` afterwards that client reads from the primary and sees its
  own answer, vote or edit at once, whatever the replicas' lag;
- it has written nothing yet (after its first write through the ORM, the rest of the request
  reads from the primary);
- the primary connection is not inside `transaction.atomic()`.

Everything else (Celery tasks, management commands, the shell, migrations) has no request and
reads from the primary. One request reads from one replica, picked at random among those up on
its first read, so its reads agree with each other.

A replica that cannot be reached (connection refused, or no answer within
`COMMONPLACE_REPLICA_CONNECT_TIMEOUT` seconds) or fails the once-a-request health check is
remembered as down in this process for `COMMONPLACE_REPLICA_RETRY_SECONDS`: meanwhile its
requests read from another replica or the primary without trying it, and the first request after
that tries it again. With `COMMONPLACE_REPLICA_MAX_LAG_SECONDS` set, a replica whose replay is
further behind than that is treated the same way (checked at most once per retry interval).
"""

from __future__ import annotations

import contextvars
import logging
import random
import threading
import time
from dataclasses import dataclass

import dj_database_url
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

logger = logging.getLogger("commonplace.replicas")

STICKY_COOKIE = "commonplace_primary"
READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def replica_databases(urls: list[str], primary: dict, *, connect_timeout: int) -> dict[str, dict]:
    """The `DATABASES` entries for the replica URLs: `replica_1`, `replica_2`, ... in order, each
    with the primary's connection lifetime, a short connect timeout, and (for the test runner) a
    mirror of `default`, so tests create no database for them."""
    if urls and primary["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("DATABASE_REPLICA_URLS needs DATABASE_URL to name a PostgreSQL primary.")
    replicas = {}
    for number, url in enumerate(urls, start=1):
        entry = dj_database_url.parse(
            url, conn_max_age=primary.get("CONN_MAX_AGE", 0), conn_health_checks=True
        )
        if entry["ENGINE"] != "django.db.backends.postgresql":
            raise ImproperlyConfigured(f"DATABASE_REPLICA_URLS: replica {number} is not a PostgreSQL URL.")
        # libpq waits at least 2 s whatever is asked; URL options (?connect_timeout=5) win.
        entry["OPTIONS"] = {"connect_timeout": max(2, connect_timeout), **entry.get("OPTIONS", {})}
        entry["TEST"] = {"MIRROR": DEFAULT_DB_ALIAS}
        replicas[f"replica_{number}"] = entry
    return replicas


def replica_aliases() -> list[str]:
    return [alias for alias in settings.DATABASES if alias.startswith("replica_")]


# --- Health, per process ---------------------------------------------------------------------

_lock = threading.Lock()
_down_until: dict[str, float] = {}
_lag_checked_at: dict[str, float] = {}


def mark_down(alias: str, why: str) -> None:
    seconds = settings.COMMONPLACE_REPLICA_RETRY_SECONDS
    with _lock:
        _down_until[alias] = time.monotonic() + seconds
    logger.warning("Database %s %s: reads go elsewhere for %s s.", alias, why, seconds)


def is_marked_down(alias: str) -> bool:
    with _lock:
        until = _down_until.get(alias)
        if until is None:
            return False
        if time.monotonic() >= until:
            del _down_until[alias]  # time to try it again
            return False
        return True


def forget_health() -> None:
    """Forget what this process learnt about its replicas (for tests)."""
    with _lock:
        _down_until.clear()
        _lag_checked_at.clear()


def _lag_seconds(alias: str) -> float:
    with connections[alias].cursor() as cursor:
        # Nothing waiting to be replayed: caught up, however long ago the last write was.
        cursor.execute(
            "SELECT CASE WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn() THEN 0"
            " ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0) END"
        )
        return float(cursor.fetchone()[0])


def _too_far_behind(alias: str) -> bool:
    limit = settings.COMMONPLACE_REPLICA_MAX_LAG_SECONDS
    if not limit:
        return False
    now = time.monotonic()
    with _lock:
        if now - _lag_checked_at.get(alias, float("-inf")) < settings.COMMONPLACE_REPLICA_RETRY_SECONDS:
            return False
        _lag_checked_at[alias] = now
    return _lag_seconds(alias) > limit


def is_usable(alias: str) -> bool:
    """Connect to the replica if this thread has no connection to it, or check the one it has
    (once a request, as Django's CONN_HEALTH_CHECKS does); on failure, remember it as down."""
    if is_marked_down(alias):
        return False
    connection = connections[alias]
    try:
        connection.close_if_health_check_failed()
        connection.ensure_connection()
        if _too_far_behind(alias):
            mark_down(alias, f"is more than {settings.COMMONPLACE_REPLICA_MAX_LAG_SECONDS} s behind")
            return False
    except DatabaseError as error:
        connection.close()
        mark_down(alias, f"is unreachable ({(str(error).strip() or type(error).__name__).splitlines()[0]})")
        return False
    return True


# --- Which database a read goes to -----------------------------------------------------------


@dataclass
class _Request:
    replica_reads: bool
    request: object = None
    wrote: bool = False
    alias: str | None = None


_request: contextvars.ContextVar[_Request | None] = contextvars.ContextVar("replica_request", default=None)


def _pick_replica() -> str:
    candidates = replica_aliases()
    random.shuffle(candidates)
    for alias in candidates:
        if is_usable(alias):
            return alias
    return DEFAULT_DB_ALIAS


def read_alias() -> str:
    """The alias the current code's reads go to (`default` outside a web request)."""
    state = _request.get()
    if state is None or not state.replica_reads or state.wrote:
        return DEFAULT_DB_ALIAS
    # A view that must not read stale rows sets this on its request: the anonymous page cache
    # (forum.pagecache) renders the pages it stores from the primary, or a replica behind would
    # store an old page under generations that a write has already bumped.
    if getattr(state.request, "reads_from_primary", False):
        return DEFAULT_DB_ALIAS
    if connections[DEFAULT_DB_ALIAS].in_atomic_block:
        return DEFAULT_DB_ALIAS
    if state.alias is None:
        state.alias = _pick_replica()
    return state.alias


class ReplicaRouter:
    """Writes to the primary; reads as `read_alias()` says."""

    def db_for_read(self, model, **hints):
        return read_alias()

    def db_for_write(self, model, **hints):
        state = _request.get()
        if state is not None:
            state.wrote = True
        # Explicitly: left to Django, a row read from a replica would be saved back to it.
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        # Every alias is the same data: a row read from a replica may point at one from the primary.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return None if db == DEFAULT_DB_ALIAS else False


class ReplicaMiddleware:
    """Lets a safe request without the sticky cookie read from a replica, and gives the cookie to
    every client that sent anything else."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        safe = request.method in READ_ONLY_METHODS
        token = _request.set(
            _Request(replica_reads=safe and STICKY_COOKIE not in request.COOKIES, request=request)
        )
        try:
            response = self.get_response(request)
        finally:
            _request.reset(token)
        if not safe:
            response.set_cookie(
                STICKY_COOKIE,
                "1",
                max_age=settings.COMMONPLACE_REPLICA_STICKY_SECONDS,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response
