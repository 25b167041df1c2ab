"""Request limits counted in the cache (Redis in production), for refusals that answer 429 with
Retry-After: failed sign-ins per client (accounts/adapter.py) and Markdown previews per account
(forum/views.py). The same for every role.

A rate is "<count>/<period>", the period being s, min, h or d, optionally with a number before
it: "60/min", "5/5min", "30/10min". Counting is in fixed windows of the period, aligned on the
clock, so a refusal knows exactly when the window it is in ends: that is its Retry-After. (A
burst at the end of one window and the start of the next may reach twice the count; for limits
against floods, that is a fair price for one atomic increment per request.)"""

from __future__ import annotations

import hashlib
import math
import re
import time
from dataclasses import dataclass

from django.core.cache import cache

RATE_RE = re.compile(r"^\s*([0-9]+)\s*/\s*([0-9]*)\s*(s|sec|second|m|min|minute|h|hour|d|day)s?\s*$")
UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class Rate:
    count: int
    seconds: int

    @classmethod
    def parse(cls, text: str | None) -> Rate | None:
        """The rate a setting names; None for an empty one (no limit)."""
        if not text or not text.strip():
            return None
        match = RATE_RE.match(text)
        if not match:
            raise ValueError(f'A rate looks like "60/min" or "5/5min"; got {text!r}.')
        count, multiple, unit = match.groups()
        return cls(count=int(count), seconds=int(multiple or 1) * UNITS[unit[0]])


def _key(scope: str, ident: str, rate: Rate, window: int) -> str:
    # Hashed: an ident may hold what someone typed (a login), of any length and character.
    digest = hashlib.sha256(ident.encode()).hexdigest()[:32]
    return f"throttle:{scope}:{rate.count}/{rate.seconds}:{digest}:{window}"


def _window(rate: Rate, now: float) -> tuple[int, int]:
    """The current window's number, and the whole seconds until it ends (at least 1)."""
    window = int(now // rate.seconds)
    return window, max(1, math.ceil((window + 1) * rate.seconds - now))


def wait(scope: str, ident: str, rate: Rate | None) -> int:
    """Seconds until `ident` may be counted again under `rate`; 0 when it may now. Counts nothing."""
    if rate is None:
        return 0
    window, remaining = _window(rate, time.time())
    return remaining if cache.get(_key(scope, ident, rate, window), 0) >= rate.count else 0


def hit(scope: str, ident: str, rate: Rate | None) -> int:
    """Count one for `ident`. Returns 0 when it was within the rate, else the seconds to wait."""
    if rate is None:
        return 0
    window, remaining = _window(rate, time.time())
    key = _key(scope, ident, rate, window)
    cache.add(key, 0, timeout=rate.seconds + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr: this hit opens the count again
        cache.set(key, 1, timeout=rate.seconds + 1)
        count = 1
    return remaining if count > rate.count else 0


def wait_phrase(seconds: int) -> str:
    """ "12 seconds", "1 minute", "4 minutes": how long to wait, in words."""
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = math.ceil(seconds / 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"
