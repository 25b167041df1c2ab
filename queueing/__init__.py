"""Publishing Celery tasks from a web request without ever making the request wait for a broker.

Every app enqueues its after-commit work through `publish`. The work itself is always already
safe in the database (a pending row), and a beat sweep re-sends whatever was not published, so
a publish that fails is only logged. What this module adds is speed during an outage:

- it publishes once, without kombu's publish and connection retry loops (most of the 0.65 s a
  vote took with Redis down), and the broker's connect timeout is short (settings,
  CELERY_BROKER_TRANSPORT_OPTIONS: "max_retries": 0);
- after a failure it remembers, in this process, that the broker is down for
  `BROKER_DOWN_SECONDS` and makes no attempt at all until then: the sweeps catch up.

This is the bottom layer (.importlinter): every app may import it, it imports none of them.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import Any

log = logging.getLogger(__name__)

#: How long a failed publish keeps this process from trying again.
BROKER_DOWN_SECONDS = 5.0

_state = {"down_until": 0.0}


def broker_known_down() -> bool:
    return time.monotonic() < _state["down_until"]


def forget_broker_down() -> None:
    """Forget a remembered outage (tests; a process that knows the broker is back)."""
    _state["down_until"] = 0.0


QUICK_RETRY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.1, "interval_max": 0.1}


def publish(task: Any, args: Sequence[Any] = (), *, what: str, countdown: int | None = None) -> bool:
    """Send `task(*args)` to the queue, or run it inline when Celery is eager (no broker).
    Never raises. Returns True when the task was published (or ran), False when it was not and
    the sweep named in `what` will do it ("reputation event 12; the outbox will re-send it")."""
    options: dict[str, Any] = {}
    if countdown is not None:
        options["countdown"] = countdown
    if task.app.conf.task_always_eager:
        try:
            task.apply_async(tuple(args), **options)
        except Exception:  # run inline, a task's error must not fail the request that queued it
            log.warning("Could not run %s.", what, exc_info=True)
            return False
        return True
    if broker_known_down():
        log.info("Broker known to be down; not publishing %s.", what)
        return False
    try:
        # One quick retry: it revives a pooled connection the broker dropped while it was away
        # (without it, a worker kept failing on its stale connection after Redis came back),
        # and costs a refused connect or two while the broker is really down.
        task.apply_async(tuple(args), retry=True, retry_policy=QUICK_RETRY, **options)
    except Exception:
        _state["down_until"] = time.monotonic() + BROKER_DOWN_SECONDS
        log.warning(
            "Could not publish %s (broker down? not trying again for %ss).",
            what,
            BROKER_DOWN_SECONDS,
            exc_info=True,
        )
        return False
    return True
