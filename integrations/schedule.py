"""When a webhook delivery is tried again, and how long things may take. README, "Webhooks"."""

import datetime as dt
import random

MINUTE, HOUR = dt.timedelta(minutes=1), dt.timedelta(hours=1)
# After the first attempt fails: 1 minute, 5 minutes, 30 minutes, 2, 5, 10 and 24 hours, each
# give or take a tenth (jitter, so that endpoints that failed together do not retry together).
# Eight attempts in all, the last about 42 hours after the first.
RETRY_DELAYS = (MINUTE, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 5 * HOUR, 10 * HOUR, 24 * HOUR)
JITTER = 0.1
# An endpoint whose every attempt has failed for this long is disabled and its owner told.
DISABLE_AFTER = 24 * HOUR
# One request: this long to connect, this long for the answer.
TIMEOUT = (3, 10)
# A worker sending a delivery holds it this long (well over TIMEOUT): nobody else sends it
# meanwhile, and if the worker dies the sweep sends it again afterwards.
LEASE = 2 * MINUTE
# A delivery put on the queue is left to that message this long before the sweep queues it
# again (the broker was down, or the message was lost).
ENQUEUE_GRACE = 2 * MINUTE
# The delivery log keeps this long: older deliveries that are not pending (delivered, given up,
# paused) are forgotten by the sweep, with events no delivery names any more.
LOG_KEPT = dt.timedelta(days=30)


def retry_delay(attempts: int) -> dt.timedelta | None:
    """How long to wait after `attempts` failed attempts; None when that was the last."""
    if attempts < 1 or attempts > len(RETRY_DELAYS):
        return None
    return RETRY_DELAYS[attempts - 1] * random.uniform(1 - JITTER, 1 + JITTER)
